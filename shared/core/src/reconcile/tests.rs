//! GIVEN facts / WHEN reconciled / THEN statuses and exceptions, one test per status, kind and combination rule.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::exception::ExceptionKind as K;
use crate::money::{Currency, Money};
use crate::order::OrderStatus as S;

fn t(s: &str) -> DateTime<Utc> {
    crate::time::parse(s).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn pen(s: &str) -> Money {
    Money::new(d(s), Currency::Pen).unwrap()
}

fn usd(s: &str) -> Money {
    Money::new(d(s), Currency::Usd).unwrap()
}

const ISSUED: &str = "2026-11-20T10:00:00-05:00";
const EXPIRES: &str = "2026-11-22T10:00:00-05:00";
/// Before expiry, and less than the 72 h lag after any payment below.
const AS_OF: &str = "2026-11-21T12:00:00-05:00";
const PAID: &str = "2026-11-20T15:00:00-05:00";

fn order(id: &'static str, cip: &'static str, amount: Money) -> OrderFact<'static> {
    OrderFact {
        order_id: id,
        cip,
        earlier_cips: &[],
        amount,
        issued_at: t(ISSUED),
        expires_at: t(EXPIRES),
        closure: None,
    }
}

fn pay(cip: &'static str, op: &'static str, amount: Money, at: &str) -> PaymentFact<'static> {
    PaymentFact {
        cip,
        operation_number: op,
        amount,
        paid_at: t(at),
    }
}

/// A line with a fee of 1.00 and a consistent net.
fn line(cip: &'static str, op: &'static str, gross: Money, at: &str) -> SettlementFact<'static> {
    SettlementFact {
        settlement_id: "S-1",
        cip,
        operation_number: op,
        gross: gross.amount(),
        fee: d("1.00"),
        net: gross.amount() - d("1.00"),
        currency: gross.currency(),
        paid_at: t(at),
        settled_at: t("2026-11-21T08:00:00-05:00"),
    }
}

fn read(
    cip: Option<&'static str>,
    op: Option<&'static str>,
    amount: Option<&str>,
    currency: Option<Currency>,
) -> VoucherRead<'static> {
    VoucherRead {
        cip,
        operation_number: op,
        amount: amount.map(d),
        currency,
    }
}

fn voucher(
    id: &'static str,
    order_id: &'static str,
    at: &str,
    sha: &'static str,
    read: VoucherRead<'static>,
) -> VoucherFact<'static> {
    VoucherFact {
        voucher_id: id,
        order_id,
        uploaded_at: t(at),
        sha256: sha,
        read,
        perceptual_hash: None,
        tampering: None,
        unread: None,
    }
}

#[derive(Default)]
struct Given {
    orders: Vec<OrderFact<'static>>,
    payments: Vec<PaymentFact<'static>>,
    settlements: Vec<SettlementFact<'static>>,
    vouchers: Vec<VoucherFact<'static>>,
    as_of: Option<&'static str>,
    settings: Settings,
}

impl Given {
    fn orders(orders: impl IntoIterator<Item = OrderFact<'static>>) -> Given {
        Given {
            orders: orders.into_iter().collect(),
            ..Given::default()
        }
    }
    fn pays(mut self, p: impl IntoIterator<Item = PaymentFact<'static>>) -> Self {
        self.payments.extend(p);
        self
    }
    fn lines(mut self, l: impl IntoIterator<Item = SettlementFact<'static>>) -> Self {
        self.settlements.extend(l);
        self
    }
    fn vouchers(mut self, v: impl IntoIterator<Item = VoucherFact<'static>>) -> Self {
        self.vouchers.extend(v);
        self
    }
    fn reconciled_at(mut self, at: &'static str) -> Self {
        self.as_of = Some(at);
        self
    }
    /// WHEN reconciled.
    fn run(&self) -> Outcome<'_> {
        let facts = ReconcileFacts {
            orders: &self.orders,
            payments: &self.payments,
            settlements: &self.settlements,
            vouchers: &self.vouchers,
            as_of: t(self.as_of.unwrap_or(AS_OF)),
        };
        reconcile(&facts, &self.settings).unwrap()
    }
}

fn status_of(o: &Outcome<'_>, id: &str) -> S {
    o.orders.iter().find(|x| x.order_id == id).unwrap().status
}

fn kinds(o: &Outcome<'_>) -> Vec<K> {
    o.exceptions.iter().map(|e| e.kind).collect()
}

/// Order A-1 (CIP 100) for `amount`, paid once with `paid` (operation 9, at `PAID`).
fn paid_order(amount: Money, paid: Money) -> Given {
    Given::orders([order("A-1", "100", amount)]).pays([pay("100", "9", paid, PAID)])
}

