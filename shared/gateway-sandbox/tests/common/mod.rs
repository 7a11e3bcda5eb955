//! Shared test setup: a sandbox on 127.0.0.1:0, a client pointed at it, a notification receiver.
#![allow(dead_code)] // each test binary uses its own part of this

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cuadre_core::ids::OrderId;
use cuadre_core::money::{Currency, Money};
use cuadre_gateway::{CreateCip, Credentials, GatewayClient, GatewayConfig};
use cuadre_gateway_sandbox::{RunningSandbox, SandboxBuilder, SandboxMerchant};

pub const ID_SERVICE: u32 = 1339;
pub const ACCESS_KEY: &str = "YTQ3Mjk1YjllYjlkYTA0";
pub const SECRET_KEY: &str = "test-secret-key/with+symbols=";

pub fn credentials() -> Credentials {
    Credentials::new(ID_SERVICE, ACCESS_KEY, SECRET_KEY)
}

pub fn merchant() -> SandboxMerchant {
    SandboxMerchant::new(ID_SERVICE, ACCESS_KEY, SECRET_KEY)
}

pub async fn sandbox(builder: SandboxBuilder) -> RunningSandbox {
    builder.start().await.expect("sandbox binds 127.0.0.1:0")
}

pub async fn default_sandbox() -> RunningSandbox {
    sandbox(SandboxBuilder::default().merchant(merchant())).await
}

pub fn client(sb: &RunningSandbox) -> GatewayClient {
    client_with(GatewayConfig::new(sb.url()).with_timeout(Duration::from_secs(5)))
}

pub fn client_with(config: GatewayConfig) -> GatewayClient {
    GatewayClient::new(config).expect("client builds")
}

pub fn order(id: &str, amount: &str) -> CreateCip {
    let mut c = CreateCip::new(
        OrderId::parse(id).unwrap(),
        Money::from_json_number(amount, Currency::Pen).unwrap(),
        "ana.quispe@example.pe",
        "987654321",
        "+51",
    );
    c.payment_concept = Some(format!("Pedido {id}"));
    c.user_name = Some("Ana".into());
    c.user_last_name = Some("Quispe".into());
    c.user_document_type = Some("DNI".into());
    c.user_document_number = Some("45678912".into());
    c
}

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
