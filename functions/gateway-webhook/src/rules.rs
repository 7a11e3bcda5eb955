//! The payment rules of reconciliation.md, for one payment as it arrives. Pure: the handler reads
//! the facts, this decides, the handler writes.
//!
//! - No order has the CIP: `UNKNOWN_CIP` (once per CIP); the payment stays an orphan.
//! - The order's first payment is its earliest paid (ties: the lowest operation number), as the
//!   reconciliation engine counts it; every other operation number for the CIP raises its own
//!   `DUPLICATE_PAYMENT`. All of them are (re)stated on every arrival, so a late notification of an
//!   earlier payment still flags the one it displaces; raising is idempotent by key.
//! - `CURRENCY_MISMATCH` when the currencies differ, else `AMOUNT_MISMATCH` when the amounts do.
//! - `PAID_AFTER_EXPIRY` when the payment time is strictly after the order's expiry.
//! - `HIGH_VALUE_REVIEW` when the amount is at or above the tenant's threshold for its currency.
//! - The order becomes `PAID` from `PENDING`, `EXPIRED` or `CANCELLED` ([`payable`]): money that
//!   arrived wins. The payment that makes that move is its order's first; one arriving for an order
//!   already paid is weighed against every payment of the CIP.

use std::collections::BTreeMap;

use cuadre_core::time::format_lima;
use cuadre_core::{Cip, Currency, ExceptionKey, ExceptionKind, Order, OrderStatus, Payment};
use rust_decimal::Decimal;

/// What is known when a payment arrives.
#[derive(Debug, Clone, Copy)]
pub struct PaymentFacts<'a> {
    pub payment: &'a Payment,
    /// The order the CIP belongs to, if any.
    pub order: Option<&'a Order>,
    /// Every payment recorded for the CIP, this one included (just this one when it is the payment
    /// that moved its order to `PAID`: any other is then weighed when it arrives).
    pub cip_payments: &'a [Payment],
    pub high_value_thresholds: &'a BTreeMap<Currency, Decimal>,
}

/// One exception the rules raise, with its stable key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub key: ExceptionKey,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// This payment is its order's first: it is the one `order.paid` reports.
    pub first_payment: bool,
    pub exceptions: Vec<Raised>,
}

/// Whether a payment whose CIP no order has belongs to `order` by its `transactionCode`: the order's
/// code was never recorded because the gateway call's outcome was unknown (a timeout).
pub fn adopts_unrecorded_code(order: &Order) -> bool {
    order.cip.is_none() && order.unknown_issue_attempts > 0
}

/// Statuses a payment moves to `PAID`.
pub fn payable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Pending | OrderStatus::Expired | OrderStatus::Cancelled
    )
}

pub fn decide(facts: &PaymentFacts<'_>) -> Decision {
    let p = facts.payment;
    let key =
        |kind, order: Option<&Order>, op: Option<&cuadre_core::OperationNumber>| ExceptionKey {
            kind,
            order_id: order.map(|o| o.order_id.clone()),
            cip: Some(p.cip.clone()),
            operation_number: op.cloned(),
        };
    let Some(order) = facts.order else {
        return Decision {
            first_payment: false,
            exceptions: vec![Raised {
                key: key(ExceptionKind::UnknownCip, None, Some(&p.operation_number)),
                detail: format!(
                    "payment {} of {} for CIP {}, which no order has",
                    p.operation_number, p.amount, p.cip
                ),
            }],
        };
    };
    let mut exceptions = Vec::new();

    let first = first_payment(&p.cip, facts.cip_payments).unwrap_or(p);
    for other in facts.cip_payments {
        if other.cip != p.cip || other.operation_number == first.operation_number {
            continue;
        }
        exceptions.push(Raised {
            key: key(
                ExceptionKind::DuplicatePayment,
                Some(order),
                Some(&other.operation_number),
            ),
            detail: format!(
                "CIP {} of order {} was already paid by operation {}; operation {} paid {} again",
                p.cip, order.order_id, first.operation_number, other.operation_number, other.amount
            ),
        });
    }

    if p.amount.currency() != order.amount.currency() {
        exceptions.push(Raised {
            key: key(
                ExceptionKind::CurrencyMismatch,
                Some(order),
                Some(&p.operation_number),
            ),
            detail: format!(
                "payment {} is {} but order {} expects {}",
                p.operation_number, p.amount, order.order_id, order.amount
            ),
        });
    } else if p.amount.amount() != order.amount.amount() {
        exceptions.push(Raised {
            key: key(
                ExceptionKind::AmountMismatch,
                Some(order),
                Some(&p.operation_number),
            ),
            detail: format!(
                "payment {} is {} but order {} expects {}",
                p.operation_number, p.amount, order.order_id, order.amount
            ),
        });
    }

    if p.paid_at > order.expires_at {
        exceptions.push(Raised {
            key: key(
                ExceptionKind::PaidAfterExpiry,
                Some(order),
                Some(&p.operation_number),
            ),
            detail: format!(
                "payment {} was made at {}, after the code expired at {}",
                p.operation_number,
                format_lima(p.paid_at),
                format_lima(order.expires_at)
            ),
        });
    }

    if let Some(threshold) = facts.high_value_thresholds.get(&p.amount.currency()) {
        if p.amount.amount() >= *threshold {
            exceptions.push(Raised {
                key: key(
                    ExceptionKind::HighValueReview,
                    Some(order),
                    Some(&p.operation_number),
                ),
                detail: format!(
                    "payment {} of {} is at or above the review threshold of {} {}; confirm it before releasing goods",
                    p.operation_number,
                    p.amount,
                    threshold,
                    p.amount.currency()
                ),
            });
        }
    }

    Decision {
        first_payment: first.operation_number == p.operation_number,
        exceptions,
    }
}

