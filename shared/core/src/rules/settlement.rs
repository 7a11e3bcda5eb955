//! The settlement family: a payment against the money the gateway transferred.
//!
//! - A settlement line settles the payment with its CIP and operation number; one that matches no
//!   payment of a known order records that payment (`MISSED_NOTIFICATION`, as a status lookup that
//!   finds a paid code does), and every payment rule then applies to it.
//! - `SETTLEMENT_MISMATCH` when the line's currency differs from its payment's, or its gross from
//!   the payment's amount, or its net is not gross − fee.
//! - `NOT_SETTLED` when a payment is strictly older than the settlement lag at the as-of time and
//!   no line settles it.
//! - A payment notified without an operation number is kept under a stand-in ([`stand_in`]). A line
//!   of its CIP whose operation number no payment has settles it when it is the only such payment
//!   with the line's currency and gross as its amount, paid within the gateway's clock skew of the
//!   line's payment time ([`stand_in_match`]); the payment then adopts the line's number, once.
//!   Two or more such payments are never guessed between: `SETTLEMENT_MISMATCH`
//!   ([`ambiguous_line`]), and the line records no payment.

use chrono::{DateTime, TimeDelta, Utc};

use super::{money, span, Breach, Paid};
use crate::exception::ExceptionKind;
use crate::reconcile::SettlementFact;
use crate::time::format_lima;

/// How far apart the notification's and the settlement line's payment times of one payment may be
/// (the gateway's clocks): 10 minutes unless configured.
pub const DEFAULT_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

/// Stand-in operation numbers start with this; a real one never does (the gateway's are digits).
const STAND_IN: char = '~';

/// The identity of a payment notified without an operation number: `~` and the first 13 hex digits
/// of the body's SHA-256, so the gateway's retry of the same bytes is the same payment.
pub fn stand_in(body: &[u8]) -> String {
    format!("{STAND_IN}{}", &crate::records::sha256_hex(body)[..13])
}

/// Whether an operation number is a [`stand_in`].
pub fn is_stand_in(operation_number: &str) -> bool {
    operation_number.starts_with(STAND_IN)
}

/// Which payment notified without an operation number a settlement line settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandInMatch {
    /// No such payment fits: the line is matched (or recorded) as any other.
    None,
    /// Exactly this one (its index among the candidates given): it adopts the line's number.
    One(usize),
    /// Several fit (their indexes): a person decides.
    Ambiguous(Vec<usize>),
}

/// The stand-in payment a line of the same CIP settles, among `candidates` (the CIP's payments,
/// each with whether it may still adopt a number: `false` once it has one). Payments that are not
/// stand-ins are skipped here. A fit has the line's currency, the gross as its amount, and a
/// payment time within `skew` of the line's.
pub fn stand_in_match<'p>(
    line: &SettlementFact<'_>,
    candidates: impl IntoIterator<Item = (Paid<'p>, bool)>,
    skew: TimeDelta,
) -> StandInMatch {
    let fits: Vec<usize> = candidates
        .into_iter()
        .enumerate()
        .filter(|(_, (p, adoptable))| {
            *adoptable
                && is_stand_in(p.operation_number)
                && p.cip == line.cip
                && p.currency == line.currency
                && p.amount == line.gross
                && (p.paid_at - line.paid_at).abs() <= skew
        })
        .map(|(i, _)| i)
        .collect();
    match fits.as_slice() {
        [] => StandInMatch::None,
        [one] => StandInMatch::One(*one),
        _ => StandInMatch::Ambiguous(fits),
    }
}

/// `SETTLEMENT_MISMATCH`: a line that fits several payments notified without an operation number.
pub fn ambiguous_line<'l>(line: &SettlementFact<'l>, fits: usize) -> Breach<'l> {
    Breach {
        kind: ExceptionKind::SettlementMismatch,
        operation_number: Some(line.operation_number),
        detail: format!(
            "settlement {} line for operation {} ({}) fits {fits} payments of CIP {} notified without an operation number; which one it settles is not guessed: match it by hand",
            line.settlement_id,
            line.operation_number,
            money(line.currency, line.gross),
            line.cip
        ),
    }
}

/// Where a payment whose notification never arrived was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundIn<'a> {
    /// A line of this settlement.
    Settlement(&'a str),
    /// The gateway's status lookup.
    StatusLookup,
}

/// `MISSED_NOTIFICATION`: a payment we learnt of from the gateway's other records.
pub fn missed_notification<'p>(found: FoundIn<'_>, p: &Paid<'p>) -> Breach<'p> {
    let source = match found {
        FoundIn::Settlement(id) => format!("settlement {id}"),
        FoundIn::StatusLookup => "the gateway's status lookup".to_string(),
    };
    Breach {
        kind: ExceptionKind::MissedNotification,
        operation_number: Some(p.operation_number),
        detail: format!(
            "{source} shows payment {} of {} at {}; its notification never arrived",
            p.operation_number,
            money(p.currency, p.amount),
            format_lima(p.paid_at)
        ),
    }
}

/// `NOT_SETTLED`: an unsettled payment strictly older than `lag` at `as_of`.
pub fn not_settled<'p>(
    p: &Paid<'p>,
    settled: bool,
    as_of: DateTime<Utc>,
    lag: TimeDelta,
) -> Option<Breach<'p>> {
    (!settled && as_of - p.paid_at > lag).then(|| Breach {
        kind: ExceptionKind::NotSettled,
        operation_number: Some(p.operation_number),
        detail: format!(
            "payment {} at {} has no settlement line after {}",
            p.operation_number,
            format_lima(p.paid_at),
            span(lag)
        ),
    })
}

