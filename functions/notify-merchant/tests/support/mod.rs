//! Test support: merchant endpoints on loopback, a private queue + DLQ on the emulator driven the
//! way Lambda's poller drives the real one, and the e-mails the emulator's SES kept.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use cuadre_aws::{DynamoStore, SsmSecrets};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::store::OrderStore;
use cuadre_core::tenants::{provision, NewTenant, Provisioned, TenantRandomness};
use cuadre_core::{Order, Ruc};
use cuadre_lambda::secrets::SecretCache;
use cuadre_testing::{local_aws, unique_tenant};
use notify_merchant::adapters::{HttpPoster, SesMailer, SqsVisibility};
use notify_merchant::retry::RetrySchedule;
use notify_merchant::{handle, App, Settings};
use serde_json::{json, Value};

pub const SENDER: &str = "avisos@cuadre.test";

/// One request a merchant endpoint received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub status: u16,
    pub at: Instant,
}

struct EndpointState {
    fail_first: usize,
    seen: AtomicUsize,
    hits: Mutex<Vec<Hit>>,
}

/// A merchant endpoint on 127.0.0.1 that answers 500 to its first `fail_first` requests, then 200.
pub struct Endpoint {
    pub url: String,
    state: Arc<EndpointState>,
}

impl Endpoint {
    pub async fn start(fail_first: usize) -> Endpoint {
        async fn receive(
            State(state): State<Arc<EndpointState>>,
            headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            let n = state.seen.fetch_add(1, Ordering::SeqCst);
            let status = if n < state.fail_first {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            };
            state.hits.lock().unwrap().push(Hit {
                headers,
                body,
                status: status.as_u16(),
                at: Instant::now(),
            });
            status
        }
        let state = Arc::new(EndpointState {
            fail_first,
            seen: AtomicUsize::new(0),
            hits: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new()
            .route("/hooks/cuadre", post(receive))
            .with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Endpoint {
            url: format!("http://{addr}/hooks/cuadre"),
            state,
        }
    }

    pub fn always_failing() -> usize {
        usize::MAX
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }
}

/// The emulator's clients, an `App` wired to the real adapters, and a private queue + DLQ
/// (redrive after 3 receives, 5 s visibility) that the test polls like Lambda would.
pub struct Harness {
    pub app: App,
    pub store: Arc<DynamoStore>,
    pub ssm: Arc<SsmSecrets>,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub queue_arn: String,
    pub dlq_url: String,
}

pub const MAX_RECEIVES: u32 = 3;

impl Harness {
    pub async fn new() -> Harness {
        let aws = local_aws();
        let config = aws.sdk_config().await;
        let store = Arc::new(aws.store().await);
        let ssm = Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&config)));
        let sqs = aws.sqs().await;
        let ses = aws_sdk_sesv2::Client::new(&config);
        // The emulator, like SES, sends only from a verified identity; an existing one is fine.
        let _ = ses
            .create_email_identity()
            .email_identity("cuadre.test")
            .send()
            .await;

        let name = format!(
            "notify-test-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let dlq_url = sqs
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dlq_arn = queue_arn(&sqs, &dlq_url).await;
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::VisibilityTimeout, "5")
            .attributes(
                QueueAttributeName::RedrivePolicy,
                json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
                    .to_string(),
            )
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = queue_arn(&sqs, &queue_url).await;

