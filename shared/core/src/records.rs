//! The other facts cuadre keeps: tenants, payments, vouchers, idempotency records.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{Cip, OperationNumber, OrderId, TenantId};
use crate::money::{Currency, Money};
use crate::peru::Ruc;
use crate::settings::{LatePaymentPolicy, RetiringSecret};

/// A merchant using cuadre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub tenant_id: TenantId,
    pub name: String,
    pub ruc: Ruc,
    /// PagoEfectivo's service id for this merchant.
    pub id_service: u32,
    pub access_key: String,
    /// Where the gateway secret lives (a Secrets Manager or SSM name), never the secret itself.
    pub secret_ref: String,
    pub default_expiry_hours: u32,
    /// Payments at or above these amounts need a person's confirmation.
    #[serde(default)]
    pub high_value_thresholds: BTreeMap<Currency, Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// Where the secret that signs our notifications to the merchant lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_secret_ref: Option<String>,
    #[serde(default = "default_true")]
    pub buyer_emails: bool,
    /// How late a settlement may be; `None` = reconciliation's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_lag_hours: Option<u32>,
    #[serde(default)]
    pub late_payment_policy: LatePaymentPolicy,
    /// During a rotation's overlap: the notification secret being replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_notification_secret: Option<RetiringSecret>,
    /// Set while an operator has disabled the merchant: its API keys stop working; gateway
    /// notifications for it are still recorded (the money is real).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub disabled_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::serde_lima")]
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

fn default_true() -> bool {
    true
}

/// Where we learned of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    Notification,
    StatusLookup,
    Settlement,
}

/// Money received at a payment place for a CIP. Its identity is (tenant, CIP, operation number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub tenant_id: TenantId,
    pub cip: Cip,
    pub operation_number: OperationNumber,
    pub amount: Money,
    #[serde(with = "crate::time::serde_lima")]
    pub paid_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_lima")]
    pub received_at: DateTime<Utc>,
    /// The order the CIP belongs to; `None` while the payment is an orphan (`UNKNOWN_CIP`).
    pub order_id: Option<OrderId>,
    pub source: PaymentSource,
    /// Where the raw signed notification is archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_ref: Option<String>,
    /// The real operation number of a payment notified without one (`operation_number` is then
    /// its stand-in, [`crate::rules::settlement::is_stand_in`]), adopted once from the settlement
    /// line that settles it. The payment keeps its stand-in identity, so a repeat of the same
    /// notification is still the same payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_as: Option<OperationNumber>,
    /// When PagoEfectivo reversed the payment (`cip.refunded`): it no longer pays its order.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub reversed_at: Option<DateTime<Utc>>,
}

/// What OCR read from a voucher (docs/vouchers.md's schema); any field may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VoucherFields {
    pub cip: Option<String>,
    pub operation_number: Option<String>,
    /// A decimal string with two decimals.
    pub amount: Option<String>,
    pub currency: Option<Currency>,
    /// Lima date-time, or `YYYY-MM-DD` when the voucher shows no time.
    pub paid_at: Option<String>,
    pub payer_name: Option<String>,
    pub channel: Option<String>,
}

/// The key fields of a voucher: the ones the reader gives a confidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherField {
    Cip,
    OperationNumber,
    Amount,
    Currency,
    PaidAt,
}

impl VoucherField {
    pub const ALL: [VoucherField; 5] = [
        VoucherField::Cip,
        VoucherField::OperationNumber,
        VoucherField::Amount,
        VoucherField::Currency,
        VoucherField::PaidAt,
    ];

    /// The field's name in JSON (`operation_number`).
    pub fn name(self) -> &'static str {
        match self {
            VoucherField::Cip => "cip",
            VoucherField::OperationNumber => "operation_number",
            VoucherField::Amount => "amount",
            VoucherField::Currency => "currency",
            VoucherField::PaidAt => "paid_at",
        }
    }
}

/// How sure the reader is of each key field, per mille (0–1000); `None` where it found no candidate.
/// Kept integral so no float is stored; the API and the extractor's JSON show it as 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldConfidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cip: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_number: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<u16>,
}

impl FieldConfidence {
    pub fn get(&self, field: VoucherField) -> Option<u16> {
        match field {
            VoucherField::Cip => self.cip,
            VoucherField::OperationNumber => self.operation_number,
            VoucherField::Amount => self.amount,
            VoucherField::Currency => self.currency,
            VoucherField::PaidAt => self.paid_at,
        }
    }

    pub fn set(&mut self, field: VoucherField, permille: Option<u16>) {
        let slot = match field {
            VoucherField::Cip => &mut self.cip,
            VoucherField::OperationNumber => &mut self.operation_number,
            VoucherField::Amount => &mut self.amount,
            VoucherField::Currency => &mut self.currency,
            VoucherField::PaidAt => &mut self.paid_at,
        };
        *slot = permille;
    }

    /// `{"cip":0.97,"operation_number":null,…}`: every key field, 0–1 with up to 3 decimals.
    pub fn to_json(&self) -> serde_json::Value {
        let map = VoucherField::ALL
            .iter()
            .map(|f| {
                let value = self
                    .get(*f)
                    .map(|p| serde_json::Value::from(crate::extract::permille_to_unit(p)));
                (
                    f.name().to_string(),
                    value.unwrap_or(serde_json::Value::Null),
                )
            })
            .collect();
        serde_json::Value::Object(map)
    }
}

/// Why the reader gives no value for a key field: not found, or found with too little confidence.
pub type UnreadFields = BTreeMap<VoucherField, String>;

/// A voucher image a buyer uploaded for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    pub tenant_id: TenantId,
    pub voucher_id: String,
    pub order_id: OrderId,
    pub object_key: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perceptual_hash: Option<String>,
    #[serde(with = "crate::time::serde_lima")]
    pub uploaded_at: DateTime<Utc>,
    pub fields: VoucherFields,
    /// Extraction confidence in per mille (0–1000), kept integral so no float is stored.
    pub confidence_permille: u16,
    /// Each key field's confidence (vouchers read before it existed have none).
    #[serde(default)]
    pub field_confidence: FieldConfidence,
    /// The key fields with no value, and why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unread: UnreadFields,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Where an idempotent operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IdempotencyStatus {
    InProgress,
    Completed,
}

/// Powertools-style idempotency record keyed by a business key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub tenant_id: TenantId,
    pub key: String,
    pub status: IdempotencyStatus,
    /// SHA-256 of the request payload; a different payload under the same key is refused.
    pub payload_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Unix seconds after which the record no longer counts (checked by us, not only by the TTL sweeper).
    pub expires_at: i64,
    /// Unix seconds after which an IN_PROGRESS record is taken as abandoned (its Lambda died).
    pub in_progress_until: i64,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
