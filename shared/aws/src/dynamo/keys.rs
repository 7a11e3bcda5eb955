//! The single table's key layout. Every key starts with the tenant, so no query can reach another
//! tenant's items. `#` cannot occur inside identifiers (the domain parsers refuse it).
//!
//! | item        | PK                       | SK              | GSI1 (lookups)                   | GSI2 (per-tenant listings)              |
//! |-------------|--------------------------|-----------------|----------------------------------|-----------------------------------------|
//! | tenant      | `TENANT#{t}`             | `TENANT`        |                                  | `TENANTS` / `{t}`                       |
//! | order       | `T#{t}#O#{order}`        | `ORDER`         | `T#{t}#CIP#{cip}` / `ORDER`      | `T#{t}#ORDERS` / `{STATUS}#{expiry}#{order}` |
//! | earlier code | `T#{t}#O#{order}`       | `CIP#{cip}`     | `T#{t}#CIP#{cip}` / `ORDER`      |                                         |
//! | payment     | `T#{t}#CIP#{cip}`        | `PAY#{op}`      |                                  | `T#{t}#PAYMENTS` / `{paid_at}#{cip}#{op}` |
//! | voucher     | `T#{t}#O#{order}`        | `VOUCHER#{id}`  | `T#{t}#SHA#{sha256}` / `VOUCHER#{id}` | `T#{t}#VOUCHERS` / `{uploaded_at}#{id}` |
//! | exception   | `T#{t}#EXC#{id}`         | `EXC`           | `T#{t}#OEXC#{order}` / `{id}`    | `T#{t}#EXCEPTIONS` / `{STATUS}#{KIND}#{opened_at}#{id}` |
//! | idempotency | `T#{t}#IDEM#{key}`       | `IDEM`          |                                  |                                         |
//! | API key     | `APIKEY#{sha256}`        | `APIKEY`        |                                  | `T#{t}#APIKEYS` / `{key id}`            |
//! | pay link    | `PAYLINK#{sha256}`       | `PAYLINK`       |                                  |                                         |
//! | voucher by operation | `T#{t}#VOP#{op}` | `VOUCHER#{id}` |                                | (a copy of the voucher, for `DUPLICATE_VOUCHER`) |
//! | status lookup | `T#{t}#LOOKUP#{order}` | `LOOKUP`       |                                  | `T#{t}#LOOKUPS` / `{due}#{order}`       |
//! | once marker | `T#{t}#ONCE#{key}`       | `ONCE`          |                                  |                                         |
//! | settlement line | `T#{t}#CIP#{cip}`    | `STL#{op}#{settlement}` |                          | `T#{t}#SETTLEMENTS` / `{settled_at}#{cip}#{op}#{settlement}` |
//! | settlement file | `T#{t}#SFILE#{sha256(object key, etag)}` | `SFILE` |                   |                                         |
//! | refund      | `T#{t}#O#{order}`        | `REFUND#{id}`   |                                  |                                         |
//! | event       | `T#{t}#EVT#{event id}`   | `EVT`           | `T#{t}#EVENTS_DUE` / `{next attempt}#{event id}` while pending | `T#{t}#EVENTS` / `{created_at}#{event id}` |
//!
//! API keys and pay links are found by the hash of what the caller presents, before any tenant is
//! known; the hash is unguessable, so these are the only keys that do not start with the tenant.

use chrono::{DateTime, Utc};
use cuadre_core::{Cip, OperationNumber, OrderId, TenantId};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// DynamoDB's TTL sweeper reads this attribute (unix seconds).
pub const TTL: &str = "ttl";

pub fn tenant_pk(t: &TenantId) -> String {
    format!("TENANT#{t}")
}
pub const TENANT_SK: &str = "TENANT";
pub const TENANTS_LIST: &str = "TENANTS";

pub fn order_pk(t: &TenantId, order: &OrderId) -> String {
    format!("T#{t}#O#{order}")
}
pub const ORDER_SK: &str = "ORDER";

pub fn cip_pk(t: &TenantId, cip: &Cip) -> String {
    format!("T#{t}#CIP#{cip}")
}

/// An order's earlier code (superseded, or learnt from a payment), in the order's partition.
pub fn earlier_cip_sk(cip: &Cip) -> String {
    format!("CIP#{cip}")
}

pub fn orders_list(t: &TenantId) -> String {
    format!("T#{t}#ORDERS")
}

