//! How the rules combine: one fact through several rules, precedence, summaries and order.

use super::*;

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
    let given = paid_order(pen("1000.00"), usd("800.00"));
    assert_eq!(
        kinds(&given.run()),
        [K::CurrencyMismatch, K::HighValueReview]
    );
}

#[test]
fn a_null_voucher_field_is_never_a_mismatch() {
    let given =
        one_paid_order().vouchers([a1_voucher(read(None, Some("9"), Some("150.00"), None))]);
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
            a1_voucher(read(None, None, None, None)),
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
