//! Exceptions: one item per exception in its own partition, found by order on GSI1 and listed on
//! GSI2 by status, then kind, then opening time, so status and kind filters are key conditions
//! (see [`keys::exception_listing_sk`]).
//!
//! [`keys::exception_listing_sk`]: super::keys::exception_listing_sk

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cuadre_core::exception::ExceptionKind;
use cuadre_core::store::{Created, ExceptionListing, ExceptionStore, StoreError};
use cuadre_core::{ExceptionRecord, ExceptionStatus, OrderId, TenantId};

use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::MerchantEvent;

use super::error::corrupt;
use super::item::{from_items, to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::write::{version_condition, Names, SAME_VERSION};
use super::{page, DynamoStore, Item};

fn exception_item(record: &ExceptionRecord) -> Result<Item, StoreError> {
    let t = &record.tenant_id;
    let mut attrs = vec![
        (PK, exception_pk(t, &record.exception_id)),
        (SK, EXCEPTION_SK.to_string()),
        (GSI2PK, exceptions_list(t)),
        (
            GSI2SK,
            // Kind after status, so status and kind filters are key conditions (keys.rs).
            exception_listing_sk(record),
        ),
    ];
    if let Some(order) = &record.order_id {
        attrs.push((GSI1PK, order_exceptions(t, order)));
        attrs.push((GSI1SK, record.exception_id.clone()));
    }
    Ok(with_keys(to_item(record)?, &attrs))
}

/// The outbox record of the event an exception's write owes, if any (created when it occurred).
fn owed(before: Option<&ExceptionRecord>, after: &ExceptionRecord) -> Vec<EventRecord> {
    MerchantEvent::owed_by_exception(before, after)
        .map(EventRecord::occurred)
        .into_iter()
        .collect()
}

/// The statuses a kind-only listing walks through, in order.
const STATUSES: [ExceptionStatus; 3] = [
    ExceptionStatus::Open,
    ExceptionStatus::Acknowledged,
    ExceptionStatus::Resolved,
];

/// A kind-only listing's position: which status it is in and DynamoDB's token inside it.
#[derive(serde::Serialize, serde::Deserialize)]
struct KindCursor {
    status: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

fn encode_cursor(cursor: &KindCursor) -> Result<String, StoreError> {
    let json = serde_json::to_vec(cursor).map_err(corrupt)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode_cursor(token: &str) -> Result<KindCursor, StoreError> {
    let json = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| StoreError::BadPageToken)?;
    let cursor: KindCursor = serde_json::from_slice(&json).map_err(|_| StoreError::BadPageToken)?;
    if cursor.status >= STATUSES.len() {
        return Err(StoreError::BadPageToken);
    }
    Ok(cursor)
}

impl DynamoStore {
    /// One page of the exception listing whose sort key begins with `prefix` (all when `None`).
    async fn exceptions_page(
        &self,
        tenant_id: &TenantId,
        prefix: Option<String>,
        page: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
        let partition = exceptions_list(tenant_id);
        let start = page::decode(page, GSI2PK, &partition)?;
        if let (Some(start), Some(prefix)) = (&start, &prefix) {
            // A token of this partition but of another filter would start outside the range.
            let in_range = matches!(start.get(GSI2SK), Some(AttributeValue::S(sk)) if sk.starts_with(prefix.as_str()));
            if !in_range {
                return Err(StoreError::BadPageToken);
            }
        }
        let listing = Partition::gsi2(partition).with_prefix(prefix.as_deref());
        let (items, next) = self.query_page(&listing, start, Some(limit)).await?;
        Ok((from_items(items)?, page::encode(next)?))
    }
}

#[async_trait]
impl ExceptionStore for DynamoStore {
    async fn raise_exception(
        &self,
        record: &ExceptionRecord,
    ) -> Result<Created<ExceptionRecord>, StoreError> {
        let what = format!("exception {}", record.exception_id);
        let written = self
            .put_announcing(
                exception_item(record)?,
                "attribute_not_exists(PK)",
                Names::new(),
                Item::new(),
                &owed(None, record),
                &what,
            )
            .await;
        match written {
            Ok(()) => Ok(Created::New(record.clone())),
            Err(StoreError::Conflict(_)) => match self
                .get_exception(&record.tenant_id, &record.exception_id)
                .await?
            {
                Some(existing) => Ok(Created::AlreadyExisted(existing)),
                None => Err(StoreError::Conflict(format!(
                    "{what} could not be written and is not there"
                ))),
            },
            Err(e) => Err(e),
        }
    }

    async fn get_exception(
        &self,
        tenant_id: &TenantId,
        exception_id: &str,
    ) -> Result<Option<ExceptionRecord>, StoreError> {
        self.get(exception_pk(tenant_id, exception_id), EXCEPTION_SK)
            .await
    }

    async fn exceptions_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<ExceptionRecord>, StoreError> {
        self.query_all(Partition::gsi1(order_exceptions(tenant_id, order_id)))
            .await
    }

    async fn list_exceptions(
        &self,
        tenant_id: &TenantId,
        status: Option<ExceptionStatus>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
        let partition = exceptions_list(tenant_id);
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        let prefix = status.map(|s| format!("{}#", s.as_str()));
        let listing = Partition::gsi2(partition).with_prefix(prefix.as_deref());
        let (items, next) = self.query_page(&listing, start, Some(limit)).await?;
        Ok((from_items(items)?, page::encode(next)?))
    }

    async fn update_exception(
        &self,
        current: &ExceptionRecord,
        next: &ExceptionRecord,
    ) -> Result<ExceptionRecord, StoreError> {
        if current.tenant_id != next.tenant_id || current.exception_id != next.exception_id {
            return Err(StoreError::Conflict(
                "an exception cannot change its tenant or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        let (names, values) = version_condition(current.version);
        self.put_announcing(
            exception_item(&stored)?,
            SAME_VERSION,
            names,
            values,
            &owed(Some(current), &stored),
            &format!("exception {}", current.exception_id),
        )
        .await?;
        Ok(stored)
    }
}

#[async_trait]
impl ExceptionListing for DynamoStore {
    async fn list_exceptions_filtered(
        &self,
        tenant_id: &TenantId,
        status: Option<ExceptionStatus>,
        kind: Option<ExceptionKind>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
        let limit = limit.max(1);
        let Some(kind) = kind else {
            let prefix = status.map(|s| format!("{}#", s.as_str()));
            return self
                .exceptions_page(tenant_id, prefix, page.as_deref(), limit)
                .await;
        };
        let by_kind = |s: ExceptionStatus| format!("{}#{}#", s.as_str(), kind.as_str());
        if let Some(status) = status {
            return self
                .exceptions_page(tenant_id, Some(by_kind(status)), page.as_deref(), limit)
                .await;
        }
        // Kind alone: one key range per status, walked in order; the token says which range.
        let mut cursor = match page.as_deref() {
            Some(token) => decode_cursor(token)?,
            None => KindCursor {
                status: 0,
                key: None,
            },
        };
        let mut out = Vec::new();
        loop {
            let remaining = limit - i32::try_from(out.len()).unwrap_or(limit);
            let (mut found, next) = self
                .exceptions_page(
                    tenant_id,
                    Some(by_kind(STATUSES[cursor.status])),
                    cursor.key.as_deref(),
                    remaining,
                )
                .await?;
            out.append(&mut found);
            if let Some(key) = next {
                cursor.key = Some(key);
                return Ok((out, Some(encode_cursor(&cursor)?)));
            }
            cursor = KindCursor {
                status: cursor.status + 1,
                key: None,
            };
            if cursor.status >= STATUSES.len() {
                return Ok((out, None));
            }
            if out.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                return Ok((out, Some(encode_cursor(&cursor)?)));
            }
        }
    }
}
