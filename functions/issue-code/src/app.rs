//! The handler's state: its dependencies, all behind the traits of [`crate::ports`] so the same
//! handler runs in Lambda, in the local platform and in tests, and its settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cuadre_lambda::secrets::SecretCache;

use crate::ports::{CipGateway, ObjectLinks, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of the buyer links (`{base}/pay/{token}`); from the request's host when unset.
    pub public_base_url: Option<String>,
    /// How long a stored `Idempotency-Key` answer is replayed.
    pub idempotency_ttl_secs: i64,
    /// How long one request may hold an order or key while it talks to the gateway.
    pub lease_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_base_url: None,
            idempotency_ttl_secs: 24 * 3600,
            lease_secs: 30,
        }
    }
}

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub secrets: Arc<SecretCache>,
    pub gateway: Arc<dyn CipGateway>,
    /// Short-lived links to the order's vouchers (never public objects).
    pub links: Arc<dyn ObjectLinks>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
