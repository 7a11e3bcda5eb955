//! What a merchant may change about itself once onboarded, the bounds of each setting, and the
//! notification-secret rotation. The merchant API (`PATCH /v1/tenant`) and the operator CLI
//! (`cuadre tenant update`) both apply a [`SettingsPatch`] here, so a setting has one rule.
//!
//! A patch is a JSON merge patch (RFC 7396): a member left out stays as it is; `null` clears a
//! setting that may be unset (the notification URL, the settlement lag back to the default, one
//! currency's high-value threshold). Identity (name, RUC, service id, gateway keys) is not a
//! setting: it changes only by onboarding again.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::money::{exact_json, Currency, Money};
use crate::records::Tenant;

/// A code's lifetime a merchant may choose: one hour to thirty days.
pub const EXPIRY_HOURS: RangeInclusive<u32> = 1..=720;

/// How late a settlement may be before reconciliation calls it missing: one hour to thirty days.
pub const SETTLEMENT_LAG_HOURS: RangeInclusive<u32> = 1..=720;

/// After a rotation, deliveries are signed with both secrets this long, so the merchant can
/// switch its receiver without losing an event (`v1=` twice in the signature header).
pub const SECRET_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// The longest notification URL accepted.
const MAX_URL: usize = 2048;

/// What happens to a payment that arrives after its code expired (the buyer paid anyway; the money
/// is real): keep the order paid, or open it for a refund.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatePaymentPolicy {
    #[default]
    Accept,
    Refund,
}

impl LatePaymentPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LatePaymentPolicy::Accept => "accept",
            LatePaymentPolicy::Refund => "refund",
        }
    }

    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        match text {
            "accept" => Ok(LatePaymentPolicy::Accept),
            "refund" => Ok(LatePaymentPolicy::Refund),
            other => Err(SettingsError::new(
                "late_payment_policy",
                format!("must be `accept` or `refund`, not `{other}`"),
            )),
        }
    }
}

/// The secret a rotation replaced, still used for signing until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiringSecret {
    pub secret_ref: String,
    #[serde(with = "crate::time::serde_lima")]
    pub until: DateTime<Utc>,
}

/// A setting that cannot take the value asked for: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: String,
    pub reason: String,
}

