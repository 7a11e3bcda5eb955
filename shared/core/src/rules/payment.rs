//! The payment family: a payment against the order its CIP belongs to.
//!
//! - A payment whose CIP no order has is an orphan: `UNKNOWN_CIP`, once per CIP.
//! - An order's first payment is its earliest paid (ties: the lowest operation number); every other
//!   operation number raises its own `DUPLICATE_PAYMENT`.
//! - `CURRENCY_MISMATCH` when the currencies differ, else `AMOUNT_MISMATCH` when the amounts do
//!   (amounts of two currencies are never compared).
//! - `PAID_AFTER_EXPIRY` when the payment time is strictly after the expiry (at the instant is on time).
//! - `HIGH_VALUE_REVIEW` at or above the tenant's threshold for the payment's currency.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{money, Breach, Expected, Paid};
use crate::exception::ExceptionKind;
use crate::money::Currency;
use crate::time::format_lima;

/// `UNKNOWN_CIP`: money for a CIP that no order has, with what arrived for it (operation numbers of
/// its payments and of its settlement lines).
pub fn unknown_cip(cip: &str, payment_ops: &[&str], line_ops: &[&str]) -> Breach<'static> {
    let mut detail = format!("CIP {cip} belongs to no order:");
    if !payment_ops.is_empty() {
        detail.push_str(&format!(
            " {} payment(s) (operation {})",
            payment_ops.len(),
            list(payment_ops)
        ));
    }
    if !line_ops.is_empty() {
        detail.push_str(&format!(
            " {} settlement line(s) (operation {})",
            line_ops.len(),
            list(line_ops)
        ));
    }
    Breach {
        kind: ExceptionKind::UnknownCip,
        operation_number: None,
        detail,
    }
}

/// Which of two payments of one code came first: the earlier paid, then the lower operation number.
pub fn earlier(a: &Paid<'_>, b: &Paid<'_>) -> Ordering {
    a.paid_at
        .cmp(&b.paid_at)
        .then_with(|| a.operation_number.cmp(b.operation_number))
}

/// The order's first payment among these (the one `order.paid` reports).
pub fn first_paid<'p>(payments: impl IntoIterator<Item = Paid<'p>>) -> Option<Paid<'p>> {
    payments.into_iter().min_by(earlier)
}

/// `DUPLICATE_PAYMENT` for `other`, a payment of the order after `first` (another operation
/// number, or the same one on another of the order's codes).
pub fn duplicate<'p>(first: &Paid<'_>, other: &Paid<'p>) -> Option<Breach<'p>> {
    let same_code = other.cip == first.cip;
    if same_code && other.operation_number == first.operation_number {
        return None;
    }
    let detail = if same_code {
        format!(
            "CIP {} was already paid by operation {}; operation {} paid {} again",
            first.cip,
            first.operation_number,
            other.operation_number,
            money(other.currency, other.amount)
        )
    } else {
        format!(
            "the order was already paid by operation {} (CIP {}); operation {} paid {} again on its other code, CIP {}: refund one",
            first.operation_number,
            first.cip,
            other.operation_number,
            money(other.currency, other.amount),
            other.cip
        )
    };
    Some(Breach {
        kind: ExceptionKind::DuplicatePayment,
        operation_number: Some(other.operation_number),
        detail,
    })
}

/// `CURRENCY_MISMATCH` or `AMOUNT_MISMATCH` of one payment against its order.
pub fn amount<'p>(order: &Expected<'_>, p: &Paid<'p>) -> Option<Breach<'p>> {
    let (want, currency) = (order.amount.amount(), order.amount.currency());
    let (kind, detail) = if p.currency != currency {
        (
            ExceptionKind::CurrencyMismatch,
            format!(
                "payment {} is in {} ({}), the order's currency is {currency} ({})",
                p.operation_number,
                p.currency,
                money(p.currency, p.amount),
                money(currency, want)
            ),
        )
    } else if p.amount != want {
        (
            ExceptionKind::AmountMismatch,
            format!(
                "payment {} is {}, the order expects {}",
                p.operation_number,
                money(p.currency, p.amount),
                money(currency, want)
            ),
        )
    } else {
        return None;
    };
    Some(Breach {
        kind,
        operation_number: Some(p.operation_number),
        detail,
    })
}

/// `PAID_AFTER_EXPIRY`: paid strictly after the code expired (a late payment: accept or refund).
pub fn paid_after_expiry<'p>(order: &Expected<'_>, p: &Paid<'p>) -> Option<Breach<'p>> {
    (p.paid_at > order.expires_at).then(|| Breach {
        kind: ExceptionKind::PaidAfterExpiry,
        operation_number: Some(p.operation_number),
        detail: format!(
            "payment {} at {} after the code expired at {}: accept or refund",
            p.operation_number,
            format_lima(p.paid_at),
            format_lima(order.expires_at)
        ),
    })
}

