//! What the worker needs besides the store ports: objects in the reports bucket and queues.

use async_trait::async_trait;

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

/// One message: its body and string attributes (for filters and logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub body: String,
    pub attributes: Vec<(&'static str, String)>,
}

impl Message {
    /// A merchant event as the notifications queue carries it (as gateway-webhook sends them).
    pub fn event(event: &cuadre_core::events::MerchantEvent) -> Message {
        Message {
            body: serde_json::to_string(event).expect("an event serialises"),
            attributes: vec![
                ("tenant_id", event.tenant_id.to_string()),
                ("event_type", event.event_type.as_str().to_string()),
                ("event_id", event.event_id.clone()),
            ],
        }
    }

    /// A reconcile job.
    pub fn job(job: &crate::job::Job) -> Message {
        Message {
            body: job.to_body(),
            attributes: vec![("tenant_id", job.tenant_id.to_string())],
        }
    }
}

/// A queue (the jobs queue, the merchant notifications queue).
#[async_trait]
pub trait MessageQueue: Send + Sync {
    /// Sends every message or fails (a failure means the caller sends all again; receivers
    /// de-duplicate events by `event_id`).
    async fn send(&self, messages: &[Message]) -> Result<(), SinkError>;
}
