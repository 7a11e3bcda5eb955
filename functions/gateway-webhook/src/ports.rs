//! What the handler needs from the world: the table (the core store ports it uses), the archive of
//! raw notifications, and the merchant-event sink (`cuadre_core::events::MerchantEventSink`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cuadre_core::store::{
    ExceptionStore, OrderStore, PaymentOutbox, PaymentStore, RefundStore, TenantStore,
};

cuadre_core::port_union!(
    /// Everything the handler reads and writes in the table.
    pub trait Store:
        TenantStore + OrderStore + PaymentStore + PaymentOutbox + ExceptionStore + RefundStore
);

/// A notification as it is archived: the exact bytes received, with what proves them.
#[derive(Debug, Clone, Copy)]
pub struct ArchivedNotification<'a> {
    pub key: &'a str,
    pub body: &'a [u8],
    pub signature: &'a str,
    pub received_at: DateTime<Utc>,
}

/// A failure of the archive or the queue (always worth a retry by the sender).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Where raw signed notifications are kept (S3, `webhooks/` of the vouchers bucket).
#[async_trait]
pub trait Archive: Send + Sync {
    async fn put(&self, object: ArchivedNotification<'_>) -> Result<(), SinkError>;
}
