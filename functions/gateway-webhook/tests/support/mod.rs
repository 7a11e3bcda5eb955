//! The webhook's test harness: real DynamoDB, SSM, S3 and SQS (the emulator), a freshly
//! provisioned tenant per test, and the handler called as Lambda calls it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cuadre_aws::{DynamoStore, SqsMerchantEvents, SsmSecrets};
use cuadre_core::events::{EventSinkError, MerchantEvent, MerchantEventSink};
use cuadre_core::store::OrderStore;
use cuadre_core::tenants::{provision, NewTenant, TenantRandomness};
use cuadre_core::{Cip, Currency, Money, Order, OrderId, OrderStatus, Ruc, Tenant};
use cuadre_lambda::secrets::SecretCache;
use cuadre_testing::{local_aws, unique_tenant};
use gateway_webhook::adapters::S3Archive;
use gateway_webhook::{handle, App, Settings};
use hmac::{Hmac, Mac};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::Sha256;

pub const SECRET_KEY: &str = "sandbox-secret-key";

/// HMAC-SHA256 of the bytes with the key, lowercase hex: computed here, independently of the crate.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A queue that refuses the first `failures` sends, then passes them on.
pub struct FlakyQueue {
    pub inner: Arc<dyn MerchantEventSink>,
    pub failures: AtomicU32,
}

#[async_trait]
impl MerchantEventSink for FlakyQueue {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(EventSinkError("the queue is down (test)".into()));
        }
        self.inner.send(events).await
    }
}

pub struct Harness {
    pub app: App,
    pub store: Arc<DynamoStore>,
    pub tenant: Tenant,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub bucket: String,
    pub queue_url: String,
    pub recorder: Arc<RecordingQueue>,
}

#[derive(Default)]
pub struct Options {
    pub thresholds: BTreeMap<Currency, Decimal>,
    pub settings: Settings,
    /// Sends refused before the queue works.
    pub queue_failures: u32,
}

