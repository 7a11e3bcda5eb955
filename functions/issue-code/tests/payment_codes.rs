//! The payment-code API end to end at the handler: real DynamoDB and SSM (the emulator), the real
//! gateway client talking to the PagoEfectivo sandbox on loopback. Nothing of ours is mocked.

use std::sync::Arc;
use std::time::Duration;

use cuadre_aws::S3Links;
use cuadre_core::{OrderId, OrderStatus, VoucherField};
use cuadre_gateway_sandbox::{Faults, RunningSandbox, SandboxBuilder, SandboxStats};
use cuadre_testing::http::{api_request, code_request, field_names, json_reply};
use cuadre_testing::sandbox::{gateway_client, start_sandbox};
use cuadre_testing::{TenantSetup, TestApp, TestMerchant, ACCESS_KEY, SECRET_KEY};
use issue_code::{handle, App, Settings};
use lambda_http::http::{Request, StatusCode};
use lambda_http::Body;
use serde_json::{json, Value};

/// The handler's `App` over the real adapters, the sandbox it issues codes at, and the tenant
/// (its clients through `Deref`), provisioned with the sandbox merchant's credentials.
struct Harness {
    app: App,
    sandbox: RunningSandbox,
    env: TestApp,
}

cuadre_testing::deref_to!(Harness => env: TestApp);

impl Harness {
    async fn new() -> Harness {
        Harness::with(SandboxBuilder::default(), Duration::from_secs(5)).await
    }

    async fn with(builder: SandboxBuilder, timeout: Duration) -> Harness {
        let merchant = TestMerchant::random();
        let sandbox = start_sandbox(
            builder.merchant(
                merchant
                    .at_sandbox()
                    .with_max_amount("5000".parse().unwrap()),
            ),
        )
        .await;
        let env = TestApp::with(TenantSetup::new("codes").merchant(&merchant)).await;
        let app = App {
            store: env.store.clone(),
            secrets: env.secret_cache(),
            gateway: Arc::new(gateway_client(sandbox.url(), timeout)),
            links: Arc::new(S3Links::new(env.s3.clone(), env.var("VOUCHERS_BUCKET"))),
            settings: Settings {
                public_base_url: Some("https://pay.test".into()),
                ..Settings::default()
            },
            clock: Arc::new(chrono::Utc::now),
        };
        Harness { app, sandbox, env }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let url = format!("https://api.test{path}");
        self.send(api_request(method, &url, self.key(), body, headers))
            .await
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        json_reply(&handle(&self.app, req).await)
    }

    async fn create(&self, body: &Value) -> (StatusCode, Value) {
        self.call("POST", "/v1/payment-codes", Some(body), &[])
            .await
    }

