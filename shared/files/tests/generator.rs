//! GIVEN a generated tenant / WHEN reconciled / THEN every status and every planted exception kind shows up.

use std::fs;

use cuadre_core::exception::ExceptionKind;
use cuadre_core::order::OrderStatus;
use cuadre_files::{generate, run_offline, OfflineOptions};

#[test]
fn generated_scenarios_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&dir.path().join("in"), 20_000, 42).unwrap();
    assert_eq!(s.counts.orders, 20_000);

    let mut opts = OfflineOptions::new(&s.orders, s.as_of, dir.path().join("out"));
    opts.payments = Some(s.payments.clone());
    opts.settlements = Some(s.settlements.clone());
    opts.vouchers = Some(s.vouchers.clone());
    let report = run_offline(&opts, &|_| {}).unwrap();

    assert_eq!(report.inputs.orders, s.counts.orders);
    assert_eq!(report.inputs.payment_notifications, s.counts.payment_lines);
    assert_eq!(report.inputs.settlement_lines, s.counts.settlement_lines);
    assert_eq!(report.inputs.vouchers, s.counts.vouchers);
    let sum = &report.summary;
    for status in OrderStatus::ALL {
        assert!(sum.statuses[&status] > 0, "no {status} order");
    }
    for kind in ExceptionKind::ALL
        .into_iter()
        .filter(|k| k.found_by_reconciliation())
    {
        let planted = s.counts.planted.get(&kind).copied().unwrap_or(0);
        let found = sum.exception_kinds[&kind];
        assert!(planted > 0, "{kind} was never planted");
        assert!(found >= planted, "{kind}: planted {planted}, found {found}");
    }
    // The realistic mix: about 90 % paid, 65 % settled, 15 % with a voucher.
    let per_cent = |n: u64| n * 100 / s.counts.orders;
    let paid = sum.statuses[&OrderStatus::Paid]
        + sum.statuses[&OrderStatus::Settled]
        + sum.statuses[&OrderStatus::Refunded];
    assert!(
        (88..=92).contains(&per_cent(paid)),
        "paid {}",
        per_cent(paid)
    );
    let settled = per_cent(sum.statuses[&OrderStatus::Settled]);
    assert!((62..=68).contains(&settled), "settled {settled}");
    assert!((13..=17).contains(&per_cent(s.counts.vouchers)));

    let orders = fs::read_to_string(dir.path().join("out/orders.csv")).unwrap();
    assert_eq!(orders.lines().count() as u64, s.counts.orders + 1);

    // Many small chunks split between the two threads give the very same bytes.
    opts.chunk_bytes = 64 << 10;
    opts.out = dir.path().join("out-small-chunks");
    run_offline(&opts, &|_| {}).unwrap();
    for name in ["orders.csv", "exceptions.jsonl", "summary.json"] {
        let a = fs::read(dir.path().join("out").join(name)).unwrap();
        let b = fs::read(opts.out.join(name)).unwrap();
        assert!(a == b, "{name} differs with small chunks");
    }
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(&dir.path().join("a"), 2_000, 7).unwrap();
    let b = generate(&dir.path().join("b"), 2_000, 7).unwrap();
    let c = generate(&dir.path().join("c"), 2_000, 8).unwrap();
    for (x, y) in [
        (&a.orders, &b.orders),
        (&a.payments, &b.payments),
        (&a.vouchers, &b.vouchers),
    ] {
        assert_eq!(fs::read(x).unwrap(), fs::read(y).unwrap());
    }
    assert_ne!(
        fs::read(&a.payments).unwrap(),
        fs::read(&c.payments).unwrap()
    );
    assert_eq!(a.counts, b.counts);
}
