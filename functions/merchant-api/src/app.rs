//! The handler's state: its dependencies, all behind the traits of [`crate::ports`] so the same
//! handler runs in Lambda, in the local platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ports::{MerchantEventSink, ReportFiles, SecretStore, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub reports: Arc<dyn ReportFiles>,
    pub events: Arc<dyn MerchantEventSink>,
    /// Where rotated notification secrets are written (SSM), under `secrets_prefix`.
    pub secrets: Arc<dyn SecretStore>,
    pub secrets_prefix: String,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
