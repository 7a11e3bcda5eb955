//! `Idempotency-Key` on a create, the Powertools way: the first answer to a key (per merchant and
//! per [`Idempotency::scope`]) is stored and replayed, with its status, to any request with the
//! same key and the same body; the same key with another body is a `422`
//! (`idempotency-key-reused`); a key whose request is still running is a retryable `409`; a request
//! that fails frees its key, so the client may retry it.
//!
//! The records are the store's ([`IdempotencyStore`]); the payload hash is the SHA-256 of the raw
//! request body.

use std::future::Future;

use cuadre_core::records::{sha256_hex, IdempotencyStatus};
use cuadre_core::store::{IdempotencyStart, IdempotencyStore, StoreError};
use cuadre_core::{IdempotencyRecord, TenantId};
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::problem::{json_response, Problem};

/// The request header (header names are case-insensitive).
pub const HEADER: &str = "idempotency-key";

/// How long a key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// How long a stored answer is replayed.
    pub ttl_secs: i64,
    /// How long a running request holds its key; past it the key is taken as abandoned (the
    /// Lambda died) and the next request with it runs.
    pub lease_secs: i64,
}

impl Default for Lifetimes {
    /// 24 hours, 30 seconds.
    fn default() -> Self {
        Lifetimes {
            ttl_secs: 24 * 3600,
            lease_secs: 30,
        }
    }
}

/// Where one operation's keys live: the tenant's records, under a scope.
pub struct Idempotency<'a, S: IdempotencyStore + ?Sized> {
    pub store: &'a S,
    pub tenant_id: &'a TenantId,
    /// What a key is about (`payment-codes`, [`scope`]`("refunds", order_id)`): a key is only
    /// ever replayed within its scope.
    pub scope: String,
    pub lifetimes: Lifetimes,
}

/// What an `Idempotency-Key` replays.
#[derive(Debug, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    body: Value,
}

impl<S: IdempotencyStore + ?Sized> Idempotency<'_, S> {
    /// Answers `work`'s `(status, body)` as JSON: every time when the request has no
    /// `Idempotency-Key`, at most once per key when it has one (see the module). `now` is in Unix
    /// seconds.
    pub async fn answer<F, Fut>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
        work: F,
    ) -> Result<Response<Body>, Problem>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(StatusCode, Value), Problem>>,
    {
        let Some(key) = key(headers)? else {
            let (status, value) = work().await?;
            return Ok(json_response(status, &value));
        };
        let record = IdempotencyRecord {
            tenant_id: self.tenant_id.clone(),
            key: format!("{}:{key}", self.scope),
            status: IdempotencyStatus::InProgress,
            payload_hash: sha256_hex(body),
            response: None,
            expires_at: now + self.lifetimes.ttl_secs,
            in_progress_until: now + self.lifetimes.lease_secs,
        };
        match self.store.start(&record, now).await.map_err(start_failed)? {
            IdempotencyStart::Started => {}
            IdempotencyStart::InProgress => return Err(in_progress()),
            IdempotencyStart::PayloadMismatch => return Err(reused()),
            IdempotencyStart::Completed(stored) => return replay(&stored),
        }
        match work().await {
            Ok((status, value)) => {
                let stored = StoredResponse {
                    status: status.as_u16(),
                    body: value,
                };
                let text = serde_json::to_string(&stored).map_err(|_| Problem::internal())?;
                if let Err(e) = self
                    .store
                    .complete(self.tenant_id, &record.key, &text, record.expires_at)
                    .await
                {
                    // The work is done and stored; only its replay is lost (the key frees itself
                    // when its lease runs out).
                    tracing::warn!(error = %e, "could not store the idempotent response");
                }
                Ok(json_response(status, &stored.body))
            }
            Err(problem) => {
                // Like Powertools: a failed request frees its key so the client can retry it.
                if let Err(e) = self.store.abandon(self.tenant_id, &record.key).await {
                    tracing::warn!(error = %e, "could not release the idempotency key");
                }
                Err(problem)
            }
        }
    }
}

/// A scope for the keys of one item's operations: `{resource}:{id}`, with `%` and `:` in the id
/// escaped so that no other id and key make the same record key.
pub fn scope(resource: &str, id: &str) -> String {
    let id = id.replace('%', "%25").replace(':', "%3A");
    format!("{resource}:{id}")
}

