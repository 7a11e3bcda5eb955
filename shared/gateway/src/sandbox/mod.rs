//! A loopback simulator of PagoEfectivo's CIP API, for local runs and tests.
//!
//! It speaks the contract of `pagoefectivo.md` (authorization with `hashString`, bearer tokens,
//! field validation with `111`/`112`/`113`, `511`, CIP numbers and pages, search, extend,
//! delete) and adds control endpoints under `/sandbox/...` to pay, expire and reverse codes,
//! and to inject faults. Paying posts the signed notification to the merchant's URL, retrying
//! once like the real gateway.

mod control;
mod gateway;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cuadre_core::money::{exact_json, Currency};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::wire::CipStatus;

pub use control::{
    ControlError, DeliveryReport, PayOutcome, PayRequest, StatusChange, StatusChangeRequest,
};

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

impl SandboxBuilder {
    pub fn merchant(mut self, merchant: SandboxMerchant) -> Self {
        self.config.merchants.push(merchant);
        self
    }

    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime = lifetime;
        self
    }

    pub fn date_request_tolerance(mut self, tolerance: Duration) -> Self {
        self.config.date_request_tolerance = tolerance;
        self
    }

    pub fn default_expiry(mut self, expiry: Duration) -> Self {
        self.config.default_expiry = expiry;
        self
    }

    pub fn first_cip(mut self, first: u64) -> Self {
        self.config.first_cip = first;
        self
    }

    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.config.public_url = Some(url.into());
        self
    }

    pub fn notification_timeout(mut self, timeout: Duration) -> Self {
        self.config.notification_timeout = timeout;
        self
    }

    pub fn notification_retry_delay(mut self, delay: Duration) -> Self {
        self.config.notification_retry_delay = delay;
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
    /// `http://127.0.0.1:PORT`: the base URL for [`crate::GatewayConfig`].
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Counters tests assert on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxStats {
    /// Successful `POST /v1/authorizations`.
    pub authorizations: u64,
    pub authorizations_refused: u64,
    /// Every `POST /v1/cips` that reached the handler (including refused ones).
    pub cip_requests: u64,
    pub cips_issued: u64,
    /// CIP calls refused for a missing, unknown or expired token.
    pub unauthorized_calls: u64,
    pub notification_attempts: u64,
}

/// Faults for tests, consumed one request at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// The next N `POST /v1/cips` answer HTTP 500 with code `166`.
    pub fail_next_creates: u32,
    /// The next N `POST /v1/cips` wait `delay_ms` before being handled (and still create the CIP,
    /// as a slow real gateway would).
    pub delay_next_creates: u32,
    pub delay_ms: u64,
    /// The next N authorizations are refused whatever the credentials.
    pub reject_next_authorizations: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub id_service: u32,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentRecord {
    pub operation_number: String,
    pub currency: Currency,
    #[serde(serialize_with = "crate::json::serialize_decimal_number")]
    pub amount: Decimal,
    #[serde(with = "cuadre_core::time::serde_lima")]
    pub payment_date: DateTime<Utc>,
    pub reversed: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CipRecord {
    pub cip: u64,
    pub id_service: u32,
    pub guid: String,
    pub currency: Currency,
    pub amount: Decimal,
    pub transaction_code: String,
    pub date_expiry: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub status: CipStatus,
    pub payment_concept: Option<String>,
    pub user_email: String,
    pub payments: Vec<PaymentRecord>,
}

impl CipRecord {
    /// A pending code whose expiry passed is expired: applied whenever the code is looked at.
    pub fn refresh(&mut self, now: DateTime<Utc>) {
        if self.status == CipStatus::Pending && self.date_expiry <= now {
            self.status = CipStatus::Expired;
        }
    }
}

pub(crate) struct Data {
    pub merchants: BTreeMap<u32, SandboxMerchant>,
    pub tokens: HashMap<String, TokenRecord>,
    pub cips: BTreeMap<u64, CipRecord>,
    pub guids: HashMap<String, u64>,
    pub next_cip: u64,
    pub next_operation: u64,
    pub faults: Faults,
    pub stats: SandboxStats,
    pub deliveries: Vec<DeliveryReport>,
    pub public_url: Option<String>,
    pub token_lifetime: Duration,
}

pub(crate) struct Inner {
    pub data: Mutex<Data>,
    pub http: reqwest::Client,
    pub config: SandboxConfig,
    /// Signs the JWT-looking tokens; random per sandbox so tokens never outlive it.
    pub token_key: [u8; 32],
}

/// The sandbox's state, shared by its handlers; cheap to clone.
#[derive(Clone)]
pub struct SandboxState {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxState").finish_non_exhaustive()
    }
}

impl SandboxState {
    pub fn new(config: SandboxConfig) -> Self {
        let merchants = config
            .merchants
            .iter()
            .map(|m| (m.id_service, m.clone()))
            .collect();
        let http = reqwest::Client::builder()
            .timeout(config.notification_timeout)
            .build()
            .unwrap_or_default();
        let mut token_key = [0u8; 32];
        token_key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        token_key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let data = Data {
            merchants,
            tokens: HashMap::new(),
            cips: BTreeMap::new(),
            guids: HashMap::new(),
            next_cip: config.first_cip,
            next_operation: 1,
            faults: Faults::default(),
            stats: SandboxStats::default(),
            deliveries: Vec::new(),
            public_url: config.public_url.clone(),
            token_lifetime: config.token_lifetime,
        };
        SandboxState {
            inner: Arc::new(Inner {
                data: Mutex::new(data),
                http,
                config,
                token_key,
            }),
        }
    }

    /// Never held across an `.await`.
    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        self.inner.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces a merchant.
    pub fn register_merchant(&self, merchant: SandboxMerchant) {
        self.data().merchants.insert(merchant.id_service, merchant);
    }

    pub fn stats(&self) -> SandboxStats {
        self.data().stats.clone()
    }

    pub fn faults(&self) -> Faults {
        self.data().faults.clone()
    }

    /// Replaces the pending faults.
    pub fn set_faults(&self, faults: Faults) {
        self.data().faults = faults;
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.data().token_lifetime = lifetime;
    }

    /// Invalidates every token issued so far; the next CIP call gets a 401.
    pub fn revoke_tokens(&self) -> usize {
        let mut data = self.data();
        let n = data.tokens.len();
        data.tokens.clear();
        n
    }

    /// Every notification delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryReport> {
        self.data().deliveries.clone()
    }

    pub(crate) fn public_url(&self) -> String {
        self.data()
            .public_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1".to_string())
    }
}

