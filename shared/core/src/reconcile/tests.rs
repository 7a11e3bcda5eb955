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

fn one_paid_order() -> Given {
    Given::orders([order("A-1", "100", pen("150.00"))]).pays([pay("100", "9", pen("150.00"), PAID)])
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
    let given = Given::orders([order("A-1", "100", pen("150.00"))]).pays([pay(
        "100",
        "9",
        pen("15.00"),
        PAID,
    )]);
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
    let given = Given::orders([order("A-1", "100", pen("150.00"))]).pays([pay(
        "100",
        "9",
        usd("40.00"),
        PAID,
    )]);
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
        let given = one_paid_order().vouchers([voucher("v1", "A-1", PAID, "aa", r)]);
        assert_eq!(kinds(&given.run()), [K::VoucherMismatch], "{r:?}");
    }
    let same = one_paid_order().vouchers([voucher(
        "v1",
        "A-1",
        PAID,
        "aa",
        read(Some("100"), Some("9"), Some("150"), Some(Currency::Pen)),
    )]);
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
        let given = one_paid_order().vouchers([voucher("v1", "A-1", PAID, "aa", r)]);
        assert_eq!(kinds(&given.run()), [K::UnreadableVoucher], "{r:?}");
    }
    // An unreadable voucher is not compared, even if what it read differs.
    let wrong = one_paid_order().vouchers([voucher(
        "v1",
        "A-1",
        PAID,
        "aa",
        read(Some("555"), None, None, None),
    )]);
    assert_eq!(kinds(&wrong.run()), [K::UnreadableVoucher]);
}

#[test]
fn high_value_review_at_or_above_the_threshold() {
    let at = Given::orders([order("A-1", "100", pen("3000.00"))]).pays([pay(
        "100",
        "9",
        pen("3000.00"),
        PAID,
    )]);
    let o = at.run();
    assert_eq!(kinds(&o), [K::HighValueReview]);
    let below = Given::orders([order("A-1", "100", pen("2999.99"))]).pays([pay(
        "100",
        "9",
        pen("2999.99"),
        PAID,
    )]);
    assert!(below.run().exceptions.is_empty());
    let mut none = Given::orders([order("A-1", "100", pen("3000.00"))]).pays([pay(
        "100",
        "9",
        pen("3000.00"),
        PAID,
    )]);
    none.settings.high_value.clear();
    assert!(none.run().exceptions.is_empty(), "no threshold, no review");
}

