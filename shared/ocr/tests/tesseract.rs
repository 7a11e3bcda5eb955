//! The real `tesseract` on a voucher rendered here (DejaVu Sans from Debian's fonts-dejavu-core),
//! then the real extractor: a clean rendering must give the CIP and the amount exactly.

use cuadre_core::extract::extract;
use cuadre_core::ocr::{StoredDocument, TextDetector};
use cuadre_core::Currency;
use cuadre_ocr::render::voucher_png;
use cuadre_ocr::TesseractDetector;

#[tokio::test]
async fn tesseract_reads_a_rendered_voucher_into_the_fields() {
    let png = voucher_png(&[
        "PAGOEFECTIVO",
        "CODIGO CIP: 12345678",
        "IMPORTE: S/ 150.00",
        "NRO. OPERACION: 000123",
        "FECHA: 25/11/2026 14:32",
    ])
    .expect("rendered");
    let lines = TesseractDetector::new()
        .detect_text(StoredDocument {
            bucket: "local",
            key: "vouchers/t/o/v",
            bytes: &png,
        })
        .await
        .expect("tesseract runs (infra/install-deps installs tesseract-ocr tesseract-ocr-spa)");
    assert!(lines.len() >= 4, "{lines:?}");
    let read = extract(&lines);
    let f = &read.fields;
    assert_eq!(f.cip.as_deref(), Some("12345678"), "{read:?}");
    assert_eq!(f.amount.as_deref(), Some("150.00"), "{read:?}");
    assert_eq!(f.currency, Some(Currency::Pen), "{read:?}");
    // Matching never trusts the operation number or the date from OCR alone; in a clean
    // rendering they read all the same.
    assert_eq!(f.operation_number.as_deref(), Some("000123"), "{read:?}");
    assert!(
        f.paid_at
            .as_deref()
            .is_some_and(|d| d.starts_with("2026-11-25")),
        "{read:?}"
    );
}
