//! The handler's state: its ports ([`crate::ports`]) behind `Arc`s, settings and the clock, so the
//! same handler runs in Lambda, in the local platform and in tests.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use cuadre_core::ocr::TextDetector;

use crate::ports::{Store, VoucherFiles};

/// Tunables, with the defaults of `docs/reconciliation.md` (`cuadre_core::rules`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long after a voucher the gateway is asked about its code when no payment arrived.
    pub voucher_grace: Duration,
    /// Textract's limit for synchronous calls.
    pub max_bytes: u64,
    /// How far back, and how many, of the tenant's vouchers a new image is compared with.
    pub near_duplicate_window: Duration,
    pub near_duplicate_limit: i32,
    /// Bits (of 256) within which two pictures count as the same picture.
    pub near_duplicate_bits: u32,
    /// Records of one batch handled at once.
    pub concurrency: usize,
    /// How long a file's inspection (hash, metadata, perceptual hash) may take before the file is
    /// refused as unreadable.
    pub inspect_budget: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            voucher_grace: cuadre_core::rules::DEFAULT_VOUCHER_GRACE,
            max_bytes: 10 * 1024 * 1024,
            near_duplicate_window: Duration::days(30),
            near_duplicate_limit: 200,
            near_duplicate_bits: 12,
            concurrency: 4,
            inspect_budget: std::time::Duration::from_secs(10),
        }
    }
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub files: Arc<dyn VoucherFiles>,
    pub detector: Arc<dyn TextDetector>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