impl SettingsError {
    fn new(field: &str, reason: impl Into<String>) -> Self {
        SettingsError {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

/// A change to a tenant's settings: `None` = leave as is; `Some(None)` = clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub notification_url: Option<Option<String>>,
    pub buyer_emails: Option<bool>,
    pub default_expiry_hours: Option<u32>,
    /// Per currency: a new threshold, or `None` to drop that currency's.
    pub high_value_thresholds: BTreeMap<Currency, Option<Decimal>>,
    pub settlement_lag_hours: Option<Option<u32>>,
    pub late_payment_policy: Option<LatePaymentPolicy>,
}

impl SettingsPatch {
    pub fn is_empty(&self) -> bool {
        *self == SettingsPatch::default()
    }

    /// Reads a merge-patch document; unknown members and wrong types are refused by name.
    pub fn from_json(body: &[u8]) -> Result<Self, SettingsError> {
        let members: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(body)
            .map_err(|e| SettingsError::new("body", format!("not a JSON object: {e}")))?;
        let mut patch = SettingsPatch::default();
        for (name, raw) in &members {
            let text = raw.get().trim();
            let null = text == "null";
            match name.as_str() {
                "notification_url" => {
                    patch.notification_url = Some(if null {
                        None
                    } else {
                        Some(string(name, text)?)
                    })
                }
                "buyer_emails" => {
                    patch.buyer_emails = Some(
                        serde_json::from_str(text)
                            .map_err(|_| SettingsError::new(name, "must be true or false"))?,
                    )
                }
                "default_expiry_hours" => {
                    patch.default_expiry_hours = Some(whole(name, text)?);
                }
                "settlement_lag_hours" => {
                    patch.settlement_lag_hours =
                        Some(if null { None } else { Some(whole(name, text)?) })
                }
                "late_payment_policy" => {
                    patch.late_payment_policy =
                        Some(LatePaymentPolicy::parse(&string(name, text)?)?)
                }
                "high_value_thresholds" => patch.high_value_thresholds = thresholds(text)?,
                other => {
                    return Err(SettingsError::new(
                        other,
                        "is not a setting (notification_url, buyer_emails, default_expiry_hours, \
                         high_value_thresholds, settlement_lag_hours, late_payment_policy)",
                    ))
                }
            }
        }
        Ok(patch)
    }

    /// The tenant with the patch applied, every bound checked; `tenant` itself is left alone.
    pub fn apply(&self, tenant: &Tenant) -> Result<Tenant, SettingsError> {
        let mut next = tenant.clone();
        if let Some(url) = &self.notification_url {
            next.notification_url = url.as_deref().map(notification_url).transpose()?;
            if next.notification_url.is_some() && next.notification_secret_ref.is_none() {
                return Err(SettingsError::new(
                    "notification_url",
                    "this merchant has no notification secret yet: rotate one first",
                ));
            }
        }
        if let Some(on) = self.buyer_emails {
            next.buyer_emails = on;
        }
        if let Some(hours) = self.default_expiry_hours {
            next.default_expiry_hours = within("default_expiry_hours", hours, &EXPIRY_HOURS)?;
        }
        for (currency, threshold) in &self.high_value_thresholds {
            match threshold {
                None => {
                    next.high_value_thresholds.remove(currency);
                }
                Some(amount) => {
                    let field = format!("high_value_thresholds.{currency}");
                    let money = Money::new(*amount, *currency)
                        .map_err(|e| SettingsError::new(&field, e.to_string()))?;
                    next.high_value_thresholds.insert(*currency, money.amount());
                }
            }
        }
        if let Some(lag) = self.settlement_lag_hours {
            next.settlement_lag_hours = lag
                .map(|h| within("settlement_lag_hours", h, &SETTLEMENT_LAG_HOURS))
                .transpose()?;
        }
        if let Some(policy) = self.late_payment_policy {
            next.late_payment_policy = policy;
        }
        Ok(next)
    }
}

fn string(field: &str, text: &str) -> Result<String, SettingsError> {
    serde_json::from_str(text).map_err(|_| SettingsError::new(field, "must be a string"))
}

fn whole(field: &str, text: &str) -> Result<u32, SettingsError> {
    exact_json::whole_number(text)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| SettingsError::new(field, "must be a whole number of hours"))
}

fn within(field: &str, value: u32, range: &RangeInclusive<u32>) -> Result<u32, SettingsError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(SettingsError::new(
            field,
            format!(
                "must be {}–{} hours, not {value}",
                range.start(),
                range.end()
            ),
        ))
    }
}

fn thresholds(text: &str) -> Result<BTreeMap<Currency, Option<Decimal>>, SettingsError> {
    const FIELD: &str = "high_value_thresholds";
    let members: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text).map_err(|_| {
        SettingsError::new(FIELD, "must be an object of currency → amount (or null)")
    })?;
    let mut out = BTreeMap::new();
    for (code, raw) in &members {
        let field = format!("{FIELD}.{code}");
        let currency: Currency = serde_json::from_value(serde_json::Value::String(code.clone()))
            .map_err(|_| SettingsError::new(&field, "is not a currency cuadre takes (PEN, USD)"))?;
        let amount = if raw.get().trim() == "null" {
            None
        } else {
            Some(
                exact_json::decimal_from_raw(raw)
                    .map_err(|e| SettingsError::new(&field, format!("not an amount: {e}")))?,
            )
        };
        out.insert(currency, amount);
    }
    Ok(out)
}

