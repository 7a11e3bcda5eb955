//! The dispatcher's dependencies, all behind traits so the same handler runs in Lambda, in the
//! local platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ports::{JobQueue, ReconcileStore};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub tenants: Arc<dyn ReconcileStore>,
    pub jobs: Arc<dyn JobQueue>,
    /// Tenants read per page of the index.
    pub page_size: i32,
    pub clock: Clock,
}
