//! The gateway webhook end to end at the handler: real DynamoDB, SSM, S3 and SQS (the emulator),
//! signatures computed here with the `hmac` crate. Nothing of ours is mocked.

mod delivery;
mod support;

use std::time::Instant;

use base64::Engine as _;
use chrono::{Duration, Utc};
use cuadre_core::events::outbox::EventStore;
use cuadre_core::events::MerchantEvent;
use cuadre_core::store::{ExceptionStore, OrderStore, PaymentStore, ReconcileStore};
use cuadre_core::{Cip, OrderStatus};
use delivery::event_types;
use gateway_webhook::Settings;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use support::{paid_body, sign, Harness, Options, SECRET_KEY};

/// docs/pagoefectivo.md §4, byte for byte.
const SPEC_BODY: &str = r#"{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05}}"#;

fn ids(events: &[cuadre_core::events::MerchantEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event_id.as_str()).collect()
}

fn cip(c: &str) -> Cip {
    Cip::parse(c).unwrap()
}

impl Harness {
    /// Keys of the archived notifications of this tenant.
    async fn archived(&self) -> Vec<String> {
        let prefix = format!("webhooks/{}/", self.tenant.tenant_id);
        self.keys(self.var("VOUCHERS_BUCKET"), &prefix).await
    }

