//! Sending to one SQS queue in batches: the mechanism both queue adapters share (merchant events,
//! reconcile jobs). SendMessageBatch takes at most ten entries; a batch with any entry refused is
//! a failure of the whole send (the callers' messages are idempotent, so they send all again).

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

/// One message: its body and its String message attributes.
pub struct Outgoing<'a> {
    pub body: String,
    pub attributes: Vec<(&'static str, &'a str)>,
}

/// A queue and the client that reaches it.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        SqsQueue { client, queue_url }
    }

    /// Sends every message, ten at a time; the error says what failed (`noun` names the
    /// messages in it, e.g. "events").
    pub async fn send_all(&self, messages: Vec<Outgoing<'_>>, noun: &str) -> Result<(), String> {
        let mut messages = messages.into_iter().peekable();
        while messages.peek().is_some() {
            let chunk: Vec<Outgoing<'_>> = messages.by_ref().take(10).collect();
            let count = chunk.len();
            let mut entries = Vec::with_capacity(count);
            for (i, m) in chunk.into_iter().enumerate() {
                let mut entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(m.body);
                for (name, value) in m.attributes {
                    let attribute = MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value(value)
                        .build()
                        .map_err(|e| e.to_string())?;
                    entry = entry.message_attributes(name, attribute);
                }
                entries.push(entry.build().map_err(|e| e.to_string())?);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| DisplayErrorContext(&e).to_string())?;
            if let Some(failed) = out.failed.first() {
                return Err(format!(
                    "{} of {count} {noun} refused by the queue: {} {}",
                    out.failed.len(),
                    failed.code,
                    failed.message.as_deref().unwrap_or("")
                ));
            }
        }
        Ok(())
    }
}

/// Moves up to `max` messages from a dead-letter queue back to `queue_url` (body and message
/// attributes as they were), deleting each from the DLQ only once the queue took it; how many
/// moved. Stops when the DLQ shows no more messages.
pub async fn redrive(
    client: &aws_sdk_sqs::Client,
    dlq_url: &str,
    queue_url: &str,
    max: usize,
) -> Result<usize, String> {
    let mut moved = 0;
    while moved < max {
        let out = client
            .receive_message()
            .queue_url(dlq_url)
            .max_number_of_messages(i32::try_from((max - moved).min(10)).unwrap_or(10))
            .message_attribute_names("All")
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(&e).to_string())?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for message in messages {
            client
                .send_message()
                .queue_url(queue_url)
                .set_message_body(message.body)
                .set_message_attributes(message.message_attributes)
                .send()
                .await
                .map_err(|e| DisplayErrorContext(&e).to_string())?;
            if let Some(handle) = message.receipt_handle {
                client
                    .delete_message()
                    .queue_url(dlq_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(|e| DisplayErrorContext(&e).to_string())?;
            }
            moved += 1;
        }
    }
    Ok(moved)
}
