//! Onboarding merchants and authenticating their API calls, over the store ports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::access::{hash_api_key, looks_like_api_key, new_api_key, ApiKeyRecord, NewApiKey};
use crate::ids::TenantId;
use crate::money::Currency;
use crate::peru::Ruc;
use crate::records::Tenant;
use crate::settings::{LatePaymentPolicy, SettingsError, SettingsPatch, EXPIRY_HOURS};
use crate::store::{ApiKeyStore, SecretStore, StoreError, TenantStore};

/// Code lifetime when the merchant sets none.
pub const DEFAULT_EXPIRY_HOURS: u32 = 48;

/// What an operator gives to onboard a merchant.
#[derive(Clone)]
pub struct NewTenant {
    pub tenant_id: TenantId,
    pub name: String,
    pub ruc: Ruc,
    pub id_service: u32,
    pub access_key: String,
    pub gateway_secret_key: String,
    pub default_expiry_hours: Option<u32>,
    pub high_value_thresholds: BTreeMap<Currency, Decimal>,
    pub notification_url: Option<String>,
    pub buyer_emails: bool,
}

// By hand, so the gateway secret never reaches a log.
impl std::fmt::Debug for NewTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewTenant")
            .field("tenant_id", &self.tenant_id)
            .field("name", &self.name)
            .field("id_service", &self.id_service)
            .field("gateway_secret_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Random material for a new tenant, drawn by the caller.
#[derive(Debug, Clone, Copy)]
pub struct TenantRandomness {
    pub api_key_id: [u8; 5],
    pub api_key_secret: [u8; 24],
    pub notification_secret: [u8; 32],
}

/// A provisioned tenant with the secrets to show once.
#[derive(Debug)]
pub struct Provisioned {
    pub tenant: Tenant,
    pub api_key: NewApiKey,
    pub notification_secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("tenant {0} already exists")]
    AlreadyExists(TenantId),
    #[error("tenant {0} does not exist")]
    Unknown(TenantId),
    #[error("{0}")]
    Invalid(String),
    /// A setting that cannot take the value asked for (see [`crate::settings`]).
    #[error(transparent)]
    Setting(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a tenant's secrets live (SSM parameter names under a per-stage prefix).
pub fn gateway_secret_name(prefix: &str, tenant: &TenantId) -> String {
    format!(
        "{}/tenants/{tenant}/gateway-secret-key",
        prefix.trim_end_matches('/')
    )
}

pub fn notification_secret_name(prefix: &str, tenant: &TenantId) -> String {
    format!(
        "{}/tenants/{tenant}/notification-secret",
        prefix.trim_end_matches('/')
    )
}

fn validate(input: &NewTenant) -> Result<(), TenantError> {
    if input.name.trim().is_empty() || input.name.chars().count() > 100 {
        return Err(TenantError::Invalid("name must be 1–100 characters".into()));
    }
    if input.id_service == 0 || input.id_service > 9999 {
        return Err(TenantError::Invalid(
            "id_service must have 1–4 digits".into(),
        ));
    }
    if input.access_key.trim().is_empty() || input.access_key.len() > 64 {
        return Err(TenantError::Invalid(
            "access_key must be 1–64 characters".into(),
        ));
    }
    if input.gateway_secret_key.trim().is_empty() {
        return Err(TenantError::Invalid(
            "the gateway secret key is empty".into(),
        ));
    }
    if let Some(h) = input.default_expiry_hours {
        if !EXPIRY_HOURS.contains(&h) {
            return Err(TenantError::Invalid(
                "default expiry must be 1–720 hours".into(),
            ));
        }
    }
    if let Some(url) = &input.notification_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(TenantError::Invalid(
                "notification_url must be an http(s) URL".into(),
            ));
        }
    }
    if input
        .high_value_thresholds
        .values()
        .any(|v| *v <= Decimal::ZERO)
    {
        return Err(TenantError::Invalid(
            "high-value thresholds must be positive".into(),
        ));
    }
    Ok(())
}

