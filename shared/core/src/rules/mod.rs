//! Every exception rule, once. Each rule is a pure function over borrowed facts; the webhook, the
//! voucher reader, the reconcile worker and the offline engine all call these, so one rule gives
//! one answer (and one wording) wherever it is decided. The rules are stated in
//! `docs/reconciliation.md`.
//!
//! | kind | rule | raised at once by | and by reconciliation |
//! |---|---|---|---|
//! | `UNKNOWN_CIP` | [`payment::unknown_cip`] | gateway-webhook | engine (payments and settlement lines) |
//! | `DUPLICATE_PAYMENT` | [`payment::first_paid`], [`payment::duplicate`] | gateway-webhook | engine |
//! | `AMOUNT_MISMATCH` | [`payment::amount`] | gateway-webhook | engine |
//! | `CURRENCY_MISMATCH` | [`payment::amount`] | gateway-webhook | engine |
//! | `PAID_AFTER_EXPIRY` | [`payment::paid_after_expiry`] | gateway-webhook | engine |
//! | `HIGH_VALUE_REVIEW` | [`payment::high_value`] | gateway-webhook | engine |
//! | `MISSED_NOTIFICATION` | [`settlement::missed_notification`] | — | engine (settlement line); worker (status lookup) |
//! | `NOT_SETTLED` | [`settlement::not_settled`] | — | engine |
//! | `SETTLEMENT_MISMATCH` | [`settlement::line_mismatch`] | — | engine |
//! | `UNREADABLE_VOUCHER` | [`voucher::unreadable`] | voucher-ocr | engine |
//! | `DUPLICATE_VOUCHER` | [`voucher::reuse`], [`voucher::duplicate`] | voucher-ocr | engine |
//! | `VOUCHER_MISMATCH` | [`voucher::mismatch`] | voucher-ocr | engine |
//! | `VOUCHER_WITHOUT_PAYMENT` | [`voucher::without_payment`] | — | engine |
//! | `SUSPECTED_TAMPERING` | [`voucher::edited`], [`voucher::near_duplicate`] | voucher-ocr | engine |
//!
//! [`arrival::decide`] applies the payment family to one payment as the webhook receives it.
//! How a code's own life moves its order (which statuses a payment pays, which order adopts a
//! payment of a code it never recorded, how a superseded code stays the order's) is in
//! [`issuance`]; which payment notified without an operation number a settlement line settles is
//! in [`settlement`] ([`settlement::stand_in_match`]).
//!
//! Exceptions are keyed by kind and order (by CIP for `UNKNOWN_CIP`, by order and operation number
//! for `DUPLICATE_PAYMENT`: [`crate::ExceptionKey::id`]), so whoever raises one first, the other
//! path finds it raised and adds nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::exception::ExceptionKind;
use crate::money::{Currency, Money};

pub mod arrival;
pub mod issuance;
pub mod payment;
pub mod settlement;
pub mod voucher;

/// `VOUCHER_WITHOUT_PAYMENT` once a voucher is older than this with no payment; also when the
/// voucher reader has the gateway asked about the code.
pub const DEFAULT_VOUCHER_GRACE: TimeDelta = TimeDelta::hours(2);

/// `NOT_SETTLED` once a payment is older than this without a settlement line.
pub const DEFAULT_SETTLEMENT_LAG: TimeDelta = TimeDelta::hours(72);

/// `HIGH_VALUE_REVIEW` thresholds when a tenant has not set its own: PEN 3,000 and USD 800.
pub fn default_high_value() -> BTreeMap<Currency, Decimal> {
    BTreeMap::from([
        (Currency::Pen, Decimal::new(3000, 0)),
        (Currency::Usd, Decimal::new(800, 0)),
    ])
}

/// One broken rule: what kind of exception, which operation it names, and what a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach<'a> {
    pub kind: ExceptionKind,
    pub operation_number: Option<&'a str>,
    pub detail: String,
}

/// What an order expects, borrowed from a stored order or a file row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    pub order_id: &'a str,
    /// `None` while the gateway has not issued the order's code.
    pub cip: Option<&'a str>,
    /// The order's earlier codes ([`crate::Order::earlier_cips`]): a voucher of one is the order's.
    pub earlier_cips: &'a [crate::Cip],
    pub amount: Money,
    pub expires_at: DateTime<Utc>,
}

impl<'a> Expected<'a> {
    pub fn of_order(order: &'a crate::Order) -> Self {
        Expected {
            order_id: order.order_id.as_str(),
            cip: order.cip.as_ref().map(|c| c.as_str()),
            earlier_cips: &order.earlier_cips,
            amount: order.amount,
            expires_at: order.expires_at,
        }
    }

    pub fn of_fact(order: &crate::reconcile::OrderFact<'a>) -> Self {
        Expected {
            order_id: order.order_id,
            cip: Some(order.cip),
            earlier_cips: order.earlier_cips,
            amount: order.amount,
            expires_at: order.expires_at,
        }
    }
}

/// One distinct payment: from a notification, a status lookup or a settlement line (whose gross
/// may be any decimal, so the amount is not a [`Money`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid<'a> {
    /// The code paid: the order's current one or one of its earlier ones.
    pub cip: &'a str,
    pub operation_number: &'a str,
    pub amount: Decimal,
    pub currency: Currency,
    pub paid_at: DateTime<Utc>,
}

impl<'a> Paid<'a> {
    pub fn from_payment(p: &'a crate::records::Payment) -> Self {
        Paid {
            cip: p.cip.as_str(),
            operation_number: p.operation_number.as_str(),
            amount: p.amount.amount(),
            currency: p.amount.currency(),
            paid_at: p.paid_at,
        }
    }
}

/// A CIP or operation number as written on two sides. Codes of digits compare as the numbers they
/// are (`000123` is `123`: a CIP is a number at the gateway, and receipts pad operation numbers);
/// anything else compares without regard to ASCII case.
pub fn same_code(a: &str, b: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        a.trim_start_matches('0') == b.trim_start_matches('0')
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

/// `PEN 22.05`: an amount as the details write it.
pub(crate) fn money(currency: Currency, amount: Decimal) -> String {
    format!("{currency} {amount}")
}

/// `72 h`, `90 min`: how people say a tenant's lag and grace.
pub(crate) fn span(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_as_numbers_and_text_ignores_case() {
        assert!(same_code("000123", "123"));
        assert!(same_code("0", "000"));
        assert!(!same_code("123", "1234"));
        assert!(same_code("ab12", "AB12"));
        assert!(!same_code("", "0"));
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        assert_eq!(DEFAULT_VOUCHER_GRACE, TimeDelta::minutes(120));
        assert_eq!(DEFAULT_SETTLEMENT_LAG, TimeDelta::hours(72));
        assert_eq!(default_high_value()[&Currency::Usd], Decimal::new(800, 0));
        assert_eq!(span(TimeDelta::minutes(90)), "90 min");
        assert_eq!(span(TimeDelta::hours(72)), "72 h");
    }
}
