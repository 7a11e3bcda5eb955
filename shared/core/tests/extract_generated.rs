//! The extractor on the repository's generator of varied receipts (`cuadre-receipts`): twelve
//! layout families, both languages, rotation and OCR noise. This test reads the training seeds
//! (0..TRAINING) and holds a regression floor; the goal (98 % of fields, 95 % of vouchers) is measured
//! on the held-back seeds by `benches/reading.rs`, which no test reads.

#[path = "support/scoring.rs"]
mod scoring;

use scoring::{read_textract, Report};

const TRAINING: u64 = 600;

#[test]
fn generated_receipts_read_right_on_the_training_seeds() {
    let mut report = Report::default();
    for seed in 0..TRAINING {
        let receipt = cuadre_receipts::generate(seed);
        report.add(&receipt, &read_textract(&receipt));
    }
    let misses = report.misses.iter().take(40).cloned().collect::<Vec<_>>();
    // The goal as a floor (today about 99.5 % and 97.5 %), so a change that reads worse fails.
    assert!(
        report.all.field_rate() >= 0.98 && report.all.voucher_rate() >= 0.95,
        "{}\n{}",
        report.table(),
        misses.join("\n")
    );
    for (layout, t) in &report.by_layout {
        assert!(
            t.field_rate() >= 0.97,
            "{layout}: {}\n{}",
            report.table(),
            misses.join("\n")
        );
    }
}
