//! Crafted files in one batch with an honest voucher: the honest one is read, each hostile one is
//! stored as what it is (unreadable or suspected tampering) and none is left for retry, so none
//! reaches the dead-letter queue and no other record waits on it.

mod support;

use std::sync::atomic::Ordering;

use cuadre_core::records::sha256_hex;
use cuadre_core::ExceptionKind;
use image::{ImageFormat, Rgb, RgbImage};
use support::*;
use voucher_ocr::handler::{MAX_WARNINGS, MAX_WARNING_CHARS};
use voucher_ocr::inspect::MAX_FINDINGS;

/// An all-zero 11500×11500 grayscale PNG: a few hundred kilobytes that decode to 132 million
/// pixels.
fn giant_zero_png() -> Vec<u8> {
    let (w, h) = (11_500u32, 11_500u32);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().unwrap();
    let row = vec![0u8; (w as usize).div_ceil(8)];
    let mut stream = writer.stream_writer().unwrap();
    for _ in 0..h {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    drop(writer);
    out
}

/// A small PNG with 4,095 `tEXt` chunks, each naming an editor.
fn many_text_chunks() -> Vec<u8> {
    let (w, h) = (32u32, 32u32);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    for i in 0..4095 {
        encoder
            .add_text_chunk(
                "Software".into(),
                format!("Adobe Photoshop 25.{i} {}", "x".repeat(100)),
            )
            .unwrap();
    }
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&vec![200u8; (w * h * 3) as usize])
        .unwrap();
    writer.finish().unwrap();
    out
}

fn jpeg(seed: u8) -> Vec<u8> {
    let img = RgbImage::from_fn(200, 300, |x, y| Rgb([(x as u8) ^ seed, y as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn hostile_files_do_not_poison_their_batch() {
    let h = Harness::new("vocr-hostile").await;
    let honest = h.order("H-1", TICKET_CIP, TICKET_AMOUNT).await;
    let giant = h.order("H-2", "70000002", "10.00").await;
    let chunks = h.order("H-3", "70000003", "10.00").await;
    let truncated = h.order("H-4", "70000004", "10.00").await;
    let pdf_zip = h.order("H-5", "70000005", "10.00").await;
    let png_as_jpeg = h.order("H-6", "70000006", "10.00").await;

    let honest_id = h.upload(&honest, picture(5)).await;
    let giant_bytes = giant_zero_png();
    assert!(
        giant_bytes.len() < 1024 * 1024,
        "{} bytes",
        giant_bytes.len()
    );
    let giant_id = h.upload(&giant, giant_bytes).await;
    let chunks_id = h.upload(&chunks, many_text_chunks()).await;
    let whole = jpeg(3);
    let truncated_id = h
        .upload(&truncated, whole[..whole.len() / 2].to_vec())
        .await;
    let mut polyglot = b"%PDF-1.4\n1 0 obj << >> endobj\n".to_vec();
    polyglot.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x08\x00");
    polyglot.extend(std::iter::repeat_n(0u8, 64));
    let pdf_zip_id = h.upload(&pdf_zip, polyglot).await;
    // A PNG uploaded as `image/jpeg`: its magic bytes decide.
    let png_as_jpeg_id = h
        .upload_as(&png_as_jpeg, picture(8), Some("image/jpeg"))
        .await;

    let records = h.notifications(6).await;
    let response = h.run(records).await;
    assert!(
        failures(&response).is_empty(),
        "nothing left for retry: {response:?}"
    );

    let v = h.voucher(&honest, &honest_id).await;
    assert_eq!(
        v.fields.cip.as_deref(),
        Some(TICKET_CIP),
        "the honest voucher is read"
    );

    let v = h.voucher(&giant, &giant_id).await;
    assert!(
        v.warnings[0].starts_with("rejected: the image is 11500×11500 pixels"),
        "{:?}",
        v.warnings
    );
    assert_eq!(
        h.exceptions(&giant).await,
        vec![ExceptionKind::UnreadableVoucher]
    );

    let v = h.voucher(&chunks, &chunks_id).await;
    let edited: Vec<_> = v
        .warnings
        .iter()
        .filter(|w| w.contains("Adobe Photoshop"))
        .collect();
    assert!(
        !edited.is_empty() && edited.len() <= MAX_FINDINGS,
        "{edited:?}"
    );
    assert!(v.warnings.len() <= MAX_WARNINGS + 1);
    assert!(v
        .warnings
        .iter()
        .all(|w| w.chars().count() <= MAX_WARNING_CHARS + 1));
    assert!(h
        .exceptions(&chunks)
        .await
        .contains(&ExceptionKind::SuspectedTampering));

    // The JPEG decoder is tolerant of a cut file (what it lacks is grey): stored and read.
    let v = h.voucher(&truncated, &truncated_id).await;
    assert_eq!(v.sha256, sha256_hex(&whole[..whole.len() / 2]));

    // The polyglot is read as the PDF its magic bytes say (the recorded engine answers), and the
    // PNG named a JPEG gets its PNG perceptual hash.
    h.voucher(&pdf_zip, &pdf_zip_id).await;
    let v = h.voucher(&png_as_jpeg, &png_as_jpeg_id).await;
    assert!(v.perceptual_hash.is_some_and(|p| p.starts_with("g16:")));

    // The giant image never reached the OCR engine; the five others did.
    assert_eq!(h.detector.calls.load(Ordering::SeqCst), 5);
}
