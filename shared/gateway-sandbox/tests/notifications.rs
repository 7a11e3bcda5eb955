//! Paying in the sandbox posts a signed notification to the merchant, retrying once.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use cuadre_gateway::{verify_notification, Notification};
use cuadre_gateway_sandbox::{PayRequest, SandboxBuilder};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use sha2::Sha256;

/// The signature checked the long way, independently of the crate's helper.
fn independent_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn sandbox_notifying(url: &str) -> cuadre_gateway_sandbox::RunningSandbox {
    sandbox(
        SandboxBuilder::default()
            .merchant(merchant().with_notification_url(url))
            .notification_retry_delay(Duration::from_millis(20))
            .notification_timeout(Duration::from_secs(2)),
    )
    .await
}

#[tokio::test]
async fn paying_posts_a_correctly_signed_notification() {
    let receiver = Receiver::ok().await;
    let sb = sandbox_notifying(&receiver.url).await;
    let issued = client(&sb)
        .create_cip(&credentials(), &order("N-1", "22.05"))
        .await
        .unwrap();

    // through the HTTP control endpoint, as an e2e test would
    let resp = reqwest::Client::new()
        .post(format!("{}/sandbox/cips/{}/pay", sb.url(), issued.cip))
        .json(&serde_json::json!({
            "operationNumber": "1253",
            "paymentDate": "2026-01-05T10:30:00-05:00"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let outcome: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(outcome["notification"]["attempts"], 1);
    assert_eq!(outcome["notification"]["delivered"], true);
    assert_eq!(outcome["notification"]["lastStatus"], 200);
    assert_eq!(outcome["status"], "Cancelado");

    let got = receiver.all();
    assert_eq!(got.len(), 1);
    let body = &got[0].body;
    let signature = got[0]
        .headers
        .get("pe-signature")
        .expect("PE-Signature header")
        .to_str()
        .unwrap();
    assert_eq!(signature, independent_hmac(SECRET_KEY, body));
    assert!(verify_notification(SECRET_KEY.as_bytes(), body, signature));
    assert_eq!(
        got[0].headers.get("content-type").unwrap(),
        "application/json"
    );

    let text = std::str::from_utf8(body).unwrap();
    assert_eq!(
        text,
        format!(
            r#"{{"eventType":"cip.paid","operationNumber":"1253","data":{{"cip":"{}","currency":"PEN","amount":22.05,"paymentDate":"2026-01-05T10:30:00-05:00","transactionCode":"N-1"}}}}"#,
            issued.cip
        )
    );
    let n = Notification::parse(body).unwrap();
    assert_eq!(n.data.amount, Decimal::from_str_exact("22.05").unwrap());
    assert_eq!(n.data.cip, issued.cip);
    assert_eq!(outcome["notification"]["body"], text);
    assert_eq!(outcome["notification"]["signature"], signature);
}

#[tokio::test]
async fn the_caller_chooses_amount_currency_and_defaults_fill_the_rest() {
    let receiver = Receiver::ok().await;
    let sb = sandbox_notifying(&receiver.url).await;
    let issued = client(&sb)
        .create_cip(&credentials(), &order("N-2", "50.00"))
        .await
        .unwrap();
    let outcome = sb
        .state
        .pay(
            issued.cip.as_str(),
            PayRequest {
                amount: Some(Decimal::from_str_exact("49.90").unwrap()),
                currency: Some(cuadre_core::money::Currency::Usd),
                ..PayRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        outcome.operation_number.len(),
        8,
        "a generated operation number"
    );
    let n = Notification::parse(&receiver.all()[0].body).unwrap();
    assert_eq!(n.data.amount.to_string(), "49.90");
    assert_eq!(n.data.currency, cuadre_core::money::Currency::Usd);
    assert_eq!(
        n.operation_number.unwrap().as_str(),
        outcome.operation_number
    );
    assert!(n.data.payment_date.is_some());

    // a second payment of a paid CIP needs force
    let again = sb
        .state
        .pay(issued.cip.as_str(), PayRequest::default())
        .await;
    assert!(again.is_err());
    let forced = sb
        .state
        .pay(
            issued.cip.as_str(),
            PayRequest {
                force: true,
                notify: false,
                ..PayRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(forced.notification.is_none());
    assert_eq!(receiver.count(), 1);
}

#[tokio::test]
async fn a_receiver_that_fails_once_gets_the_retry() {
    let receiver = Receiver::start(vec![StatusCode::INTERNAL_SERVER_ERROR], None).await;
    let sb = sandbox_notifying(&receiver.url).await;
    let issued = client(&sb)
        .create_cip(&credentials(), &order("N-3", "10"))
        .await
        .unwrap();
    let outcome = sb
        .state
        .pay(issued.cip.as_str(), PayRequest::default())
        .await
        .unwrap();
    let report = outcome.notification.unwrap();
    assert_eq!(report.attempts, 2);
    assert!(report.delivered);
    assert_eq!(report.last_status, Some(200));
    let got = receiver.all();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body, "the retry sends the same bytes");
    assert_eq!(
        got[1].headers.get("pe-signature"),
        got[0].headers.get("pe-signature")
    );
}

#[tokio::test]
async fn a_receiver_that_always_fails_gets_exactly_two_attempts() {
    let receiver = Receiver::start(Vec::new(), Some(StatusCode::SERVICE_UNAVAILABLE)).await;
    let sb = sandbox_notifying(&receiver.url).await;
    let issued = client(&sb)
        .create_cip(&credentials(), &order("N-4", "10"))
        .await
        .unwrap();
    let report = sb
        .state
        .pay(issued.cip.as_str(), PayRequest::default())
        .await
        .unwrap()
        .notification
        .unwrap();
    assert_eq!(report.attempts, 2);
    assert!(!report.delivered);
    assert_eq!(report.last_status, Some(503));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.count(), 2, "no third attempt");
    assert_eq!(sb.state.stats().notification_attempts, 2);
    assert_eq!(sb.state.deliveries().len(), 1);
}

#[tokio::test]
async fn an_unreachable_receiver_gets_two_attempts_with_the_error_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let sb = sandbox_notifying(&url).await;
    let issued = client(&sb)
        .create_cip(&credentials(), &order("N-5", "10"))
        .await
        .unwrap();
    let report = sb
        .state
        .pay(issued.cip.as_str(), PayRequest::default())
        .await
        .unwrap()
        .notification
        .unwrap();
    assert_eq!(report.attempts, 2);
    assert!(!report.delivered);
    assert_eq!(report.last_status, None);
    assert!(report.last_error.is_some());
}

#[tokio::test]
async fn reversal_and_expiry_can_notify_too() {
    let receiver = Receiver::ok().await;
    let sb = sandbox_notifying(&receiver.url).await;
    let c = client(&sb);
    let a = c
        .create_cip(&credentials(), &order("N-6", "10"))
        .await
        .unwrap();
    let b = c
        .create_cip(&credentials(), &order("N-7", "10"))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let paid: serde_json::Value = http
        .post(format!("{}/sandbox/cips/{}/pay", sb.url(), a.cip))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reversed: serde_json::Value = http
        .post(format!("{}/sandbox/cips/{}/reverse", sb.url(), a.cip))
        .json(&serde_json::json!({"notify": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reversed["status"], "Pendiente");
    let expired: serde_json::Value = http
        .post(format!("{}/sandbox/cips/{}/expire", sb.url(), b.cip))
        .json(&serde_json::json!({"notify": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(expired["status"], "Expirado");
    let events: Vec<Notification> = receiver
        .all()
        .iter()
        .map(|r| Notification::parse(&r.body).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|n| n.event_type.as_str()).collect();
    assert_eq!(kinds, ["cip.paid", "cip.refunded", "cip.expired"]);
    assert_eq!(
        events[1].operation_number.as_ref().unwrap().as_str(),
        paid["operationNumber"].as_str().unwrap(),
        "the reversal names the reversed payment"
    );
    for r in receiver.all() {
        let sig = r.headers.get("pe-signature").unwrap().to_str().unwrap();
        assert_eq!(sig, independent_hmac(SECRET_KEY, &r.body));
    }
}
