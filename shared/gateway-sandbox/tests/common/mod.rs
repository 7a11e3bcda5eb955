//! Shared test setup: the tests' merchant, a sandbox on 127.0.0.1:0 and a client pointed at it.

use std::time::Duration;

use cuadre_gateway::{CreateCip, Credentials, GatewayClient, IssuedCip};
use cuadre_gateway_sandbox::{RunningSandbox, SandboxBuilder, SandboxMerchant};
use cuadre_testing::sandbox::{cip_request, gateway_client, start_sandbox};
use cuadre_testing::TestMerchant;

pub const ID_SERVICE: u32 = 1339;
pub const ACCESS_KEY: &str = "YTQ3Mjk1YjllYjlkYTA0";
pub const SECRET_KEY: &str = "test-secret-key/with+symbols=";

fn test_merchant() -> TestMerchant {
    TestMerchant::new(ID_SERVICE, ACCESS_KEY, SECRET_KEY)
}

pub fn credentials() -> Credentials {
    test_merchant().credentials()
}

pub fn merchant() -> SandboxMerchant {
    test_merchant().at_sandbox()
}

pub async fn sandbox(builder: SandboxBuilder) -> RunningSandbox {
    start_sandbox(builder).await
}

pub fn client(sb: &RunningSandbox) -> GatewayClient {
    gateway_client(sb.url(), Duration::from_secs(5))
}

/// A code request for Ana Quispe, with every buyer field the gateway takes.
pub fn order(id: &str, amount: &str) -> CreateCip {
    cip_request(id, amount)
}

/// Issues the code for `order(id, amount)` with the tests' merchant (the test fails if refused).
pub async fn issue(client: &GatewayClient, id: &str, amount: &str) -> IssuedCip {
    client
        .create_cip(&credentials(), &order(id, amount))
        .await
        .unwrap()
}
