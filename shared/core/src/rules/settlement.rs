//! The settlement family: a payment against the money the gateway transferred.
//!
//! - A settlement line settles the payment with its CIP and operation number; one that matches no
//!   payment of a known order records that payment (`MISSED_NOTIFICATION`, as a status lookup that
//!   finds a paid code does), and every payment rule then applies to it.
//! - `SETTLEMENT_MISMATCH` when the line's currency differs from its payment's, or its gross from
//!   the payment's amount, or its net is not gross − fee.
//! - `NOT_SETTLED` when a payment is strictly older than the settlement lag at the as-of time and
//!   no line settles it.

use chrono::{DateTime, TimeDelta, Utc};

use super::{money, span, Breach, Paid};
use crate::exception::ExceptionKind;
use crate::reconcile::SettlementFact;
use crate::time::format_lima;

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
    fn a_missed_notification_says_where_the_payment_was_found() {
        let b = missed_notification(FoundIn::Settlement("S-1"), &pay());
        assert!(b
            .detail
            .starts_with("settlement S-1 shows payment 9 of PEN 150.00"));
        let b = missed_notification(FoundIn::StatusLookup, &pay());
        assert!(b.detail.starts_with("the gateway's status lookup shows"));
    }
}
