//! The ports on AWS: S3 for the reports bucket, SQS for the queues.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::ports::{Message, MessageQueue, ObjectInfo, ObjectStore, SinkError};

fn s3_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> SinkError {
    SinkError(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
}

/// The reports bucket. It has Object Lock default retention, so every PUT carries a SHA-256 checksum.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Objects {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        S3Objects {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn list(
        &self,
        prefix: &str,
        token: Option<String>,
        max: i32,
    ) -> Result<(Vec<ObjectInfo>, Option<String>), SinkError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .max_keys(max.max(1))
            .send()
            .await
            .map_err(s3_error)?;
        let objects = out
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| {
                Some(ObjectInfo {
                    key: o.key?,
                    etag: o.e_tag.unwrap_or_default().trim_matches('"').to_string(),
                })
            })
            .collect();
        let next = if out.is_truncated == Some(true) {
            out.next_continuation_token
        } else {
            None
        };
        Ok((objects, next))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, SinkError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(s3_error)?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| SinkError(format!("reading {key}: {e}")))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), SinkError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(content_type)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(s3_error)?;
        Ok(())
    }
}

/// A queue on SQS; sends in batches of ten (SendMessageBatch's limit).
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsQueue {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait]
impl MessageQueue for SqsQueue {
    async fn send(&self, messages: &[Message]) -> Result<(), SinkError> {
        for chunk in messages.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, message) in chunk.iter().enumerate() {
                let mut entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(&message.body);
                for (name, value) in &message.attributes {
                    let attribute = MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value(value)
                        .build()
                        .map_err(|e| SinkError(e.to_string()))?;
                    entry = entry.message_attributes(*name, attribute);
                }
                entries.push(entry.build().map_err(|e| SinkError(e.to_string()))?);
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
                    "{} of {} messages refused by the queue: {} {}",
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
