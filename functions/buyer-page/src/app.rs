//! The handler's state: its dependencies, behind the traits of [`crate::ports`] so the same
//! handler runs in Lambda, in the local platform and in tests, and its settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ports::{ObjectLinks, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Uploads one pay link may ask for (a buyer retrying a blurry photo, not a flood).
    pub max_uploads_per_code: u32,
    /// How long an upload link stays valid (S3 enforces it; at most 15 minutes).
    pub upload_link_secs: u64,
    /// The scheme and host of the upload links, the one place besides itself the page may send
    /// to (its Content-Security-Policy's `connect-src`).
    pub upload_origin: String,
    /// How long after the code expires its pay link still opens (to send a voucher).
    pub link_grace: chrono::Duration,
}

/// S3's hosts, virtual-hosted or path-style, in every region.
pub const AWS_UPLOAD_ORIGIN: &str = "https://*.amazonaws.com";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_uploads_per_code: 5,
            upload_link_secs: 600,
            upload_origin: AWS_UPLOAD_ORIGIN.to_string(),
            link_grace: cuadre_core::access::DEFAULT_PAY_LINK_GRACE,
        }
    }
}

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub links: Arc<dyn ObjectLinks>,
    pub settings: Settings,
    pub clock: Clock,
}