/// Onboards a merchant: the tenant first (conditionally: never overwrites), then its secrets,
/// then its first API key.
///
/// The conditional create decides who owns the tenant id, so only its winner writes anything
/// under the id's secret names: of two onboardings of one id at once, the loser gets
/// [`TenantError::AlreadyExists`] having changed nothing (no secret, no key). Until the last step
/// the new tenant has no API key, so nothing can use it while its secrets are being stored.
pub async fn provision(
    tenants: &dyn TenantStore,
    keys: &dyn ApiKeyStore,
    secrets: &dyn SecretStore,
    secrets_prefix: &str,
    input: NewTenant,
    random: TenantRandomness,
    now: DateTime<Utc>,
) -> Result<Provisioned, TenantError> {
    validate(&input)?;
    if tenants.get_tenant(&input.tenant_id).await?.is_some() {
        return Err(TenantError::AlreadyExists(input.tenant_id));
    }
    let secret_ref = gateway_secret_name(secrets_prefix, &input.tenant_id);
    let notification_secret_ref = notification_secret_name(secrets_prefix, &input.tenant_id);
    let notification_secret = hex::encode(random.notification_secret);
    let tenant = Tenant {
        tenant_id: input.tenant_id.clone(),
        name: input.name.trim().to_string(),
        ruc: input.ruc,
        id_service: input.id_service,
        access_key: input.access_key,
        secret_ref,
        default_expiry_hours: input.default_expiry_hours.unwrap_or(DEFAULT_EXPIRY_HOURS),
        high_value_thresholds: input.high_value_thresholds,
        notification_url: input.notification_url,
        notification_secret_ref: Some(notification_secret_ref.clone()),
        buyer_emails: input.buyer_emails,
        settlement_lag_hours: None,
        late_payment_policy: LatePaymentPolicy::default(),
        previous_notification_secret: None,
        disabled_at: None,
        created_at: now,
        version: 1,
    };
    match tenants.create_tenant(&tenant).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(TenantError::AlreadyExists(tenant.tenant_id)),
        Err(e) => return Err(e.into()),
    }
    // The id is ours: these names now belong to this onboarding alone.
    let stored = async {
        secrets
            .put_secret(&tenant.secret_ref, &input.gateway_secret_key)
            .await?;
        secrets
            .put_secret(&notification_secret_ref, &notification_secret)
            .await
    };
    stored
        .await
        .map_err(|e| unfinished(&tenant, Unfinished::Secrets, e))?;
    let api_key = new_api_key(
        tenant.tenant_id.clone(),
        random.api_key_id,
        random.api_key_secret,
        now,
    );
    keys.create_api_key(&api_key.record)
        .await
        .map_err(|e| unfinished(&tenant, Unfinished::ApiKey, e))?;
    Ok(Provisioned {
        tenant,
        api_key,
        notification_secret,
    })
}

/// A step after the tenant's create failed: the tenant exists without an API key (unusable),
/// and the error says how to finish it by hand.
fn unfinished(tenant: &Tenant, step: Unfinished, e: StoreError) -> TenantError {
    let id = &tenant.tenant_id;
    let (what, finish) = match step {
        Unfinished::Secrets => (
            "storing its secrets",
            format!(
                "put SecureString parameters {} (the PagoEfectivo secret key) and {} (a new \
                 signing secret for the merchant, e.g. `openssl rand -hex 32`) in SSM, then ",
                tenant.secret_ref,
                tenant.notification_secret_ref.as_deref().unwrap_or("-"),
            ),
        ),
        Unfinished::ApiKey => ("creating its API key", String::new()),
    };
    TenantError::Store(StoreError::Unavailable(format!(
        "tenant {id} was created but {what} failed, so it has no API key and cannot be used \
         ({e}); to finish it, {finish}add a key with `cuadre tenant rotate-key --id {id}`"
    )))
}

#[derive(Debug, Clone, Copy)]
enum Unfinished {
    Secrets,
    ApiKey,
}

