//! `Idempotency-Key` on `POST /v1/payment-codes/{order_id}/refunds` at the handler, on the
//! emulator's DynamoDB: a client's retry replays the refund it asked for instead of recording a
//! second one; the key is the merchant's and the order's. Each test works in its own fresh tenant.

use chrono::{Duration, Utc};
use cuadre_aws::AwsContext;
use cuadre_core::OrderStatus;
use cuadre_testing::http::{api_request, json_reply};
use cuadre_testing::{TenantSetup, TestApp};
use lambda_http::http::StatusCode;
use merchant_api::{handle, App};
use serde_json::{json, Value};

struct Harness {
    app: App,
    env: TestApp,
}

cuadre_testing::deref_to!(Harness => env: TestApp);

impl Harness {
    async fn new() -> Harness {
        let env = TestApp::with(TenantSetup::new("rfidem").buyer_emails(false)).await;
        // Started as in Lambda: from the template's environment.
        let aws = AwsContext {
            sdk: env.config.clone(),
            endpoint: env.local.aws_endpoint(),
        };
        let app = App::from_env(&env.local.vars, &aws).expect("the template's environment");
        Harness { app, env }
    }

    /// A paid order of `amount` soles with its code and a payment of all of it.
    async fn paid_order(&self, id: &str, amount: &str) {
        let now = Utc::now();
        let cip = format!("{}", 10_000_000 + rand::random::<u32>() % 89_999_999);
        let order = self
            .env
            .order(id)
            .cip(&cip)
            .amount(amount)
            .status(OrderStatus::Paid)
            .issued_at(now - Duration::hours(2))
            .expires_at(now + Duration::hours(46))
            .channel("shopify")
            .create(self.store.as_ref())
            .await;
        self.payment(&cip, "1253")
            .money(order.amount)
            .paid_at(now - Duration::hours(1))
            .order(&order.order_id)
            .record(self.store.as_ref())
            .await;
    }

    /// `POST …/{order}/refunds` with this body and, when given, this `Idempotency-Key`.
    async fn refund(&self, order: &str, body: &Value, key: Option<&str>) -> (StatusCode, Value) {
        let url = format!("https://api.test/prod/v1/payment-codes/{order}/refunds");
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        let req = api_request("POST", &url, self.key(), Some(body), &headers);
        json_reply(&handle(&self.app, req).await)
    }

    /// The order's refunds as the API lists them.
    async fn refunds(&self, order: &str) -> Vec<Value> {
        let url = format!("https://api.test/prod/v1/payment-codes/{order}/refunds");
        let req = api_request("GET", &url, self.key(), None, &[]);
        let (status, body) = json_reply(&handle(&self.app, req).await);
        assert_eq!(status, StatusCode::OK, "{body}");
        body["refunds"].as_array().unwrap().clone()
    }
}

