//! What the worker needs besides the store ports: objects in the reports bucket. The queues are
//! core's ports: [`JobQueue`] for continuation jobs, [`MerchantEventSink`] for merchant events.

use async_trait::async_trait;

pub use cuadre_core::events::{EventSinkError, MerchantEventSink};
pub use cuadre_core::jobs::{JobQueue, JobQueueError};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// An object listed under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub etag: String,
}

/// The reports bucket: settlement files in, reports out.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// A page of the objects under `prefix`, with S3's continuation token.
    async fn list(
        &self,
        prefix: &str,
        token: Option<String>,
        max: i32,
    ) -> Result<(Vec<ObjectInfo>, Option<String>), SinkError>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, SinkError>;
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), SinkError>;
}