/// Adds a new key to an existing tenant (old keys stay valid until revoked).
pub async fn rotate_key(
    tenants: &dyn TenantStore,
    keys: &dyn ApiKeyStore,
    tenant_id: &TenantId,
    id_bytes: [u8; 5],
    secret_bytes: [u8; 24],
    now: DateTime<Utc>,
) -> Result<NewApiKey, TenantError> {
    if tenants.get_tenant(tenant_id).await?.is_none() {
        return Err(TenantError::Unknown(tenant_id.clone()));
    }
    let key = new_api_key(tenant_id.clone(), id_bytes, secret_bytes, now);
    keys.create_api_key(&key.record).await?;
    Ok(key)
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send it as `Authorization: Bearer <key>`")]
    Missing,
    #[error("the API key is not valid")]
    Invalid,
    #[error("the API key has been revoked")]
    Revoked,
    #[error("the API key's merchant no longer exists")]
    UnknownTenant,
    #[error("this merchant is disabled; its keys work again once an operator enables it")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Finds the tenant behind an `Authorization` header value.
pub async fn authenticate(
    keys: &dyn ApiKeyStore,
    authorization: Option<&str>,
) -> Result<ApiKeyRecord, AuthError> {
    let value = authorization
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(AuthError::Missing)?;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let presented = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(AuthError::Missing)?;
    if !looks_like_api_key(presented) {
        return Err(AuthError::Invalid);
    }
    let record = keys
        .find_api_key(&hash_api_key(presented))
        .await?
        .ok_or(AuthError::Invalid)?;
    if !record.is_active() {
        return Err(AuthError::Revoked);
    }
    Ok(record)
}

/// The merchant behind an `Authorization` header value: its key and its tenant record.
pub async fn authenticate_merchant(
    keys: &dyn ApiKeyStore,
    tenants: &dyn TenantStore,
    authorization: Option<&str>,
) -> Result<(ApiKeyRecord, Tenant), AuthError> {
    let key = authenticate(keys, authorization).await?;
    let tenant = tenants
        .get_tenant(&key.tenant_id)
        .await?
        .ok_or(AuthError::UnknownTenant)?;
    if tenant.is_disabled() {
        return Err(AuthError::Disabled);
    }
    Ok((key, tenant))
}

/// A tenant read for a change, or `Unknown`.
async fn existing(tenants: &dyn TenantStore, tenant_id: &TenantId) -> Result<Tenant, TenantError> {
    tenants
        .get_tenant(tenant_id)
        .await?
        .ok_or_else(|| TenantError::Unknown(tenant_id.clone()))
}

/// Applies a settings patch to the stored tenant (conditional on the version it read: a
/// concurrent change is a `Conflict`, never overwritten).
pub async fn update_settings(
    tenants: &dyn TenantStore,
    tenant_id: &TenantId,
    patch: &SettingsPatch,
) -> Result<Tenant, TenantError> {
    let current = existing(tenants, tenant_id).await?;
    let next = patch.apply(&current)?;
    if next == current {
        return Ok(current);
    }
    Ok(tenants.replace_tenant(&current, &next).await?)
}

/// A new notification secret, stored under a name of its own, becomes the signing secret; the old
/// one keeps signing beside it for the overlap. Returns the tenant and the new secret, shown once.
pub async fn rotate_notification_secret(
    tenants: &dyn TenantStore,
    secrets: &dyn SecretStore,
    secrets_prefix: &str,
    tenant_id: &TenantId,
    random: [u8; 32],
    now: DateTime<Utc>,
) -> Result<(Tenant, String), TenantError> {
    let current = existing(tenants, tenant_id).await?;
    let secret = hex::encode(random);
    // A name of this attempt's own: of two rotations at once, the loser's write cannot overwrite
    // the secret the winner stores (and shows the merchant) under the same version.
    let name = format!(
        "{}-v{}-{}",
        notification_secret_name(secrets_prefix, tenant_id),
        current.version + 1,
        &crate::records::sha256_hex(&random)[..12]
    );
    secrets.put_secret(&name, &secret).await?;
    let next = current.with_rotated_secret(name, now);
    Ok((tenants.replace_tenant(&current, &next).await?, secret))
}

/// Disables (`Some(now)`) or enables (`None`) a merchant. Idempotent.
pub async fn set_disabled(
    tenants: &dyn TenantStore,
    tenant_id: &TenantId,
    disabled_at: Option<DateTime<Utc>>,
) -> Result<Tenant, TenantError> {
    let current = existing(tenants, tenant_id).await?;
    if current.is_disabled() == disabled_at.is_some() {
        return Ok(current);
    }
    let mut next = current.clone();
    next.disabled_at = disabled_at;
    Ok(tenants.replace_tenant(&current, &next).await?)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::task::{Context, Poll, Waker};

    use async_trait::async_trait;

    use super::*;

    /// The stores of one onboarding, logging each write; `create_tenant` loses when `taken`.
    struct Recorder {
        taken: bool,
        log: Mutex<Vec<String>>,
    }

    impl Recorder {
        fn note(&self, what: String) {
            self.log.lock().unwrap().push(what);
        }
    }

    #[async_trait]
    impl TenantStore for Recorder {
        async fn create_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
            self.note("create tenant".into());
            match self.taken {
                true => Err(StoreError::Conflict(format!("tenant {}", tenant.tenant_id))),
                false => Ok(()),
            }
        }
        async fn get_tenant(&self, _: &TenantId) -> Result<Option<Tenant>, StoreError> {
            Ok(None)
        }
        async fn replace_tenant(&self, _: &Tenant, next: &Tenant) -> Result<Tenant, StoreError> {
            self.note("replace tenant".into());
            Ok(next.clone())
        }
    }

    #[async_trait]
    impl ApiKeyStore for Recorder {
        async fn create_api_key(&self, _: &ApiKeyRecord) -> Result<(), StoreError> {
            self.note("create key".into());
            Ok(())
        }
        async fn find_api_key(&self, _: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
            Ok(None)
        }
        async fn list_api_keys(&self, _: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
            Ok(Vec::new())
        }
        async fn revoke_api_key(
            &self,
            _: &TenantId,
            key_id: &str,
            _: DateTime<Utc>,
        ) -> Result<ApiKeyRecord, StoreError> {
            Err(StoreError::NotFound(key_id.into()))
        }
    }

    #[async_trait]
    impl SecretStore for Recorder {
        async fn put_secret(&self, name: &str, _: &str) -> Result<(), StoreError> {
            self.note(format!("put {name}"));
            Ok(())
        }
        async fn get_secret(&self, _: &str) -> Result<Option<String>, StoreError> {
            Ok(None)
        }
    }

    /// Runs a future whose stores answer at once (the recorder never waits).
    fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the recorder never waits"),
        }
    }

    fn onboard(taken: bool) -> (Result<Provisioned, TenantError>, Vec<String>) {
        let stores = Recorder {
            taken,
            log: Mutex::new(Vec::new()),
        };
        let input = NewTenant {
            tenant_id: TenantId::parse("tienda").unwrap(),
            name: "Tienda".into(),
            ruc: Ruc::parse("20100047218").unwrap(),
            id_service: 1234,
            access_key: "access".into(),
            gateway_secret_key: "secret".into(),
            default_expiry_hours: None,
            high_value_thresholds: BTreeMap::new(),
            notification_url: None,
            buyer_emails: true,
        };
        let random = TenantRandomness {
            api_key_id: [1; 5],
            api_key_secret: [2; 24],
            notification_secret: [3; 32],
        };
        let result = ready(provision(
            &stores,
            &stores,
            &stores,
            "/cuadre/x",
            input,
            random,
            Utc::now(),
        ));
        (result, stores.log.into_inner().unwrap())
    }

    #[test]
    fn the_tenant_is_created_before_its_secrets_are_written() {
        let (result, log) = onboard(false);
        let p = result.unwrap();
        assert_eq!(
            log,
            [
                "create tenant",
                "put /cuadre/x/tenants/tienda/gateway-secret-key",
                "put /cuadre/x/tenants/tienda/notification-secret",
                "create key",
            ]
        );
        assert_eq!(
            p.tenant.secret_ref,
            gateway_secret_name("/cuadre/x", &p.tenant.tenant_id)
        );
        assert_eq!(p.notification_secret, hex::encode([3u8; 32]));
    }

    #[test]
    fn the_loser_of_the_create_writes_nothing_else() {
        let (result, log) = onboard(true);
        assert!(
            matches!(&result, Err(TenantError::AlreadyExists(t)) if t.as_str() == "tienda"),
            "{result:?}"
        );
        assert_eq!(log, ["create tenant"]);
    }
}
