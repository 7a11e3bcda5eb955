//! Exceptions: what a finance person must look at (docs/reconciliation.md).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Cip, OperationNumber, OrderId, TenantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExceptionKind {
    AmountMismatch,
    CurrencyMismatch,
    DuplicatePayment,
    UnknownCip,
    PaidAfterExpiry,
    MissedNotification,
    NotSettled,
    SettlementMismatch,
    DuplicateVoucher,
    VoucherWithoutPayment,
    VoucherMismatch,
    UnreadableVoucher,
    HighValueReview,
    SuspectedTampering,
    /// PagoEfectivo reversed a payment (`cip.refunded`): the order is no longer paid, and money
    /// already settled must come back out of the books.
    PaymentReversed,
    /// A notification whose signature verifies could not be read: real money may be behind it.
    UnreadableNotification,
}

impl ExceptionKind {
    pub const ALL: [ExceptionKind; 16] = [
        ExceptionKind::AmountMismatch,
        ExceptionKind::CurrencyMismatch,
        ExceptionKind::DuplicatePayment,
        ExceptionKind::UnknownCip,
        ExceptionKind::PaidAfterExpiry,
        ExceptionKind::MissedNotification,
        ExceptionKind::NotSettled,
        ExceptionKind::SettlementMismatch,
        ExceptionKind::DuplicateVoucher,
        ExceptionKind::VoucherWithoutPayment,
        ExceptionKind::VoucherMismatch,
        ExceptionKind::UnreadableVoucher,
        ExceptionKind::HighValueReview,
        ExceptionKind::SuspectedTampering,
        ExceptionKind::PaymentReversed,
        ExceptionKind::UnreadableNotification,
    ];

    /// Whether the reconciliation engine finds this kind from the facts (the others are raised
    /// where they happen: the gateway's webhook).
    pub fn found_by_reconciliation(self) -> bool {
        !matches!(
            self,
            ExceptionKind::PaymentReversed | ExceptionKind::UnreadableNotification
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::AmountMismatch => "AMOUNT_MISMATCH",
            ExceptionKind::CurrencyMismatch => "CURRENCY_MISMATCH",
            ExceptionKind::DuplicatePayment => "DUPLICATE_PAYMENT",
            ExceptionKind::UnknownCip => "UNKNOWN_CIP",
            ExceptionKind::PaidAfterExpiry => "PAID_AFTER_EXPIRY",
            ExceptionKind::MissedNotification => "MISSED_NOTIFICATION",
            ExceptionKind::NotSettled => "NOT_SETTLED",
            ExceptionKind::SettlementMismatch => "SETTLEMENT_MISMATCH",
            ExceptionKind::DuplicateVoucher => "DUPLICATE_VOUCHER",
            ExceptionKind::VoucherWithoutPayment => "VOUCHER_WITHOUT_PAYMENT",
            ExceptionKind::VoucherMismatch => "VOUCHER_MISMATCH",
            ExceptionKind::UnreadableVoucher => "UNREADABLE_VOUCHER",
            ExceptionKind::HighValueReview => "HIGH_VALUE_REVIEW",
            ExceptionKind::SuspectedTampering => "SUSPECTED_TAMPERING",
            ExceptionKind::PaymentReversed => "PAYMENT_REVERSED",
            ExceptionKind::UnreadableNotification => "UNREADABLE_NOTIFICATION",
        }
    }
}

impl fmt::Display for ExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown exception kind {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for ExceptionKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExceptionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExceptionStatus {
    Open,
    Acknowledged,
    Resolved,
}

impl ExceptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Open => "OPEN",
            ExceptionStatus::Acknowledged => "ACKNOWLEDGED",
            ExceptionStatus::Resolved => "RESOLVED",
        }
    }
}

/// What identifies one exception, so raising it twice is the same exception
/// (once per order, per CIP for `UNKNOWN_CIP`, per extra operation for `DUPLICATE_PAYMENT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExceptionKey {
    pub kind: ExceptionKind,
    pub order_id: Option<OrderId>,
    pub cip: Option<Cip>,
    pub operation_number: Option<OperationNumber>,
}

impl ExceptionKey {
    /// A stable id: the same facts give the same id on every run.
    pub fn id(&self) -> String {
        let part = |v: Option<&str>| v.unwrap_or("-").to_string();
        match self.kind {
            ExceptionKind::UnknownCip => format!(
                "{}.{}",
                self.kind.as_str(),
                part(self.cip.as_ref().map(Cip::as_str))
            ),
            ExceptionKind::DuplicatePayment | ExceptionKind::PaymentReversed => format!(
                "{}.{}.{}",
                self.kind.as_str(),
                part(self.order_id.as_ref().map(OrderId::as_str)),
                part(self.operation_number.as_ref().map(OperationNumber::as_str))
            ),
            // Keyed by the body's stand-in number: one per unreadable body.
            ExceptionKind::UnreadableNotification => format!(
                "{}.{}",
                self.kind.as_str(),
                part(self.operation_number.as_ref().map(OperationNumber::as_str))
            ),
            _ => format!(
                "{}.{}",
                self.kind.as_str(),
                part(self.order_id.as_ref().map(OrderId::as_str))
            ),
        }
    }
}

/// An exception as stored and shown to the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRecord {
    pub tenant_id: TenantId,
    pub exception_id: String,
    pub kind: ExceptionKind,
    pub order_id: Option<OrderId>,
    pub cip: Option<Cip>,
    pub operation_number: Option<OperationNumber>,
    pub detail: String,
    pub status: ExceptionStatus,
    #[serde(with = "crate::time::serde_lima")]
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The note given when acknowledging (`note` is the resolution's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub version: u64,
}

