//! Tesseract's TSV (`tesseract IMAGE stdout tsv`) → OCR lines → the voucher extractor.
#![no_main]

use cuadre_core::extract::{extract, lines_from_tesseract_tsv};
use cuadre_fuzz::check_extraction;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(tsv) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(lines) = lines_from_tesseract_tsv(tsv) else {
        return;
    };
    for line in &lines {
        assert!(!line.text.trim().is_empty(), "empty words are skipped");
        let b = line.bbox;
        assert!(
            [b.left, b.top, b.width, b.height, line.confidence]
                .iter()
                .all(|v| v.is_finite()),
            "pixel boxes become finite fractions: {line:?}"
        );
    }
    let ex = extract(&lines);
    check_extraction(&lines, &ex);
});
