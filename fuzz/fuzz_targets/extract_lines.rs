//! The voucher extractor over arbitrary OCR lines: boxes and polygons with NaN, infinite, negative
//! and huge coordinates, and text with multi-byte characters whose case mappings change length
//! (the byte-offset slices of fields.rs, labels.rs and pairing.rs are the risk).
#![no_main]

use cuadre_core::extract::extract;
use cuadre_fuzz::{check_extraction, ocr_lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = ocr_lines(data);
    let ex = extract(&lines);
    check_extraction(&lines, &ex);
});
