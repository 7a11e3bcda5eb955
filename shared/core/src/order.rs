//! Orders and the status machine of docs/reconciliation.md.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Cip, OrderId, TenantId};
use crate::money::Money;

/// Exactly one per order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Expired,
    Paid,
    Settled,
    Cancelled,
    Refunded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from} to {to}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Expired,
        OrderStatus::Paid,
        OrderStatus::Settled,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::Paid => "PAID",
            OrderStatus::Settled => "SETTLED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    /// The legal moves. Money that really arrived always wins over a clock or a cancel that
    /// raced it: a late payment moves `EXPIRED` to `PAID`, and a payment the gateway took before
    /// our cancel reached it moves `CANCELLED` to `PAID`. A gateway reversal (`cip.refunded`) puts
    /// `PAID` back to `PENDING`, and a `SETTLED` one too (the money must come back out of the
    /// books). Extending an expired code revives it (`EXPIRED` → `PENDING`).
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Expired | Paid | Cancelled)
                | (Expired, Paid | Pending)
                | (Cancelled, Paid)
                | (Paid, Settled | Refunded | Pending)
                | (Settled, Refunded | Pending)
        )
    }

    pub fn transition(self, next: OrderStatus) -> Result<OrderStatus, IllegalTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalTransition {
                from: self,
                to: next,
            })
        }
    }

    /// Statuses in which money has been received for the order.
    pub fn is_paid(self) -> bool {
        matches!(self, OrderStatus::Paid | OrderStatus::Settled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// Who the buyer is, as the gateway wants to know (all optional but the email and phone).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Buyer {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub phone: String,
    pub phone_country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
}

/// What the merchant expects to be paid, and where the order stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub tenant_id: TenantId,
    pub order_id: OrderId,
    /// Set once the gateway has issued the code.
    pub cip: Option<Cip>,
    pub amount: Money,
    pub status: OrderStatus,
    #[serde(with = "crate::time::serde_lima")]
    pub issued_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_lima")]
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cip_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    /// The buyer's pay-link token (the link is `/pay/{token}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// Set while a request is asking the gateway for the code: the order is recorded before the
    /// gateway call, so no code is created for an order we do not know about.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::serde_lima::option"
    )]
    pub issuing_since: Option<DateTime<Utc>>,
    /// Gateway calls made for this order whose outcome is unknown (timeouts, 5xx): a code may exist
    /// at the gateway for each, unseen by any buyer; a late notification for it still finds the order
    /// by its transaction code.
    #[serde(default)]
    pub unknown_issue_attempts: u32,
    /// Every other CIP that belongs to this order, oldest first: the codes it had before `cip` (a
    /// re-issue after expiry or cancel supersedes a code, but a buyer may still pay it, and the
    /// gateway may revive it), and codes the gateway created for it that were never recorded (a
    /// timed-out creation), once a payment naming the order brings them to light. A payment of any
    /// of them is a payment of this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_cips: Vec<Cip>,
    /// Incremented by every write; the store's conditional writes check it.
    pub version: u64,
}

impl Order {
    /// An order recorded before its code exists.
    pub fn is_issued(&self) -> bool {
        self.cip.is_some()
    }

    /// Every CIP of the order: the current one first, then the earlier ones.
    pub fn cips(&self) -> impl Iterator<Item = &Cip> + Clone {
        self.cip.iter().chain(self.earlier_cips.iter())
    }

    /// Whether `cip` is one of the order's codes, current or earlier.
    pub fn has_cip(&self, cip: &Cip) -> bool {
        self.cips().any(|c| c == cip)
    }

    /// The order with `cip` as its current code; the code it replaces (if another) joins the
    /// earlier ones, so a payment of it still finds the order.
    pub fn with_new_cip(&self, cip: Cip) -> Order {
        let mut next = self.clone();
        if let Some(old) = next.cip.replace(cip) {
            next.learn_cip(old);
        }
        next
    }

    /// Adds a code of this order that is not its current one (a superseded code, or one the
    /// gateway created but we never recorded); knowing it twice is knowing it once.
    pub fn learn_cip(&mut self, cip: Cip) {
        if !self.has_cip(&cip) {
            self.earlier_cips.push(cip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn legal_moves_only() {
        assert!(Pending.can_become(Paid));
        assert!(Pending.can_become(Expired));
        assert!(Expired.can_become(Paid), "a late payment is still money");
        assert!(Paid.can_become(Settled));
        assert!(Settled.can_become(Refunded));
        assert_eq!(
            Paid.transition(Expired),
            Err(IllegalTransition {
                from: Paid,
                to: Expired
            })
        );
        assert!(Settled.transition(Paid).is_err());
        assert!(
            Settled.can_become(Pending) && Paid.can_become(Pending),
            "a reversal unpays"
        );
        assert!(Refunded.transition(Paid).is_err());
        assert!(Refunded.transition(Pending).is_err());
        assert!(
            Pending.transition(Settled).is_err(),
            "settlement needs a payment first"
        );
        for s in OrderStatus::ALL {
            assert!(!s.can_become(s), "{s} to itself is not a transition");
            assert_eq!(s.as_str().parse::<OrderStatus>().unwrap(), s);
        }
    }

    #[test]
    fn status_serialises_as_spec_names() {
        assert_eq!(serde_json::to_string(&Settled).unwrap(), "\"SETTLED\"");
    }
}
