//! The sandbox's state: merchants, tokens, CIPs and their payments, pending faults and counters.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cuadre_core::money::Currency;
use cuadre_gateway::CipStatus;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{DeliveryReport, SandboxConfig, SandboxMerchant};

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
    #[serde(serialize_with = "cuadre_gateway::json::serialize_decimal_number")]
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
