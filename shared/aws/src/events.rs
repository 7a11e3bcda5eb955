//! Merchant events on the notifications queue (SQS): the body is the event's JSON; `tenant_id`,
//! `event_type` and `event_id` are also message attributes (for filters and logs).

use async_trait::async_trait;
use cuadre_core::events::{EventSinkError, MerchantEvent, MerchantEventSink};

use crate::sqs::{Outgoing, SqsQueue};

#[derive(Debug, Clone)]
pub struct SqsMerchantEvents(SqsQueue);

impl SqsMerchantEvents {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsMerchantEvents(SqsQueue::new(client, queue_url.into()))
    }
}

#[async_trait]
impl MerchantEventSink for SqsMerchantEvents {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError> {
        let mut messages = Vec::with_capacity(events.len());
        for event in events {
            messages.push(Outgoing {
                body: serde_json::to_string(event).map_err(|e| EventSinkError(e.to_string()))?,
                attributes: vec![
                    ("tenant_id", event.tenant_id.as_str()),
                    ("event_type", event.event_type.as_str()),
                    ("event_id", &event.event_id),
                ],
            });
        }
        self.0
            .send_all(messages, "events")
            .await
            .map_err(EventSinkError)
    }
}
