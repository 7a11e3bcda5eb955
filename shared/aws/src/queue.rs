//! Reconcile jobs on ReconcileJobsQueue (SQS): the body is the job's JSON; `tenant_id` is also a
//! message attribute (for filters and logs). The dispatcher and the worker (continuations) both
//! send through it.

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use cuadre_core::jobs::{Job, JobQueue, JobQueueError};

/// The jobs queue on SQS; sends in batches of ten (SendMessageBatch's limit).
#[derive(Debug, Clone)]
pub struct SqsJobQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsJobQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsJobQueue {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn attribute(value: &str) -> Result<MessageAttributeValue, JobQueueError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| JobQueueError(e.to_string()))
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn send(&self, jobs: &[Job]) -> Result<(), JobQueueError> {
        for chunk in jobs.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, job) in chunk.iter().enumerate() {
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(job.to_body())
                    .message_attributes("tenant_id", attribute(job.tenant_id.as_str())?)
                    .build()
                    .map_err(|e| JobQueueError(e.to_string()))?;
                entries.push(entry);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| JobQueueError(DisplayErrorContext(&e).to_string()))?;
            if let Some(failed) = out.failed.first() {
                return Err(JobQueueError(format!(
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