impl ExceptionRecord {
    pub fn open(
        tenant_id: TenantId,
        key: ExceptionKey,
        detail: String,
        now: DateTime<Utc>,
    ) -> Self {
        ExceptionRecord {
            tenant_id,
            exception_id: key.id(),
            kind: key.kind,
            order_id: key.order_id,
            cip: key.cip,
            operation_number: key.operation_number,
            detail,
            status: ExceptionStatus::Open,
            opened_at: now,
            acknowledged_by: None,
            acknowledged_at: None,
            acknowledged_note: None,
            resolved_by: None,
            resolved_at: None,
            note: None,
            version: 1,
        }
    }
}

/// Why a person's status change does not apply to the exception as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExceptionStatusError {
    #[error("exception {id} is already resolved")]
    AlreadyResolved { id: String },
    #[error("exception {id} is already acknowledged")]
    AlreadyAcknowledged { id: String },
}

impl ExceptionRecord {
    /// OPEN → ACKNOWLEDGED: someone is looking at it. Who, when and an optional note are kept.
    pub fn acknowledge(
        &self,
        by: String,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ExceptionRecord, ExceptionStatusError> {
        match self.status {
            ExceptionStatus::Open => Ok(ExceptionRecord {
                status: ExceptionStatus::Acknowledged,
                acknowledged_by: Some(by),
                acknowledged_at: Some(now),
                acknowledged_note: note,
                ..self.clone()
            }),
            ExceptionStatus::Acknowledged => Err(ExceptionStatusError::AlreadyAcknowledged {
                id: self.exception_id.clone(),
            }),
            ExceptionStatus::Resolved => Err(ExceptionStatusError::AlreadyResolved {
                id: self.exception_id.clone(),
            }),
        }
    }

    /// OPEN or ACKNOWLEDGED → RESOLVED, with who, when and the resolution note. Final.
    pub fn resolve(
        &self,
        by: String,
        note: String,
        now: DateTime<Utc>,
    ) -> Result<ExceptionRecord, ExceptionStatusError> {
        if self.status == ExceptionStatus::Resolved {
            return Err(ExceptionStatusError::AlreadyResolved {
                id: self.exception_id.clone(),
            });
        }
        Ok(ExceptionRecord {
            status: ExceptionStatus::Resolved,
            resolved_by: Some(by),
            resolved_at: Some(now),
            note: Some(note),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown exception status {0:?}")]
pub struct UnknownExceptionStatus(pub String);

impl FromStr for ExceptionStatus {
    type Err = UnknownExceptionStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            ExceptionStatus::Open,
            ExceptionStatus::Acknowledged,
            ExceptionStatus::Resolved,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| UnknownExceptionStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_acknowledge_then_resolve_and_resolved_is_final() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00-05:00")
            .unwrap()
            .with_timezone(&Utc);
        let later = now + chrono::Duration::hours(2);
        let rec = ExceptionRecord::open(
            TenantId::parse("acme").unwrap(),
            ExceptionKey {
                kind: ExceptionKind::NotSettled,
                order_id: Some(OrderId::parse("A-1").unwrap()),
                cip: None,
                operation_number: None,
            },
            "no settlement".into(),
            now,
        );
        let acked = rec
            .acknowledge("ana@merchant.pe".into(), Some("looking".into()), now)
            .unwrap();
        assert_eq!(acked.status, ExceptionStatus::Acknowledged);
        assert_eq!(acked.acknowledged_at, Some(now));
        assert!(matches!(
            acked.acknowledge("bob".into(), None, now),
            Err(ExceptionStatusError::AlreadyAcknowledged { .. })
        ));
        let done = acked
            .resolve("bob".into(), "bank confirmed".into(), later)
            .unwrap();
        assert_eq!(done.acknowledged_by.as_deref(), Some("ana@merchant.pe"));
        assert_eq!(done.acknowledged_note.as_deref(), Some("looking"));
        assert_eq!(done.resolved_by.as_deref(), Some("bob"));
        assert_eq!(done.resolved_at, Some(later));
        assert_eq!(done.note.as_deref(), Some("bank confirmed"));
        assert!(matches!(
            done.resolve("bob".into(), "again".into(), later),
            Err(ExceptionStatusError::AlreadyResolved { .. })
        ));
        assert!(matches!(
            done.acknowledge("bob".into(), None, later),
            Err(ExceptionStatusError::AlreadyResolved { .. })
        ));
        assert!(
            rec.resolve("x".into(), "n".into(), later).is_ok(),
            "open may be resolved directly"
        );
        assert_eq!(
            "ACKNOWLEDGED".parse::<ExceptionStatus>().unwrap(),
            ExceptionStatus::Acknowledged
        );
        assert!("open".parse::<ExceptionStatus>().is_err());
    }

    #[test]
    fn ids_are_stable_and_follow_the_once_per_rules() {
        let order = Some(OrderId::parse("A-1").unwrap());
        let key = |kind, op: Option<&str>| ExceptionKey {
            kind,
            order_id: order.clone(),
            cip: Some(Cip::parse("123").unwrap()),
            operation_number: op.map(|o| OperationNumber::parse(o).unwrap()),
        };
        assert_eq!(
            key(ExceptionKind::AmountMismatch, Some("9")).id(),
            "AMOUNT_MISMATCH.A-1"
        );
        assert_eq!(key(ExceptionKind::UnknownCip, None).id(), "UNKNOWN_CIP.123");
        assert_ne!(
            key(ExceptionKind::DuplicatePayment, Some("1")).id(),
            key(ExceptionKind::DuplicatePayment, Some("2")).id()
        );
        for k in ExceptionKind::ALL {
            assert_eq!(k.as_str().parse::<ExceptionKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
    }
}
