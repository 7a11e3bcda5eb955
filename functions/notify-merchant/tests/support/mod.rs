//! Test support: merchant endpoints on loopback, a private queue + DLQ on the emulator driven the
//! way Lambda's poller drives the real one, and the e-mails the emulator's SES kept.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsBatchResponse;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::{EventRecord, EventStore};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::tenants::Provisioned;
use cuadre_core::OrderStatus;
use cuadre_testing::builders::buyer;
use cuadre_testing::sqs::{queue, queue_counts, sqs_event, sqs_record, TestQueue};
use cuadre_testing::{local_aws, unique_suffix, OrderBuilder, TenantSetup, TestAws};
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

/// The emulator's clients (through `Deref`), an `App` wired to the real adapters, and a private
/// queue + DLQ (redrive after 3 receives, 5 s visibility) that the test polls like Lambda would.
pub struct Harness {
    pub app: App,
    pub aws: TestAws,
    pub queue: TestQueue,
    /// The app's clock: the real time until a test sets it ([`Harness::set_time`]).
    time: Arc<Mutex<Option<DateTime<Utc>>>>,
}

cuadre_testing::deref_to!(Harness => aws: TestAws);

pub const MAX_RECEIVES: u32 = 3;

impl Harness {
    pub async fn new() -> Harness {
        let aws = TestAws::connect().await;
        let ses = aws_sdk_sesv2::Client::new(&aws.config);
        // The emulator, like SES, sends only from a verified identity; an existing one is fine.
        let _ = ses
            .create_email_identity()
            .email_identity("cuadre.test")
            .send()
            .await;
        let queue = queue("notify-test")
            .visibility_timeout(5)
            .dead_letter_after(MAX_RECEIVES)
            .create(&aws.sqs)
            .await;

        let app = App {
            store: aws.store.clone(),
            secrets: aws.secret_cache(),
            poster: Arc::new(HttpPoster::with_timeout(Duration::from_secs(5)).unwrap()),
            mailer: Arc::new(SesMailer::new(ses)),
            visibility: Arc::new(SqsVisibility::new(aws.sqs.clone(), queue.url.clone())),
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
        let time: Arc<Mutex<Option<DateTime<Utc>>>> = Arc::default();
        let read = time.clone();
        let app = App {
            clock: Arc::new(move || read.lock().unwrap().unwrap_or_else(Utc::now)),
            ..app
        };
        Harness {
            app,
            aws,
            queue,
            time,
        }
    }

    /// From now on the app's clock says `at`.
    pub fn set_time(&self, at: DateTime<Utc>) {
        *self.time.lock().unwrap() = Some(at);
    }

    /// The tenant's outbox record of `event`.
    pub async fn record(&self, event: &MerchantEvent) -> EventRecord {
        self.store
            .get_event(&event.tenant_id, &event.event_id)
            .await
            .unwrap()
            .expect("the event's outbox record")
    }

    /// A fresh tenant (secrets in SSM) posting to `url`.
    pub async fn tenant(&self, url: Option<&str>, buyer_emails: bool) -> Provisioned {
        let setup = TenantSetup::new("notify")
            .notification_url(url)
            .buyer_emails(buyer_emails);
        self.aws.provision(setup).await
    }

    /// A paid order of 1,250.00 soles whose buyer has a unique address; returns that address.
    pub async fn paid_order(&self, tenant: &Provisioned, order_id: &str) -> String {
        let email = format!("ana.{}@example.pe", unique_suffix());
        OrderBuilder::new(&tenant.tenant.tenant_id, order_id)
            .cip("11546901")
            .amount("1250.00")
            .status(OrderStatus::Paid)
            .buyer(buyer(&email))
            .create(self.store.as_ref())
            .await;
        email
    }

    pub async fn send(&self, body: &str) -> String {
        self.sqs
            .send_message()
            .queue_url(&self.queue.url)
            .message_body(body)
            .send()
            .await
            .unwrap()
            .message_id
            .unwrap()
    }

    /// Queues the event as its JSON; its message id.
    pub async fn send_event(&self, event: &MerchantEvent) -> String {
        self.send(&serde_json::to_string(event).unwrap()).await
    }

    /// Receives up to `max` visible messages (waiting a second at most), with their attributes.
    pub async fn receive(&self, max: i32) -> Vec<aws_sdk_sqs::types::Message> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue.url)
            .max_number_of_messages(max)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        out.messages.unwrap_or_default()
    }

    /// One poll as Lambda's poller makes it: receive up to 10, invoke the handler with the raw
    /// `SqsEvent`, delete what it did not report as failed. `None` when nothing was visible.
    pub async fn poll_once(&self) -> Option<Poll> {
        let messages = self.receive(10).await;
        if messages.is_empty() {
            return None;
        }
        let records = messages
            .iter()
            .map(|m| sqs_record(m, &self.queue.arn))
            .collect();
        let event = sqs_event(records);
        let response = handle(&self.app, event).await;
        let failed: HashSet<String> = failed_ids(&response).into_iter().collect();
        for m in &messages {
            if !failed.contains(m.message_id.as_deref().unwrap()) {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue.url)
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
            .queue_url(self.queue.dlq())
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
        queue_counts(&self.sqs, &self.queue.url).await == (0, 0)
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