fn one_paid_order() -> Given {
    paid_order(pen("150.00"), pen("150.00"))
}

/// Voucher v1 of order A-1, uploaded at `PAID`, reading `read`.
fn a1_voucher(read: VoucherRead<'static>) -> VoucherFact<'static> {
    voucher("v1", "A-1", PAID, "aa", read)
}

// ---- statuses ----

#[test]
fn status_pending_when_unpaid_before_expiry() {
    let given = Given::orders([order("A-1", "100", pen("10.00"))]);
    let o = given.run();
    assert_eq!(status_of(&o, "A-1"), S::Pending);
    assert!(o.exceptions.is_empty());
}

#[test]
fn status_expired_only_strictly_after_expiry() {
    let at_expiry = Given::orders([order("A-1", "100", pen("10.00"))]).reconciled_at(EXPIRES);
    assert_eq!(status_of(&at_expiry.run(), "A-1"), S::Pending);
    let after = Given::orders([order("A-1", "100", pen("10.00"))])
        .reconciled_at("2026-11-22T10:00:01-05:00");
    let o = after.run();
    assert_eq!(status_of(&o, "A-1"), S::Expired);
    assert!(o.exceptions.is_empty());
}

#[test]
fn status_paid_without_settlement_line() {
    assert_eq!(status_of(&one_paid_order().run(), "A-1"), S::Paid);
    assert!(one_paid_order().run().exceptions.is_empty());
}

#[test]
fn status_settled_with_matching_line() {
    let given = one_paid_order().lines([line("100", "9", pen("150.00"), PAID)]);
    let o = given.run();
    assert_eq!(status_of(&o, "A-1"), S::Settled);
    assert!(o.exceptions.is_empty());
}

#[test]
fn status_cancelled_is_a_given_fact() {
    let mut o = order("A-1", "100", pen("10.00"));
    o.closure = Closure::from_status(S::Cancelled);
    let given = Given::orders([o]).reconciled_at("2026-12-01T00:00:00-05:00");
    assert_eq!(status_of(&given.run(), "A-1"), S::Cancelled);
}

#[test]
fn status_refunded_is_a_given_fact_and_wins_over_payments() {
    let mut o = order("A-1", "100", pen("150.00"));
    o.closure = Closure::from_status(S::Refunded);
    let given = Given::orders([o])
        .pays([pay("100", "9", pen("150.00"), PAID)])
        .lines([line("100", "9", pen("150.00"), PAID)]);
    assert_eq!(status_of(&given.run(), "A-1"), S::Refunded);
    assert_eq!(Closure::from_status(S::Paid), None);
}

// ---- one test per exception kind ----

#[test]
fn amount_mismatch() {
    let given = paid_order(pen("150.00"), pen("15.00"));
    let o = given.run();
    assert_eq!(kinds(&o), [K::AmountMismatch]);
    let e = &o.exceptions[0];
    assert_eq!(
        (e.order_id, e.cip, e.operation_number),
        (Some("A-1"), Some("100"), Some("9"))
    );
    assert_eq!(status_of(&o, "A-1"), S::Paid);
}

#[test]
fn currency_mismatch_and_never_an_amount_mismatch_across_currencies() {
    let given = paid_order(pen("150.00"), usd("40.00"));
    assert_eq!(kinds(&given.run()), [K::CurrencyMismatch]);
}

#[test]
fn duplicate_payment_once_per_extra_operation_number() {
    let given = one_paid_order().pays([
        pay("100", "10", pen("150.00"), "2026-11-20T16:00:00-05:00"),
        pay("100", "11", pen("150.00"), "2026-11-20T17:00:00-05:00"),
        pay("100", "11", pen("150.00"), "2026-11-20T17:00:00-05:00"),
    ]);
    let o = given.run();
    assert_eq!(kinds(&o), [K::DuplicatePayment, K::DuplicatePayment]);
    let ops: Vec<_> = o.exceptions.iter().map(|e| e.operation_number).collect();
    assert_eq!(ops, [Some("10"), Some("11")]);
    assert_eq!(o.summary.payments, 3);
}

#[test]
fn unknown_cip_once_per_cip_from_payments_and_lines() {
    let given = Given::orders([order("A-1", "100", pen("10.00"))])
        .pays([
            pay("999", "1", pen("5.00"), PAID),
            pay("999", "2", pen("5.00"), PAID),
        ])
        .lines([
            line("999", "1", pen("5.00"), PAID),
            line("888", "7", pen("5.00"), PAID),
        ]);
    let o = given.run();
    assert_eq!(kinds(&o), [K::UnknownCip, K::UnknownCip]);
    let cips: Vec<_> = o.exceptions.iter().map(|e| (e.cip, e.order_id)).collect();
    assert_eq!(cips, [(Some("888"), None), (Some("999"), None)]);
    assert_eq!(status_of(&o, "A-1"), S::Pending);
}

#[test]
fn paid_after_expiry_but_exactly_at_expiry_is_on_time() {
    let on_time = Given::orders([order("A-1", "100", pen("150.00"))]).pays([pay(
        "100",
        "9",
        pen("150.00"),
        EXPIRES,
    )]);
    assert!(on_time.run().exceptions.is_empty());
    let late = Given::orders([order("A-1", "100", pen("150.00"))])
        .pays([pay("100", "9", pen("150.00"), "2026-11-22T10:00:01-05:00")])
        .reconciled_at("2026-11-23T00:00:00-05:00");
    let o = late.run();
    assert_eq!(kinds(&o), [K::PaidAfterExpiry]);
    assert_eq!(
        status_of(&o, "A-1"),
        S::Paid,
        "a late payment is still money"
    );
}

#[test]
fn missed_notification_records_the_payment_from_the_line() {
    let given = Given::orders([order("A-1", "100", pen("150.00"))]).lines([line(
        "100",
        "9",
        pen("150.00"),
        PAID,
    )]);
    let o = given.run();
    assert_eq!(kinds(&o), [K::MissedNotification]);
    assert_eq!(o.exceptions[0].operation_number, Some("9"));
    assert_eq!(status_of(&o, "A-1"), S::Settled);
}

#[test]
fn not_settled_strictly_after_the_lag() {
    // paid 2026-11-20T15:00; 72 h later is 2026-11-23T15:00.
    let at_lag = one_paid_order().reconciled_at("2026-11-23T15:00:00-05:00");
    assert!(at_lag.run().exceptions.is_empty());
    let past = one_paid_order().reconciled_at("2026-11-23T15:00:01-05:00");
    assert_eq!(kinds(&past.run()), [K::NotSettled]);
    let mut short = one_paid_order().reconciled_at("2026-11-21T15:00:01-05:00");
    short.settings.settlement_lag = TimeDelta::hours(24);
    assert_eq!(kinds(&short.run()), [K::NotSettled]);
}

#[test]
fn settlement_mismatch_on_gross_net_or_currency() {
    let gross = one_paid_order().lines([line("100", "9", pen("140.00"), PAID)]);
    assert_eq!(kinds(&gross.run()), [K::SettlementMismatch]);
    let mut bad_net = line("100", "9", pen("150.00"), PAID);
    bad_net.net = d("150.00");
    assert_eq!(
        kinds(&one_paid_order().lines([bad_net]).run()),
        [K::SettlementMismatch]
    );
    let currency = one_paid_order().lines([line("100", "9", usd("150.00"), PAID)]);
    let o = currency.run();
    assert_eq!(kinds(&o), [K::SettlementMismatch]);
    assert!(
        o.exceptions[0].detail.contains("currency"),
        "{}",
        o.exceptions[0].detail
    );
    assert_eq!(status_of(&o, "A-1"), S::Settled);
}

#[test]
fn duplicate_voucher_on_the_later_upload_for_another_order() {
    let r = read(Some("100"), Some("9"), Some("150.00"), Some(Currency::Pen));
    let given = Given::orders([
        order("A-1", "100", pen("150.00")),
        order("B-2", "200", pen("150.00")),
    ])
    .pays([
        pay("100", "9", pen("150.00"), PAID),
        pay("200", "7", pen("150.00"), PAID),
    ])
    .vouchers([
        voucher(
            "v2",
            "B-2",
            "2026-11-20T17:00:00-05:00",
            "aa",
            read(Some("200"), Some("7"), Some("150.00"), None),
        ),
        voucher("v1", "A-1", "2026-11-20T16:00:00-05:00", "aa", r),
    ]);
    let o = given.run();
    let dups: Vec<_> = o
        .exceptions
        .iter()
        .filter(|e| e.kind == K::DuplicateVoucher)
        .collect();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].order_id, Some("B-2"));
    assert!(dups[0].detail.contains("v1"), "{}", dups[0].detail);
}

