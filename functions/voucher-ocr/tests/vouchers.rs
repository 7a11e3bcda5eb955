//! The whole path against the emulator: a file put in the real vouchers bucket, the S3 notification
//! received from the real VoucherUploadsQueue, the handler run on it with the real store, the real
//! S3 reader and the real extractor; only the OCR engine plays back recorded Textract responses.
//!
//! The queue is shared with parallel tests: each test has its own tenant, takes only the messages
//! that name it, deletes only those, and hands the others back at once.

mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cuadre_core::records::sha256_hex;
use cuadre_core::{Currency, ExceptionKind, VoucherField};
use image::{ImageFormat, Rgb};
use serde_json::json;
use support::*;

#[tokio::test]
async fn a_voucher_is_read_stored_and_a_lookup_scheduled_and_redelivery_adds_nothing() {
    let h = Harness::new("vocr-read").await;
    let order = h
        .order("Pedido Ñandú 7 de José", TICKET_CIP, TICKET_AMOUNT)
        .await;
    let bytes = picture(3);
    let voucher_id = h.upload(&order, bytes.clone()).await;
    let records = h.notifications(1).await;

    let response = h.run(records.clone()).await;
    assert!(failures(&response).is_empty(), "{response:?}");

    let v = h.voucher(&order, &voucher_id).await;
    assert_eq!(v.order_id, order);
    assert_eq!(
        v.object_key,
        format!("vouchers/{}/Pedido Ñandú 7 de José/{voucher_id}", h.tenant)
    );
    assert_eq!(v.sha256, sha256_hex(&bytes));
    assert!(v
        .perceptual_hash
        .as_deref()
        .is_some_and(|p| p.starts_with("g16:")));
    assert_eq!(v.fields.cip.as_deref(), Some(TICKET_CIP));
    assert_eq!(v.fields.amount.as_deref(), Some(TICKET_AMOUNT));
    assert_eq!(v.fields.currency, Some(Currency::Pen));
    assert!(v.confidence_permille > 0);
    // Each key field's confidence is stored with the voucher, above the threshold for those read.
    for field in [
        VoucherField::Cip,
        VoucherField::Amount,
        VoucherField::Currency,
    ] {
        let c = v.field_confidence.get(field);
        assert!(
            c.is_some_and(|c| c >= cuadre_core::extract::FIELD_THRESHOLD_PERMILLE),
            "{field:?}: {c:?}"
        );
    }
    assert!(
        h.exceptions(&order).await.is_empty(),
        "a matching voucher raises nothing"
    );

    // No payment yet: the code is marked for a status lookup after the 2 h grace.
    let (due, _) = h
        .due_lookups(v.uploaded_at + chrono::Duration::hours(3))
        .await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].order_id, order);
    assert_eq!(due[0].due_at, v.uploaded_at + chrono::Duration::hours(2));
    let (early, _) = h
        .due_lookups(v.uploaded_at + chrono::Duration::hours(1))
        .await;
    assert!(early.is_empty(), "not due before the grace has passed");

    // The same message again: nothing new, and no second OCR call.
    let response = h.run(records).await;
    assert!(failures(&response).is_empty());
    assert_eq!(h.detector.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        h.app
            .store
            .vouchers_for_order(&h.tenant, &order)
            .await
            .unwrap(),
        vec![v.clone()]
    );
    assert!(h.exceptions(&order).await.is_empty());
    let (due_again, _) = h
        .due_lookups(v.uploaded_at + chrono::Duration::hours(3))
        .await;
    assert_eq!(due_again, due);
}

#[tokio::test]
async fn the_same_image_on_a_second_order_is_a_duplicate_on_the_second() {
    let h = Harness::new("vocr-dup").await;
    let first = h.order("A-1", TICKET_CIP, TICKET_AMOUNT).await;
    let second = h.order("A 2", "11112222", TICKET_AMOUNT).await;
    let bytes = picture(5);
    h.upload(&first, bytes.clone()).await;
    let r1 = h.notifications(1).await;
    assert!(failures(&h.run(r1).await).is_empty());
    // Upload times have whole seconds: keep the two apart.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.upload(&second, bytes).await;
    let r2 = h.notifications(1).await;
    assert!(failures(&h.run(r2.clone()).await).is_empty());

    assert!(h.exceptions(&first).await.is_empty());
    // Reused from another order: the CIP on it is the first order's, too.
    assert_eq!(
        h.exceptions(&second).await,
        vec![
            ExceptionKind::DuplicateVoucher,
            ExceptionKind::VoucherMismatch
        ]
    );
    // Redelivered: still one of each.
    assert!(failures(&h.run(r2).await).is_empty());
    assert_eq!(h.exceptions(&second).await.len(), 2);
    assert!(h.exceptions(&first).await.is_empty());
}

#[tokio::test]
async fn a_voucher_with_another_amount_is_a_mismatch() {
    let h = Harness::new("vocr-mis").await;
    let order = h.order("B-1", TICKET_CIP, "999.00").await;
    h.upload(&order, picture(7)).await;
    let records = h.notifications(1).await;
    assert!(failures(&h.run(records).await).is_empty());
    assert_eq!(
        h.exceptions(&order).await,
        vec![ExceptionKind::VoucherMismatch]
    );
    let detail = h
        .app
        .store
        .exceptions_for_order(&h.tenant, &order)
        .await
        .unwrap()
        .remove(0)
        .detail;
    assert!(detail.contains("amount 1056.05 read"), "{detail}");
}

