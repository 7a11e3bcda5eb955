//! Ports: what the domain needs from storage. Adapters (DynamoDB) live in `cuadre-aws`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::{ApiKeyRecord, PayLink};
use crate::events::outbox::EventRecord;
use crate::exception::{ExceptionRecord, ExceptionStatus};
use crate::ids::{Cip, OperationNumber, OrderId, TenantId};
use crate::order::{IllegalTransition, Order, OrderStatus};
use crate::records::{IdempotencyRecord, Payment, Tenant, Voucher};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the item changed (or already existed) since it was read.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The status machine forbids the move; retrying will not help.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("not found: {0}")]
    NotFound(String),
    /// A continuation token that is malformed or belongs to another listing.
    #[error("page token is not valid for this listing")]
    BadPageToken,
    /// A stored item could not be read back into a domain value.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// An item over the store's size budget (well under DynamoDB's 400 KB): retrying will not help.
    #[error("item too large: {0}")]
    TooLarge(String),
    /// The backend failed (network, throttling, …): worth retrying.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// Whether an idempotent create wrote anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T> {
    New(T),
    AlreadyExisted(T),
}

/// What starting an idempotent operation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyStart {
    /// Ours to run: the record is now IN_PROGRESS.
    Started,
    /// Another request with this key is still running.
    InProgress,
    /// Done before with the same payload: here is the stored response.
    Completed(String),
    /// The key was used with another payload.
    PayloadMismatch,
}

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn create_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    async fn get_tenant(&self, tenant_id: &TenantId) -> Result<Option<Tenant>, StoreError>;
    /// Writes `next` in place of `current` only if the stored tenant is still at
    /// `current.version`; bumps the version. `Conflict` when another writer got there first.
    async fn replace_tenant(&self, current: &Tenant, next: &Tenant) -> Result<Tenant, StoreError>;
}

#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Creates the order; `Conflict` if one with that id exists in the tenant.
    async fn create_order(&self, order: &Order) -> Result<(), StoreError>;
    async fn get_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<Order>, StoreError>;
    async fn find_order_by_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Option<Order>, StoreError>;
    /// Writes `next` in place of `current` only if the stored order is still at `current.version`
    /// (and status), with the events the change owes in the same transaction (each only if its id
    /// is new); bumps the version. `Conflict` when another writer got there first.
    async fn replace_order_announcing(
        &self,
        current: &Order,
        next: &Order,
        events: &[EventRecord],
    ) -> Result<Order, StoreError>;
    /// [`OrderStore::replace_order_announcing`] of a change that owes no event.
    async fn replace_order(&self, current: &Order, next: &Order) -> Result<Order, StoreError> {
        self.replace_order_announcing(current, next, &[]).await
    }
    /// Deletes an order that never got its code (the gateway refused it), if still at `current.version`.
    async fn discard_unissued_order(&self, current: &Order) -> Result<(), StoreError>;
    /// Moves an order to `to` if the transition is legal and nobody changed it meanwhile, with the
    /// events the move owes.
    async fn transition_order_announcing(
        &self,
        current: &Order,
        to: OrderStatus,
        events: &[EventRecord],
    ) -> Result<Order, StoreError> {
        let next = Order {
            status: current.status.transition(to)?,
            ..current.clone()
        };
        self.replace_order_announcing(current, &next, events).await
    }
    /// [`OrderStore::transition_order_announcing`] of a move that owes no event.
    async fn transition_order(
        &self,
        current: &Order,
        to: OrderStatus,
    ) -> Result<Order, StoreError> {
        self.transition_order_announcing(current, to, &[]).await
    }
    /// Orders of a tenant in a status, expiring before `before`, a page at a time.
    async fn list_orders_by_status(
        &self,
        tenant_id: &TenantId,
        status: OrderStatus,
        expiring_before: Option<DateTime<Utc>>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<Order>, Option<String>), StoreError>;
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Records a payment once per (tenant, CIP, operation number).
    async fn record_payment(&self, payment: &Payment) -> Result<Created<Payment>, StoreError>;
    /// The settlement lines stored for a payment (any settlement), strongly consistent.
    async fn settlement_lines_of(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Vec<crate::reconcile::SettlementLine>, StoreError>;
    /// Marks a recorded payment reversed at `at`, once: `New` when this call reversed it,
    /// `AlreadyExisted` (with the first reversal's time) when it already was.
    async fn reverse_payment(
        &self,
        payment: &Payment,
        at: DateTime<Utc>,
    ) -> Result<Created<Payment>, StoreError>;
    async fn payments_for_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError>;
    async fn get_payment(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<Payment>, StoreError>;
    /// Every payment of the order's codes (its current CIP and its earlier ones).
    async fn payments_for_order(&self, order: &Order) -> Result<Vec<Payment>, StoreError> {
        let mut all = Vec::new();
        for cip in order.cips() {
            all.extend(self.payments_for_cip(&order.tenant_id, cip).await?);
        }
        Ok(all)
    }
    /// Gives a payment notified without an operation number the real one its settlement line
    /// carries ([`Payment::settled_as`]), once: `Conflict` when it already has one (or is gone).
    async fn adopt_operation_number(
        &self,
        payment: &Payment,
        real: &OperationNumber,
    ) -> Result<Payment, StoreError>;
}

/// Whether the merchant events that follow a payment (`order.paid`, `exception.opened`) have been
/// handed to the queue. The payment carries this outbox marker from the write that records it until
/// its events are sent, so a crash in between loses nothing: whoever finds the marker pending (a
/// repeated notification, a sweeper) sends them again, under the same stable event ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvents {
    Sent,
    /// Not yet sent; the holder of the lease is sending them until `lease_until`.
    Pending {
        lease_until: DateTime<Utc>,
    },
}