#[test]
fn suspected_tampering_from_a_signal_or_a_near_duplicate_image() {
    let mut v = voucher(
        "v1",
        "A-1",
        PAID,
        "aa",
        read(Some("100"), Some("9"), Some("150.00"), None),
    );
    v.tampering = Some("edited with an image editor");
    let given = one_paid_order().vouchers([v]);
    let o = given.run();
    assert_eq!(kinds(&o), [K::SuspectedTampering]);
    assert!(o.exceptions[0].detail.contains("image editor"));

    let mut a = voucher(
        "v1",
        "A-1",
        PAID,
        "aa",
        read(Some("100"), Some("9"), Some("150.00"), None),
    );
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

// ---- how the rules combine ----

#[test]
fn a_repeated_notification_is_the_same_payment() {
    let given = one_paid_order().pays([
        pay("100", "9", pen("150.00"), PAID),
        pay("100", "9", pen("150.00"), PAID),
    ]);
    let o = given.run();
    assert!(o.exceptions.is_empty());
    assert_eq!(o.summary.payments, 1);
    assert_eq!(o.summary.currencies[&Currency::Pen].paid, d("150.00"));
}

#[test]
fn a_settlement_only_payment_goes_through_every_payment_rule() {
    let late = "2026-11-23T09:00:00-05:00";
    let given = Given::orders([order("A-1", "100", pen("150.00"))])
        .pays([pay("100", "1", pen("150.00"), PAID)])
        .lines([
            line("100", "1", pen("150.00"), PAID),
            line("100", "2", pen("3500.00"), late),
        ])
        .reconciled_at("2026-11-24T00:00:00-05:00");
    let o = given.run();
    assert_eq!(
        kinds(&o),
        [
            K::AmountMismatch,
            K::DuplicatePayment,
            K::PaidAfterExpiry,
            K::MissedNotification,
            K::HighValueReview
        ]
    );
    assert!(o.exceptions.iter().all(|e| e.operation_number == Some("2")));
    assert_eq!(status_of(&o, "A-1"), S::Settled);
}

#[test]
fn settled_when_at_least_one_payment_is_settled_else_paid() {
    let two = one_paid_order().pays([pay("100", "10", pen("150.00"), PAID)]);
    assert_eq!(status_of(&two.run(), "A-1"), S::Paid);
    let one_settled = one_paid_order()
        .pays([pay("100", "10", pen("150.00"), PAID)])
        .lines([line("100", "10", pen("150.00"), PAID)])
        .reconciled_at("2026-11-25T00:00:00-05:00");
    let o = one_settled.run();
    assert_eq!(status_of(&o, "A-1"), S::Settled);
    assert_eq!(kinds(&o), [K::DuplicatePayment, K::NotSettled]);
    assert_eq!(
        o.exceptions[1].operation_number,
        Some("9"),
        "the unsettled one"
    );
}

#[test]
fn high_value_uses_the_payments_currency() {
    let given = Given::orders([order("A-1", "100", pen("1000.00"))]).pays([pay(
        "100",
        "9",
        usd("800.00"),
        PAID,
    )]);
    assert_eq!(
        kinds(&given.run()),
        [K::CurrencyMismatch, K::HighValueReview]
    );
}

#[test]
fn a_null_voucher_field_is_never_a_mismatch() {
    let given = one_paid_order().vouchers([voucher(
        "v1",
        "A-1",
        PAID,
        "aa",
        read(None, Some("9"), Some("150.00"), None),
    )]);
    assert!(given.run().exceptions.is_empty());
}

#[test]
fn a_voucher_reused_from_another_order_carries_three_exceptions() {
    let r = read(Some("100"), Some("9"), Some("150.00"), Some(Currency::Pen));
    let given = Given::orders([
        order("A-1", "100", pen("150.00")),
        order("B-2", "200", pen("80.00")),
    ])
    .pays([pay("100", "9", pen("150.00"), PAID)])
    .vouchers([
        voucher("v1", "A-1", "2026-11-20T16:00:00-05:00", "aa", r),
        voucher("v2", "B-2", "2026-11-20T17:00:00-05:00", "aa", r),
    ]);
    let o = given.run();
    let b: Vec<_> = o
        .exceptions
        .iter()
        .filter(|e| e.order_id == Some("B-2"))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        b,
        [
            K::DuplicateVoucher,
            K::VoucherWithoutPayment,
            K::VoucherMismatch
        ]
    );
    assert!(o.exceptions.iter().all(|e| e.order_id == Some("B-2")));
}

#[test]
fn each_kind_once_per_order() {
    let given = Given::orders([order("A-1", "100", pen("150.00"))])
        .pays([
            pay("100", "1", pen("1.00"), PAID),
            pay("100", "2", pen("2.00"), PAID),
        ])
        .vouchers([
            voucher("v1", "A-1", PAID, "aa", read(None, None, None, None)),
            voucher("v2", "A-1", PAID, "bb", read(None, None, None, None)),
        ]);
    assert_eq!(
        kinds(&given.run()),
        [K::AmountMismatch, K::DuplicatePayment, K::UnreadableVoucher]
    );
}

#[test]
fn money_that_arrives_beats_a_cancel() {
    let mut o = order("A-1", "100", pen("150.00"));
    o.closure = Some(Closure::Cancelled);
    let given = Given::orders([o]).pays([pay("100", "9", pen("150.00"), PAID)]);
    assert_eq!(status_of(&given.run(), "A-1"), S::Paid);
}

#[test]
fn ambiguous_facts_are_refused() {
    let twice = Given::orders([
        order("A-1", "100", pen("1.00")),
        order("A-1", "200", pen("1.00")),
    ]);
    let facts = ReconcileFacts {
        orders: &twice.orders,
        payments: &[],
        settlements: &[],
        vouchers: &[],
        as_of: t(AS_OF),
    };
    assert!(matches!(
        reconcile(&facts, &Settings::default()),
        Err(FactsError::DuplicateOrderId { .. })
    ));
    let shared = [
        order("A-1", "100", pen("1.00")),
        order("B-1", "100", pen("1.00")),
    ];
    let facts = ReconcileFacts {
        orders: &shared,
        ..facts
    };
    assert!(matches!(
        reconcile(&facts, &Settings::default()),
        Err(FactsError::DuplicateCip { .. })
    ));
}

