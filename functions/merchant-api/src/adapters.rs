//! The notifications queue on AWS (SQS).

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use cuadre_core::events::MerchantEvent;

use crate::app::{EventQueue, QueueError};

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

fn attribute(value: &str) -> Result<MessageAttributeValue, QueueError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| QueueError(e.to_string()))
}

#[async_trait]
impl EventQueue for SqsEventQueue {
    async fn send(&self, event: &MerchantEvent) -> Result<(), QueueError> {
        let body = serde_json::to_string(event).map_err(|e| QueueError(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_attributes("tenant_id", attribute(event.tenant_id.as_str())?)
            .message_attributes("event_type", attribute(event.event_type.as_str())?)
            .message_attributes("event_id", attribute(&event.event_id)?)
            .send()
            .await
            .map_err(|e| QueueError(DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }
}
