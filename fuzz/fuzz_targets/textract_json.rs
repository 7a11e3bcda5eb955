//! Amazon Textract `DetectDocumentText` JSON → OCR lines → the voucher extractor.
#![no_main]

use cuadre_core::extract::{extract, lines_from_textract_json};
use cuadre_fuzz::check_extraction;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(lines) = lines_from_textract_json(json) else {
        return;
    };
    for line in &lines {
        assert!(!line.text.trim().is_empty(), "blank lines are skipped");
    }
    let ex = extract(&lines);
    check_extraction(&lines, &ex);
});