/// `SETTLEMENT_MISMATCH` of a line against the payment it settles (or records).
pub fn line_mismatch<'l>(line: &SettlementFact<'l>, p: &Paid<'_>) -> Option<Breach<'l>> {
    let mut why = Vec::new();
    if line.currency != p.currency {
        why.push(format!(
            "currency {} but payment in {}",
            line.currency, p.currency
        ));
    } else if line.gross != p.amount {
        why.push(format!(
            "gross {} but payment {}",
            money(line.currency, line.gross),
            money(p.currency, p.amount)
        ));
    }
    if line.net != line.gross - line.fee {
        why.push(format!(
            "net {} is not gross {} minus fee {}",
            line.net, line.gross, line.fee
        ));
    }
    (!why.is_empty()).then(|| Breach {
        kind: ExceptionKind::SettlementMismatch,
        operation_number: Some(line.operation_number),
        detail: format!(
            "settlement {} line for operation {}: {}",
            line.settlement_id,
            line.operation_number,
            why.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn pay() -> Paid<'static> {
        Paid {
            cip: "100",
            operation_number: "9",
            amount: "150.00".parse().unwrap(),
            currency: Currency::Pen,
            paid_at: at(20, 10),
        }
    }

    fn line(gross: &str, fee: &str, net: &str, currency: Currency) -> SettlementFact<'static> {
        SettlementFact {
            settlement_id: "S-1",
            cip: "100",
            operation_number: "9",
            gross: gross.parse().unwrap(),
            fee: fee.parse().unwrap(),
            net: net.parse().unwrap(),
            currency,
            paid_at: at(20, 10),
            settled_at: at(22, 10),
        }
    }

    #[test]
    fn a_line_matches_on_currency_gross_and_net() {
        assert!(line_mismatch(&line("150.00", "4.50", "145.50", Currency::Pen), &pay()).is_none());
        let gross =
            line_mismatch(&line("140.00", "4.50", "135.50", Currency::Pen), &pay()).unwrap();
        assert!(
            gross.detail.contains("gross PEN 140.00"),
            "{}",
            gross.detail
        );
        let net = line_mismatch(&line("150.00", "4.50", "150.00", Currency::Pen), &pay()).unwrap();
        assert!(net.detail.contains("net 150.00"), "{}", net.detail);
        let usd = line_mismatch(&line("150.00", "0", "150.00", Currency::Usd), &pay()).unwrap();
        assert!(usd.detail.contains("currency USD"), "{}", usd.detail);
    }

    #[test]
    fn not_settled_is_strictly_after_the_lag() {
        let lag = TimeDelta::hours(72);
        assert!(not_settled(&pay(), false, at(23, 10), lag).is_none());
        assert!(not_settled(&pay(), false, at(23, 11), lag).is_some());
        assert!(not_settled(&pay(), true, at(29, 0), lag).is_none());
    }

    #[test]
    fn a_line_settles_the_one_stand_in_payment_that_fits_it() {
        let l = line("150.00", "4.50", "145.50", Currency::Pen);
        let skew = DEFAULT_CLOCK_SKEW;
        let stand = |minutes: i64, amount: &str| Paid {
            operation_number: "~0123456789abc",
            amount: amount.parse().unwrap(),
            paid_at: at(20, 10) + TimeDelta::minutes(minutes),
            ..pay()
        };
        assert_eq!(
            stand_in_match(&l, [(stand(10, "150.00"), true)], skew),
            StandInMatch::One(0),
            "exactly at the skew still fits"
        );
        assert_eq!(
            stand_in_match(&l, [(stand(-11, "150.00"), true)], skew),
            StandInMatch::None
        );
        assert_eq!(
            stand_in_match(&l, [(stand(0, "149.99"), true)], skew),
            StandInMatch::None
        );
        assert_eq!(
            stand_in_match(&l, [(stand(0, "150.00"), false)], skew),
            StandInMatch::None,
            "a stand-in that already adopted a number is not adopted again"
        );
        assert_eq!(
            stand_in_match(&l, [(pay(), true)], skew),
            StandInMatch::None,
            "a real operation number is never replaced"
        );
        assert_eq!(
            stand_in_match(
                &l,
                [
                    (stand(1, "150.00"), true),
                    (pay(), true),
                    (stand(-3, "150.00"), true)
                ],
                skew
            ),
            StandInMatch::Ambiguous(vec![0, 2])
        );
        let b = ambiguous_line(&l, 2);
        assert_eq!(b.kind, ExceptionKind::SettlementMismatch);
        assert!(
            b.detail.contains("fits 2 payments of CIP 100"),
            "{}",
            b.detail
        );
        assert!(is_stand_in(&stand_in(b"{}")) && !is_stand_in("1253"));
        assert_eq!(
            stand_in(b"{}").len(),
            14,
            "fits the gateway's 14 characters"
        );
    }

    #[test]
    fn a_missed_notification_says_where_the_payment_was_found() {
        let b = missed_notification(FoundIn::Settlement("S-1"), &pay());
        assert!(b
            .detail
            .starts_with("settlement S-1 shows payment 9 of PEN 150.00"));
        let b = missed_notification(FoundIn::StatusLookup, &pay());
        assert!(b.detail.starts_with("the gateway's status lookup shows"));
    }
}