impl Harness {
    pub async fn new() -> Harness {
        Harness::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Harness {
        let aws = local_aws();
        let config = aws.sdk_config().await;
        let store = Arc::new(aws.store().await);
        let ssm = Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&config)));
        let provisioned = provision(
            store.as_ref(),
            store.as_ref(),
            ssm.as_ref(),
            "/cuadre/test",
            NewTenant {
                tenant_id: unique_tenant("webhook"),
                name: "Tienda Uno".into(),
                ruc: Ruc::parse("20100047218").unwrap(),
                id_service: 1234,
                access_key: "YTQ3Mjk1YjllYjlkYTA0".into(),
                gateway_secret_key: SECRET_KEY.into(),
                default_expiry_hours: None,
                high_value_thresholds: options.thresholds,
                notification_url: None,
                buyer_emails: true,
            },
            TenantRandomness {
                api_key_id: rand::random(),
                api_key_secret: rand::random(),
                notification_secret: rand::random(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
        let s3 = aws.s3().await;
        let sqs = aws.sqs().await;
        let bucket = aws.var("VOUCHERS_BUCKET").to_string();
        let queue_url = aws.var("MERCHANT_NOTIFICATIONS_QUEUE_URL").to_string();
        let recorder = Arc::new(RecordingQueue {
            inner: Arc::new(SqsMerchantEvents::new(sqs.clone(), queue_url.clone())),
            sent: Mutex::new(Vec::new()),
        });
        let queue: Arc<dyn MerchantEventSink> = recorder.clone();
        let events: Arc<dyn MerchantEventSink> = if options.queue_failures > 0 {
            Arc::new(FlakyQueue {
                inner: queue,
                failures: AtomicU32::new(options.queue_failures),
            })
        } else {
            queue
        };
        let app = App {
            store: store.clone(),
            secrets: Arc::new(SecretCache::new(ssm)),
            archive: Arc::new(S3Archive::new(s3.clone(), bucket.clone())),
            events,
            settings: options.settings,
            clock: Arc::new(Utc::now),
        };
        Harness {
            app,
            store,
            tenant: provisioned.tenant,
            s3,
            sqs,
            bucket,
            queue_url,
            recorder,
        }
    }

    pub fn path(&self) -> String {
        format!("/prod/v1/webhooks/pagoefectivo/{}", self.tenant.tenant_id)
    }

    /// A POST of these bytes with these headers.
    pub fn request(&self, body: &[u8], headers: &[(&str, &str)]) -> Request {
        let mut req = lambda_http::http::Request::builder()
            .method("POST")
            .uri(format!("https://api.test{}", self.path()))
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(Body::Binary(body.to_vec())).unwrap()
    }

    /// Delivers a notification signed with the tenant's key, as the gateway does.
    pub async fn deliver(&self, body: &str) -> (StatusCode, Value) {
        let sig = sign(SECRET_KEY, body.as_bytes());
        self.send(self.request(body.as_bytes(), &[("PE-Signature", &sig)]))
            .await
    }

    pub async fn send(&self, req: Request) -> (StatusCode, Value) {
        let response = handle(&self.app, req).await;
        let status = response.status();
        let body: Value = match response.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            Body::Binary(b) => serde_json::from_slice(b).unwrap(),
            _ => Value::Null,
        };
        let content_type = response.headers()["content-type"].to_str().unwrap();
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(content_type, "application/problem+json", "{body}");
        } else {
            assert_eq!(content_type, "application/json", "{body}");
        }
        (status, body)
    }

    /// An issued order of the tenant.
    pub async fn order(
        &self,
        id: &str,
        cip: Option<&str>,
        amount: &str,
        status: OrderStatus,
        expires_at: DateTime<Utc>,
    ) -> Order {
        let order = Order {
            tenant_id: self.tenant.tenant_id.clone(),
            order_id: OrderId::parse(id).unwrap(),
            cip: cip.map(|c| Cip::parse(c).unwrap()),
            amount: Money::new(amount.parse().unwrap(), Currency::Pen).unwrap(),
            status,
            issued_at: Utc::now() - chrono::Duration::hours(1),
            expires_at,
            cip_url: None,
            channel: Some("api".into()),
            concept: None,
            buyer: None,
            pay_token: None,
            issuing_since: None,
            unknown_issue_attempts: 0,
            version: 1,
        };
        self.store.create_order(&order).await.unwrap();
        order
    }

    pub async fn pending_order(&self, id: &str, cip: &str, amount: &str) -> Order {
        self.order(
            id,
            Some(cip),
            amount,
            OrderStatus::Pending,
            Utc::now() + chrono::Duration::hours(48),
        )
        .await
    }

    pub async fn get_order(&self, id: &str) -> Order {
        self.store
            .get_order(&self.tenant.tenant_id, &OrderId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap()
    }

    /// Keys of the archived notifications of this tenant.
    pub async fn archived(&self) -> Vec<String> {
        let out = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("webhooks/{}/", self.tenant.tenant_id))
            .send()
            .await
            .unwrap();
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    }

    /// Every event handed to the queue for this tenant so far (recorded on the way to SQS, so the
    /// count is exact whatever other tests do with the shared queue).
    pub fn sent(&self) -> Vec<MerchantEvent> {
        self.recorder.sent.lock().unwrap().clone()
    }

    /// Takes this tenant's messages off the shared notifications queue: at least `expected` of them,
    /// then whatever else is visible. Other tenants' messages are received once and reappear two
    /// seconds later (the queue moves a message to its DLQ after five receives: receive sparingly).
    pub async fn queue_messages(&self, expected: usize) -> Vec<MerchantEvent> {
        let mut mine = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(2)
                .wait_time_seconds(if mine.len() < expected { 1 } else { 0 })
                .message_attribute_names("All")
                .send()
                .await
                .unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() && mine.len() >= expected {
                break;
            }
            for m in messages {
                let body: Value =
                    serde_json::from_str(m.body().unwrap_or("null")).unwrap_or_default();
                if body["tenant_id"] != self.tenant.tenant_id.as_str() {
                    continue;
                }
                let attributes = m.message_attributes().cloned().unwrap_or_default();
                assert_eq!(
                    attributes["event_id"].string_value(),
                    body["event_id"].as_str()
                );
                mine.push(serde_json::from_value(body).unwrap());
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        mine
    }
}

/// Records what reached the queue.
pub struct RecordingQueue {
    pub inner: Arc<dyn MerchantEventSink>,
    pub sent: Mutex<Vec<MerchantEvent>>,
}

#[async_trait]
impl MerchantEventSink for RecordingQueue {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError> {
        self.inner.send(events).await?;
        self.sent.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

pub fn paid_body(cip: &str, op: &str, amount: &str) -> String {
    format!(
        r#"{{"eventType":"cip.paid","operationNumber":"{op}","data":{{"cip":"{cip}","currency":"PEN","amount":{amount}}}}}"#
    )
}

pub fn event_types(events: &[MerchantEvent]) -> Vec<String> {
    let mut types: Vec<String> = events
        .iter()
        .map(|e| {
            let what = e.data["kind"]
                .as_str()
                .map(|k| format!(":{k}"))
                .unwrap_or_default();
            format!("{}{what}", e.event_type.as_str())
        })
        .collect();
    types.sort();
    types
}
