//! The PagoEfectivo sandbox on loopback and the real gateway client pointed at it (feature
//! `sandbox`).

use std::time::Duration;

use cuadre_core::{Money, OrderId};
use cuadre_gateway::{CreateCip, Credentials, GatewayClient, GatewayConfig};
use cuadre_gateway_sandbox::{RunningSandbox, SandboxBuilder, SandboxMerchant};

use crate::tenant::TestMerchant;

impl TestMerchant {
    /// The credentials the gateway client signs with.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(self.id_service, &self.access_key, &self.secret_key)
    }

    /// The merchant as the sandbox registers it.
    pub fn at_sandbox(&self) -> SandboxMerchant {
        SandboxMerchant::new(self.id_service, &self.access_key, &self.secret_key)
    }
}

/// Starts the sandbox on 127.0.0.1 and a free port.
pub async fn start_sandbox(builder: SandboxBuilder) -> RunningSandbox {
    builder.start().await.expect("sandbox binds 127.0.0.1:0")
}

/// A sandbox that knows `merchant`, with its defaults otherwise.
pub async fn sandbox_for(merchant: SandboxMerchant) -> RunningSandbox {
    start_sandbox(SandboxBuilder::default().merchant(merchant)).await
}

/// The gateway client for `base_url`, giving up on a request after `timeout`.
pub fn gateway_client(base_url: impl Into<String>, timeout: Duration) -> GatewayClient {
    GatewayClient::new(GatewayConfig::new(base_url).with_timeout(timeout)).expect("client builds")
}

/// A code request for order `id` of `amount` soles, for Ana Quispe with her DNI.
pub fn cip_request(id: &str, amount: &str) -> CreateCip {
    let mut c = CreateCip::new(
        OrderId::parse(id).unwrap(),
        Money::from_json_number(amount, cuadre_core::Currency::Pen).unwrap(),
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