#[test]
fn summary_counts_and_money_per_currency() {
    let mut bad_fee = line("200", "7", usd("50.00"), PAID);
    bad_fee.fee = d("1.25");
    bad_fee.net = d("48.75");
    let given = Given::orders([
        order("A-1", "100", pen("150.00")),
        order("B-2", "200", usd("50.00")),
        order("C-3", "300", pen("20.00")),
    ])
    .pays([
        pay("100", "9", pen("150.00"), PAID),
        pay("200", "7", usd("50.00"), PAID),
    ])
    .lines([line("100", "9", pen("150.00"), PAID), bad_fee]);
    let o = given.run();
    let s = &o.summary;
    assert_eq!(
        (s.orders, s.payments, s.settlement_lines, s.exceptions),
        (3, 2, 2, 0)
    );
    assert_eq!(s.statuses[&S::Settled], 2);
    assert_eq!(s.statuses[&S::Pending], 1);
    assert_eq!(s.statuses[&S::Refunded], 0);
    assert_eq!(s.exception_kinds.len(), K::ALL.len());
    let p = &s.currencies[&Currency::Pen];
    assert_eq!(
        [
            p.expected,
            p.paid,
            p.settled_gross,
            p.fees,
            p.net,
            p.outstanding,
            p.igv_on_fees
        ],
        [
            d("170.00"),
            d("150.00"),
            d("150.00"),
            d("1.00"),
            d("149.00"),
            d("20.00"),
            d("0.18")
        ]
    );
    let u = &s.currencies[&Currency::Usd];
    assert_eq!(
        u.igv_on_fees.to_string(),
        "0.23",
        "1.25 × 18 % = 0.225, half away from zero"
    );
    assert_eq!(u.outstanding.to_string(), "0.00");
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["statuses"]["SETTLED"], 2);
    assert_eq!(json["currencies"]["PEN"]["net"], "149.00");
}

