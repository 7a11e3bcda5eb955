//! What voucher-ocr reads from a file before OCR: its kind by magic bytes, editing software named
//! in its metadata (JPEG APP1 EXIF/XMP, PNG tEXt/iTXt/eXIf), and its perceptual hash.
//! Only "no panic" for now: caps on time and output size are being added to the inspector.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voucher_ocr::inspect::{editing_software, hash_distance, perceptual_hash, sniff, FileKind};

fuzz_target!(|data: &[u8]| {
    // The metadata walkers run on any bytes, whatever the magic says.
    for kind in [FileKind::Jpeg, FileKind::Png, FileKind::Pdf] {
        let _ = editing_software(data, kind);
    }
    let Some(kind) = sniff(data) else {
        return;
    };
    assert_eq!(sniff(data), Some(kind));
    if let Some(hash) = perceptual_hash(data, kind) {
        assert!(hash.starts_with("g16:"), "{hash}");
        assert_eq!(hash_distance(&hash, &hash), Some(0), "{hash}");
    }
});
