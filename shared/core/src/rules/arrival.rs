//! A payment as it arrives (the gateway's notification): the payment family's rules for one
//! payment, with the keys its exceptions are stored under. Pure: the webhook reads the facts, this
//! decides, the webhook writes.
//!
//! The order's first payment is the one `order.paid` reports. Every other payment of the order (of
//! any of its codes, current or earlier) raises its own `DUPLICATE_PAYMENT`, all (re)stated on every arrival, so a late notification
//! of an earlier payment still flags the one it displaces; raising is idempotent by key.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::payment;
use super::{Breach, Expected, Paid};
use crate::{Currency, ExceptionKey, Order, Payment};

/// What is known when a payment arrives.
#[derive(Debug, Clone, Copy)]
pub struct PaymentFacts<'a> {
    pub payment: &'a Payment,
    /// The order the CIP belongs to, if any.
    pub order: Option<&'a Order>,
    /// Every payment recorded for the order's codes (its current CIP and its earlier ones), this
    /// one included (just this one when it is the payment that moved its order to `PAID`: any
    /// other is then weighed when it arrives).
    pub order_payments: &'a [Payment],
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

pub fn decide(facts: &PaymentFacts<'_>) -> Decision {
    let p = facts.payment;
    // Each breach names the payment it is about; its key carries that payment's operation number.
    let raised = |b: Breach<'_>, order: Option<&Order>, about: &Payment| Raised {
        key: ExceptionKey {
            kind: b.kind,
            order_id: order.map(|o| o.order_id.clone()),
            cip: Some(about.cip.clone()),
            operation_number: Some(about.operation_number.clone()),
        },
        detail: b.detail,
    };
    let Some(order) = facts.order else {
        let b = payment::unknown_cip(p.cip.as_str(), &[p.operation_number.as_str()], &[]);
        return Decision {
            first_payment: false,
            exceptions: vec![raised(b, None, p)],
        };
    };
    let this = Paid::from_payment(p);
    let of_order = facts
        .order_payments
        .iter()
        .filter(|q| order.has_cip(&q.cip));
    let first = payment::first_paid(of_order.clone().map(Paid::from_payment)).unwrap_or(this);
    let mut exceptions: Vec<Raised> = of_order
        .filter_map(|q| {
            let b = payment::duplicate(&first, &Paid::from_payment(q))?;
            Some(raised(b, Some(order), q))
        })
        .collect();
    let expected = Expected::of_order(order);
    exceptions.extend(
        payment::on_arrival(&expected, &this, facts.high_value_thresholds)
            .into_iter()
            .map(|b| raised(b, Some(order), p)),
    );
    Decision {
        first_payment: first.operation_number == this.operation_number && first.cip == this.cip,
        exceptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::{Cip, Money, OperationNumber, OrderId, OrderStatus, PaymentSource, TenantId};
    use chrono::{DateTime, Duration, TimeZone, Utc};

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
            earlier_cips: Vec::new(),
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
            settled_as: None,
            reversed_at: None,
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
            order_payments: all,
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
        use crate::rules::issuance::adopts_unrecorded_code;
        let mut o = order(OrderStatus::Pending);
        assert!(!adopts_unrecorded_code(&o));
        o.cip = None;
        assert!(!adopts_unrecorded_code(&o));
        o.unknown_issue_attempts = 1;
        assert!(adopts_unrecorded_code(&o));
        // A retry got the order a second code: the first may still exist, and still adopts.
        o.cip = Some(Cip::parse("11546902").unwrap());
        assert!(adopts_unrecorded_code(&o));
    }

    #[test]
    fn a_payment_of_an_earlier_code_pays_the_order_and_a_second_code_paid_is_a_duplicate() {
        let mut o = order(OrderStatus::Pending).with_new_cip(Cip::parse("11546902").unwrap());
        assert_eq!(o.earlier_cips, [Cip::parse("11546901").unwrap()]);
        let old = payment("5", money("22.05", Currency::Pen), at(9, 0));
        let d = decide_one(Some(&o), &old, std::slice::from_ref(&old));
        assert!(
            d.first_payment,
            "the superseded code's payment is the order's"
        );
        assert!(d.exceptions.is_empty(), "{d:?}");
        o.status = OrderStatus::Paid;
        let mut new = payment("6", money("22.05", Currency::Pen), at(9, 30));
        new.cip = Cip::parse("11546902").unwrap();
        let both = [old.clone(), new.clone()];
        let d = decide_one(Some(&o), &new, &both);
        assert!(!d.first_payment);
        assert_eq!(kinds(&d), ["DUPLICATE_PAYMENT.A-1.6"]);
        assert_eq!(d.exceptions[0].key.cip, Some(new.cip.clone()));
        assert!(d.exceptions[0].detail.contains("other code, CIP 11546902"));
        // A payment of a code that is not the order's is not weighed against it.
        let mut stray = payment("8", money("22.05", Currency::Pen), at(9, 40));
        stray.cip = Cip::parse("999").unwrap();
        let d = decide_one(Some(&o), &old, &[old.clone(), stray]);
        assert!(d.exceptions.is_empty(), "{d:?}");
    }
}
