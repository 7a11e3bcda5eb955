//! The webhook's test harness, shared with the throughput bench: real DynamoDB, SSM, S3 and SQS
//! (the emulator), a freshly provisioned tenant per test (`cuadre_testing::TestApp`), and the
//! handler's requests as API Gateway sends them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use cuadre_core::{Currency, Order, OrderStatus};
use cuadre_testing::{hmac_sha256_hex, TenantSetup, TestApp};
use gateway_webhook::adapters::S3Archive;
use gateway_webhook::{App, Settings};
use lambda_http::{Body, Request};
use rust_decimal::Decimal;

pub use cuadre_testing::SECRET_KEY;

/// HMAC-SHA256 of the bytes with the key, lowercase hex: computed independently of the crate.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hmac_sha256_hex(secret, body)
}

/// The handler's `App` over the real adapters, and the tenant it serves (its clients through
/// `Deref`). Events go to the shared notifications queue through the tenant's recorder.
pub struct Harness {
    pub app: App,
    pub env: TestApp,
}

cuadre_testing::deref_to!(Harness => env: TestApp);

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
        let env = TestApp::with(TenantSetup::new("webhook").high_value(options.thresholds)).await;
        env.events.fail_next(options.queue_failures);
        let app = App {
            store: env.store.clone(),
            secrets: env.secret_cache(),
            archive: Arc::new(S3Archive::new(env.s3.clone(), env.var("VOUCHERS_BUCKET"))),
            events: env.events.clone(),
            settings: options.settings,
            clock: Arc::new(Utc::now),
        };
        Harness { app, env }
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

    /// An issued order of the tenant (through the API, an hour ago).
    pub async fn order(
        &self,
        id: &str,
        cip: Option<&str>,
        amount: &str,
        status: OrderStatus,
        expires_at: DateTime<Utc>,
    ) -> Order {
        self.env
            .order(id)
            .maybe_cip(cip)
            .amount(amount)
            .status(status)
            .issued_at(Utc::now() - Duration::hours(1))
            .expires_at(expires_at)
            .channel("api")
            .create(self.store.as_ref())
            .await
    }

    pub async fn pending_order(&self, id: &str, cip: &str, amount: &str) -> Order {
        self.order(
            id,
            Some(cip),
            amount,
            OrderStatus::Pending,
            Utc::now() + Duration::hours(48),
        )
        .await
    }
}

pub fn paid_body(cip: &str, op: &str, amount: &str) -> String {
    format!(
        r#"{{"eventType":"cip.paid","operationNumber":"{op}","data":{{"cip":"{cip}","currency":"PEN","amount":{amount}}}}}"#
    )
}