#[test]
fn duplicate_voucher_by_operation_number_and_not_for_the_same_order() {
    let r = read(Some("100"), Some("9"), Some("150.00"), None);
    let given = one_paid_order().vouchers([
        voucher("v1", "A-1", "2026-11-20T16:00:00-05:00", "aa", r),
        voucher("v2", "A-1", "2026-11-20T16:10:00-05:00", "aa", r),
    ]);
    assert!(
        given.run().exceptions.is_empty(),
        "re-uploading for the same order is no duplicate"
    );
    let given = Given::orders([
        order("A-1", "100", pen("150.00")),
        order("B-2", "200", pen("150.00")),
    ])
    .pays([pay("100", "9", pen("150.00"), PAID)])
    .vouchers([
        voucher("v1", "A-1", "2026-11-20T16:00:00-05:00", "aa", r),
        voucher(
            "v2",
            "B-2",
            "2026-11-20T16:10:00-05:00",
            "bb",
            read(None, Some("9"), Some("150.00"), None),
        ),
    ]);
    let o = given.run();
    assert!(o.exceptions.iter().any(|e| e.kind == K::DuplicateVoucher
        && e.order_id == Some("B-2")
        && e.operation_number == Some("9")));
}

#[test]
fn voucher_without_payment_strictly_after_the_grace() {
    let v = voucher(
        "v1",
        "A-1",
        "2026-11-21T10:00:00-05:00",
        "aa",
        read(Some("100"), None, Some("150.00"), None),
    );
    let at_grace = Given::orders([order("A-1", "100", pen("150.00"))]).vouchers([v]);
    let o = at_grace.run();
    assert!(o.exceptions.is_empty());
    assert_eq!(
        status_of(&o, "A-1"),
        S::Pending,
        "a voucher alone never marks an order paid"
    );
    let past = Given::orders([order("A-1", "100", pen("150.00"))])
        .vouchers([v])
        .reconciled_at("2026-11-21T12:00:01-05:00");
    let o = past.run();
    assert_eq!(kinds(&o), [K::VoucherWithoutPayment]);
    assert_eq!(status_of(&o, "A-1"), S::Pending);
}

