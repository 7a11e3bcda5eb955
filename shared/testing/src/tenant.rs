//! Tenants as the tests onboard them: a fresh id per test (which is also how production keeps
//! merchants apart), provisioned the way `cuadre tenant create` does it — the tenant record, an API
//! key, and the gateway and notification secrets in SSM.

use std::collections::BTreeMap;

use chrono::Utc;
use cuadre_aws::{DynamoStore, SsmSecrets};
use cuadre_core::tenants::{provision, NewTenant, Provisioned, TenantRandomness};
use cuadre_core::{Currency, Ruc, TenantId};
use rust_decimal::Decimal;

/// The PagoEfectivo access key the tests' merchants use (the documentation's example).
pub const ACCESS_KEY: &str = "YTQ3Mjk1YjllYjlkYTA0";
/// The gateway secret key the tests' merchants sign with.
pub const SECRET_KEY: &str = "sandbox-secret-key";
/// A RUC with a valid check digit.
pub const RUC: &str = "20100047218";
/// Where the tests' tenants keep their secrets in SSM.
pub const SECRETS_PREFIX: &str = "/cuadre/test";

/// Twelve random hex digits, to make names of this test run's own.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// `{prefix}-{12 random hex digits}`: a queue, key or address no other test uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", unique_suffix())
}

/// A tenant id no other test uses.
pub fn unique_tenant(prefix: &str) -> TenantId {
    TenantId::parse(&unique_name(prefix)).expect("test tenant ids are valid")
}

/// A merchant's PagoEfectivo credentials, as the tenant and the sandbox both know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestMerchant {
    pub id_service: u32,
    pub access_key: String,
    pub secret_key: String,
}

impl TestMerchant {
    pub fn new(id_service: u32, access_key: &str, secret_key: &str) -> TestMerchant {
        TestMerchant {
            id_service,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }

    /// [`ACCESS_KEY`] and [`SECRET_KEY`] under a random service id (1000–8999), so tests that
    /// each start a sandbox do not share one merchant.
    pub fn random() -> TestMerchant {
        TestMerchant::random_with(ACCESS_KEY, SECRET_KEY)
    }

    /// These keys under a random service id (1000–8999).
    pub fn random_with(access_key: &str, secret_key: &str) -> TestMerchant {
        let id_service = 1000 + u32::from(rand::random::<u16>() % 8000);
        TestMerchant::new(id_service, access_key, secret_key)
    }
}

/// What to onboard: a fresh tenant id and the tests' usual merchant ("Tienda Uno", service 1234,
/// [`ACCESS_KEY`], [`SECRET_KEY`], buyer e-mails on), each part changeable.
#[derive(Debug, Clone)]
pub struct TenantSetup {
    pub new: NewTenant,
    pub secrets_prefix: String,
}

impl TenantSetup {
    /// A tenant whose id starts with `prefix`.
    pub fn new(prefix: &str) -> TenantSetup {
        TenantSetup::with_id(unique_tenant(prefix))
    }

    pub fn with_id(tenant_id: TenantId) -> TenantSetup {
        TenantSetup {
            new: NewTenant {
                tenant_id,
                name: "Tienda Uno".into(),
                ruc: Ruc::parse(RUC).expect("a valid RUC"),
                id_service: 1234,
                access_key: ACCESS_KEY.into(),
                gateway_secret_key: SECRET_KEY.into(),
                default_expiry_hours: None,
                high_value_thresholds: BTreeMap::new(),
                notification_url: None,
                buyer_emails: true,
            },
            secrets_prefix: SECRETS_PREFIX.into(),
        }
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.new.tenant_id
    }

    pub fn name(mut self, name: &str) -> TenantSetup {
        self.new.name = name.into();
        self
    }

    /// The gateway credentials: service id, access key and secret key.
    pub fn merchant(mut self, merchant: &TestMerchant) -> TenantSetup {
        self.new.id_service = merchant.id_service;
        self.new.access_key = merchant.access_key.clone();
        self.new.gateway_secret_key = merchant.secret_key.clone();
        self
    }

    pub fn high_value(mut self, thresholds: BTreeMap<Currency, Decimal>) -> TenantSetup {
        self.new.high_value_thresholds = thresholds;
        self
    }

    pub fn notification_url(mut self, url: Option<&str>) -> TenantSetup {
        self.new.notification_url = url.map(str::to_string);
        self
    }

    pub fn buyer_emails(mut self, on: bool) -> TenantSetup {
        self.new.buyer_emails = on;
        self
    }

    pub fn secrets_prefix(mut self, prefix: &str) -> TenantSetup {
        self.secrets_prefix = prefix.into();
        self
    }

    /// Provisions the tenant as `cuadre tenant create` does (fresh random key material).
    pub async fn provision(self, store: &DynamoStore, secrets: &SsmSecrets) -> Provisioned {
        let id = self.new.tenant_id.clone();
        provision(
            store,
            store,
            secrets,
            &self.secrets_prefix,
            self.new,
            TenantRandomness {
                api_key_id: rand::random(),
                api_key_secret: rand::random(),
                notification_secret: rand::random(),
            },
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("provisioning tenant {id}: {e}"))
    }
}