/// The payment outbox: [`PaymentStore::record_payment`] with a marker for its follow-up events.
#[async_trait]
pub trait PaymentOutbox: Send + Sync {
    /// Records the payment once per (tenant, CIP, operation number), in the same write as a pending
    /// marker leased to the caller until `lease_until`. On `AlreadyExisted` it returns the stored
    /// payment and its marker as stored.
    async fn record_payment_pending(
        &self,
        payment: &Payment,
        lease_until: DateTime<Utc>,
    ) -> Result<(Created<Payment>, PaymentEvents), StoreError>;
    /// The marker of a recorded payment; `None` when there is no such payment.
    async fn payment_events(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<PaymentEvents>, StoreError>;
    /// Takes over pending events whose lease ended before `now`; `Ok(false)` when they were sent
    /// meanwhile or another holder's lease is still running.
    async fn claim_payment_events(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Clears the marker once the events are on the queue (idempotent).
    async fn mark_payment_events_sent(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<(), StoreError>;
    /// Every payment of the CIP by a strongly consistent read: two deliveries that each record a
    /// payment and then read the CIP's payments cannot both miss the other's.
    async fn payments_for_cip_consistent(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError>;
    /// Every payment of the order's codes (current and earlier), each CIP read strongly
    /// consistent as [`Self::payments_for_cip_consistent`].
    async fn payments_for_order_consistent(
        &self,
        order: &Order,
    ) -> Result<Vec<Payment>, StoreError> {
        let mut all = Vec::new();
        for cip in order.cips() {
            all.extend(
                self.payments_for_cip_consistent(&order.tenant_id, cip)
                    .await?,
            );
        }
        Ok(all)
    }
}

#[async_trait]
pub trait VoucherStore: Send + Sync {
    async fn put_voucher(&self, voucher: &Voucher) -> Result<Created<Voucher>, StoreError>;
    async fn vouchers_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<Voucher>, StoreError>;
    /// Vouchers of the tenant with this image hash (for `DUPLICATE_VOUCHER`).
    async fn vouchers_by_sha256(
        &self,
        tenant_id: &TenantId,
        sha256: &str,
    ) -> Result<Vec<Voucher>, StoreError>;
}

#[async_trait]
pub trait ExceptionStore: Send + Sync {
    /// Opens the exception unless one with the same id exists (whatever its status): idempotent.
    /// Its `exception.opened` event is written in the same transaction.
    async fn raise_exception(
        &self,
        record: &ExceptionRecord,
    ) -> Result<Created<ExceptionRecord>, StoreError>;
    async fn get_exception(
        &self,
        tenant_id: &TenantId,
        exception_id: &str,
    ) -> Result<Option<ExceptionRecord>, StoreError>;
    async fn exceptions_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<ExceptionRecord>, StoreError>;
    async fn list_exceptions(
        &self,
        tenant_id: &TenantId,
        status: Option<ExceptionStatus>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError>;
    /// Writes `next` if the stored record is still at `current.version`, with the event the change
    /// owes (`MerchantEvent::owed_by_exception`) in the same transaction.
    async fn update_exception(
        &self,
        current: &ExceptionRecord,
        next: &ExceptionRecord,
    ) -> Result<ExceptionRecord, StoreError>;
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn start(
        &self,
        record: &IdempotencyRecord,
        now: i64,
    ) -> Result<IdempotencyStart, StoreError>;
    async fn complete(
        &self,
        tenant_id: &TenantId,
        key: &str,
        response: &str,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Forgets an IN_PROGRESS record after a failure, so the client may retry.
    async fn abandon(&self, tenant_id: &TenantId, key: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn create_api_key(&self, record: &ApiKeyRecord) -> Result<(), StoreError>;
    /// The key with this hash, active or not.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    async fn list_api_keys(&self, tenant_id: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks the key revoked; `NotFound` when the tenant has no such key.
    async fn revoke_api_key(
        &self,
        tenant_id: &TenantId,
        key_id: &str,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError>;
}

#[async_trait]
pub trait PayLinkStore: Send + Sync {
    async fn create_pay_link(&self, link: &PayLink) -> Result<(), StoreError>;
    async fn find_pay_link(&self, token_hash: &str) -> Result<Option<PayLink>, StoreError>;
    /// Counts one more voucher upload for the link, if fewer than `max` were granted; returns the
    /// new count, or `Conflict` when the limit is reached.
    async fn grant_upload(&self, token_hash: &str, max: u32) -> Result<u32, StoreError>;
}

/// A browser upload S3 itself will check: the signed headers must be sent as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUpload {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

/// What an upload must be, signed into its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTerms {
    pub key: String,
    pub content_type: String,
    pub content_length: u64,
    /// Base64 SHA-256 of the exact file.
    pub checksum_sha256: String,
    pub valid_for_secs: u64,
}

/// Short-lived links to private objects (vouchers are never public).
#[async_trait]
pub trait ObjectLinks: Send + Sync {
    async fn presign_upload(
        &self,
        terms: &UploadTerms,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload, StoreError>;
    async fn presign_download(&self, key: &str, valid_for_secs: u64) -> Result<String, StoreError>;
}

/// Secrets (gateway secret keys, notification signing secrets) live outside the table.
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), StoreError>;
    async fn get_secret(&self, name: &str) -> Result<Option<String>, StoreError>;
}

/// A due gateway status lookup for an order's code: a voucher says the buyer paid but no payment
/// has arrived. The reconcile worker asks the gateway once `due_at` has passed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusLookup {
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    pub cip: Cip,
    #[serde(with = "crate::time::serde_lima")]
    pub due_at: DateTime<Utc>,
    /// The voucher that asked for it.
    pub voucher_id: String,
    #[serde(with = "crate::time::serde_lima")]
    pub requested_at: DateTime<Utc>,
}

/// What the voucher reader needs beyond [`VoucherStore`]: its own idempotency check, the lookups
/// for `DUPLICATE_VOUCHER` (operation number) and `SUSPECTED_TAMPERING` (recent image hashes), and
/// the status-lookup markers the reconcile worker consumes.
#[async_trait]
pub trait VoucherReadStore: Send + Sync {
    async fn get_voucher(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
        voucher_id: &str,
    ) -> Result<Option<Voucher>, StoreError>;
    /// Indexes the voucher under the operation number it shows; idempotent.
    async fn index_voucher_operation(
        &self,
        voucher: &Voucher,
        operation_number: &OperationNumber,
    ) -> Result<(), StoreError>;
    /// Vouchers of the tenant indexed under this operation number (for `DUPLICATE_VOUCHER`).
    async fn vouchers_by_operation_number(
        &self,
        tenant_id: &TenantId,
        operation_number: &OperationNumber,
    ) -> Result<Vec<Voucher>, StoreError>;
    /// The tenant's vouchers uploaded at or after `since`, newest first, at most `limit` (a query,
    /// never a scan).
    async fn recent_vouchers(
        &self,
        tenant_id: &TenantId,
        since: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<Voucher>, StoreError>;
}

/// Status-lookup markers, one per order: written by the voucher reader, read and cleared by the
/// reconcile worker.
#[async_trait]
pub trait StatusLookupStore: Send + Sync {
    /// Marks the order's code for a lookup; an existing marker of the order is kept as it is
    /// (its earlier due time wins), so a redelivered voucher event writes nothing new.
    async fn schedule_status_lookup(
        &self,
        lookup: &StatusLookup,
    ) -> Result<Created<StatusLookup>, StoreError>;
    /// The tenant's markers due at or before `due_by`, earliest first, a page at a time.
    async fn due_status_lookups(
        &self,
        tenant_id: &TenantId,
        due_by: DateTime<Utc>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<StatusLookup>, Option<String>), StoreError>;
    /// Removes the order's marker (the lookup was done); no error when there is none.
    async fn clear_status_lookup(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<(), StoreError>;
}

/// Where a once-only side effect (the buyer's confirmation e-mail of an order) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnceClaim {
    /// Ours to do: nobody did it yet, or the previous holder's lease ran out (it died mid-way).
    Claimed,
    /// Another holder's lease is still running: it is doing it right now.
    Held,
    /// Done before.
    Done,
}

/// Markers for side effects that must happen once per business key and that no external system
/// de-duplicates for us (SES has no idempotency key). Claimed *before* the effect with a lease, so
/// a crash between the claim and the effect delays it (until the lease lapses) but never loses it;
/// the one window left is a crash after the effect and before [`OnceStore::complete_once`], which
/// repeats the effect once. One marker per key, kept for good once done.
#[async_trait]
pub trait OnceStore: Send + Sync {
    /// Claims `key` in the tenant for `holder` until `lease_until` (unix seconds) with a
    /// conditional write: `Claimed` when there is no marker or a pending one whose lease ended
    /// before `now`; otherwise what the marker says.
    async fn claim_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        holder: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<OnceClaim, StoreError>;
    /// Marks the effect done (idempotent; whoever holds the claim).
    async fn complete_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Gives back `holder`'s pending claim after the effect failed, so a retry need not wait for
    /// the lease; nothing happens when the marker is done or held by someone else.
    async fn release_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        holder: &str,
    ) -> Result<(), StoreError>;
}

/// A settlement file the reconcile worker has dealt with, keyed by its object key and ETag (a file
/// replaced under the same key has another ETag and is read again).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SettlementFileImport {
    pub tenant_id: TenantId,
    pub object_key: String,
    pub etag: String,
    /// Lines read from the file (0 when it was rejected).
    pub lines: u64,
    /// Why the file could not be read (file, line and field), when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    #[serde(with = "crate::time::serde_lima")]
    pub imported_at: DateTime<Utc>,
}

/// What the reconcile worker reads and writes beyond the other ports: every fact of one tenant by
/// query (never a scan), a page at a time with continuation tokens, the imported settlement lines
/// and the import markers of settlement files; and the tenants, for the scheduled dispatch.
#[async_trait]
pub trait ReconcileStore: Send + Sync {
    /// A page of tenant ids, in id order (an index query).
    async fn list_tenant_ids(
        &self,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<TenantId>, Option<String>), StoreError>;
    /// A page of the tenant's orders, whatever their status.
    async fn list_orders(
        &self,
        tenant_id: &TenantId,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<Order>, Option<String>), StoreError>;
    /// A page of the tenant's payments, by payment time.
    async fn list_payments(
        &self,
        tenant_id: &TenantId,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<Payment>, Option<String>), StoreError>;
    /// A page of the tenant's vouchers, by upload time.
    async fn list_vouchers(
        &self,
        tenant_id: &TenantId,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<Voucher>, Option<String>), StoreError>;
    /// Records a settlement line once per (tenant, settlement id, CIP, operation number).
    async fn record_settlement_line(
        &self,
        tenant_id: &TenantId,
        line: &crate::reconcile::SettlementLine,
    ) -> Result<Created<crate::reconcile::SettlementLine>, StoreError>;
    /// A page of the tenant's settlement lines.
    async fn list_settlement_lines(
        &self,
        tenant_id: &TenantId,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<crate::reconcile::SettlementLine>, Option<String>), StoreError>;
    /// The import marker of a settlement file (object key + ETag), if it was dealt with.
    async fn settlement_file_import(
        &self,
        tenant_id: &TenantId,
        object_key: &str,
        etag: &str,
    ) -> Result<Option<SettlementFileImport>, StoreError>;
    /// Writes the import marker if none exists (conditional); `AlreadyExisted` keeps the first.
    async fn mark_settlement_file_imported(
        &self,
        marker: &SettlementFileImport,
    ) -> Result<Created<SettlementFileImport>, StoreError>;
}

/// The merchant's exception listing, filtered by status and kind with key conditions only (never a
/// filter over read pages), a page at a time.
#[async_trait]
pub trait ExceptionListing: Send + Sync {
    /// Exceptions of the tenant, optionally only those in `status` and/or of `kind`, at most
    /// `limit` per page. Within a status they come by kind, then by opening time. A page may hold
    /// fewer than `limit` records (even none) while a token is returned; following the tokens to
    /// the end yields every matching record once. `BadPageToken` for a token of another listing.
    async fn list_exceptions_filtered(
        &self,
        tenant_id: &TenantId,
        status: Option<ExceptionStatus>,
        kind: Option<crate::exception::ExceptionKind>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError>;
}

/// Refunds of an order (see [`crate::refund`]).
#[async_trait]
pub trait RefundStore: Send + Sync {
    /// Writes the new refund together with a claim on its order (the order's version is bumped,
    /// conditional on `order` being what is stored), so two requests racing for the same paid money
    /// cannot both pass the refundable check. `Conflict` when the order changed since it was read
    /// (read it and its refunds again) or the refund id is taken.
    async fn request_refund(
        &self,
        order: &Order,
        refund: &crate::refund::Refund,
    ) -> Result<Order, StoreError>;
    async fn get_refund(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
        refund_id: &str,
    ) -> Result<Option<crate::refund::Refund>, StoreError>;
    /// Every refund of the order (strongly consistent), in refund-id order.
    async fn refunds_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<crate::refund::Refund>, StoreError>;
    /// Writes `next` if the stored refund is still at `current.version`; bumps the version.
    async fn update_refund(
        &self,
        current: &crate::refund::Refund,
        next: &crate::refund::Refund,
    ) -> Result<crate::refund::Refund, StoreError>;
    /// In one transaction: writes `next` (a `COMPLETED` refund) if the refund is still at
    /// `current.version`, and moves `order` to `REFUNDED` if it is still at its version and status.
    /// `IllegalTransition` when the order's status cannot become `REFUNDED`; `Conflict` when either
    /// item changed (read both again and retry).
    async fn complete_refund(
        &self,
        current: &crate::refund::Refund,
        next: &crate::refund::Refund,
        order: &Order,
    ) -> Result<(crate::refund::Refund, Order), StoreError>;
}

/// An object found by [`ObjectListing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
}

/// Listing private objects by key prefix (e.g. a tenant's report files of one day).
#[async_trait]
pub trait ObjectListing: Send + Sync {
    /// The objects whose key starts with `prefix`, in key order, at most `max`.
    async fn list_objects(&self, prefix: &str, max: usize)
        -> Result<Vec<StoredObject>, StoreError>;
}

/// Declares a port that is the sum of others, with the blanket impl that gives it to every type
/// implementing them all: `port_union!(pub trait Store: TenantStore + OrderStore);`.
#[macro_export]
macro_rules! port_union {
    ($(#[$meta:meta])* $vis:vis trait $name:ident: $first:ident $(+ $rest:ident)* $(,)?) => {
        $(#[$meta])*
        $vis trait $name: $first $(+ $rest)* {}

        impl<T> $name for T where T: $first $(+ $rest)* {}
    };
}