fn ask(amount: Value) -> Value {
    json!({"amount": amount, "reason": "buyer returned one item"})
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_refund() {
    let h = Harness::new().await;
    h.paid_order("R-1", "150.00").await;
    let body = ask(json!("50.00"));
    let (s1, first) = h.refund("R-1", &body, Some("rf-key-1")).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    let (s2, again) = h.refund("R-1", &body, Some("rf-key-1")).await;
    assert_eq!(s2, StatusCode::CREATED, "the stored status is replayed");
    assert_eq!(again, first, "the stored body is replayed");
    let refunds = h.refunds("R-1").await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["refund_id"], first["refund_id"]);

    // the same key with another body is refused and records nothing
    let (status, problem) = h
        .refund("R-1", &ask(json!("20.00")), Some("rf-key-1"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["type"],
        "https://cuadre.dev/problems/idempotency-key-reused"
    );
    assert_eq!(h.refunds("R-1").await.len(), 1);
}

#[tokio::test]
async fn a_failed_request_frees_its_key_for_the_corrected_retry() {
    let h = Harness::new().await;
    h.paid_order("R-2", "150.00").await;
    let (status, problem) = h.refund("R-2", &ask(json!("150.01")), Some("rf-fix")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "amount");
    assert!(h.refunds("R-2").await.is_empty());

    let (status, created) = h.refund("R-2", &ask(json!("150.00")), Some("rf-fix")).await;
    assert_eq!(status, StatusCode::CREATED, "the key was freed: {created}");
    // now the key is the corrected request's
    let (status, replayed) = h.refund("R-2", &ask(json!("150.00")), Some("rf-fix")).await;
    assert_eq!((status, &replayed), (StatusCode::CREATED, &created));
    let (status, problem) = h.refund("R-2", &ask(json!("150.01")), Some("rf-fix")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["type"],
        "https://cuadre.dev/problems/idempotency-key-reused"
    );
    assert_eq!(h.refunds("R-2").await.len(), 1);
}

#[tokio::test]
async fn without_a_key_each_request_is_a_refund() {
    let h = Harness::new().await;
    h.paid_order("R-3", "150.00").await;
    let body = ask(json!("30.00"));
    let (s1, first) = h.refund("R-3", &body, None).await;
    let (s2, second) = h.refund("R-3", &body, None).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_ne!(first["refund_id"], second["refund_id"]);
    assert_eq!(h.refunds("R-3").await.len(), 2);
}

#[tokio::test]
async fn a_key_is_the_orders_own() {
    let h = Harness::new().await;
    // ids chosen so that a plain `order:key` would make the same record key
    h.paid_order("S", "90.00").await;
    h.paid_order("S:1", "90.00").await;
    let body = ask(json!("10.00"));
    let (s1, on_s1) = h.refund("S:1", &body, Some("k")).await;
    let (s2, on_s) = h.refund("S", &body, Some("1:k")).await;
    assert_eq!(
        (s1, s2),
        (StatusCode::CREATED, StatusCode::CREATED),
        "{on_s}"
    );
    assert_eq!(on_s1["order_id"], "S:1");
    assert_eq!(
        on_s["order_id"], "S",
        "not a replay of the other order's refund"
    );
    let (s3, same_key) = h.refund("S", &body, Some("k")).await;
    assert_eq!(s3, StatusCode::CREATED, "{same_key}");
    assert_eq!(same_key["order_id"], "S");
    assert_ne!(same_key["refund_id"], on_s1["refund_id"]);
    assert_eq!(h.refunds("S").await.len(), 2);
    assert_eq!(h.refunds("S:1").await.len(), 1);
    // and each order still replays its own
    let (_, replayed) = h.refund("S:1", &body, Some("k")).await;
    assert_eq!(replayed, on_s1);
}

#[tokio::test]
async fn concurrent_retries_record_one_refund() {
    let h = Harness::new().await;
    h.paid_order("R-4", "150.00").await;
    let body = ask(json!("75.00"));
    let call = || h.refund("R-4", &body, Some("rf-race"));
    let (a, b, c, d) = tokio::join!(call(), call(), call(), call());
    let results = [a, b, c, d];
    let refunds = h.refunds("R-4").await;
    assert_eq!(refunds.len(), 1, "{results:?}");
    for (status, answer) in &results {
        match *status {
            StatusCode::CREATED => assert_eq!(answer["refund_id"], refunds[0]["refund_id"]),
            StatusCode::CONFLICT => assert_eq!(answer["retryable"], true, "{answer}"),
            other => panic!("{other} {answer}"),
        }
    }
}

#[tokio::test]
async fn a_malformed_key_is_refused_before_anything_is_recorded() {
    let h = Harness::new().await;
    h.paid_order("R-5", "150.00").await;
    for bad in ["a#b", "   ", &"x".repeat(256)] {
        let (status, problem) = h.refund("R-5", &ask(json!("5.00")), Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {problem}");
    }
    assert!(h.refunds("R-5").await.is_empty());
}
