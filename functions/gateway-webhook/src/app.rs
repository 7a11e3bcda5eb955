//! The handler's state: its ports ([`crate::ports`]) behind `Arc`s, settings and the clock, so the
//! same handler runs in Lambda, in the local platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use cuadre_core::events::MerchantEventSink;
use cuadre_lambda::secrets::SecretCache;

use crate::ports::{Archive, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Larger bodies are refused with 413 before anything else is done.
    pub max_body_bytes: usize,
    /// How long the request that records a payment holds its pending events before another may send them.
    pub events_lease: Duration,
    /// How long a repeated notification waits for the holder of the lease before answering 503.
    pub wait_for_holder: Duration,
    /// Conditional order writes tried before giving up on a busy order.
    pub order_write_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 64 * 1024,
            events_lease: Duration::seconds(5),
            wait_for_holder: Duration::seconds(6),
            order_write_attempts: 5,
        }
    }
}

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub secrets: Arc<SecretCache>,
    pub archive: Arc<dyn Archive>,
    pub events: Arc<dyn MerchantEventSink>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