/// Sortable UTC instant for sort keys.
pub fn sortable(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn payment_sk(op: &OperationNumber) -> String {
    format!("PAY#{op}")
}
pub const PAYMENT_SK_PREFIX: &str = "PAY#";

pub fn payments_list(t: &TenantId) -> String {
    format!("T#{t}#PAYMENTS")
}

pub fn voucher_sk(id: &str) -> String {
    format!("VOUCHER#{id}")
}
pub const VOUCHER_SK_PREFIX: &str = "VOUCHER#";

pub fn sha_lookup(t: &TenantId, sha256: &str) -> String {
    format!("T#{t}#SHA#{sha256}")
}

pub fn vouchers_list(t: &TenantId) -> String {
    format!("T#{t}#VOUCHERS")
}

pub fn exception_pk(t: &TenantId, id: &str) -> String {
    format!("T#{t}#EXC#{id}")
}
pub const EXCEPTION_SK: &str = "EXC";

pub fn order_exceptions(t: &TenantId, order: &OrderId) -> String {
    format!("T#{t}#OEXC#{order}")
}

pub fn exceptions_list(t: &TenantId) -> String {
    format!("T#{t}#EXCEPTIONS")
}

pub fn idempotency_pk(t: &TenantId, key: &str) -> String {
    format!("T#{t}#IDEM#{key}")
}
pub const IDEMPOTENCY_SK: &str = "IDEM";

pub fn api_key_pk(hash: &str) -> String {
    format!("APIKEY#{hash}")
}
pub const API_KEY_SK: &str = "APIKEY";

pub fn api_keys_list(t: &TenantId) -> String {
    format!("T#{t}#APIKEYS")
}

pub fn pay_link_pk(hash: &str) -> String {
    format!("PAYLINK#{hash}")
}
pub const PAY_LINK_SK: &str = "PAYLINK";

/// A voucher indexed by the operation number it shows (one item per voucher and number).
pub fn voucher_operation_pk(t: &TenantId, op: &OperationNumber) -> String {
    format!("T#{t}#VOP#{op}")
}

/// One status-lookup marker per order.
pub fn status_lookup_pk(t: &TenantId, order: &OrderId) -> String {
    format!("T#{t}#LOOKUP#{order}")
}
pub const STATUS_LOOKUP_SK: &str = "LOOKUP";

/// The tenant's status-lookup markers by due time (`{sortable due}#{order}`).
pub fn status_lookups_list(t: &TenantId) -> String {
    format!("T#{t}#LOOKUPS")
}

/// A once-only side-effect marker (e.g. `buyer-email:{order}`), see `OnceStore`.
pub fn once_pk(t: &TenantId, key: &str) -> String {
    format!("T#{t}#ONCE#{key}")
}
pub const ONCE_SK: &str = "ONCE";

/// A settlement line sits beside the CIP's payments: `STL#{op}#{settlement id}` (the operation
/// number holds no `#`, so the settlement id after it cannot make two keys collide).
pub fn settlement_line_sk(op: &OperationNumber, settlement_id: &str) -> String {
    format!("{}{settlement_id}", settlement_lines_prefix(op))
}

/// The sort-key prefix of every settlement line of one payment.
pub fn settlement_lines_prefix(op: &OperationNumber) -> String {
    format!("STL#{op}#")
}

/// The tenant's settlement lines by settlement time.
pub fn settlements_list(t: &TenantId) -> String {
    format!("T#{t}#SETTLEMENTS")
}

/// One import marker per settlement file version: the hash of its object key and ETag.
pub fn settlement_file_pk(t: &TenantId, object_key: &str, etag: &str) -> String {
    let digest = cuadre_core::records::sha256_hex(format!("{object_key}\n{etag}").as_bytes());
    format!("T#{t}#SFILE#{digest}")
}
pub const SETTLEMENT_FILE_SK: &str = "SFILE";

/// The exception listing's sort key: `{STATUS}#{KIND}#{opened_at}#{id}`, so "status" and "status +
/// kind" are `begins_with` key conditions and "kind" alone is one per status. (Items written before
/// the kind was part of the key carry `{STATUS}#{opened_at}#{id}` until their next update: listed
/// by status, not found by kind.)
pub fn exception_listing_sk(record: &cuadre_core::ExceptionRecord) -> String {
    format!(
        "{}#{}#{}#{}",
        record.status.as_str(),
        record.kind.as_str(),
        sortable(record.opened_at),
        record.exception_id
    )
}

/// A refund sits in its order's partition, beside the order and its vouchers.
pub fn refund_sk(refund_id: &str) -> String {
    format!("REFUND#{refund_id}")
}
pub const REFUND_SK_PREFIX: &str = "REFUND#";

/// An outbox event (see `cuadre_core::events::outbox`).
pub fn event_pk(t: &TenantId, event_id: &str) -> String {
    format!("T#{t}#EVT#{event_id}")
}
pub const EVENT_SK: &str = "EVT";

/// Sparse: an event is in this partition of GSI1 only while it is pending, by when it is due.
pub fn events_due(t: &TenantId) -> String {
    format!("T#{t}#EVENTS_DUE")
}

/// The tenant's events by creation time.
pub fn events_list(t: &TenantId) -> String {
    format!("T#{t}#EVENTS")
}
