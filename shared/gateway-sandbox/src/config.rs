//! What a sandbox is started with: its merchants and timings, the builder, and the handle of a
//! sandbox serving in the background.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use cuadre_core::money::exact_json;
use rust_decimal::Decimal;
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::{serve, SandboxState};

/// A merchant the sandbox knows. `Debug` redacts the keys.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxMerchant {
    pub id_service: u32,
    pub access_key: String,
    pub secret_key: String,
    /// Where paid notifications go (registered once per merchant, as with the real gateway).
    #[serde(default)]
    pub notification_url: Option<String>,
    /// Amounts above this answer `511`.
    #[serde(default, deserialize_with = "exact_json::option::deserialize")]
    pub max_amount: Option<Decimal>,
    /// `codeService` of the authorization answer.
    #[serde(default = "default_code_service")]
    pub code_service: String,
}

fn default_code_service() -> String {
    "SRV".to_string()
}

impl SandboxMerchant {
    pub fn new(
        id_service: u32,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        SandboxMerchant {
            id_service,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            notification_url: None,
            max_amount: None,
            code_service: default_code_service(),
        }
    }

    pub fn with_notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    pub fn with_max_amount(mut self, max: Decimal) -> Self {
        self.max_amount = Some(max);
        self
    }
}

impl fmt::Debug for SandboxMerchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxMerchant")
            .field("id_service", &self.id_service)
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .field("notification_url", &self.notification_url)
            .field("max_amount", &self.max_amount)
            .finish()
    }
}

/// How the sandbox behaves. Start from `Default` or [`SandboxConfig::builder`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub merchants: Vec<SandboxMerchant>,
    /// Token lifetime (the gateway's default is 2 hours); short in tests that force renewal.
    pub token_lifetime: Duration,
    /// How far `dateRequest` may be from the sandbox's clock.
    pub date_request_tolerance: Duration,
    /// Expiry of a CIP created without `dateExpiry`.
    pub default_expiry: Duration,
    /// The first CIP number issued.
    pub first_cip: u64,
    /// The URL `cipUrl` pages are served under; defaults to `http://<bound address>`.
    pub public_url: Option<String>,
    /// How long one notification attempt may take.
    pub notification_timeout: Duration,
    /// Pause before the single retry of a failed notification.
    pub notification_retry_delay: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            merchants: Vec::new(),
            token_lifetime: Duration::from_secs(2 * 3600),
            date_request_tolerance: Duration::from_secs(10 * 60),
            default_expiry: Duration::from_secs(24 * 3600),
            first_cip: 2_523_136,
            public_url: None,
            notification_timeout: Duration::from_secs(5),
            notification_retry_delay: Duration::from_millis(100),
        }
    }
}

impl SandboxConfig {
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Builds a sandbox; [`SandboxBuilder::start`] binds `127.0.0.1:0` for tests.
#[derive(Debug, Clone, Default)]
pub struct SandboxBuilder {
    config: SandboxConfig,
}

/// Builder methods that set one field of the config as given.
macro_rules! set_fields {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(
            pub fn $name(mut self, value: $ty) -> Self {
                self.config.$name = value;
                self
            }
        )*
    };
}

impl SandboxBuilder {
    set_fields! {
        token_lifetime: Duration,
        date_request_tolerance: Duration,
        default_expiry: Duration,
        first_cip: u64,
        notification_timeout: Duration,
        notification_retry_delay: Duration,
    }

    pub fn merchant(mut self, merchant: SandboxMerchant) -> Self {
        self.config.merchants.push(merchant);
        self
    }

    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.config.public_url = Some(url.into());
        self
    }

    pub fn config(self) -> SandboxConfig {
        self.config
    }

    pub fn build(self) -> SandboxState {
        SandboxState::new(self.config)
    }

    /// Binds `127.0.0.1:0` and serves in a background task until the handle is dropped.
    pub async fn start(self) -> std::io::Result<RunningSandbox> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = self.build();
        let task = tokio::spawn(serve(listener, state.clone()));
        Ok(RunningSandbox { addr, state, task })
    }
}

/// A sandbox serving in the background; dropping it stops the server.
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub state: SandboxState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`: the base URL for [`cuadre_gateway::GatewayConfig`].
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}
