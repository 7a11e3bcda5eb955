//! Shared test setup: a sandbox on 127.0.0.1:0 and a client pointed at it.
#![allow(dead_code)] // each test binary uses its own part of this

use std::time::Duration;

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