/// `HIGH_VALUE_REVIEW`: at or above the threshold of the payment's currency (none set, no review).
pub fn high_value<'p>(
    thresholds: &BTreeMap<Currency, Decimal>,
    p: &Paid<'p>,
) -> Option<Breach<'p>> {
    let threshold = thresholds.get(&p.currency).filter(|t| p.amount >= **t)?;
    Some(Breach {
        kind: ExceptionKind::HighValueReview,
        operation_number: Some(p.operation_number),
        detail: format!(
            "payment {} of {} is at or above the {} review threshold: confirm before release",
            p.operation_number,
            money(p.currency, p.amount),
            money(p.currency, *threshold)
        ),
    })
}

/// Every rule of this family that weighs one payment on its own against its order, in kind order.
pub fn on_arrival<'p>(
    order: &Expected<'_>,
    p: &Paid<'p>,
    thresholds: &BTreeMap<Currency, Decimal>,
) -> Vec<Breach<'p>> {
    [
        amount(order, p),
        paid_after_expiry(order, p),
        high_value(thresholds, p),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Up to five operation numbers, so one noisy CIP does not make a huge detail.
fn list(ops: &[&str]) -> String {
    let mut text = ops.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if ops.len() > 5 {
        text.push_str(&format!(" and {} more", ops.len() - 5));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    fn order() -> Expected<'static> {
        Expected {
            order_id: "A-1",
            cip: Some("11546901"),
            earlier_cips: &[],
            amount: Money::parse("22.05", Currency::Pen).unwrap(),
            expires_at: at(12, 0),
        }
    }

    fn paid<'a>(op: &'a str, amount: &str, currency: Currency, paid_at: DateTime<Utc>) -> Paid<'a> {
        Paid {
            cip: "11546901",
            operation_number: op,
            amount: amount.parse().unwrap(),
            currency,
            paid_at,
        }
    }

    fn kinds(b: &[Breach<'_>]) -> Vec<ExceptionKind> {
        b.iter().map(|b| b.kind).collect()
    }

    #[test]
    fn each_rule_on_its_own() {
        let t = default_thresholds();
        let clean = paid("1", "22.05", Currency::Pen, at(10, 0));
        assert!(on_arrival(&order(), &clean, &t).is_empty());
        let short_late = paid("9", "20.00", Currency::Pen, at(12, 1));
        let b = on_arrival(&order(), &short_late, &t);
        assert_eq!(
            kinds(&b),
            [
                ExceptionKind::AmountMismatch,
                ExceptionKind::PaidAfterExpiry
            ]
        );
        assert!(b[0].detail.contains("PEN 20.00") && b[0].detail.contains("PEN 22.05"));
        let usd = paid("9", "22.05", Currency::Usd, at(12, 0));
        assert_eq!(
            kinds(&on_arrival(&order(), &usd, &t)),
            [ExceptionKind::CurrencyMismatch],
            "exactly at expiry is on time; amounts of two currencies are not compared"
        );
        let big = paid("9", "3000", Currency::Pen, at(10, 0));
        assert_eq!(
            kinds(&on_arrival(&order(), &big, &t)),
            [
                ExceptionKind::AmountMismatch,
                ExceptionKind::HighValueReview
            ]
        );
        assert!(high_value(&BTreeMap::new(), &big).is_none());
    }

    #[test]
    fn the_first_payment_is_the_earliest_then_the_lowest_operation() {
        let a = paid("2", "22.05", Currency::Pen, at(9, 0));
        let b = paid("1", "22.05", Currency::Pen, at(9, 30));
        let c = paid("0", "22.05", Currency::Pen, at(9, 0));
        assert_eq!(first_paid([b, a]), Some(a));
        assert_eq!(first_paid([a, b, c]), Some(c));
        assert_eq!(first_paid([]), None);
        let dup = duplicate(&a, &b).unwrap();
        assert_eq!(dup.operation_number, Some("1"));
        assert!(dup
            .detail
            .starts_with("CIP 11546901 was already paid by operation 2"));
        assert!(duplicate(&a, &a).is_none());
    }

    #[test]
    fn a_payment_of_another_of_the_orders_codes_is_a_duplicate_even_with_the_same_operation() {
        let first = paid("7", "22.05", Currency::Pen, at(9, 0));
        let other = Paid {
            cip: "11546902",
            ..first
        };
        let dup = duplicate(&first, &other).unwrap();
        assert_eq!(dup.kind, ExceptionKind::DuplicatePayment);
        assert!(
            dup.detail.contains("again on its other code, CIP 11546902"),
            "{}",
            dup.detail
        );
    }

    #[test]
    fn an_orphan_lists_what_arrived_for_its_code() {
        let b = unknown_cip("77", &["1", "2", "3", "4", "5", "6"], &["9"]);
        assert_eq!(b.kind, ExceptionKind::UnknownCip);
        assert_eq!(
            b.detail,
            "CIP 77 belongs to no order: 6 payment(s) (operation 1, 2, 3, 4, 5 and 1 more) \
             1 settlement line(s) (operation 9)"
        );
    }

    fn default_thresholds() -> BTreeMap<Currency, Decimal> {
        super::super::default_high_value()
    }
}
