//! The PagoEfectivo client: one value per warm Lambda, holding a token per merchant.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cuadre_core::ids::Cip;
use reqwest::{Method, StatusCode};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::{date_request, Credentials};
use crate::error::GatewayError;
use crate::wire::{self, Call, CipLookup, CreateCip, IssuedCip};

/// Production and integration hosts.
pub const PRODUCTION_URL: &str = "https://services.pagoefectivo.pe";
pub const INTEGRATION_URL: &str = "https://pre1a.services.pagoefectivo.pe";

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Without a trailing slash, e.g. [`PRODUCTION_URL`] or the sandbox's `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Whole-request timeout (connect + send + read).
    pub timeout: Duration,
    /// Renew a token this long before `tokenExpires`.
    pub renew_before: Duration,
    /// `Origin`: `web`, `android` or `ios`.
    pub origin: String,
    /// `Accept-Language`: `es-PE` or `en-US`.
    pub accept_language: String,
}

impl GatewayConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        GatewayConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            timeout: Duration::from_secs(10),
            renew_before: Duration::from_secs(5 * 60),
            origin: "web".to_string(),
            accept_language: "es-PE".to_string(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_renew_before(mut self, renew_before: Duration) -> Self {
        self.renew_before = renew_before;
        self
    }
}

/// The operations on payment codes, so handlers can depend on a trait and tests can fake it.
#[async_trait]
pub trait CipGateway: Send + Sync {
    async fn create_cip(
        &self,
        credentials: &Credentials,
        request: &CreateCip,
    ) -> Result<IssuedCip, GatewayError>;
    /// `None` when the gateway does not know the CIP (for these credentials).
    async fn search_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
    ) -> Result<Option<CipLookup>, GatewayError>;
    async fn extend_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
        date_expiry: DateTime<Utc>,
    ) -> Result<(), GatewayError>;
    async fn delete_cip(&self, credentials: &Credentials, cip: &Cip) -> Result<(), GatewayError>;
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: String,
    /// When to stop using it: a local deadline, so the gateway's clock cannot skew it.
    renew_at: Instant,
}

type Slot = Arc<Mutex<Option<CachedToken>>>;

/// Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    config: Arc<GatewayConfig>,
    /// One slot per credentials; a slot's lock makes concurrent callers wait for one authorization.
    tokens: Arc<std::sync::Mutex<HashMap<[u8; 32], Slot>>>,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl GatewayClient {
    pub fn new(config: GatewayConfig) -> Result<Self, GatewayError> {
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            return Err(GatewayError::Config(format!(
                "base URL {:?} is not http(s)",
                config.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .build()
            .map_err(|e| GatewayError::Config(e.to_string()))?;
        Ok(GatewayClient {
            http,
            config: Arc::new(config),
            tokens: Arc::default(),
        })
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    fn slot(&self, credentials: &Credentials) -> Slot {
        let mut map = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(credentials.fingerprint()).or_default().clone()
    }

    /// A valid token for these credentials, from the cache or a new authorization.
    async fn token(&self, credentials: &Credentials) -> Result<String, GatewayError> {
        let slot = self.slot(credentials);
        let mut cached = slot.lock().await;
        if let Some(t) = cached.as_ref() {
            if Instant::now() < t.renew_at {
                return Ok(t.token.clone());
            }
        }
        let fresh = self.authorize(credentials).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `used` (unless another caller already replaced it).
    async fn forget(&self, credentials: &Credentials, used: &str) {
        let slot = self.slot(credentials);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|t| t.token == used) {
            *cached = None;
        }
    }

    /// `POST /v1/authorizations`.
    async fn authorize(&self, credentials: &Credentials) -> Result<CachedToken, GatewayError> {
        let date = date_request(Utc::now());
        let hash = credentials.hash_string(&date);
        let body = serde_json::to_vec(&wire::AuthorizationRequest {
            access_key: &credentials.access_key,
            id_service: credentials.id_service,
            date_request: &date,
            hash_string: &hash,
        })
        .expect("strings and a number serialise");
        let started = Instant::now();
        let answer = self
            .send(Method::POST, "/v1/authorizations", None, Some(body))
            .await?;
        let envelope = wire::classify(Call::Authorization, answer.status, &answer.body)
            .inspect_err(|e| {
                tracing::warn!(id_service = credentials.id_service, status = answer.status, error = %e, "gateway authorization refused");
            })?;
        let data: wire::AuthorizationData = wire::data_as(answer.status, &envelope)?;
        if data.token.trim().is_empty() {
            return Err(GatewayError::UnexpectedResponse {
                status: answer.status,
                detail: "authorization without a token".to_string(),
            });
        }
        let lifetime = token_lifetime(data.token_start, data.token_expires);
        // A margin larger than half the lifetime would make every token stale on arrival.
        let margin = self.config.renew_before.min(lifetime / 2);
        tracing::info!(
            id_service = credentials.id_service,
            code_service = data.code_service.as_deref().unwrap_or(""),
            lifetime_secs = lifetime.as_secs(),
            "gateway token issued"
        );
        Ok(CachedToken {
            token: data.token,
            renew_at: started
                .checked_add(lifetime.saturating_sub(margin))
                .unwrap_or(started),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, GatewayError> {
        let url = format!("{}{}", self.config.base_url, path);
        let mut req = self
            .http
            .request(method, &url)
            .header("Content-Type", "application/json")
            .header("Accept-Language", &self.config.accept_language);
        if let Some(token) = token {
            req = req
                .header("Authorization", format!("Bearer {token}"))
                .header("Origin", &self.config.origin);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?
            .to_vec();
        Ok(Answer { status, body })
    }

    fn transport_error(&self, e: reqwest::Error) -> GatewayError {
        // `without_url` keeps paths (and so CIP numbers) out of the error text too.
        let e = e.without_url();
        if e.is_timeout() {
            GatewayError::Timeout(self.config.timeout)
        } else if e.is_connect() {
            GatewayError::Connect(e.to_string())
        } else {
            GatewayError::Transport(e.to_string())
        }
    }

    /// A call with the bearer token; a 401 (token revoked or expired early) renews it once.
    async fn cip_call(
        &self,
        credentials: &Credentials,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, wire::Envelope), GatewayError> {
        let token = self.token(credentials).await?;
        let mut answer = self
            .send(method.clone(), path, Some(&token), body.clone())
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED.as_u16() {
            tracing::info!(
                id_service = credentials.id_service,
                "gateway refused the token; renewing once"
            );
            self.forget(credentials, &token).await;
            let token = self.token(credentials).await?;
            answer = self.send(method, path, Some(&token), body).await?;
        }
        let envelope = wire::classify(Call::Cip, answer.status, &answer.body)?;
        Ok((answer.status, envelope))
    }

    /// `POST /v1/cips`. Never retried here: the gateway has no idempotency on creation.
    pub async fn create_cip(
        &self,
        credentials: &Credentials,
        request: &CreateCip,
    ) -> Result<IssuedCip, GatewayError> {
        let result = self
            .cip_call(
                credentials,
                Method::POST,
                "/v1/cips",
                Some(request.to_json()),
            )
            .await;
        let (status, envelope) = result.inspect_err(|e| {
            tracing::warn!(id_service = credentials.id_service, order_id = %request.transaction_code, error = %e, "CIP creation failed");
        })?;
        let issued: wire::IssuedCipWire = wire::data_as(status, &envelope)?;
        let issued = IssuedCip::from(issued);
        tracing::info!(id_service = credentials.id_service, order_id = %request.transaction_code, cip = %issued.cip, "CIP created");
        Ok(issued)
    }

    /// `POST /v1/cips/search` for several CIPs; unknown ones are simply absent.
    pub async fn search_cips(
        &self,
        credentials: &Credentials,
        cips: &[Cip],
    ) -> Result<Vec<CipLookup>, GatewayError> {
        let (status, envelope) = self
            .cip_call(
                credentials,
                Method::POST,
                "/v1/cips/search",
                Some(wire::search_body(cips)),
            )
            .await?;
        match envelope.data.as_deref() {
            None => Ok(Vec::new()),
            Some(data) => wire::parse_lookups(data)
                .map_err(|detail| GatewayError::UnexpectedResponse { status, detail }),
        }
    }

    pub async fn search_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
    ) -> Result<Option<CipLookup>, GatewayError> {
        let found = self
            .search_cips(credentials, std::slice::from_ref(cip))
            .await?;
        Ok(found.into_iter().find(|l| same_cip(&l.cip, cip)))
    }

    /// `PATCH /v1/cips/{cip}` with a new `dateExpiry` (also revives an expired CIP).
    pub async fn extend_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
        date_expiry: DateTime<Utc>,
    ) -> Result<(), GatewayError> {
        let body = serde_json::to_vec(&serde_json::json!({
            "dateExpiry": cuadre_core::time::format_lima(date_expiry)
        }))
        .expect("a string serialises");
        let path = format!("/v1/cips/{}", wire_cip(cip));
        self.cip_call(credentials, Method::PATCH, &path, Some(body))
            .await?;
        tracing::info!(id_service = credentials.id_service, cip = %cip, "CIP extended");
        Ok(())
    }

    /// `DELETE /v1/cips/{cip}`: only while the CIP is pending.
    pub async fn delete_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
    ) -> Result<(), GatewayError> {
        let path = format!("/v1/cips/{}", wire_cip(cip));
        self.cip_call(credentials, Method::DELETE, &path, None)
            .await?;
        tracing::info!(id_service = credentials.id_service, cip = %cip, "CIP deleted");
        Ok(())
    }
}

#[async_trait]
impl CipGateway for GatewayClient {
    async fn create_cip(
        &self,
        credentials: &Credentials,
        request: &CreateCip,
    ) -> Result<IssuedCip, GatewayError> {
        GatewayClient::create_cip(self, credentials, request).await
    }

    async fn search_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
    ) -> Result<Option<CipLookup>, GatewayError> {
        GatewayClient::search_cip(self, credentials, cip).await
    }

    async fn extend_cip(
        &self,
        credentials: &Credentials,
        cip: &Cip,
        date_expiry: DateTime<Utc>,
    ) -> Result<(), GatewayError> {
        GatewayClient::extend_cip(self, credentials, cip, date_expiry).await
    }

    async fn delete_cip(&self, credentials: &Credentials, cip: &Cip) -> Result<(), GatewayError> {
        GatewayClient::delete_cip(self, credentials, cip).await
    }
}

/// The token's lifetime from the gateway's own start and end (immune to clock skew); the
/// documented 2 hours when the answer leaves them out.
fn token_lifetime(start: Option<DateTime<Utc>>, expires: Option<DateTime<Utc>>) -> Duration {
    let default = Duration::from_secs(2 * 3600);
    match expires {
        Some(end) => {
            let from = start.unwrap_or_else(Utc::now);
            (end - from).to_std().unwrap_or(Duration::ZERO)
        }
        None => default,
    }
}

/// The CIP as the gateway's paths carry it (a number: no leading zeros).
fn wire_cip(cip: &Cip) -> String {
    crate::json::cip_number(cip).get().to_string()
}

fn same_cip(a: &Cip, b: &Cip) -> bool {
    a.as_str().trim_start_matches('0') == b.as_str().trim_start_matches('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_from_start_and_end() {
        let s = cuadre_core::time::parse("2026-01-01T10:00:00-05:00").unwrap();
        let e = cuadre_core::time::parse("2026-01-01T12:00:00-05:00").unwrap();
        assert_eq!(token_lifetime(Some(s), Some(e)), Duration::from_secs(7200));
        assert_eq!(token_lifetime(Some(e), Some(s)), Duration::ZERO);
        assert_eq!(token_lifetime(None, None), Duration::from_secs(7200));
    }

    #[test]
    fn config_trims_trailing_slash_and_rejects_other_schemes() {
        assert_eq!(GatewayConfig::new("http://x/").base_url, "http://x");
        assert!(matches!(
            GatewayClient::new(GatewayConfig::new("ftp://x")),
            Err(GatewayError::Config(_))
        ));
    }
}