    /// Takes this tenant's messages off the shared notifications queue: at least `expected` of them,
    /// then whatever else is visible. Other tenants' messages are received once and reappear two
    /// seconds later (the queue moves a message to its DLQ after five receives: receive sparingly).
    async fn queue_messages(&self, expected: usize) -> Vec<MerchantEvent> {
        let queue_url = self.var("MERCHANT_NOTIFICATIONS_QUEUE_URL");
        let mut mine = Vec::new();
        let started = Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(15) {
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
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
                    .queue_url(queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        mine
    }

    async fn payments(&self, c: &str) -> usize {
        self.store
            .payments_for_cip(&self.tenant.tenant_id, &cip(c))
            .await
            .unwrap()
            .len()
    }
}

#[tokio::test]
async fn the_spec_example_is_verified_archived_recorded_and_announced() {
    let h = Harness::new().await;
    h.pending_order("A-1", "11546901", "22.05").await;
    // The signature, computed independently: HMAC-SHA256(secret key, raw body), lowercase hex.
    let signature = sign(SECRET_KEY, SPEC_BODY.as_bytes());
    assert_eq!(signature.len(), 64);
    let (status, body) = h
        .send(h.request(SPEC_BODY.as_bytes(), &[("PE-Signature", &signature)]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "recorded");

    let payment = h
        .get_payment("11546901", "1253")
        .await
        .expect("the payment is recorded before the 200");
    assert_eq!(payment.amount.amount_string(), "22.05");
    assert_eq!(payment.order_id.as_ref().unwrap().as_str(), "A-1");
    assert_eq!(h.get_order("A-1").await.status, OrderStatus::Paid);
    assert!(h.exception_ids("A-1").await.is_empty());

    // Archived as received, with the signature and the received time.
    let keys = h.archived().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let key = &keys[0];
    assert_eq!(payment.raw_ref.as_deref(), Some(key.as_str()));
    assert_eq!(
        key,
        &format!(
            "webhooks/{}/11546901-1253-{}.json",
            h.tenant.tenant_id,
            cuadre_core::records::sha256_hex(SPEC_BODY.as_bytes())
        ),
        "the body's hash names it"
    );
    let object =
        h.s3.get_object()
            .bucket(h.var("VOUCHERS_BUCKET"))
            .key(key)
            .send()
            .await
            .unwrap();
    let metadata = object.metadata().cloned().unwrap_or_default();
    assert_eq!(metadata["pe-signature"], signature);
    assert!(metadata["received-at"].ends_with("-05:00"));
    let stored = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(&stored[..], SPEC_BODY.as_bytes());

    let events = h.sent();
    assert_eq!(event_types(&events), ["order.paid"]);
    // And on the real queue: the message body is the event.
    let on_queue = h.queue_messages(1).await;
    assert_eq!(ids(&on_queue), ids(&events));
    assert_eq!(on_queue[0].data, events[0].data);
    let paid = &events[0];
    assert!(paid.event_id.starts_with("evt_"));
    assert_eq!(paid.data["order_id"], "A-1");
    assert_eq!(paid.data["status"], "PAID");
    assert_eq!(paid.data["operation_number"], "1253");
    assert_eq!(paid.data["amount"], "22.05");
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_refused_and_nothing_is_stored() {
    let h = Harness::new().await;
    h.pending_order("A-1", "11546901", "22.05").await;
    let good = sign(SECRET_KEY, SPEC_BODY.as_bytes());
    let tampered = SPEC_BODY.replace("22.05", "2.05");
    let cases = [
        ("tampered body", tampered.clone(), Some(good.clone())),
        (
            "wrong secret",
            SPEC_BODY.to_string(),
            Some(sign("another-secret", SPEC_BODY.as_bytes())),
        ),
        ("missing header", SPEC_BODY.to_string(), None),
        ("not hex", SPEC_BODY.to_string(), Some("zz".repeat(32))),
        (
            "truncated",
            SPEC_BODY.to_string(),
            Some(good[..62].to_string()),
        ),
    ];
    for (what, body, signature) in cases {
        let headers: Vec<(&str, &str)> = signature
            .as_deref()
            .map(|s| vec![("PE-Signature", s)])
            .unwrap_or_default();
        let (status, problem) = h.send(h.request(body.as_bytes(), &headers)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {problem}");
        assert_eq!(problem["status"], 401);
    }
    assert_eq!(h.payments("11546901").await, 0);
    assert!(h.archived().await.is_empty());
    assert_eq!(h.get_order("A-1").await.status, OrderStatus::Pending);
}

#[tokio::test]
async fn the_header_name_and_the_hex_case_do_not_matter() {
    let h = Harness::new().await;
    for (i, name) in ["Pe-Signature", "pe-signature", "PE-SIGNATURE"]
        .into_iter()
        .enumerate()
    {
        let body = paid_body("5550001", &format!("op{i}"), "10.00");
        let upper = sign(SECRET_KEY, body.as_bytes()).to_uppercase();
        let (status, answer) = h.send(h.request(body.as_bytes(), &[(name, &upper)])).await;
        assert_eq!(status, StatusCode::OK, "{name}: {answer}");
    }
    assert_eq!(h.payments("5550001").await, 3);
}

#[tokio::test]
async fn a_base64_body_from_api_gateway_is_verified_on_its_decoded_bytes() {
    let h = Harness::new().await;
    h.pending_order("B-1", "7770001", "150.00").await;
    // Bytes that JSON re-serialisation would change (spacing, key order, a trailing newline, ñ).
    let raw = "{ \"data\": {\"amount\": 150.00, \"currency\": \"PEN\", \"cip\": \"7770001\"},\n  \"eventType\": \"cip.paid\", \"operationNumber\": \"77\", \"note\": \"señal\" }\n";
    let event = json!({
        "version": "2.0",
        "routeKey": "POST /v1/webhooks/pagoefectivo/{tenant_id}",
        "rawPath": h.path(),
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "pe-signature": sign(SECRET_KEY, raw.as_bytes()),
            "host": "api.test"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.test",
            "domainPrefix": "api",
            "http": {"method": "POST", "path": h.path(), "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "PagoEfectivo"},
            "requestId": "req-1",
            "routeKey": "POST /v1/webhooks/pagoefectivo/{tenant_id}",
            "stage": "prod",
            "time": "20/Nov/2026:15:00:00 +0000",
            "timeEpoch": 1_795_186_800_000_i64
        },
        "pathParameters": {"tenant_id": h.tenant.tenant_id.as_str()},
        "body": base64::engine::general_purpose::STANDARD.encode(raw),
        "isBase64Encoded": true
    });
    let req = lambda_http::request::from_str(&event.to_string()).unwrap();
    let (status, body) = h.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(h.get_order("B-1").await.status, OrderStatus::Paid);
    let key = &h.archived().await[0];
    let stored = h.object(h.var("VOUCHERS_BUCKET"), key).await;
    assert_eq!(&stored[..], raw.as_bytes(), "archived exactly as signed");
}

#[tokio::test]
async fn an_oversize_body_is_413_and_a_signed_unreadable_body_is_kept_then_refused() {
    let h = Harness::new().await;
    let big = format!(
        r#"{{"eventType":"cip.paid","operationNumber":"1","data":{{"cip":"1","currency":"PEN","amount":1}},"pad":"{}"}}"#,
        "x".repeat(64 * 1024)
    );
    let sig = sign(SECRET_KEY, big.as_bytes());
    let (status, _) = h
        .send(h.request(big.as_bytes(), &[("PE-Signature", &sig)]))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let unreadable = [
        "{",
        "[]",
        r#"{"eventType":"cip.paid","operationNumber":"1","data":{"currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"12a","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"1","currency":"EUR","amount":1}}"#,
        // Operation numbers that are not numbers: negative, fractional, not plain digits, over 14.
        r#"{"eventType":"cip.paid","operationNumber":-1,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":1.5,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":1253.0,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":1e3,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":123456789012345,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":true,"data":{"cip":"1","currency":"PEN","amount":1}}"#,
        r#"{"eventType":"cip.paid","operationNumber":"123456789012345","data":{"cip":"1","currency":"PEN","amount":1}}"#,
    ];
    for body in unreadable {
        // Unsigned, the body is a 401: nothing is read (or kept) before the signature is checked.
        let (status, _) = h.send(h.request(body.as_bytes(), &[])).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(h.archived().await.is_empty(), "nothing unsigned is kept");
    for body in unreadable {
        let (status, problem) = h.deliver(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
    }
    let (status, problem) = h.deliver(&paid_body("1", "1", "1.005")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // Signed by the gateway, each is evidence of real money: archived before it is refused.
    let archived = h.archived().await;
    assert_eq!(archived.len(), unreadable.len() + 1, "{archived:?}");
    assert!(h
        .store
        .list_payments(&h.tenant.tenant_id, None, 10)
        .await
        .unwrap()
        .0
        .is_empty());
}

#[tokio::test]
async fn an_unknown_tenant_is_401() {
    let h = Harness::new().await;
    let sig = sign(SECRET_KEY, SPEC_BODY.as_bytes());
    for path in [
        "/v1/webhooks/pagoefectivo/no-such-tenant-x1",
        "/v1/webhooks/pagoefectivo/NOT%20A%20TENANT",
    ] {
        let req = lambda_http::http::Request::builder()
            .method("POST")
            .uri(format!("https://api.test{path}"))
            .header("PE-Signature", &sig)
            .body(lambda_http::Body::from(SPEC_BODY))
            .unwrap();
        let (status, _) = h.send(req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn the_same_notification_again_is_200_and_nothing_new() {
    let h = Harness::new().await;
    h.pending_order("A-1", "11546901", "22.05").await;
    let (s1, b1) = h.deliver(SPEC_BODY).await;
    let (s2, b2) = h.deliver(SPEC_BODY).await;
    let (s3, _) = h.deliver(SPEC_BODY).await;
    assert_eq!(
        (s1, s2, s3),
        (StatusCode::OK, StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(b1["status"], "recorded");
    assert_eq!(b2["status"], "already_recorded");
    assert_eq!(h.payments("11546901").await, 1);
    assert!(h.exception_ids("A-1").await.is_empty());
    assert_eq!(event_types(&h.sent()), ["order.paid"]);
    // Archived once: one key, one version (the replays' conditional PUTs wrote nothing).
    let keys = h.archived().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let versions =
        h.s3.list_object_versions()
            .bucket(h.var("VOUCHERS_BUCKET"))
            .prefix(&keys[0])
            .send()
            .await
            .unwrap();
    assert_eq!(versions.versions().len(), 1, "{versions:?}");
}

#[tokio::test]
async fn fifty_concurrent_deliveries_make_one_payment_and_one_event() {
    // The 49 repeats wait for the one holding the payment's events. Its lease must outlast its work
    // (in Lambda, the function's timeout bounds that); the loaded emulator can take seconds, so the
    // lease here is long: a holder that overran it would have its events sent twice (same ids).
    let h = Harness::with(Options {
        settings: Settings {
            events_lease: Duration::seconds(30),
            wait_for_holder: Duration::seconds(35),
            ..Settings::default()
        },
        ..Options::default()
    })
    .await;
    h.pending_order("A-1", "11546901", "22.05").await;
    let results = futures::future::join_all((0..50).map(|_| h.deliver(SPEC_BODY))).await;
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    let recorded = results
        .iter()
        .filter(|(_, b)| b["status"] == "recorded")
        .count();
    assert_eq!(recorded, 1);
    assert_eq!(h.payments("11546901").await, 1);
    assert_eq!(h.get_order("A-1").await.status, OrderStatus::Paid);
    let events = h.sent();
    assert_eq!(event_types(&events), ["order.paid"], "{events:?}");
    assert_eq!(
        ids(&h.queue_messages(1).await),
        ids(&events),
        "exactly one message on the queue"
    );
}

#[tokio::test]
async fn another_operation_number_for_a_paid_cip_is_a_duplicate_payment() {
    let h = Harness::new().await;
    h.pending_order("D-1", "3330001", "50.00").await;
    assert_eq!(
        h.deliver(&paid_body("3330001", "100", "50.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.deliver(&paid_body("3330001", "200", "50.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.deliver(&paid_body("3330001", "200", "50.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.deliver(&paid_body("3330001", "300", "50.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.payments("3330001").await, 3, "the money is kept");
    assert_eq!(
        h.exception_ids("D-1").await,
        ["DUPLICATE_PAYMENT.D-1.200", "DUPLICATE_PAYMENT.D-1.300"],
        "once per extra operation number"
    );
    assert_eq!(h.get_order("D-1").await.status, OrderStatus::Paid);
    assert_eq!(
        event_types(&h.sent()),
        [
            "exception.opened:DUPLICATE_PAYMENT",
            "exception.opened:DUPLICATE_PAYMENT",
            "order.paid"
        ]
    );
}

#[tokio::test]
async fn a_cip_no_order_has_is_kept_as_an_orphan_with_unknown_cip() {
    let h = Harness::new().await;
    let (status, _) = h.deliver(&paid_body("9990001", "1", "12.00")).await;
    assert_eq!(status, StatusCode::OK);
    let payments = h
        .store
        .payments_for_cip(&h.tenant.tenant_id, &cip("9990001"))
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].order_id, None);
    let exception = h
        .store
        .get_exception(&h.tenant.tenant_id, "UNKNOWN_CIP.9990001")
        .await
        .unwrap()
        .expect("UNKNOWN_CIP raised");
    assert_eq!(exception.order_id, None);
    // A second payment for the same unknown CIP: the same exception, once per CIP.
    assert_eq!(
        h.deliver(&paid_body("9990001", "2", "12.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(event_types(&h.sent()), ["exception.opened:UNKNOWN_CIP"]);
}

#[tokio::test]
async fn a_code_lost_to_a_gateway_timeout_is_adopted_by_its_transaction_code() {
    let h = Harness::new().await;
    let mut lost = h
        .order(
            "T-1",
            None,
            "80.00",
            OrderStatus::Pending,
            Utc::now() + Duration::hours(48),
        )
        .await;
    lost.unknown_issue_attempts = 1;
    let before = h.get_order("T-1").await;
    h.store.replace_order(&before, &lost).await.unwrap();
    // Another order without a code whose gateway call never timed out adopts nothing.
    h.order(
        "T-2",
        None,
        "80.00",
        OrderStatus::Pending,
        Utc::now() + Duration::hours(48),
    )
    .await;

    let body = r#"{"eventType":"cip.paid","operationNumber":"55","data":{"cip":"4440001","currency":"PEN","amount":80.00,"transactionCode":"T-1"}}"#;
    assert_eq!(h.deliver(body).await.0, StatusCode::OK);
    let order = h.get_order("T-1").await;
    assert_eq!(order.cip.as_ref().map(Cip::as_str), Some("4440001"));
    assert_eq!(order.status, OrderStatus::Paid);
    let payment = &h
        .store
        .payments_for_cip(&h.tenant.tenant_id, &cip("4440001"))
        .await
        .unwrap()[0];
    assert_eq!(payment.order_id.as_ref().unwrap().as_str(), "T-1");

    let body = r#"{"eventType":"cip.paid","operationNumber":"56","data":{"cip":"4440002","currency":"PEN","amount":80.00,"transactionCode":"T-2"}}"#;
    assert_eq!(h.deliver(body).await.0, StatusCode::OK);
    assert_eq!(h.get_order("T-2").await.status, OrderStatus::Pending);
    assert!(h
        .store
        .get_exception(&h.tenant.tenant_id, "UNKNOWN_CIP.4440002")
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        event_types(&h.sent()),
        ["exception.opened:UNKNOWN_CIP", "order.paid"]
    );
}

#[tokio::test]
async fn other_event_types_are_archived_and_acknowledged() {
    let h = Harness::new().await;
    h.pending_order("A-1", "11546901", "22.05").await;
    for event in ["cip.expired", "cip.refunded"] {
        let body = format!(
            r#"{{"eventType":"{event}","operationNumber":"","data":{{"cip":"11546901","currency":"PEN","amount":22.05,"transactionCode":"A-1"}}}}"#
        );
        let (status, answer) = h.deliver(&body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "archived");
    }
    let keys = h.archived().await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter().all(|k| k.contains("/11546901-none-")),
        "{keys:?}"
    );
    assert_eq!(h.payments("11546901").await, 0);
    assert_eq!(h.get_order("A-1").await.status, OrderStatus::Pending);
    assert!(h.sent().is_empty());
}

#[tokio::test]
async fn events_the_queue_refuses_wait_in_the_outbox_and_the_payment_is_answered() {
    let h = Harness::with(Options {
        queue_failures: 1,
        ..Options::default()
    })
    .await;
    h.pending_order("A-1", "11546901", "20.00").await;
    // The queue fails after everything is written: the events are in the outbox, written with
    // the order's move and the exception, so the gateway is answered 200 and nothing is lost.
    let (status, body) = h.deliver(SPEC_BODY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "recorded");
    assert!(h.sent().is_empty());
    assert_eq!(h.get_order("A-1").await.status, OrderStatus::Paid);
    let due = h
        .store
        .due_events(&h.tenant.tenant_id, chrono::Utc::now(), 10)
        .await
        .unwrap();
    let due_events: Vec<_> = due.iter().map(|r| r.event.clone()).collect();
    assert_eq!(
        event_types(&due_events),
        ["exception.opened:AMOUNT_MISMATCH", "order.paid"]
    );
    assert!(due
        .iter()
        .all(|r| r.status == cuadre_core::events::outbox::DeliveryStatus::Pending));
    // A repeat finds the payment recorded and its follow-up done: it writes and sends nothing.
    let (status, body) = h.deliver(SPEC_BODY).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("already_recorded"))
    );
    assert!(h.sent().is_empty());
    assert_eq!(
        h.store
            .due_events(&h.tenant.tenant_id, chrono::Utc::now(), 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_clean_payment_costs_six_write_units() {
    let h = Harness::new().await;
    h.pending_order("A-1", "11546901", "22.05").await;
    let before = h.store.meter().units();
    assert_eq!(h.deliver(SPEC_BODY).await.0, StatusCode::OK);
    // payment + follow-up marker (1 put); order → PAID with its order.paid in the outbox, one
    // transaction of two 1 KB items (2 × 2); marker cleared (1).
    assert_eq!(h.store.meter().units() - before, 6);
    let before = h.store.meter().units();
    assert_eq!(h.deliver(SPEC_BODY).await.0, StatusCode::OK);
    // A repeat: the refused conditional put only.
    assert_eq!(h.store.meter().units() - before, 1);
}

#[tokio::test]
async fn two_operation_numbers_racing_for_one_cip_raise_one_duplicate() {
    let h = Harness::new().await;
    h.pending_order("R-1", "3330009", "50.00").await;
    let body = |op: &str| {
        format!(
            r#"{{"eventType":"cip.paid","operationNumber":"{op}","data":{{"cip":"3330009","currency":"PEN","amount":50.00,"paymentDate":"2026-11-20T10:00:00-05:00"}}}}"#
        )
    };
    let (one, two) = (body("1"), body("2"));
    let deliveries = (0..20).map(|i| h.deliver(if i % 2 == 0 { &one } else { &two }));
    for (status, answer) in futures::future::join_all(deliveries).await {
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    assert_eq!(h.payments("3330009").await, 2);
    assert_eq!(h.get_order("R-1").await.status, OrderStatus::Paid);
    // Paid at the same instant: the lower operation number is the first, whoever won the race.
    assert_eq!(h.exception_ids("R-1").await, ["DUPLICATE_PAYMENT.R-1.2"]);
}

#[tokio::test]
async fn a_payment_without_operation_number_is_kept_under_a_stand_in() {
    let h = Harness::new().await;
    h.pending_order("N-1", "1212121", "10.00").await;
    let body = r#"{"eventType":"cip.paid","operationNumber":"","data":{"cip":"1212121","currency":"PEN","amount":10.00}}"#;
    assert_eq!(h.deliver(body).await.0, StatusCode::OK);
    assert_eq!(h.deliver(body).await.0, StatusCode::OK);
    let payments = h
        .store
        .payments_for_cip(&h.tenant.tenant_id, &cip("1212121"))
        .await
        .unwrap();
    assert_eq!(payments.len(), 1, "the gateway's retry of the same bytes");
    assert!(payments[0].operation_number.as_str().starts_with('~'));
    assert_eq!(h.get_order("N-1").await.status, OrderStatus::Paid);
    assert!(h.archived().await[0].contains("/1212121-none-"));
}