#[test]
fn outputs_are_sorted_and_findings_give_stable_keys() {
    let given = Given::orders([
        order("B-2", "200", pen("1.00")),
        order("A-1", "100", pen("150.00")),
    ])
    .pays([
        pay("100", "9", pen("15.00"), PAID),
        pay("777", "1", pen("1.00"), PAID),
    ]);
    let o = given.run();
    let ids: Vec<_> = o.orders.iter().map(|x| (x.order_id, x.index)).collect();
    assert_eq!(ids, [("A-1", 1), ("B-2", 0)]);
    let keys: Vec<_> = o.exceptions.iter().map(|e| e.key().unwrap().id()).collect();
    assert_eq!(keys, ["AMOUNT_MISMATCH.A-1", "UNKNOWN_CIP.777"]);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const CIPS: [&str; 6] = ["100", "101", "102", "103", "104", "999"];
    const OPS: [&str; 4] = ["1", "2", "3", "4"];
    const IDS: [&str; 5] = ["A", "B", "C", "D", "E"];
    const AMOUNTS: [&str; 4] = ["10.00", "10.50", "3000.00", "900.00"];
    const SHAS: [&str; 3] = ["aa", "bb", "cc"];

    fn at(hours: i64) -> DateTime<Utc> {
        t(ISSUED) + TimeDelta::hours(hours)
    }

    fn money(i: usize, usd_: bool) -> Money {
        if usd_ {
            usd(AMOUNTS[i])
        } else {
            pen(AMOUNTS[i])
        }
    }

    fn orders() -> impl Strategy<Value = Vec<OrderFact<'static>>> {
        proptest::sample::subsequence(vec![0usize, 1, 2, 3, 4], 0..=5).prop_flat_map(|picked| {
            let n = picked.len();
            (
                Just(picked),
                proptest::collection::vec((0..4usize, any::<bool>(), 0..3u8, 0..100i64), n),
            )
                .prop_map(|(picked, rest)| {
                    picked
                        .into_iter()
                        .zip(rest)
                        .map(|(i, (a, u, c, exp))| OrderFact {
                            order_id: IDS[i],
                            cip: CIPS[i],
                            amount: money(a, u),
                            issued_at: at(0),
                            expires_at: at(exp),
                            closure: [None, Some(Closure::Cancelled), Some(Closure::Refunded)]
                                [c as usize],
                        })
                        .collect()
                })
        })
    }

    fn payment() -> impl Strategy<Value = PaymentFact<'static>> {
        (0..6usize, 0..4usize, 0..4usize, any::<bool>(), 0..150i64).prop_map(|(c, o, a, u, h)| {
            PaymentFact {
                cip: CIPS[c],
                operation_number: OPS[o],
                amount: money(a, u),
                paid_at: at(h),
            }
        })
    }

    fn settlement() -> impl Strategy<Value = SettlementFact<'static>> {
        (
            0..6usize,
            0..4usize,
            0..4usize,
            any::<bool>(),
            0..150i64,
            0..3u8,
        )
            .prop_map(|(c, o, a, u, h, fee)| {
                let gross = money(a, u);
                SettlementFact {
                    settlement_id: ["S1", "S2"][(h % 2) as usize],
                    cip: CIPS[c],
                    operation_number: OPS[o],
                    gross: gross.amount(),
                    fee: Decimal::from(fee),
                    net: gross.amount() - Decimal::from(fee / 2),
                    currency: gross.currency(),
                    paid_at: at(h),
                    settled_at: at(h + 24),
                }
            })
    }

    fn voucher_fact() -> impl Strategy<Value = VoucherFact<'static>> {
        (
            0..5usize,
            0..150i64,
            0..3usize,
            proptest::option::of(0..6usize),
            proptest::option::of(0..4usize),
            proptest::option::of(0..4usize),
            (0..3u8, 0..3u8),
        )
            .prop_map(|(i, h, s, c, o, a, (ph, tamper))| VoucherFact {
                voucher_id: ["v1", "v2", "v3"][(h % 3) as usize],
                order_id: IDS[i],
                uploaded_at: at(h),
                sha256: SHAS[s],
                read: VoucherRead {
                    cip: c.map(|c| CIPS[c]),
                    operation_number: o.map(|o| OPS[o]),
                    amount: a.map(|a| d(AMOUNTS[a])),
                    currency: None,
                },
                perceptual_hash: [None, Some("p1"), Some("p2")][ph as usize],
                tampering: (tamper == 0).then_some("metadata"),
            })
    }

    type World = (
        Vec<OrderFact<'static>>,
        Vec<PaymentFact<'static>>,
        Vec<SettlementFact<'static>>,
        Vec<VoucherFact<'static>>,
        i64,
    );

    fn world() -> impl Strategy<Value = World> {
        (
            orders(),
            proptest::collection::vec(payment(), 0..10),
            proptest::collection::vec(settlement(), 0..8),
            proptest::collection::vec(voucher_fact(), 0..6),
            0..250i64,
        )
    }

    fn shuffled(w: World) -> impl Strategy<Value = (World, World)> {
        let (o, p, s, v, h) = w.clone();
        (
            Just(o).prop_shuffle(),
            Just(p).prop_shuffle(),
            Just(s).prop_shuffle(),
            Just(v).prop_shuffle(),
        )
            .prop_map(move |(o, p, s, v)| (w.clone(), (o, p, s, v, h)))
    }

    fn run(w: &World) -> Outcome<'static> {
        let facts = ReconcileFacts {
            orders: &w.0,
            payments: &w.1,
            settlements: &w.2,
            vouchers: &w.3,
            as_of: at(w.4),
        };
        // The outcome only borrows the 'static strings, not the vectors.
        let mut o = reconcile(&facts, &Settings::default()).unwrap();
        // where an order sat in the input is the one thing a permutation may change
        for x in &mut o.orders {
            x.index = 0;
        }
        o
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn input_order_never_changes_the_outcome((a, b) in world().prop_flat_map(shuffled)) {
            prop_assert_eq!(run(&a), run(&b));
        }

        #[test]
        fn two_threads_answer_like_one(w in world()) {
            let facts = ReconcileFacts {
                orders: &w.0,
                payments: &w.1,
                settlements: &w.2,
                vouchers: &w.3,
                as_of: at(w.4),
            };
            let one = super::super::engine::run_with(&facts, &Settings::default(), false).unwrap();
            let two = super::super::engine::run_with(&facts, &Settings::default(), true).unwrap();
            prop_assert_eq!(one, two);
        }

        #[test]
        fn rerunning_is_identical_and_well_formed(w in world()) {
            let first = run(&w);
            prop_assert_eq!(&first, &run(&w));
            prop_assert_eq!(first.orders.len(), w.0.len());
            let total: u64 = first.summary.statuses.values().sum();
            prop_assert_eq!(total, w.0.len() as u64);
            prop_assert_eq!(first.summary.exceptions as usize, first.exceptions.len());
            // once per order for every kind but DUPLICATE_PAYMENT (once per operation number)
            let mut keys: Vec<_> = first.exceptions.iter().map(|e| e.key().unwrap().id()).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), n);
            for o in &first.orders {
                let paid = w.1.iter().any(|p| p.cip == o.cip) || w.2.iter().any(|l| l.cip == o.cip);
                if !paid {
                    prop_assert!(!o.status.is_paid(), "a voucher alone never pays");
                }
            }
        }
    }
}
