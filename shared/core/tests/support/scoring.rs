//! How well the extractor reads the receipts of `cuadre-receipts` (the repository's own generator of
//! varied receipts, deterministic by seed): per field, per voucher, per layout and per noise level.
//! Shared by `tests/extract_generated.rs` and `benches/reading.rs`.

use std::collections::BTreeMap;

use cuadre_core::extract::{extract, lines_from_textract_json, Extraction};
use cuadre_receipts::{Receipt, Truth};

/// The five key fields a voucher is matched on.
pub const FIELDS: [&str; 5] = ["cip", "operation_number", "amount", "currency", "paid_at"];

/// Right and total counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub fields_right: usize,
    pub fields: usize,
    pub vouchers_right: usize,
    pub vouchers: usize,
}

impl Tally {
    pub fn field_rate(&self) -> f64 {
        rate(self.fields_right, self.fields)
    }
    pub fn voucher_rate(&self) -> f64 {
        rate(self.vouchers_right, self.vouchers)
    }
    fn add(&mut self, wrong: usize) {
        self.fields += FIELDS.len();
        self.fields_right += FIELDS.len() - wrong;
        self.vouchers += 1;
        self.vouchers_right += usize::from(wrong == 0);
    }
}

#[allow(clippy::float_arithmetic)] // a share for a report
fn rate(right: usize, total: usize) -> f64 {
    if total == 0 {
        return 1.0;
    }
    right as f64 / total as f64
}

/// The fields of `got` that differ from the receipt's truth: `(field, read, truth)`. A field the
/// receipt does not legibly show must be read as `null`.
pub fn wrong_fields(
    got: &Extraction,
    truth: &Truth,
) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let f = &got.fields;
    let read = [
        f.cip.clone(),
        f.operation_number.clone(),
        f.amount.clone(),
        f.currency.map(|c| c.code().to_string()),
        f.paid_at.clone(),
    ];
    let want = [
        truth.cip.clone(),
        truth.operation_number.clone(),
        truth.amount.clone(),
        truth.currency.clone(),
        truth.paid_at.clone(),
    ];
    FIELDS
        .iter()
        .zip(read.into_iter().zip(want))
        .filter(|(_, (r, w))| r != w)
        .map(|(name, (r, w))| (*name, r, w))
        .collect()
}

/// The receipt read back from its Textract response (the bench times parsing and reading apart).
#[allow(dead_code)]
pub fn read_textract(receipt: &Receipt) -> Extraction {
    let json = cuadre_receipts::to_textract_json(receipt);
    let lines = lines_from_textract_json(&json).expect("the generator writes DetectDocumentText");
    extract(&lines)
}

/// Tallies by layout and by noise level, plus every miss for a report.
#[derive(Debug, Default)]
pub struct Report {
    pub all: Tally,
    pub by_layout: BTreeMap<&'static str, Tally>,
    pub by_noise: BTreeMap<u8, Tally>,
    pub misses: Vec<String>,
}

impl Report {
    pub fn add(&mut self, receipt: &Receipt, got: &Extraction) {
        let wrong = wrong_fields(got, &receipt.truth);
        self.all.add(wrong.len());
        self.by_layout
            .entry(receipt.layout)
            .or_default()
            .add(wrong.len());
        self.by_noise
            .entry(receipt.noise)
            .or_default()
            .add(wrong.len());
        for (field, read, want) in wrong {
            self.misses.push(format!(
                "seed {} ({} noise {}): {field} read {read:?}, truth {want:?}",
                receipt.seed, receipt.layout, receipt.noise
            ));
        }
    }

    /// A table: one row per layout and per noise level, then the whole.
    #[allow(clippy::float_arithmetic)] // percentages for a report
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<22} {:>8} {:>9} {:>10}\n",
            "", "vouchers", "fields %", "vouchers %"
        );
        let row = |name: String, t: &Tally| {
            format!(
                "{name:<22} {:>8} {:>9.2} {:>10.2}\n",
                t.vouchers,
                100.0 * t.field_rate(),
                100.0 * t.voucher_rate()
            )
        };
        for (layout, t) in &self.by_layout {
            out.push_str(&row((*layout).to_string(), t));
        }
        for (noise, t) in &self.by_noise {
            out.push_str(&row(format!("noise {noise}"), t));
        }
        out.push_str(&row("all".to_string(), &self.all));
        out
    }
}
