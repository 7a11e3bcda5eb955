//! Properties over generated facts.

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
                        earlier_cips: &[],
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
            unread: None,
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

fn facts(w: &World) -> ReconcileFacts<'_, 'static> {
    ReconcileFacts {
        orders: &w.0,
        payments: &w.1,
        settlements: &w.2,
        vouchers: &w.3,
        as_of: at(w.4),
    }
}

fn run(w: &World) -> Outcome<'static> {
    // The outcome only borrows the 'static strings, not the vectors.
    let mut o = reconcile(&facts(w), &Settings::default()).unwrap();
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
        let facts = facts(&w);
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
