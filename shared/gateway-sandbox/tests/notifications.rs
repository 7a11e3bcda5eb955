//! Paying in the sandbox posts a signed notification to the merchant, retrying once.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use cuadre_gateway::{verify_notification, Notification};
use cuadre_gateway_sandbox::{DeliveryReport, PayRequest, RunningSandbox, SandboxBuilder};
// The signature checked the long way (the `hmac` crate), independently of the crate's helper.
use cuadre_testing::hmac_sha256_hex as independent_hmac;
use cuadre_testing::http::post_json;
use rust_decimal::Decimal;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A merchant's notification endpoint: answers the scripted statuses in turn (200 once they run out).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    _task: Arc<AbortOnDrop>,
}

pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[derive(Clone)]
struct ReceiverState {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Vec<StatusCode>>>,
    always: Option<StatusCode>,
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    s.received.lock().unwrap().push(Received { headers, body });
    if let Some(status) = s.always {
        return status;
    }
    let mut script = s.script.lock().unwrap();
    if script.is_empty() {
        StatusCode::OK
    } else {
        script.remove(0)
    }
}

impl Receiver {
    pub async fn start(script: Vec<StatusCode>, always: Option<StatusCode>) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = ReceiverState {
            received: received.clone(),
            script: Arc::new(Mutex::new(script)),
            always,
        };
        let app = axum::Router::new()
            .route("/pagoefectivo/notifications", axum::routing::post(receive))
            .with_state(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url: format!("http://{addr}/pagoefectivo/notifications"),
            received,
            _task: Arc::new(AbortOnDrop(task)),
        }
    }

    pub fn ok() -> impl std::future::Future<Output = Receiver> {
        Receiver::start(Vec::new(), None)
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn sandbox_notifying(url: &str) -> RunningSandbox {
    sandbox(
        SandboxBuilder::default()
            .merchant(merchant().with_notification_url(url))
            .notification_retry_delay(Duration::from_millis(20))
            .notification_timeout(Duration::from_secs(2)),
    )
    .await
}

/// Issues a code of S/ 10 for `id` and pays it with the defaults: the report of the notification.
async fn issue_and_pay(sb: &RunningSandbox, id: &str) -> DeliveryReport {
    let issued = issue(&client(sb), id, "10").await;
    sb.state
        .pay(issued.cip.as_str(), PayRequest::default())
        .await
        .unwrap()
        .notification
        .unwrap()
}

#[tokio::test]
async fn paying_posts_a_correctly_signed_notification() {
    let receiver = Receiver::ok().await;
    let sb = sandbox_notifying(&receiver.url).await;
    let issued = issue(&client(&sb), "N-1", "22.05").await;

    // through the HTTP control endpoint, as an e2e test would
    let (status, outcome) = post_json(
        &format!("{}/sandbox/cips/{}/pay", sb.url(), issued.cip),
        &serde_json::json!({
            "operationNumber": "1253",
            "paymentDate": "2026-01-05T10:30:00-05:00"
        }),
    )
    .await;
    assert_eq!(status, 200);
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
    let issued = issue(&client(&sb), "N-2", "50.00").await;
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
    let report = issue_and_pay(&sb, "N-3").await;
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
    let report = issue_and_pay(&sb, "N-4").await;
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
    let report = issue_and_pay(&sb, "N-5").await;
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
    let a = issue(&c, "N-6", "10").await;
    let b = issue(&c, "N-7", "10").await;
    let control = |action: &str, cip: &str| format!("{}/sandbox/cips/{cip}/{action}", sb.url());
    let (_, paid) = post_json(&control("pay", a.cip.as_str()), &serde_json::json!({})).await;
    let notify = serde_json::json!({"notify": true});
    let (_, reversed) = post_json(&control("reverse", a.cip.as_str()), &notify).await;
    assert_eq!(reversed["status"], "Pendiente");
    let (_, expired) = post_json(&control("expire", b.cip.as_str()), &notify).await;
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