/// The earliest paid payment of the CIP (ties: the lowest operation number).
fn first_payment<'a>(cip: &Cip, payments: &'a [Payment]) -> Option<&'a Payment> {
    payments.iter().filter(|q| &q.cip == cip).min_by(|a, b| {
        (a.paid_at, a.operation_number.as_str()).cmp(&(b.paid_at, b.operation_number.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use cuadre_core::{Money, OperationNumber, OrderId, PaymentSource, TenantId};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    fn money(a: &str, c: Currency) -> Money {
        Money::new(a.parse().unwrap(), c).unwrap()
    }

    fn order(status: OrderStatus) -> Order {
        Order {
            tenant_id: TenantId::parse("t").unwrap(),
            order_id: OrderId::parse("A-1").unwrap(),
            cip: Some(Cip::parse("11546901").unwrap()),
            amount: money("22.05", Currency::Pen),
            status,
            issued_at: at(8, 0),
            expires_at: at(12, 0),
            cip_url: None,
            channel: None,
            concept: None,
            buyer: None,
            pay_token: None,
            issuing_since: None,
            unknown_issue_attempts: 0,
            version: 1,
        }
    }

    fn payment(op: &str, amount: Money, paid_at: DateTime<Utc>) -> Payment {
        Payment {
            tenant_id: TenantId::parse("t").unwrap(),
            cip: Cip::parse("11546901").unwrap(),
            operation_number: OperationNumber::parse(op).unwrap(),
            amount,
            paid_at,
            received_at: paid_at + Duration::seconds(3),
            order_id: Some(OrderId::parse("A-1").unwrap()),
            source: PaymentSource::Notification,
            raw_ref: None,
        }
    }

    fn kinds(d: &Decision) -> Vec<String> {
        d.exceptions.iter().map(|e| e.key.id()).collect()
    }

    fn decide_one(order: Option<&Order>, p: &Payment, all: &[Payment]) -> Decision {
        let thresholds = BTreeMap::from([(Currency::Pen, Decimal::from(3000))]);
        decide(&PaymentFacts {
            payment: p,
            order,
            cip_payments: all,
            high_value_thresholds: &thresholds,
        })
    }

    #[test]
    fn a_clean_payment_pays_the_order_and_raises_nothing() {
        let o = order(OrderStatus::Pending);
        let p = payment("1253", money("22.05", Currency::Pen), at(10, 0));
        let d = decide_one(Some(&o), &p, std::slice::from_ref(&p));
        assert!(d.first_payment);
        assert!(d.exceptions.is_empty(), "{d:?}");
        for status in [
            OrderStatus::Pending,
            OrderStatus::Expired,
            OrderStatus::Cancelled,
        ] {
            assert!(payable(status));
        }
        for status in [
            OrderStatus::Paid,
            OrderStatus::Settled,
            OrderStatus::Refunded,
        ] {
            assert!(!payable(status));
        }
    }

    #[test]
    fn each_rule_on_its_own() {
        let o = order(OrderStatus::Pending);
        let p = payment("9", money("20.00", Currency::Pen), at(12, 1));
        assert_eq!(
            kinds(&decide_one(Some(&o), &p, &[])),
            ["AMOUNT_MISMATCH.A-1", "PAID_AFTER_EXPIRY.A-1"]
        );
        let usd = payment("9", money("22.05", Currency::Usd), at(12, 0));
        assert_eq!(
            kinds(&decide_one(Some(&o), &usd, &[])),
            ["CURRENCY_MISMATCH.A-1"],
            "exactly at expiry is on time; amounts of two currencies are not compared"
        );
        let big = payment("9", money("3000", Currency::Pen), at(10, 0));
        assert_eq!(
            kinds(&decide_one(Some(&o), &big, &[])),
            ["AMOUNT_MISMATCH.A-1", "HIGH_VALUE_REVIEW.A-1"]
        );
        let d = decide_one(None, &p, &[]);
        assert_eq!(kinds(&d), ["UNKNOWN_CIP.11546901"]);
        assert!(!d.first_payment);
    }

    #[test]
    fn duplicates_follow_the_earliest_payment_whatever_arrives_first() {
        let o = order(OrderStatus::Paid);
        let early = payment("2", money("22.05", Currency::Pen), at(9, 0));
        let late = payment("1", money("22.05", Currency::Pen), at(9, 30));
        let both = [late.clone(), early.clone()];
        let d = decide_one(Some(&o), &late, &both);
        assert!(!d.first_payment);
        assert_eq!(kinds(&d), ["DUPLICATE_PAYMENT.A-1.1"]);
        // The earlier payment notified last displaces the other, and says so.
        let d = decide_one(Some(&o), &early, &both);
        assert!(d.first_payment);
        assert_eq!(kinds(&d), ["DUPLICATE_PAYMENT.A-1.1"]);
        // The same payment twice in the list is one payment.
        assert!(
            decide_one(Some(&o), &early, &[early.clone(), early.clone()])
                .exceptions
                .is_empty()
        );
    }

    #[test]
    fn only_an_order_whose_code_went_unrecorded_adopts_a_payment() {
        let mut o = order(OrderStatus::Pending);
        assert!(!adopts_unrecorded_code(&o));
        o.cip = None;
        assert!(!adopts_unrecorded_code(&o));
        o.unknown_issue_attempts = 1;
        assert!(adopts_unrecorded_code(&o));
    }
}
