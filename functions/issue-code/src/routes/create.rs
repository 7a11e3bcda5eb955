//! `POST /v1/payment-codes`: the request is read, then (with an `Idempotency-Key`) answered at
//! most once per key; [`super::issue`] issues the code.

use chrono::Duration;
use cuadre_core::records::{sha256_hex, IdempotencyStatus};
use cuadre_core::store::IdempotencyStart;
use cuadre_core::{IdempotencyRecord, Tenant};
use cuadre_lambda::problem::{json_response, Problem};
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::issue::issue;
use crate::app::App;
use crate::problems;
use crate::request::parse_create;

/// What an `Idempotency-Key` replays.
#[derive(Debug, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    body: Value,
}

pub(super) async fn create(
    app: &App,
    tenant: &Tenant,
    base: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let input = parse_create(body, now).map_err(problems::body)?;
    let Some(key) = idempotency_key(headers)? else {
        let (status, value) = issue(app, tenant, base, &input, now).await?;
        return Ok(json_response(status, &value));
    };
    let record = IdempotencyRecord {
        tenant_id: tenant.tenant_id.clone(),
        key: format!("payment-codes:{key}"),
        status: IdempotencyStatus::InProgress,
        payload_hash: sha256_hex(body),
        response: None,
        expires_at: (now + Duration::seconds(app.settings.idempotency_ttl_secs)).timestamp(),
        in_progress_until: (now + Duration::seconds(app.settings.lease_secs)).timestamp(),
    };
    match app
        .store
        .start(&record, now.timestamp())
        .await
        .map_err(problems::store)?
    {
        IdempotencyStart::Started => {}
        IdempotencyStart::InProgress => {
            return Err(Problem::conflict(
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )
            .retryable())
        }
        IdempotencyStart::PayloadMismatch => return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused with another body",
            "this Idempotency-Key was already used with a different request body; use a new key",
        )),
        IdempotencyStart::Completed(stored) => {
            let stored: StoredResponse =
                serde_json::from_str(&stored).map_err(|_| Problem::internal())?;
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            return Ok(json_response(status, &stored.body));
        }
    }
    match issue(app, tenant, base, &input, now).await {
        Ok((status, value)) => {
            let stored = StoredResponse {
                status: status.as_u16(),
                body: value,
            };
            let text = serde_json::to_string(&stored).map_err(|_| Problem::internal())?;
            if let Err(e) = app
                .store
                .complete(&tenant.tenant_id, &record.key, &text, record.expires_at)
                .await
            {
                // The code exists and is stored; a retry will find it through the order.
                tracing::warn!(error = %e, "could not store the idempotent response");
            }
            Ok(json_response(status, &stored.body))
        }
        Err(problem) => {
            // Like Powertools: a failed request frees its key so the client can retry it.
            if let Err(e) = app.store.abandon(&tenant.tenant_id, &record.key).await {
                tracing::warn!(error = %e, "could not release the idempotency key");
            }
            Err(problem)
        }
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
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
