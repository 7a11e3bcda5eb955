//! The real `tesseract` on a voucher rendered here (DejaVu Sans from Debian's fonts-dejavu-core),
//! then the real extractor: a clean rendering must give the CIP and the amount exactly.

use std::io::Cursor;

use ab_glyph::{FontVec, PxScale};
use cuadre_core::extract::extract;
use cuadre_core::ocr::{StoredDocument, TextDetector};
use cuadre_core::Currency;
use cuadre_ocr::TesseractDetector;
use image::{ImageFormat, Rgb, RgbImage};

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn render(lines: &[&str]) -> Vec<u8> {
    let font =
        FontVec::try_from_vec(std::fs::read(FONT).unwrap_or_else(|e| {
            panic!("{FONT}: {e} (infra/install-deps installs fonts-dejavu-core)")
        }))
        .expect("a TrueType font");
    let mut img = RgbImage::from_pixel(1000, 120 + 70 * lines.len() as u32, Rgb([255, 255, 255]));
    for (i, line) in lines.iter().enumerate() {
        imageproc::drawing::draw_text_mut(
            &mut img,
            Rgb([20, 20, 20]),
            60,
            60 + 70 * i as i32,
            PxScale::from(40.0),
            &font,
            line,
        );
    }
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png).unwrap();
    png.into_inner()
}

#[tokio::test]
async fn tesseract_reads_a_rendered_voucher_into_the_fields() {
    let png = render(&[
        "PAGOEFECTIVO",
        "CODIGO CIP: 12345678",
        "IMPORTE: S/ 150.00",
        "NRO. OPERACION: 000123",
        "FECHA: 25/11/2026 14:32",
    ]);
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