#[tokio::test]
async fn garbage_is_stored_rejected_as_unreadable_and_not_retried() {
    let h = Harness::new("vocr-junk").await;
    let order = h.order("C-1", TICKET_CIP, TICKET_AMOUNT).await;
    let voucher_id = h
        .upload(&order, b"GIF89a this is no voucher".to_vec())
        .await;
    let records = h.notifications(1).await;
    let response = h.run(records).await;
    assert!(
        failures(&response).is_empty(),
        "done, not retried: {response:?}"
    );
    assert_eq!(
        h.detector.calls.load(Ordering::SeqCst),
        0,
        "no OCR spent on it"
    );
    assert_eq!(
        h.exceptions(&order).await,
        vec![ExceptionKind::UnreadableVoucher]
    );
    let v = h.voucher(&order, &voucher_id).await;
    assert!(v.warnings[0].starts_with("rejected: "), "{:?}", v.warnings);
    assert_eq!(v.fields, Default::default());
}

#[tokio::test]
async fn a_png_saved_by_photoshop_is_suspected_tampering() {
    let h = Harness::new("vocr-ps").await;
    let order = h.order("D-1", TICKET_CIP, TICKET_AMOUNT).await;
    let voucher_id = h.upload(&order, photoshopped()).await;
    let records = h.notifications(1).await;
    assert!(failures(&h.run(records).await).is_empty());
    assert_eq!(
        h.exceptions(&order).await,
        vec![ExceptionKind::SuspectedTampering]
    );
    let v = h.voucher(&order, &voucher_id).await;
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("Adobe Photoshop 25.0")),
        "{:?}",
        v.warnings
    );
}

#[tokio::test]
async fn a_near_copy_of_another_voucher_with_other_text_is_suspected_tampering() {
    let original = Harness::with_recording("vocr-near", TICKET).await;
    let order_a = original.order("E-1", TICKET_CIP, TICKET_AMOUNT).await;
    let mut img = picture(9);
    original.upload(&order_a, img.clone()).await;
    let r = original.notifications(1).await;
    assert!(failures(&original.run(r).await).is_empty());

    // The same picture with a small patch changed, read with other fields, for another order.
    let mut copy =
        Harness::with_recording("vocr-near", "kasnet_commission-001.textract.json").await;
    copy.tenant = original.tenant.clone();
    let order_b = copy.order("E-2", "6538995", "282.50").await;
    let mut edited = image::load_from_memory(&img).unwrap().to_rgb8();
    for x in 250..300 {
        for y in 400..420 {
            edited.put_pixel(x, y, Rgb([30, 30, 30]));
        }
    }
    img.clear();
    let mut out = std::io::Cursor::new(img);
    edited.write_to(&mut out, ImageFormat::Png).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    copy.upload(&order_b, out.into_inner()).await;
    let r = copy.notifications(1).await;
    assert!(failures(&copy.run(r).await).is_empty());

    assert!(original.exceptions(&order_a).await.is_empty());
    assert_eq!(
        copy.exceptions(&order_b).await,
        vec![ExceptionKind::SuspectedTampering]
    );
}

#[tokio::test]
async fn a_malformed_body_fails_alone_and_the_test_event_is_ignored() {
    let h = Harness::new("vocr-bad").await;
    let order = h.order("F-1", TICKET_CIP, TICKET_AMOUNT).await;
    let voucher_id = h.upload(&order, picture(11)).await;
    let mut records = h.notifications(1).await;
    let good_id = records[0]["messageId"].as_str().unwrap().to_string();
    records.push(json!({"messageId": "bad-1", "receiptHandle": "r", "body": "{not json"}));
    records.push(
        json!({"messageId": "bad-2", "receiptHandle": "r", "body": "{\"Records\":[{\"s3\":{}}]}"}),
    );
    records.push(json!({"messageId": "test-1", "receiptHandle": "r",
        "body": "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-25T19:00:00.000Z\",\"Bucket\":\"cuadre-vouchers\"}"}));
    let response = h.run(records).await;
    let mut failed = failures(&response);
    failed.sort();
    assert_eq!(failed, vec!["bad-1", "bad-2"]);
    assert!(!failed.contains(&good_id));
    h.voucher(&order, &voucher_id).await;
}

#[tokio::test]
async fn a_throttled_ocr_engine_leaves_the_record_for_retry() {
    let mut h = Harness::new("vocr-thr").await;
    h.app.detector = Arc::new(Throttled);
    let order = h.order("G-1", TICKET_CIP, TICKET_AMOUNT).await;
    let voucher_id = h.upload(&order, picture(13)).await;
    let records = h.notifications(1).await;
    let id = records[0]["messageId"].as_str().unwrap().to_string();
    let response = h.run(records.clone()).await;
    assert_eq!(failures(&response), vec![id]);
    assert!(h
        .app
        .store
        .get_voucher(&h.tenant, &order, &voucher_id)
        .await
        .unwrap()
        .is_none());
    assert!(h.exceptions(&order).await.is_empty());

    // The retry, once the engine answers, reads it.
    h.app.detector = h.detector.clone();
    assert!(failures(&h.run(records).await).is_empty());
    h.voucher(&order, &voucher_id).await;
}
