//! The archive and the queue on AWS: S3 and SQS.

use async_trait::async_trait;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use cuadre_core::events::MerchantEvent;

use crate::app::{Archive, ArchivedNotification, EventQueue, SinkError};

/// Raw notifications in the vouchers bucket. The bucket has Object Lock default retention, so S3
/// wants a checksum on every PUT: the SDK computes a SHA-256 one.
#[derive(Debug, Clone)]
pub struct S3Archive {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Archive {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        S3Archive {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl Archive for S3Archive {
    async fn put(&self, object: ArchivedNotification<'_>) -> Result<(), SinkError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(object.key)
            .body(ByteStream::from(object.body.to_vec()))
            .content_type("application/json")
            .metadata("pe-signature", object.signature)
            .metadata(
                "received-at",
                cuadre_core::time::format_lima(object.received_at),
            )
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(|e| SinkError(DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }
}

/// Merchant events on the notifications queue: the body is the event's JSON; `tenant_id`,
/// `event_type` and `event_id` are also message attributes (for filters and logs).
#[derive(Debug, Clone)]
pub struct SqsEventQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsEventQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsEventQueue {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn attribute(value: &str) -> Result<MessageAttributeValue, SinkError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| SinkError(e.to_string()))
}

#[async_trait]
impl EventQueue for SqsEventQueue {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), SinkError> {
        // SendMessageBatch takes at most 10 entries.
        for chunk in events.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, event) in chunk.iter().enumerate() {
                let body = serde_json::to_string(event).map_err(|e| SinkError(e.to_string()))?;
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .message_attributes("tenant_id", attribute(event.tenant_id.as_str())?)
                    .message_attributes("event_type", attribute(event.event_type.as_str())?)
                    .message_attributes("event_id", attribute(&event.event_id)?)
                    .build()
                    .map_err(|e| SinkError(e.to_string()))?;
                entries.push(entry);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| SinkError(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
            if let Some(failed) = out.failed.first() {
                return Err(SinkError(format!(
                    "{} of {} events refused by the queue: {} {}",
                    out.failed.len(),
                    chunk.len(),
                    failed.code,
                    failed.message.as_deref().unwrap_or("")
                )));
            }
        }
        Ok(())
    }
}
