//! SQS as the tests use it: queues of a test's own (with a dead-letter queue when asked), taking a
//! test's messages off a shared queue without disturbing the others', and the `SqsEvent` Lambda
//! would deliver for what was received.

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::operation::create_queue::builders::CreateQueueFluentBuilder;
use aws_sdk_sqs::types::{Message, QueueAttributeName};
use aws_sdk_sqs::Client;
use cuadre_core::TenantId;
use serde_json::{json, Value};

use crate::tenant::unique_name;

/// A queue to create: named `{prefix}-{random}`, with the emulator's defaults unless set.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    name: String,
    visibility_timeout: Option<u32>,
    dead_letter_after: Option<u32>,
}

/// A queue a test made for itself, and its dead-letter queue if it has one.
#[derive(Debug, Clone)]
pub struct TestQueue {
    pub url: String,
    pub arn: String,
    pub dlq_url: Option<String>,
}

/// A queue named `{prefix}-{12 random hex digits}`.
pub fn queue(prefix: &str) -> QueueSpec {
    QueueSpec {
        name: unique_name(prefix),
        visibility_timeout: None,
        dead_letter_after: None,
    }
}

impl QueueSpec {
    pub fn visibility_timeout(mut self, secs: u32) -> QueueSpec {
        self.visibility_timeout = Some(secs);
        self
    }

    /// A dead-letter queue (`{name}-dlq`) takes a message after `max_receives` receives.
    pub fn dead_letter_after(mut self, max_receives: u32) -> QueueSpec {
        self.dead_letter_after = Some(max_receives);
        self
    }

    pub async fn create(self, sqs: &Client) -> TestQueue {
        let mut request = sqs.create_queue().queue_name(&self.name);
        if let Some(secs) = self.visibility_timeout {
            request = request.attributes(QueueAttributeName::VisibilityTimeout, secs.to_string());
        }
        let mut dlq_url = None;
        if let Some(max_receives) = self.dead_letter_after {
            let dlq = created(sqs.create_queue().queue_name(format!("{}-dlq", self.name))).await;
            let redrive = json!({
                "deadLetterTargetArn": queue_arn(sqs, &dlq).await,
                "maxReceiveCount": max_receives
            });
            request = request.attributes(QueueAttributeName::RedrivePolicy, redrive.to_string());
            dlq_url = Some(dlq);
        }
        let url = created(request).await;
        TestQueue {
            arn: queue_arn(sqs, &url).await,
            url,
            dlq_url,
        }
    }
}

async fn created(request: CreateQueueFluentBuilder) -> String {
    request
        .send()
        .await
        .expect("create a queue")
        .queue_url
        .expect("a created queue has a URL")
}

impl TestQueue {
    /// The dead-letter queue's URL (the queue was made with one).
    pub fn dlq(&self) -> &str {
        self.dlq_url.as_deref().expect("a queue with a DLQ")
    }

    /// Deletes the queue and its dead-letter queue.
    pub async fn delete(&self, sqs: &Client) {
        for url in std::iter::once(&self.url).chain(&self.dlq_url) {
            let _ = sqs.delete_queue().queue_url(url).send().await;
        }
    }
}

pub async fn queue_arn(sqs: &Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("get the queue's ARN")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("a queue has an ARN")
}

/// (visible, in flight) messages of the queue, approximately, as SQS counts them.
pub async fn queue_counts(sqs: &Client, url: &str) -> (i64, i64) {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("get the queue's counts");
    let attrs = out.attributes.unwrap_or_default();
    let n = |a: QueueAttributeName| attrs.get(&a).map_or(0, |v| v.parse().unwrap());
    (
        n(QueueAttributeName::ApproximateNumberOfMessages),
        n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

/// What [`take`] does with the messages that are not the test's.
#[derive(Debug, Clone, Copy)]
pub enum Others {
    /// Visible again at once (a queue of few readers).
    HandBack,
    /// Left invisible for this many seconds: on a queue that dead-letters after a few receives,
    /// so others' messages are received sparingly.
    HideFor(i32),
}

/// Receives messages of `url`, deletes those `mine` accepts (by body) and returns them; stops
/// once it has `want` or after `within`.
pub async fn take(
    sqs: &Client,
    url: &str,
    want: usize,
    within: Duration,
    others: Others,
    mine: impl Fn(&str) -> bool,
) -> Vec<Message> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < want && Instant::now() < deadline {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(match others {
                Others::HandBack => 30,
                Others::HideFor(secs) => secs,
            })
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive messages");
        for m in got.messages.unwrap_or_default() {
            let handle = m.receipt_handle.clone().expect("a receipt handle");
            if mine(m.body.as_deref().unwrap_or("")) {
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete a message");
                out.push(m);
            } else if let Others::HandBack = others {
                let _ = sqs
                    .change_message_visibility()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .send()
                    .await;
            }
        }
    }
    out
}

/// The body is a job or event of `tenant` (its `tenant_id`).
pub fn of_tenant(body: &str, tenant: &TenantId) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["tenant_id"].as_str().map(|t| t == tenant.as_str()))
        .unwrap_or(false)
}

/// The record Lambda's poller makes of a received message (its system attributes as received).
pub fn sqs_record(m: &Message, source_arn: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = m
        .attributes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), Value::String(v)))
        .collect();
    json!({
        "messageId": m.message_id,
        "receiptHandle": m.receipt_handle,
        "body": m.body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": m.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": "us-east-1"
    })
}

/// An `SqsEvent` of these records (built from JSON: the struct is non-exhaustive).
pub fn sqs_event(records: Vec<Value>) -> SqsEvent {
    serde_json::from_value(json!({ "Records": records })).expect("an SqsEvent")
}

/// The `SqsEvent` Lambda would deliver for these messages of the queue `source_arn`.
pub fn sqs_event_of(messages: &[Message], source_arn: &str) -> SqsEvent {
    sqs_event(messages.iter().map(|m| sqs_record(m, source_arn)).collect())
}
