//! Times `run_offline` on a generated tenant (1,000,000 orders unless `CUADRE_BENCH_ORDERS` says
//! otherwise). The scenario is generated once into a temporary directory; each run writes fresh outputs.
//!
//! `CARGO_TARGET_DIR=... cargo bench -p cuadre-files --bench offline`

use std::time::{Duration, Instant};

use cuadre_files::{generate, run_offline, OfflineOptions};

fn main() {
    let orders: usize = std::env::var("CUADRE_BENCH_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("CUADRE_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let started = Instant::now();
    let s = generate(dir.path(), orders, 7).expect("the scenario");
    eprintln!(
        "generated {} orders, {} payment lines, {} settlement lines, {} vouchers in {:?}",
        s.counts.orders,
        s.counts.payment_lines,
        s.counts.settlement_lines,
        s.counts.vouchers,
        started.elapsed()
    );
    let mut opts = OfflineOptions::new(&s.orders, s.as_of, dir.path().join("out"));
    opts.payments = Some(s.payments.clone());
    opts.settlements = Some(s.settlements.clone());
    opts.vouchers = Some(s.vouchers.clone());
    let mut walls: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let report = run_offline(&opts, &|_| {}).expect("the run");
        let wall = started.elapsed();
        eprintln!(
            "run_offline: {wall:?} (parse {:?}, reconcile {:?}, write {:?}), {} exceptions",
            report.timings.parse,
            report.timings.reconcile,
            report.timings.write,
            report.summary.exceptions
        );
        walls.push(wall);
    }
    walls.sort();
    println!(
        "offline/{orders} orders: min {:?} median {:?} over {runs} runs",
        walls[0],
        walls[walls.len() / 2]
    );
}