/// The request's `Idempotency-Key`, trimmed: `None` without one, a 400 unless it is 1–255
/// visible characters without `#`.
fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 255 || key.contains('#') {
        return Err(Problem::bad_request(
            "Idempotency-Key must be 1–255 visible characters without '#'",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Another request with this key is still running.
fn in_progress() -> Problem {
    Problem::conflict("a request with this Idempotency-Key is still being processed; retry shortly")
        .retryable()
}

/// The key was used with another body.
fn reused() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        "Idempotency-Key reused with another body",
        "this Idempotency-Key was already used with a different request body; use a new key",
    )
}

/// A lost race for the record (it was freed while we read it) is a key still in use.
fn start_failed(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict(_) => in_progress(),
        other => Problem::from_store(other, "idempotency record"),
    }
}

fn replay(stored: &str) -> Result<Response<Body>, Problem> {
    let stored: StoredResponse = serde_json::from_str(stored).map_err(|_| Problem::internal())?;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok(json_response(status, &stored.body))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use lambda_http::http::HeaderValue;
    use serde_json::json;

    use super::*;

    /// The store's protocol in memory: a record is claimed unless a live one exists.
    #[derive(Default)]
    struct Records(Mutex<HashMap<String, IdempotencyRecord>>);

    impl Records {
        fn id(tenant_id: &TenantId, key: &str) -> String {
            format!("{tenant_id}#{key}")
        }

        fn claim(&self, record: &IdempotencyRecord, now: i64) -> IdempotencyStart {
            let mut records = self.0.lock().unwrap();
            let id = Records::id(&record.tenant_id, &record.key);
            if let Some(existing) = records.get(&id) {
                let live = existing.expires_at >= now
                    && (existing.status == IdempotencyStatus::Completed
                        || existing.in_progress_until >= now);
                if live && existing.payload_hash != record.payload_hash {
                    return IdempotencyStart::PayloadMismatch;
                }
                if live {
                    return match &existing.response {
                        Some(r) => IdempotencyStart::Completed(r.clone()),
                        None => IdempotencyStart::InProgress,
                    };
                }
            }
            records.insert(id, record.clone());
            IdempotencyStart::Started
        }
    }

    // By hand what `#[async_trait]` writes (this crate does not depend on it).
    impl IdempotencyStore for Records {
        fn start<'a, 'b, 'f>(
            &'a self,
            record: &'b IdempotencyRecord,
            now: i64,
        ) -> BoxFuture<'f, Result<IdempotencyStart, StoreError>>
        where
            'a: 'f,
            'b: 'f,
        {
            Box::pin(async move { Ok(self.claim(record, now)) })
        }

        fn complete<'a, 'b, 'c, 'd, 'f>(
            &'a self,
            tenant_id: &'b TenantId,
            key: &'c str,
            response: &'d str,
            expires_at: i64,
        ) -> BoxFuture<'f, Result<(), StoreError>>
        where
            'a: 'f,
            'b: 'f,
            'c: 'f,
            'd: 'f,
        {
            Box::pin(async move {
                let mut records = self.0.lock().unwrap();
                let record = records
                    .get_mut(&Records::id(tenant_id, key))
                    .ok_or_else(|| StoreError::Conflict("not in progress".into()))?;
                record.status = IdempotencyStatus::Completed;
                record.response = Some(response.to_string());
                record.expires_at = expires_at;
                Ok(())
            })
        }

        fn abandon<'a, 'b, 'c, 'f>(
            &'a self,
            tenant_id: &'b TenantId,
            key: &'c str,
        ) -> BoxFuture<'f, Result<(), StoreError>>
        where
            'a: 'f,
            'b: 'f,
            'c: 'f,
        {
            Box::pin(async move {
                let mut records = self.0.lock().unwrap();
                let id = Records::id(tenant_id, key);
                if records
                    .get(&id)
                    .is_some_and(|r| r.status == IdempotencyStatus::InProgress)
                {
                    records.remove(&id);
                }
                Ok(())
            })
        }
    }

    fn headers(key: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            headers.insert(HEADER, HeaderValue::from_str(key).unwrap());
        }
        headers
    }

    fn reply(response: &Response<Body>) -> (u16, Value) {
        let Body::Text(text) = response.body() else {
            panic!("a text body")
        };
        (
            response.status().as_u16(),
            serde_json::from_str(text).unwrap(),
        )
    }

    struct Calls(Mutex<u32>);

    impl Calls {
        /// The work: answers `status` and the call's number, or fails with a 422.
        async fn work(&self, status: StatusCode) -> Result<(StatusCode, Value), Problem> {
            let n = {
                let mut n = self.0.lock().unwrap();
                *n += 1;
                *n
            };
            if status.is_success() {
                Ok((status, json!({ "call": n })))
            } else {
                Err(Problem::validation(Vec::new()))
            }
        }

        fn count(&self) -> u32 {
            *self.0.lock().unwrap()
        }
    }

    fn tenant() -> TenantId {
        TenantId::parse("t-idem").unwrap()
    }

    #[tokio::test]
    async fn a_key_answers_once_and_replays_with_its_status() {
        let (store, tenant, calls) = (Records::default(), tenant(), Calls(Mutex::new(0)));
        let idem = Idempotency {
            store: &store,
            tenant_id: &tenant,
            scope: "things".into(),
            lifetimes: Lifetimes::default(),
        };
        let k = headers(Some(" k-1 "));
        let first = idem
            .answer(&k, b"{}", 1000, || calls.work(StatusCode::CREATED))
            .await
            .unwrap();
        let again = idem
            .answer(&headers(Some("k-1")), b"{}", 1001, || {
                calls.work(StatusCode::CREATED)
            })
            .await
            .unwrap();
        assert_eq!(reply(&first), (201, json!({ "call": 1 })));
        assert_eq!(reply(&again), reply(&first), "trimmed, the same key");
        assert_eq!(calls.count(), 1);

        let other = idem
            .answer(&k, b"{\"x\":1}", 1002, || calls.work(StatusCode::CREATED))
            .await
            .unwrap_err();
        assert_eq!(other.status, 422);
        assert!(other.type_uri.ends_with("/idempotency-key-reused"));

        let later = idem
            .answer(&k, b"{}", 1000 + 24 * 3600 + 1, || {
                calls.work(StatusCode::CREATED)
            })
            .await
            .unwrap();
        assert_eq!(reply(&later).1, json!({ "call": 2 }), "expired: runs again");

        let unkeyed = idem
            .answer(&headers(None), b"{}", 1003, || calls.work(StatusCode::OK))
            .await
            .unwrap();
        assert_eq!(reply(&unkeyed), (200, json!({ "call": 3 })));
    }

    #[tokio::test]
    async fn a_running_key_is_a_conflict_and_a_failure_frees_it() {
        let (store, tenant, calls) = (Records::default(), tenant(), Calls(Mutex::new(0)));
        let idem = Idempotency {
            store: &store,
            tenant_id: &tenant,
            scope: scope("things", "A:1"),
            lifetimes: Lifetimes::default(),
        };
        let k = headers(Some("k"));
        let inner = idem
            .answer(&k, b"{}", 1000, || async {
                let inner = idem.answer(&k, b"{}", 1001, || calls.work(StatusCode::OK));
                inner.await.map(|_| (StatusCode::OK, Value::Null))
            })
            .await
            .unwrap_err();
        assert_eq!((inner.status, inner.retryable), (409, true), "{inner:?}");
        assert_eq!(calls.count(), 0);

        let failed = idem
            .answer(&k, b"{}", 1002, || calls.work(StatusCode::BAD_REQUEST))
            .await
            .unwrap_err();
        assert_eq!(failed.status, 422);
        let retried = idem
            .answer(&k, b"{\"fixed\":true}", 1003, || calls.work(StatusCode::OK))
            .await
            .unwrap();
        assert_eq!(reply(&retried), (200, json!({ "call": 2 })));
    }

    #[test]
    fn keys_are_visible_text_without_a_hash() {
        assert_eq!(key(&headers(None)).unwrap(), None);
        assert_eq!(key(&headers(Some(" a b "))).unwrap().unwrap(), "a b");
        for bad in ["", "   ", "a#b", &"x".repeat(256)] {
            assert_eq!(key(&headers(Some(bad))).unwrap_err().status, 400, "{bad:?}");
        }
        let mut h = HeaderMap::new();
        h.insert(HEADER, HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        assert_eq!(key(&h).unwrap_err().status, 400, "not visible ASCII");
        assert!(key(&headers(Some(&"x".repeat(255)))).is_ok());
    }

    #[test]
    fn scopes_of_different_ids_never_meet() {
        assert_eq!(scope("refunds", "A-1001"), "refunds:A-1001");
        // order "A" with key "1:k" and order "A:1" with key "k"
        assert_ne!(
            format!("{}:1:k", scope("refunds", "A")),
            format!("{}:k", scope("refunds", "A:1"))
        );
        assert_ne!(scope("r", "A%3A1"), scope("r", "A:1"));
    }
}
