//! Refunds: money a merchant returns to a buyer for a paid order, and the status machine they
//! move through. A refund is requested, paid out (the merchant sent the money), and completed
//! (confirmed with the buyer); either of the first two may fail. A completed refund makes its order
//! `REFUNDED` (see [`crate::order::OrderStatus`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{OrderId, TenantId};
use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    Requested,
    PaidOut,
    Completed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a refund cannot go from {from} to {to}")]
pub struct IllegalRefundTransition {
    pub from: RefundStatus,
    pub to: RefundStatus,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 4] = [
        RefundStatus::Requested,
        RefundStatus::PaidOut,
        RefundStatus::Completed,
        RefundStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Requested => "REQUESTED",
            RefundStatus::PaidOut => "PAID_OUT",
            RefundStatus::Completed => "COMPLETED",
            RefundStatus::Failed => "FAILED",
        }
    }

    /// REQUESTED → PAID_OUT → COMPLETED; REQUESTED or PAID_OUT → FAILED. COMPLETED and FAILED are final.
    pub fn can_become(self, next: RefundStatus) -> bool {
        use RefundStatus::*;
        matches!(
            (self, next),
            (Requested, PaidOut | Failed) | (PaidOut, Completed | Failed)
        )
    }

    pub fn transition(self, next: RefundStatus) -> Result<RefundStatus, IllegalRefundTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalRefundTransition {
                from: self,
                to: next,
            })
        }
    }

    /// Whether the refund's money still counts against what the order may have refunded.
    pub fn counts_against_paid(self) -> bool {
        self != RefundStatus::Failed
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown refund status {0:?}")]
pub struct UnknownRefundStatus(pub String);

impl FromStr for RefundStatus {
    type Err = UnknownRefundStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RefundStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownRefundStatus(s.to_string()))
    }
}

/// One refund of an order, as stored and shown to the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    /// `rf_` + random hex; unique within the order.
    pub refund_id: String,
    /// In the order's currency.
    pub amount: Money,
    pub reason: String,
    pub status: RefundStatus,
    #[serde(with = "crate::time::serde_lima")]
    pub requested_at: DateTime<Utc>,
    /// Who asked for it (`api-key:<key id>`).
    pub requested_by: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub paid_out_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub failed_at: Option<DateTime<Utc>>,
    /// The note given with the latest status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Incremented by every write; the store's conditional writes check it.
    pub version: u64,
}

impl Refund {
    /// A new refund in `REQUESTED`.
    pub fn request(
        tenant_id: TenantId,
        order_id: OrderId,
        refund_id: String,
        amount: Money,
        reason: String,
        requested_by: String,
        now: DateTime<Utc>,
    ) -> Refund {
        Refund {
            tenant_id,
            order_id,
            refund_id,
            amount,
            reason,
            status: RefundStatus::Requested,
            requested_at: now,
            requested_by,
            paid_out_at: None,
            completed_at: None,
            failed_at: None,
            note: None,
            version: 1,
        }
    }

    /// The refund moved to `to` at `now` (with the time of that status recorded), if legal.
    pub fn moved_to(
        &self,
        to: RefundStatus,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Refund, IllegalRefundTransition> {
        let status = self.status.transition(to)?;
        let mut next = Refund {
            status,
            note: note.or_else(|| self.note.clone()),
            ..self.clone()
        };
        match status {
            RefundStatus::PaidOut => next.paid_out_at = Some(now),
            RefundStatus::Completed => next.completed_at = Some(now),
            RefundStatus::Failed => next.failed_at = Some(now),
            RefundStatus::Requested => {}
        }
        Ok(next)
    }
}

/// Why a new refund of `amount` does not fit the order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundLimitError {
    #[error("the refund is in {refund}, the order in {order}")]
    CurrencyMismatch { refund: Currency, order: Currency },
    #[error("{requested} exceeds what is left to refund ({left} of {paid} paid)")]
    AboveRefundable {
        requested: Decimal,
        left: Decimal,
        paid: Decimal,
    },
}

/// Checks that `amount` plus the refunds that still count (all but `FAILED`) stays within `paid`.
pub fn check_refundable(
    amount: Money,
    paid: Money,
    existing: &[Refund],
) -> Result<(), RefundLimitError> {
    if amount.currency() != paid.currency() {
        return Err(RefundLimitError::CurrencyMismatch {
            refund: amount.currency(),
            order: paid.currency(),
        });
    }
    let taken: Decimal = existing
        .iter()
        .filter(|r| r.status.counts_against_paid() && r.amount.currency() == paid.currency())
        .map(|r| r.amount.amount())
        .sum();
    let left = (paid.amount() - taken).max(Decimal::ZERO);
    if amount.amount() > left {
        return Err(RefundLimitError::AboveRefundable {
            requested: amount.amount(),
            left,
            paid: paid.amount(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RefundStatus::*;
    use super::*;
    use chrono::TimeZone;

    fn money(text: &str) -> Money {
        Money::from_json_number(text, Currency::Pen).unwrap()
    }

    fn refund(amount: &str, status: RefundStatus) -> Refund {
        Refund {
            status,
            ..Refund::request(
                TenantId::parse("acme").unwrap(),
                OrderId::parse("A-1").unwrap(),
                "rf_1".into(),
                money(amount),
                "buyer returned the item".into(),
                "api-key:k1".into(),
                Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap(),
            )
        }
    }

    #[test]
    fn legal_moves_only() {
        assert!(Requested.can_become(PaidOut));
        assert!(PaidOut.can_become(Completed));
        assert!(Requested.can_become(Failed));
        assert!(PaidOut.can_become(Failed));
        assert!(
            !Requested.can_become(Completed),
            "money is paid out before completion"
        );
        assert_eq!(
            Completed.transition(Failed),
            Err(IllegalRefundTransition {
                from: Completed,
                to: Failed
            })
        );
        assert!(Failed.transition(Requested).is_err());
        for s in RefundStatus::ALL {
            assert!(!s.can_become(s), "{s} to itself is not a transition");
            assert_eq!(s.as_str().parse::<RefundStatus>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn each_move_records_its_time_and_keeps_the_last_note() {
        let r = refund("10.00", Requested);
        let later = r.requested_at + chrono::Duration::hours(1);
        let paid = r
            .moved_to(PaidOut, Some("transfer 123".into()), later)
            .unwrap();
        assert_eq!(paid.paid_out_at, Some(later));
        assert_eq!(paid.note.as_deref(), Some("transfer 123"));
        let done = paid.moved_to(Completed, None, later).unwrap();
        assert_eq!(done.completed_at, Some(later));
        assert_eq!(done.note.as_deref(), Some("transfer 123"));
        assert!(done.moved_to(Failed, None, later).is_err());
    }

    #[test]
    fn refunds_stay_within_the_paid_amount() {
        let paid = money("150.00");
        assert!(check_refundable(money("150"), paid, &[]).is_ok());
        assert!(matches!(
            check_refundable(money("150.01"), paid, &[]),
            Err(RefundLimitError::AboveRefundable { .. })
        ));
        let existing = [refund("100.00", Requested), refund("50.00", Failed)];
        assert!(check_refundable(money("50.00"), paid, &existing).is_ok());
        assert!(check_refundable(money("50.01"), paid, &existing).is_err());
        let usd = Money::from_json_number("1", Currency::Usd).unwrap();
        assert!(matches!(
            check_refundable(usd, paid, &[]),
            Err(RefundLimitError::CurrencyMismatch { .. })
        ));
    }
}
