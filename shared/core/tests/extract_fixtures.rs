//! Every fixture voucher (Textract DetectDocumentText responses) against its truth.json.
#![allow(clippy::float_arithmetic)] // moving page geometry in the properties

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cuadre_core::extract::{
    estimate_skew_degrees, extract, lines_from_textract_json, BoundingBox, OcrLine, Point,
};
use proptest::prelude::*;
use serde::Deserialize;

#[path = "support/ocr_moves.rs"]
mod ocr_moves;
use ocr_moves::{moved, shuffled};

/// The fixtures live in the repository, at `tests/fixtures/vouchers/` (two levels up from this crate).
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/vouchers");

#[derive(Debug, Deserialize)]
struct Truth {
    cip: String,
    operation_number: String,
    amount: String,
    currency: String,
    paid_date: String,
    noise: u32,
    angle_deg: f64,
}

fn truth() -> BTreeMap<String, Truth> {
    let text = fs::read_to_string(Path::new(FIXTURES).join("truth.json"))
        .unwrap_or_else(|e| panic!("{FIXTURES}/truth.json: {e}"));
    serde_json::from_str(&text).expect("truth.json")
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(format!("{name}.textract.json"))
}

fn lines_of(name: &str) -> Vec<OcrLine> {
    let json = fs::read_to_string(fixture_path(name)).expect("fixture");
    lines_from_textract_json(&json).expect("a DetectDocumentText response")
}

#[test]
fn every_fixture_reads_as_its_truth() {
    let truth = truth();
    let files = fs::read_dir(FIXTURES)
        .expect("fixtures directory")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".textract.json"))
        .count();
    assert!(!truth.is_empty());
    assert_eq!(
        files,
        truth.len(),
        "a fixture without truth or a truth without fixture"
    );
    for (name, want) in &truth {
        let lines = lines_of(name);
        let got = extract(&lines);
        let f = &got.fields;
        assert_eq!(f.cip.as_deref(), Some(want.cip.as_str()), "{name}: cip");
        assert_eq!(
            f.operation_number.as_deref(),
            Some(want.operation_number.as_str()),
            "{name}: operation_number"
        );
        assert_eq!(
            f.amount.as_deref(),
            Some(want.amount.as_str()),
            "{name}: amount"
        );
        assert_eq!(
            f.currency.map(|c| c.code()),
            Some(want.currency.as_str()),
            "{name}: currency"
        );
        let paid_at = f.paid_at.as_deref().unwrap_or_default();
        assert_eq!(
            paid_at.get(..10),
            Some(want.paid_date.as_str()),
            "{name}: paid date"
        );
        // Every fixture shows a time: the full Lima date-time is expected.
        assert_eq!(
            paid_at.len(),
            "2026-11-25T14:32:00-05:00".len(),
            "{name}: {paid_at}"
        );
        assert!(paid_at.ends_with("-05:00"), "{name}: {paid_at}");
        if want.noise == 0 {
            assert!(got.warnings.is_empty(), "{name}: {:?}", got.warnings);
            // The evidence for a pick scales the OCR's confidence (a total less its commission
            // keeps 0.9 of it, a value in the next block 0.95): clean vouchers stay well above 0.8.
            assert!(got.confidence() >= 0.8, "{name}: {}", got.confidence());
            assert!(got.unread.is_empty(), "{name}: {:?}", got.unread);
        }
        // Polygons carry the photo's angle (the page is not square, so only its sign and presence compare).
        let skew = estimate_skew_degrees(&lines);
        if want.angle_deg == 0.0 {
            assert!(skew.abs() < 0.1, "{name}: skew {skew}");
        } else {
            assert_eq!(
                skew.signum(),
                want.angle_deg.signum(),
                "{name}: skew {skew}"
            );
            assert!(skew.abs() > 1.0, "{name}: skew {skew}");
        }
    }
}

#[test]
fn fixture_outputs_are_the_vouchers_md_schema() {
    let got = extract(&lines_of("agent_ticket-000"));
    let json = serde_json::to_string(&got).unwrap();
    assert!(
        json.starts_with(
            r#"{"cip":"85131377","operation_number":"062498495","amount":"1056.05","currency":"PEN","paid_at":"2026-03-20T10:28:19-05:00","payer_name":null,"channel":"Agente BCP","confidence":"#
        ),
        "{json}"
    );
    assert!(json.ends_with(r#","warnings":[]}"#), "{json}");
}

fn names() -> Vec<String> {
    truth().into_keys().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shuffled_blocks_read_the_same(index in 0usize..12, seed in any::<u64>()) {
        let names = names();
        let name = &names[index % names.len()];
        let lines = lines_of(name);
        let shuffled = shuffled(&lines, seed);
        prop_assert_eq!(extract(&shuffled), extract(&lines));
    }

    #[test]
    fn moved_and_scaled_pages_read_the_same(
        index in 0usize..12, dx in -0.03f64..0.03, dy in -0.03f64..0.03, scale in 0.92f64..1.08,
    ) {
        let names = names();
        let name = &names[index % names.len()];
        let lines = lines_of(name);
        let moved = moved(&lines, dx, dy, scale);
        prop_assert_eq!(extract(&moved).fields, extract(&lines).fields);
    }
}
