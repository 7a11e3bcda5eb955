//! The worker's dependencies, all behind traits so the same handler runs in Lambda, in the local
//! platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use cuadre_core::store::{
    ExceptionStore, OrderStore, PaymentStore, ReconcileStore, StatusLookupStore, TenantStore,
};
use cuadre_gateway::CipGateway;
use cuadre_lambda::secrets::SecretCache;

use crate::ports::{JobQueue, MerchantEventSink, ObjectStore};

cuadre_core::port_union!(
    /// Everything the worker reads and writes in the table.
    pub trait Store: TenantStore
        + OrderStore
        + PaymentStore
        + ExceptionStore
        + StatusLookupStore
        + ReconcileStore
);

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Orders, lookup markers and files one job may work through before it hands the rest of the
    /// run to a continuation job (keeps every job far from Lambda's time limit).
    pub page_budget: i32,
    /// Pending codes expiring within this window after `as_of` are looked up at the gateway too.
    pub lookup_window: TimeDelta,
    /// Page size of the fact listings read for the rules.
    pub read_page: i32,
    /// Jobs handled at once in one SQS batch.
    pub concurrency: usize,
    /// `NOT_SETTLED` after this long without a settlement line.
    pub settlement_lag: TimeDelta,
    /// `VOUCHER_WITHOUT_PAYMENT` after this long without a payment.
    pub voucher_grace: TimeDelta,
    /// How far a settlement line's payment time may be from the notification's when a payment
    /// notified without an operation number adopts the line's.
    pub clock_skew: TimeDelta,
    /// How long after its code's expiry an unpaid order is left before it becomes `EXPIRED` (and
    /// `order.expired` tells the merchant to release the stock): a payment made at the last
    /// minute may still be on its way.
    pub expiry_grace: TimeDelta,
}

/// [`Settings::expiry_grace`] unless `EXPIRY_GRACE_MINUTES` says otherwise.
pub const DEFAULT_EXPIRY_GRACE: TimeDelta = TimeDelta::minutes(15);

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page_budget: 500,
            lookup_window: TimeDelta::hours(1),
            read_page: 500,
            concurrency: 1,
            settlement_lag: cuadre_core::rules::DEFAULT_SETTLEMENT_LAG,
            voucher_grace: cuadre_core::rules::DEFAULT_VOUCHER_GRACE,
            clock_skew: cuadre_core::rules::settlement::DEFAULT_CLOCK_SKEW,
            expiry_grace: DEFAULT_EXPIRY_GRACE,
        }
    }
}

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub objects: Arc<dyn ObjectStore>,
    /// ReconcileJobsQueue, for continuation jobs.
    pub jobs: Arc<dyn JobQueue>,
    /// The merchant notifications queue.
    pub events: Arc<dyn MerchantEventSink>,
    pub gateway: Arc<dyn CipGateway>,
    pub secrets: Arc<SecretCache>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
