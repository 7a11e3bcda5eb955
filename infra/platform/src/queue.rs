//! SQS event sources with Lambda's batch semantics.
//!
//! Like Lambda's poller: receive up to `BatchSize` messages, hand them to the consumer as one
//! `SqsEvent`, then delete every message the consumer did not list in `batchItemFailures`. Failed
//! messages are left alone: they reappear after the queue's visibility timeout, and the queue's
//! redrive policy moves them to the DLQ after `maxReceiveCount` receives. A consumer that panics,
//! times out, or reports an id that is empty or not in the batch fails the whole batch (nothing
//! is deleted), as in Lambda. Without `ReportBatchItemFailures` the response is ignored and a
//! returned batch counts as fully processed.

use std::collections::HashSet;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use crate::registry::QueueHandler;
use crate::template::REGION;

/// One event source: a queue feeding one consumer.
#[derive(Clone)]
pub struct QueuePoller {
    /// The consumer's binary name (for logs).
    pub binary: String,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds`: how long to gather a fuller batch.
    pub batching_window: Duration,
    pub report_failures: bool,
    /// The function's timeout: a consumer still running then has failed its batch.
    pub timeout: Duration,
    /// Long-poll wait per receive (also how fast the poller notices shutdown).
    pub wait: Duration,
    pub consumer: QueueHandler,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub received: usize,
    pub deleted: usize,
    /// Left on the queue for retry.
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("SQS {operation} on {queue} failed: {message}")]
    Sqs {
        operation: &'static str,
        queue: String,
        message: String,
    },
}

impl QueuePoller {
    fn sqs_error(&self, operation: &'static str, e: impl std::error::Error) -> PollError {
        PollError::Sqs {
            operation,
            queue: self.queue_url.clone(),
            message: aws_error_text(&e),
        }
    }

    /// The queue's ARN (the records' `eventSourceARN`).
    async fn queue_arn(&self) -> Result<String, PollError> {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| self.sqs_error("GetQueueAttributes", e))?;
        Ok(out
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_default())
    }

    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<Message>, PollError> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| self.sqs_error("ReceiveMessage", e))?;
        Ok(out.messages.unwrap_or_default())
    }

    /// Receives one batch (waiting up to `wait` for the first message), runs the consumer, and
    /// deletes what succeeded.
    pub async fn poll_once(&self) -> Result<BatchOutcome, PollError> {
        let arn = self.queue_arn().await?;
        self.poll_with_arn(&arn).await
    }

    async fn poll_with_arn(&self, arn: &str) -> Result<BatchOutcome, PollError> {
        let batch_size = self.batch_size.max(1) as usize;
        let mut messages = self.receive(batch_size as u32, self.wait).await?;
        if messages.is_empty() {
            return Ok(BatchOutcome::default());
        }
        // Fill the batch: at once, or during the batching window.
        let window_ends = tokio::time::Instant::now() + self.batching_window;
        while messages.len() < batch_size {
            let left = window_ends.saturating_duration_since(tokio::time::Instant::now());
            let more = self
                .receive(
                    (batch_size - messages.len()) as u32,
                    left.min(Duration::from_secs(1)),
                )
                .await?;
            if more.is_empty() && left.is_zero() {
                break;
            }
            messages.extend(more);
        }
        let received = messages.len();
        let event = sqs_event(&messages, arn);
        let ids: HashSet<&str> = messages.iter().filter_map(|m| m.message_id()).collect();

        let task = tokio::spawn(tokio::time::timeout(self.timeout, (self.consumer)(event)));
        let failed_ids: Option<HashSet<String>> = match task.await {
            Ok(Ok(response)) if self.report_failures => {
                let failed: HashSet<String> = response
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect();
                if failed.iter().all(|id| ids.contains(id.as_str())) {
                    Some(failed)
                } else {
                    tracing::error!(
                        binary = self.binary,
                        "batchItemFailures names an empty or unknown id: the whole batch failed"
                    );
                    None
                }
            }
            Ok(Ok(_)) => Some(HashSet::new()),
            Ok(Err(_)) => {
                tracing::error!(
                    binary = self.binary,
                    timeout_secs = self.timeout.as_secs(),
                    "consumer timed out: the whole batch failed"
                );
                None
            }
            Err(e) => {
                tracing::error!(binary = self.binary, error = %e, "consumer failed: the whole batch failed");
                None
            }
        };
        let Some(failed_ids) = failed_ids else {
            return Ok(BatchOutcome {
                received,
                deleted: 0,
                failed: received,
            });
        };
        let done: Vec<&Message> = messages
            .iter()
            .filter(|m| !m.message_id().is_some_and(|id| failed_ids.contains(id)))
            .collect();
        let mut deleted = 0;
        for chunk in done.chunks(10) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .receipt_handle(m.receipt_handle()?)
                        .build()
                        .ok()
                })
                .collect();
            let out = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.sqs_error("DeleteMessageBatch", e))?;
            deleted += out.successful().len();
            for failure in out.failed() {
                tracing::warn!(
                    binary = self.binary,
                    id = failure.id(),
                    "could not delete a processed message"
                );
            }
        }
        if !failed_ids.is_empty() {
            tracing::info!(
                binary = self.binary,
                failed = failed_ids.len(),
                "records left for retry"
            );
        }
        Ok(BatchOutcome {
            received,
            deleted,
            failed: received - done.len(),
        })
    }

    /// Polls until `shutdown` turns true; errors are logged and retried after a pause.
    ///
    /// Shutdown is noticed between polls, never in the middle of one: a receive under way may
    /// already have been handed messages (hidden for the queue's whole visibility timeout from
    /// then on), so it is finished, and its batch consumed and deleted, before the loop ends.
    /// That costs at most one long-poll wait plus one batch. (Dropping the poll instead lost the
    /// messages of a platform sharing the queues, e.g. a second `cuadre dev` or a parallel test,
    /// for minutes.)
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut arn: Option<String> = None;
        while !*shutdown.borrow() {
            let queue_arn = match &arn {
                Some(a) => Ok(a.clone()),
                None => self.queue_arn().await.inspect(|a| arn = Some(a.clone())),
            };
            let result = match queue_arn {
                Ok(queue_arn) => self.poll_with_arn(&queue_arn).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(binary = self.binary, error = %e, "poll failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.changed() => break,
                }
            }
        }
    }
}

/// The `SqsEvent` Lambda builds from received messages (built from JSON: the structs are
/// non-exhaustive).
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            let message_attributes: Map<String, Value> = m
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| {
                            let mut attr = json!({
                                "dataType": v.data_type(),
                                "stringListValues": [],
                                "binaryListValues": [],
                            });
                            if let Some(s) = v.string_value() {
                                attr["stringValue"] = json!(s);
                            }
                            if let Some(b) = v.binary_value() {
                                use base64::Engine;
                                attr["binaryValue"] =
                                    json!(base64::engine::general_purpose::STANDARD
                                        .encode(b.as_ref()));
                            }
                            (k.clone(), attr)
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap_or_default()
}

/// The SDK's error with its service message (the `Display` of an SDK error is just "service error").
pub(crate) fn aws_error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