        let app = App {
            store: store.clone(),
            secrets: Arc::new(SecretCache::new(ssm.clone())),
            poster: Arc::new(HttpPoster::with_timeout(Duration::from_secs(5)).unwrap()),
            mailer: Arc::new(SesMailer::new(ses)),
            visibility: Arc::new(SqsVisibility::new(sqs.clone(), queue_url.clone())),
            settings: Settings {
                email_from: Some(SENDER.into()),
                // 1 s, 2 s, … so a test sees the delays grow without waiting minutes.
                retry: RetrySchedule {
                    first_secs: 1,
                    factor: 2,
                    cap_secs: 4,
                },
                max_receive_count: MAX_RECEIVES,
                ..Settings::default()
            },
            clock: Arc::new(Utc::now),
        };
        Harness {
            app,
            store,
            ssm,
            sqs,
            queue_url,
            queue_arn,
            dlq_url,
        }
    }

    /// A fresh tenant (secrets in SSM) posting to `url`.
    pub async fn tenant(&self, url: Option<&str>, buyer_emails: bool) -> Provisioned {
        provision(
            self.store.as_ref(),
            self.store.as_ref(),
            self.ssm.as_ref(),
            "/cuadre/test",
            NewTenant {
                tenant_id: unique_tenant("notify"),
                name: "Tienda Uno".into(),
                ruc: Ruc::parse("20100047218").unwrap(),
                id_service: 1234,
                access_key: "YTQ3Mjk1YjllYjlkYTA0".into(),
                gateway_secret_key: "sandbox-secret-key".into(),
                default_expiry_hours: None,
                high_value_thresholds: Default::default(),
                notification_url: url.map(str::to_string),
                buyer_emails,
            },
            TenantRandomness {
                api_key_id: rand::random(),
                api_key_secret: rand::random(),
                notification_secret: rand::random(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
    }

    /// A paid order of 1,250.00 soles whose buyer has a unique address; returns that address.
    pub async fn paid_order(&self, tenant: &Provisioned, order_id: &str) -> String {
        let email = format!(
            "ana.{}@example.pe",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let now = Utc::now();
        let order: Order = serde_json::from_value(json!({
            "tenant_id": tenant.tenant.tenant_id,
            "order_id": order_id,
            "cip": "11546901",
            "amount": {"amount": "1250.00", "currency": "PEN"},
            "status": "PAID",
            "issued_at": cuadre_core::time::format_lima(now),
            "expires_at": cuadre_core::time::format_lima(now + chrono::Duration::hours(48)),
            "buyer": {"email": email, "name": "Ana", "last_name": "Quispe",
                      "phone": "987654321", "phone_country_code": "+51"},
            "version": 1
        }))
        .unwrap();
        self.store.create_order(&order).await.unwrap();
        email
    }

    pub async fn send(&self, body: &str) -> String {
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap()
            .message_id
            .unwrap()
    }

    /// One poll as Lambda's poller makes it: receive up to 10, invoke the handler with the raw
    /// `SqsEvent`, delete what it did not report as failed. `None` when nothing was visible.
    pub async fn poll_once(&self) -> Option<Poll> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return None;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: HashMap<String, String> = m
                    .attributes
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_string(), v))
                    .collect();
                json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": "us-east-1"
                })
            })
            .collect();
        let event: SqsEvent = serde_json::from_value(json!({ "Records": records })).unwrap();
        let response = handle(&self.app, event).await;
        let failed: HashSet<String> = failed_ids(&response).into_iter().collect();
        for m in &messages {
            if !failed.contains(m.message_id.as_deref().unwrap()) {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle.as_deref().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        Some(Poll {
            received: messages
                .iter()
                .map(|m| m.message_id.clone().unwrap())
                .collect(),
            response,
        })
    }

    /// Polls until `done` holds or `limit` passes; the polls made.
    pub async fn poll_until(&self, limit: Duration, mut done: impl FnMut() -> bool) -> Vec<Poll> {
        let deadline = Instant::now() + limit;
        let mut polls = Vec::new();
        while !done() {
            assert!(
                Instant::now() < deadline,
                "gave up after {limit:?}: {polls:#?}"
            );
            if let Some(poll) = self.poll_once().await {
                polls.push(poll);
            }
        }
        polls
    }

    /// Messages waiting in the DLQ (received and left there, invisible for a while).
    pub async fn dead_letters(&self) -> Vec<String> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.dlq_url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
        out.messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.body)
            .collect()
    }

    pub async fn queue_is_empty(&self) -> bool {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let attrs = out.attributes.unwrap_or_default();
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .all(|k| attrs.get(k).map(String::as_str) == Some("0"))
    }
}

#[derive(Debug)]
pub struct Poll {
    pub received: Vec<String>,
    pub response: SqsBatchResponse,
}

pub fn failed_ids(response: &SqsBatchResponse) -> Vec<String> {
    let mut ids: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    ids.sort();
    ids
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap()
}

/// An event as the producers build it.
pub fn event(
    tenant: &Provisioned,
    event_type: EventType,
    fact: &str,
    data: Value,
) -> MerchantEvent {
    MerchantEvent::new(
        event_type,
        tenant.tenant.tenant_id.clone(),
        fact,
        Utc::now(),
        data,
    )
}

/// `order.paid` with the webhook's `data` (`cuadre_core::events::OrderPaidData`).
pub fn order_paid(tenant: &Provisioned, order_id: &str) -> MerchantEvent {
    event(
        tenant,
        EventType::OrderPaid,
        &format!("11546901/{order_id}"),
        json!({
            "order_id": order_id, "cip": "11546901", "operation_number": "1253",
            "amount": "1250.00", "currency": "PEN", "paid_at": "2026-11-25T10:00:00-05:00",
            "source": "notification", "status": "PAID",
            "order_amount": "1250.00", "order_currency": "PEN"
        }),
    )
}

/// The e-mails the emulator's SES accepted for `to` (from moto's model dump).
pub async fn emails_to(to: &str) -> Vec<Value> {
    let url = format!("{}/moto-api/data.json", local_aws().endpoint);
    let data: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == to))
        })
        .collect()
}
