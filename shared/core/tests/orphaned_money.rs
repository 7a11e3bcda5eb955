//! The engine's side of "no orphaned money": payments and lines of an order's earlier codes are the
//! order's, and a payment notified without an operation number is settled as itself by the one line
//! that fits it, never by a guess between two.

use chrono::{DateTime, Duration, Utc};
use cuadre_core::exception::ExceptionKind as K;
use cuadre_core::reconcile::{
    reconcile, OrderFact, Outcome, PaymentFact, ReconcileFacts, Settings, SettlementFact,
};
use cuadre_core::{Cip, Currency, Money, OrderStatus};
use rust_decimal::Decimal;

fn t(s: &str) -> DateTime<Utc> {
    cuadre_core::time::parse(s).unwrap()
}

const PAID: &str = "2026-11-20T10:00:00-05:00";
const AS_OF: &str = "2026-11-21T12:00:00-05:00";

fn pen(a: &str) -> Money {
    Money::parse(a, Currency::Pen).unwrap()
}

fn order<'a>(id: &'a str, cip: &'a str, earlier: &'a [Cip]) -> OrderFact<'a> {
    OrderFact {
        order_id: id,
        cip,
        earlier_cips: earlier,
        amount: pen("80.00"),
        issued_at: t("2026-11-20T08:00:00-05:00"),
        expires_at: t("2026-11-22T08:00:00-05:00"),
        closure: None,
    }
}

fn pay<'a>(cip: &'a str, op: &'a str, minutes: i64) -> PaymentFact<'a> {
    PaymentFact {
        cip,
        operation_number: op,
        amount: pen("80.00"),
        paid_at: t(PAID) + Duration::minutes(minutes),
    }
}

fn line<'a>(cip: &'a str, op: &'a str, minutes: i64) -> SettlementFact<'a> {
    SettlementFact {
        settlement_id: "LIQ-1",
        cip,
        operation_number: op,
        gross: Decimal::new(8000, 2),
        fee: Decimal::new(300, 2),
        net: Decimal::new(7700, 2),
        currency: Currency::Pen,
        paid_at: t(PAID) + Duration::minutes(minutes),
        settled_at: t("2026-11-21T09:00:00-05:00"),
    }
}

fn run<'a>(
    orders: &[OrderFact<'a>],
    payments: &[PaymentFact<'a>],
    lines: &[SettlementFact<'a>],
) -> Outcome<'a> {
    let facts = ReconcileFacts {
        orders,
        payments,
        settlements: lines,
        vouchers: &[],
        as_of: t(AS_OF),
    };
    reconcile(&facts, &Settings::default()).unwrap()
}

fn kinds(out: &Outcome<'_>) -> Vec<(K, Option<String>)> {
    out.exceptions
        .iter()
        .map(|f| (f.kind, f.operation_number.map(str::to_string)))
        .collect()
}

#[test]
fn a_payment_and_a_line_of_a_superseded_code_are_the_orders() {
    let earlier = [Cip::parse("1001").unwrap()];
    let orders = [order("R-1", "1002", &earlier)];
    let out = run(
        &orders,
        &[pay("1001", "7001", 0)],
        &[line("1001", "7001", 0)],
    );
    assert_eq!(out.orders[0].status, OrderStatus::Settled);
    assert_eq!(kinds(&out), [], "no UNKNOWN_CIP, no MISSED_NOTIFICATION");

    // Without the history the same facts are an orphan: the test can tell the difference.
    let orders = [order("R-1", "1002", &[])];
    let out = run(&orders, &[pay("1001", "7001", 0)], &[]);
    assert_eq!(out.orders[0].status, OrderStatus::Pending);
    assert_eq!(kinds(&out), [(K::UnknownCip, None)]);
}

#[test]
fn both_codes_paid_is_one_duplicate_payment_even_with_equal_operation_numbers() {
    let earlier = [Cip::parse("1001").unwrap()];
    let orders = [order("R-1", "1002", &earlier)];
    let out = run(
        &orders,
        &[pay("1002", "7002", 30), pay("1001", "7001", 0)],
        &[],
    );
    assert_eq!(out.orders[0].status, OrderStatus::Paid);
    assert_eq!(kinds(&out), [(K::DuplicatePayment, Some("7002".into()))]);
    // Two payment places that happen to give the same number are still two payments.
    let out = run(&orders, &[pay("1002", "5", 30), pay("1001", "5", 0)], &[]);
    assert_eq!(kinds(&out), [(K::DuplicatePayment, Some("5".into()))]);
    assert_eq!(out.summary.payments, 2);
}

#[test]
fn a_code_of_two_orders_is_refused() {
    let earlier = [Cip::parse("1002").unwrap()];
    let orders = [
        order("R-1", "1001", &[]),
        order("R-2", "1003", &earlier),
        order("R-3", "1002", &[]),
    ];
    let facts = ReconcileFacts {
        orders: &orders,
        payments: &[],
        settlements: &[],
        vouchers: &[],
        as_of: t(AS_OF),
    };
    assert!(reconcile(&facts, &Settings::default()).is_err());
}

#[test]
fn a_stand_in_payment_is_settled_by_the_one_line_that_fits_it() {
    let orders = [order("S-1", "2001", &[])];
    let stand_in = "~0123456789abc";
    let out = run(
        &orders,
        &[pay("2001", stand_in, 0)],
        &[line("2001", "000555", 3)],
    );
    assert_eq!(out.orders[0].status, OrderStatus::Settled);
    assert_eq!(
        kinds(&out),
        [],
        "no DUPLICATE_PAYMENT, no MISSED_NOTIFICATION"
    );
    assert_eq!(out.summary.payments, 1);

    // Outside the clock skew (10 min) it is another payment: recorded from the line, a duplicate.
    let out = run(
        &orders,
        &[pay("2001", stand_in, 0)],
        &[line("2001", "000555", 11)],
    );
    assert!(kinds(&out).contains(&(K::MissedNotification, Some("000555".into()))));
    assert!(kinds(&out).contains(&(K::DuplicatePayment, Some("000555".into()))));
}

#[test]
fn two_stand_ins_that_fit_one_line_are_left_to_a_person() {
    let orders = [order("S-2", "2002", &[])];
    let payments = [
        pay("2002", "~aaaaaaaaaaaaa", 0),
        pay("2002", "~bbbbbbbbbbbbb", 4),
    ];
    let out = run(&orders, &payments, &[line("2002", "000556", 2)]);
    assert_eq!(
        out.orders[0].status,
        OrderStatus::Paid,
        "nothing settled by a guess"
    );
    let found = kinds(&out);
    assert!(
        found.contains(&(K::SettlementMismatch, Some("000556".into()))),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(k, _)| *k == K::MissedNotification),
        "{found:?}"
    );
    assert_eq!(out.summary.payments, 2, "no payment recorded from the line");
}
