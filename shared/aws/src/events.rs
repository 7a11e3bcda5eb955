//! Merchant events on the notifications queue (SQS): the body is the event's JSON; `tenant_id`,
//! `event_type` and `event_id` are also message attributes (for filters and logs).

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use cuadre_core::events::{EventSinkError, MerchantEvent, MerchantEventSink};

#[derive(Debug, Clone)]
pub struct SqsMerchantEvents {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsMerchantEvents {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsMerchantEvents {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn attribute(value: &str) -> Result<MessageAttributeValue, EventSinkError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| EventSinkError(e.to_string()))
}

#[async_trait]
impl MerchantEventSink for SqsMerchantEvents {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError> {
        // SendMessageBatch takes at most 10 entries.
        for chunk in events.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, event) in chunk.iter().enumerate() {
                let body =
                    serde_json::to_string(event).map_err(|e| EventSinkError(e.to_string()))?;
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .message_attributes("tenant_id", attribute(event.tenant_id.as_str())?)
                    .message_attributes("event_type", attribute(event.event_type.as_str())?)
                    .message_attributes("event_id", attribute(&event.event_id)?)
                    .build()
                    .map_err(|e| EventSinkError(e.to_string()))?;
                entries.push(entry);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| EventSinkError(DisplayErrorContext(&e).to_string()))?;
            if let Some(failed) = out.failed.first() {
                return Err(EventSinkError(format!(
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