/// An `https` URL (plain `http` only to this machine, for local receivers), without credentials.
fn notification_url(text: &str) -> Result<String, SettingsError> {
    const FIELD: &str = "notification_url";
    let url = text.trim();
    if url.len() > MAX_URL {
        return Err(SettingsError::new(
            FIELD,
            format!("longer than {MAX_URL} characters"),
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| SettingsError::new(FIELD, "must be an absolute https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(host, _)| host);
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(SettingsError::new(
            FIELD,
            "must name a host, without user info or spaces",
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        _ => Err(SettingsError::new(
            FIELD,
            "must be https (events are signed, not encrypted)",
        )),
    }
}

/// A merchant's settings as the API and the CLI show them.
#[derive(Debug, Serialize)]
pub struct SettingsView<'a> {
    pub tenant_id: &'a str,
    pub name: &'a str,
    pub ruc: String,
    pub id_service: u32,
    /// `active`, or `disabled` (the merchant's keys are refused).
    pub status: &'static str,
    pub notification_url: Option<&'a str>,
    pub buyer_emails: bool,
    pub default_expiry_hours: u32,
    /// Amounts as decimal strings with two decimals, by currency.
    pub high_value_thresholds: BTreeMap<Currency, String>,
    /// `null` = reconciliation's default.
    pub settlement_lag_hours: Option<u32>,
    pub late_payment_policy: LatePaymentPolicy,
    /// While the previous notification secret still signs beside the new one.
    #[serde(with = "crate::time::serde_lima::option")]
    pub previous_secret_signs_until: Option<DateTime<Utc>>,
    pub version: u64,
}

impl<'a> SettingsView<'a> {
    pub fn of(t: &'a Tenant) -> Self {
        SettingsView {
            tenant_id: t.tenant_id.as_str(),
            name: &t.name,
            ruc: t.ruc.to_string(),
            id_service: t.id_service,
            status: if t.is_disabled() {
                "disabled"
            } else {
                "active"
            },
            notification_url: t.notification_url.as_deref(),
            buyer_emails: t.buyer_emails,
            default_expiry_hours: t.default_expiry_hours,
            high_value_thresholds: t
                .high_value_thresholds
                .iter()
                .map(|(c, a)| {
                    let mut cents = *a;
                    cents.rescale(2);
                    (*c, cents.to_string())
                })
                .collect(),
            settlement_lag_hours: t.settlement_lag_hours,
            late_payment_policy: t.late_payment_policy,
            previous_secret_signs_until: t.previous_notification_secret.as_ref().map(|p| p.until),
            version: t.version,
        }
    }
}

impl Tenant {
    /// The settlement lag reconciliation allows this merchant.
    pub fn settlement_lag(&self, default: TimeDelta) -> TimeDelta {
        self.settlement_lag_hours
            .map_or(default, |h| TimeDelta::hours(i64::from(h)))
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// The secrets deliveries are signed with at `now`: the current one, then, during a
    /// rotation's overlap, the one it replaces.
    pub fn signing_secret_refs(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut refs: Vec<&str> = self
            .notification_secret_ref
            .as_deref()
            .into_iter()
            .collect();
        if let Some(old) = self
            .previous_notification_secret
            .as_ref()
            .filter(|old| now < old.until)
        {
            refs.push(&old.secret_ref);
        }
        refs
    }

    /// The tenant after its notification secret moved to `new_ref` at `now`: the old one keeps
    /// signing for [`SECRET_OVERLAP`].
    pub fn with_rotated_secret(&self, new_ref: String, now: DateTime<Utc>) -> Tenant {
        let mut next = self.clone();
        next.previous_notification_secret =
            self.notification_secret_ref
                .clone()
                .map(|secret_ref| RetiringSecret {
                    secret_ref,
                    until: now + SECRET_OVERLAP,
                });
        next.notification_secret_ref = Some(new_ref);
        next
    }
}

#[cfg(test)]
mod tests;