    /// Creates the order's code and asserts it was issued.
    async fn issue(&self, id: &str, amount: Value) -> Value {
        let (status, body) = self.create(&order(id, amount)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn get(&self, id: &str) -> (StatusCode, Value) {
        let path = format!("/v1/payment-codes/{id}");
        self.call("GET", &path, None, &[]).await
    }

    async fn cancel(&self, id: &str) -> (StatusCode, Value) {
        let path = format!("/v1/payment-codes/{id}");
        self.call("DELETE", &path, None, &[]).await
    }

    async fn extend(&self, id: &str, hours: u32) -> (StatusCode, Value) {
        let path = format!("/v1/payment-codes/{id}");
        let body = json!({ "expires_in_hours": hours });
        self.call("PATCH", &path, Some(&body), &[]).await
    }

    /// The order as stored in the tenant.
    async fn stored(&self, id: &str) -> cuadre_core::Order {
        let id = OrderId::parse(id).unwrap();
        let tenant = &self.tenant.tenant_id;
        self.app
            .store
            .get_order(tenant, &id)
            .await
            .unwrap()
            .unwrap()
    }

    fn faults(&self, faults: Faults) {
        self.sandbox.state.set_faults(faults);
    }

    fn stats(&self) -> SandboxStats {
        self.sandbox.state.stats()
    }
}

/// A code request of this merchant's shop, for three days.
fn order(id: &str, amount: Value) -> Value {
    let mut body = code_request(id, amount);
    body["channel"] = json!("shopify");
    body["expires_in_hours"] = json!(72);
    body
}

#[tokio::test]
async fn issues_a_code_and_reads_it_back() {
    let h = Harness::new().await;
    let body = h.issue("A-1", json!(22.05)).await;
    let cip = body["cip"].as_str().unwrap();
    assert!(!cip.is_empty() && cip.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(body["amount"], "22.05");
    assert_eq!(body["currency"], "PEN");
    assert_eq!(body["status"], "PENDING");
    assert!(body["cip_url"]
        .as_str()
        .unwrap()
        .starts_with(&h.sandbox.url()));
    let pay_url = body["pay_url"].as_str().unwrap();
    assert!(
        pay_url.starts_with("https://pay.test/pay/") && pay_url.len() > 60,
        "unguessable token: {pay_url}"
    );
    assert!(body["expires_at"].as_str().unwrap().ends_with("-05:00"));

    let (status, read) = h.get("A-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["cip"], body["cip"]);
    assert_eq!(read["payments"], json!([]));
    assert_eq!(read["exceptions"], json!([]));
    assert_eq!(h.stats().cips_issued, 1);
}

#[tokio::test]
async fn same_idempotency_key_and_body_calls_the_gateway_once() {
    let h = Harness::new().await;
    let body = order("IDEM-1", json!("150.00"));
    let key = [("idempotency-key", "k-123")];
    let (s1, b1) = h.call("POST", "/v1/payment-codes", Some(&body), &key).await;
    let (s2, b2) = h.call("POST", "/v1/payment-codes", Some(&body), &key).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2, "the stored response is replayed");
    assert_eq!(h.stats().cip_requests, 1);
    let other = order("IDEM-2", json!("150.00"));
    let (s3, p3) = h
        .call("POST", "/v1/payment-codes", Some(&other), &key)
        .await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY, "{p3}");
    assert_eq!(h.stats().cip_requests, 1);
}

#[tokio::test]
async fn a_key_still_running_is_a_conflict() {
    // The gateway is slow, so the first request is still holding its key when the second arrives.
    let h = Harness::new().await;
    h.faults(Faults {
        delay_next_creates: 1,
        delay_ms: 1500,
        ..Faults::default()
    });
    let body = order("SLOW-1", json!(10));
    let key = [("idempotency-key", "slow")];
    let (first, second) = tokio::join!(
        h.call("POST", "/v1/payment-codes", Some(&body), &key),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            h.call("POST", "/v1/payment-codes", Some(&body), &key).await
        }
    );
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(second.0, StatusCode::CONFLICT, "{}", second.1);
    assert_eq!(second.1["retryable"], true);
}

#[tokio::test]
async fn concurrent_requests_for_one_order_issue_one_code() {
    let h = Harness::new().await;
    let body = order("RACE-1", json!(99.9));
    let results = futures::future::join_all((0..6).map(|_| h.create(&body))).await;
    let created: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 1, "{results:?}");
    for (status, b) in &results {
        assert!(
            matches!(
                *status,
                StatusCode::CREATED | StatusCode::OK | StatusCode::CONFLICT
            ),
            "{status} {b}"
        );
        if *status == StatusCode::OK {
            assert_eq!(b["cip"], created[0].1["cip"]);
        }
    }
    assert_eq!(h.stats().cips_issued, 1);
    // afterwards the same order returns the same live code
    let (status, again) = h.create(&body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["cip"], created[0].1["cip"]);
}

