//! Field accuracy of the extractor on the held-back seeds of the receipt generator
//! (`cuadre-receipts`; the tests use seeds below 1,000,000), per layout and per noise level, and the
//! extraction time per voucher (target ≤ 1 ms).
//!
//! `cargo bench -p cuadre-core --bench reading` (`READING_VOUCHERS=N` for another sample size).

#[path = "../tests/support/scoring.rs"]
mod scoring;

use std::time::Instant;

use cuadre_core::extract::{extract, lines_from_textract_json};
use scoring::Report;

const HELD_BACK: u64 = 1_000_000;

#[allow(clippy::float_arithmetic)] // a time for a report
fn main() {
    let n: u64 = std::env::var("READING_VOUCHERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    // `READING_FIRST=0` reads the training seeds instead (for working on the reader).
    let first: u64 = std::env::var("READING_FIRST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HELD_BACK);
    let receipts: Vec<_> = (first..first + n).map(cuadre_receipts::generate).collect();
    let lines: Vec<_> = receipts
        .iter()
        .map(|r| {
            lines_from_textract_json(&cuadre_receipts::to_textract_json(r)).expect("Textract JSON")
        })
        .collect();
    let started = Instant::now();
    let read: Vec<_> = lines.iter().map(|l| extract(l)).collect();
    let elapsed = started.elapsed();
    let mut report = Report::default();
    for (r, got) in receipts.iter().zip(&read) {
        report.add(r, got);
    }
    println!("Textract responses, seeds {first}..{}:", first + n);
    print!("{}", report.table());
    println!(
        "extraction: {:.3} ms per voucher ({} vouchers in {:?})",
        elapsed.as_secs_f64() * 1000.0 / n as f64,
        n,
        elapsed
    );
    if !report.misses.is_empty() {
        println!("first misses:");
        let shown: usize = std::env::var("READING_MISSES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(15);
        for m in report.misses.iter().take(shown) {
            println!("  {m}");
        }
    }
}