/// Serves the sandbox on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, state: SandboxState) -> std::io::Result<()> {
    serve_until(listener, state, std::future::pending()).await
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve_until(
    listener: TcpListener,
    state: SandboxState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    {
        let mut data = state.data();
        if data.public_url.is_none() {
            data.public_url = Some(format!("http://{addr}"));
        }
    }
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// What `cuadre sandbox` runs: binds `addr`, serves until Ctrl-C.
pub async fn run_sandbox(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let state = SandboxState::new(config);
    tracing::info!(url = %format!("http://{bound}"), "PagoEfectivo sandbox listening");
    serve_until(listener, state, async {
        // If the signal cannot be installed, keep serving until the process is killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await
}

/// Every route: the gateway's contract plus `/sandbox/...` controls.
pub fn router(state: SandboxState) -> axum::Router {
    use axum::routing::{get, patch, post};
    axum::Router::new()
        .route("/v1/authorizations", post(gateway::authorize))
        .route("/v1/cips", post(gateway::create_cip))
        .route("/v1/cips/search", post(gateway::search_cips))
        .route(
            "/v1/cips/{cip}",
            patch(gateway::extend_cip).delete(gateway::delete_cip),
        )
        .route("/cip/{page}", get(gateway::cip_page))
        .route("/sandbox/health", get(control::health))
        .route("/sandbox/merchants", post(control::register_merchant))
        .route("/sandbox/stats", get(control::stats))
        .route(
            "/sandbox/faults",
            get(control::get_faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route("/sandbox/tokens/revoke", post(control::revoke_tokens))
        .route("/sandbox/settings", post(control::settings))
        .route("/sandbox/notifications", get(control::notifications))
        .route("/sandbox/cips", get(control::list_cips))
        .route("/sandbox/cips/{cip}", get(control::get_cip))
        .route("/sandbox/cips/{cip}/pay", post(control::pay))
        .route("/sandbox/cips/{cip}/expire", post(control::expire))
        .route("/sandbox/cips/{cip}/reverse", post(control::reverse))
        .with_state(state)
}