#[tokio::test]
async fn one_authorization_serves_many_codes_and_is_renewed_after_expiry() {
    let h = Harness::with(
        SandboxBuilder::default().token_lifetime(Duration::from_secs(2)),
        Duration::from_secs(5),
    )
    .await;
    for i in 0..3 {
        h.issue(&format!("AUTH-{i}"), json!(5)).await;
    }
    assert_eq!(h.stats().authorizations, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    h.issue("AUTH-late", json!(5)).await;
    assert_eq!(h.stats().authorizations, 2);
    assert_eq!(
        h.stats().unauthorized_calls,
        0,
        "renewed before use, not after a 401"
    );
}

#[tokio::test]
async fn gateway_field_errors_name_our_fields() {
    let h = Harness::new().await;
    // We accept this address; PagoEfectivo does not (a domain ending in a dot).
    let mut body = order("FIELD-1", json!(10));
    body["buyer"]["email"] = json!("ana@example.");
    let (status, problem) = h.create(&body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_names(&problem["errors"]), ["buyer.email"]);
    // nothing half-issued is left behind
    let (status, _) = h.get("FIELD-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // above the merchant's maximum (511)
    let (status, problem) = h.create(&order("MAX-1", json!(9000))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_names(&problem["errors"]), ["amount"]);
}

#[tokio::test]
async fn rejected_credentials_are_an_operator_problem() {
    let h = Harness::new().await;
    h.faults(Faults {
        reject_next_authorizations: 1,
        ..Faults::default()
    });
    let (status, problem) = h.create(&order("CRED-1", json!(10))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("operator"));
    assert!(problem.get("retryable").is_none());
    let (status, _) = h.get("CRED-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn gateway_timeout_is_504_and_leaves_a_consistent_store() {
    let h = Harness::with(SandboxBuilder::default(), Duration::from_millis(700)).await;
    h.faults(Faults {
        delay_next_creates: 1,
        delay_ms: 1500,
        ..Faults::default()
    });
    let body = order("SLOW-2", json!(10));
    let (status, problem) = h.create(&body).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{problem}");
    assert_eq!(problem["retryable"], true);
    // the order is recorded, without a code, free for a retry, and the unknown attempt is counted
    let stored = h.stored("SLOW-2").await;
    assert!(stored.cip.is_none());
    assert!(stored.issuing_since.is_none());
    assert_eq!(stored.unknown_issue_attempts, 1);
    let (status, b) = h.create(&body).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let stored = h.stored("SLOW-2").await;
    assert_eq!(
        stored.cip.as_ref().map(|c| c.to_string()).as_deref(),
        b["cip"].as_str()
    );
}

#[tokio::test]
async fn gateway_5xx_is_retryable_502() {
    let h = Harness::new().await;
    h.faults(Faults {
        fail_next_creates: 1,
        ..Faults::default()
    });
    let (status, problem) = h.create(&order("FAIL-1", json!(10))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{problem}");
    assert_eq!(problem["retryable"], true);
    h.issue("FAIL-1", json!(10)).await;
}

#[tokio::test]
async fn bad_input_gets_its_own_clear_error() {
    let h = Harness::new().await;
    for (amount, currency, id, field) in [
        (json!(-5), "PEN", "N-1", "amount"),
        (json!(10.005), "PEN", "N-2", "amount"),
        (json!(10), "EUR", "N-3", "currency"),
        (json!(10), "PEN", "x".repeat(37).as_str(), "order_id"),
    ] {
        let mut body = order(id, amount);
        body["currency"] = json!(currency);
        let (status, problem) = h.create(&body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(field_names(&problem["errors"]), [field], "{problem}");
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
    let req = Request::builder()
        .method("POST")
        .uri("https://api.test/v1/payment-codes")
        .header("authorization", format!("Bearer {}", h.key()))
        .body(Body::from("{not json"))
        .unwrap();
    assert_eq!(h.send(req).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.stats().cip_requests,
        0,
        "nothing invalid reaches the gateway"
    );
}

#[tokio::test]
async fn api_keys_missing_unknown_revoked_and_other_tenants() {
    let h = Harness::new().await;
    h.issue("K-1", json!(10)).await;
    let call_with = |auth: Option<String>| {
        let mut req = Request::builder()
            .method("GET")
            .uri("https://api.test/v1/payment-codes/K-1");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.body(Body::Empty).unwrap()
    };
    assert_eq!(h.send(call_with(None)).await.0, StatusCode::UNAUTHORIZED);
    // The scheme is case-insensitive; another scheme is no key at all.
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let auth = format!("{scheme} {}", h.key());
        assert_eq!(
            h.send(call_with(Some(auth))).await.0,
            StatusCode::OK,
            "{scheme}"
        );
    }
    let basic = format!("Basic {}", h.key());
    assert_eq!(
        h.send(call_with(Some(basic))).await.0,
        StatusCode::UNAUTHORIZED
    );
    let unknown = format!("Bearer cdr_0000000000_{}", "ab".repeat(24));
    assert_eq!(
        h.send(call_with(Some(unknown))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.send(call_with(Some("Bearer nonsense".into()))).await.0,
        StatusCode::UNAUTHORIZED
    );

    // another merchant's order is not found, never forbidden
    let other = Harness::new().await;
    let (status, problem) = other.get("K-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, _) = other.cancel("K-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let record = &h.api_key.record;
    h.app
        .store
        .revoke_api_key(&record.tenant_id, &record.key_id, chrono::Utc::now())
        .await
        .unwrap();
    let (status, problem) = h.get("K-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(problem["detail"].as_str().unwrap().contains("revoked"));
}

#[tokio::test]
async fn extend_and_cancel_go_through_the_gateway() {
    let h = Harness::new().await;
    let created = h.issue("X-1", json!(10)).await;
    let (status, extended) = h.extend("X-1", 120).await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_ne!(extended["expires_at"], created["expires_at"]);
    let cip = cuadre_core::Cip::parse(created["cip"].as_str().unwrap()).unwrap();
    let creds = cuadre_gateway::Credentials::new(h.tenant.id_service, ACCESS_KEY, SECRET_KEY);
    let at_gateway = h
        .app
        .gateway
        .search_cip(&creds, &cip)
        .await
        .unwrap()
        .unwrap();
    let gateway_expiry = at_gateway.date_expiry.map(cuadre_core::time::format_lima);
    assert_eq!(
        gateway_expiry.as_deref(),
        extended["expires_at"].as_str(),
        "the gateway has the new expiry"
    );

    let (status, cancelled) = h.cancel("X-1").await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "CANCELLED");
    // a cancelled order may get a new code
    let again = h.issue("X-1", json!(10)).await;
    assert_ne!(again["cip"], created["cip"]);
}

#[tokio::test]
async fn a_paid_order_cannot_be_cancelled_or_reissued() {
    let h = Harness::new().await;
    h.issue("P-1", json!(10)).await;
    let order_now = h.stored("P-1").await;
    h.app
        .store
        .transition_order(&order_now, OrderStatus::Paid)
        .await
        .unwrap();
    let (status, problem) = h.cancel("P-1").await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, _) = h.create(&order("P-1", json!(10))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = h.extend("P-1", 5).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_merchant_sees_vouchers_through_short_lived_links() {
    use cuadre_core::VoucherFields;

    let h = Harness::new().await;
    h.issue("V-1", json!(10)).await;
    let tenant = h.tenant.tenant_id.clone();
    let key = format!("vouchers/{tenant}/V-1/abc123");
    let image = b"\x89PNG\r\n\x1a\nnot really a picture".to_vec();
    h.put_object(
        h.var("VOUCHERS_BUCKET"),
        &key,
        image.clone(),
        Some("image/png"),
    )
    .await;
    h.voucher("V-1", "abc123")
        .sha256(&cuadre_core::records::sha256_hex(&image))
        .fields(VoucherFields {
            amount: Some("10.00".into()),
            ..VoucherFields::default()
        })
        .field_confidence(VoucherField::Amount, 940)
        .field_confidence(VoucherField::Cip, 310)
        .unread(
            VoucherField::Cip,
            "read 8513137 with confidence 0.31, under 0.5",
        )
        .put(h.store.as_ref())
        .await;
    let (status, body) = h.get("V-1").await;
    assert_eq!(status, StatusCode::OK);
    let listed = &body["vouchers"][0];
    assert_eq!(listed["voucher_id"], "abc123");
    assert_eq!(listed["fields"]["amount"], "10.00");
    assert_eq!(
        listed["field_confidence"],
        serde_json::json!({"cip": 0.31, "operation_number": null, "amount": 0.94,
                           "currency": null, "paid_at": null})
    );
    assert_eq!(
        listed["unread"],
        serde_json::json!({"cip": "read 8513137 with confidence 0.31, under 0.5"})
    );
    let url = listed["download_url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=300"), "{url}");
    let downloaded = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(downloaded.as_ref(), image.as_slice());
}
