//! Ports: what the domain needs from storage. Adapters (DynamoDB) live in `cuadre-aws`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::{ApiKeyRecord, PayLink};
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
    /// (and status); bumps the version. `Conflict` when another writer got there first.
    async fn replace_order(&self, current: &Order, next: &Order) -> Result<Order, StoreError>;
    /// Deletes an order that never got its code (the gateway refused it), if still at `current.version`.
    async fn discard_unissued_order(&self, current: &Order) -> Result<(), StoreError>;
    /// Moves an order to `to` if the transition is legal and nobody changed it meanwhile.
    async fn transition_order(&self, current: &Order, to: OrderStatus)
        -> Result<Order, StoreError>;
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
    /// Writes `next` if the stored record is still at `current.version`.
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