#[test]
fn voucher_mismatch_on_cip_amount_currency_or_operation_number() {
    let cases = [
        read(Some("101"), None, Some("150.00"), None),
        read(Some("100"), None, Some("15.00"), None),
        read(Some("100"), None, Some("150.00"), Some(Currency::Usd)),
        read(None, Some("8"), Some("150"), None),
    ];
    for r in cases {
        let given = one_paid_order().vouchers([a1_voucher(r)]);
        assert_eq!(kinds(&given.run()), [K::VoucherMismatch], "{r:?}");
    }
    let same = one_paid_order().vouchers([a1_voucher(read(
        Some("100"),
        Some("9"),
        Some("150"),
        Some(Currency::Pen),
    ))]);
    assert!(
        same.run().exceptions.is_empty(),
        "150 and 150.00 are the same amount"
    );
}

#[test]
fn unreadable_voucher_without_ids_or_without_amount() {
    for r in [
        read(None, None, Some("150.00"), None),
        read(Some("100"), Some("9"), None, None),
    ] {
        let given = one_paid_order().vouchers([a1_voucher(r)]);
        assert_eq!(kinds(&given.run()), [K::UnreadableVoucher], "{r:?}");
    }
    // An unreadable voucher is not compared, even if what it read differs.
    let wrong = one_paid_order().vouchers([a1_voucher(read(Some("555"), None, None, None))]);
    assert_eq!(kinds(&wrong.run()), [K::UnreadableVoucher]);
}

#[test]
fn high_value_review_at_or_above_the_threshold() {
    let at = paid_order(pen("3000.00"), pen("3000.00"));
    let o = at.run();
    assert_eq!(kinds(&o), [K::HighValueReview]);
    let below = paid_order(pen("2999.99"), pen("2999.99"));
    assert!(below.run().exceptions.is_empty());
    let mut none = paid_order(pen("3000.00"), pen("3000.00"));
    none.settings.high_value.clear();
    assert!(none.run().exceptions.is_empty(), "no threshold, no review");
}

#[test]
fn suspected_tampering_from_a_signal_or_a_near_duplicate_image() {
    let mut v = a1_voucher(read(Some("100"), Some("9"), Some("150.00"), None));
    v.tampering = Some("edited with an image editor");
    let given = one_paid_order().vouchers([v]);
    let o = given.run();
    assert_eq!(kinds(&o), [K::SuspectedTampering]);
    assert!(o.exceptions[0].detail.contains("image editor"));

    let mut a = a1_voucher(read(Some("100"), Some("9"), Some("150.00"), None));
    a.perceptual_hash = Some("p1");
    let mut b = voucher(
        "v2",
        "A-1",
        "2026-11-20T16:00:00-05:00",
        "bb",
        read(Some("100"), Some("9"), Some("1500.00"), None),
    );
    b.perceptual_hash = Some("p1");
    let o = one_paid_order().vouchers([a, b]);
    let o = o.run();
    assert_eq!(kinds(&o), [K::VoucherMismatch, K::SuspectedTampering]);
    let mut same_text = b;
    same_text.read = a.read;
    assert!(one_paid_order()
        .vouchers([a, same_text])
        .run()
        .exceptions
        .is_empty());
}

mod combined;
mod props;
