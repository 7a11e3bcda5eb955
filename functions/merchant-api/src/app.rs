//! The handler's dependencies, all behind traits so the same handler runs in Lambda, in the local
//! platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cuadre_core::events::MerchantEventSink;
use cuadre_core::store::{
    ApiKeyStore, ExceptionListing, ExceptionStore, ObjectLinks, ObjectListing, OrderStore,
    PaymentStore, RefundStore, TenantStore,
};

/// Everything the handler reads and writes in the table.
pub trait Store:
    TenantStore
    + ApiKeyStore
    + OrderStore
    + PaymentStore
    + ExceptionStore
    + ExceptionListing
    + RefundStore
{
}

impl<T> Store for T where
    T: TenantStore
        + ApiKeyStore
        + OrderStore
        + PaymentStore
        + ExceptionStore
        + ExceptionListing
        + RefundStore
{
}

/// The reports bucket: listing a day's files and short-lived links to them (never public objects).
pub trait ReportFiles: ObjectLinks + ObjectListing {}

impl<T> ReportFiles for T where T: ObjectLinks + ObjectListing {}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub reports: Arc<dyn ReportFiles>,
    pub events: Arc<dyn MerchantEventSink>,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
