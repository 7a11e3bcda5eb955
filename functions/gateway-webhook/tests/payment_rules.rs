//! The webhook's payment rules at the handler, on the emulator: a payment that differs from its
//! order (amount, currency, time, value, a cancelled code) still pays it and raises what it must.

mod delivery;
mod support;

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use cuadre_core::{Currency, OrderStatus};
use delivery::event_types;
use lambda_http::http::StatusCode;
use rust_decimal::Decimal;
use support::{paid_body, Harness, Options};

#[tokio::test]
async fn a_different_amount_is_an_amount_mismatch() {
    let h = Harness::new().await;
    h.pending_order("M-1", "6660001", "100.00").await;
    assert_eq!(
        h.deliver(&paid_body("6660001", "1", "90.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.exception_ids("M-1").await, ["AMOUNT_MISMATCH.M-1"]);
    assert_eq!(h.get_order("M-1").await.status, OrderStatus::Paid);
    assert_eq!(
        event_types(&h.sent()),
        ["exception.opened:AMOUNT_MISMATCH", "order.paid"]
    );
}

#[tokio::test]
async fn another_currency_is_a_currency_mismatch_not_an_amount_one() {
    let h = Harness::new().await;
    h.pending_order("C-1", "6660002", "100.00").await;
    let body = r#"{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"6660002","currency":"USD","amount":30.00}}"#;
    assert_eq!(h.deliver(body).await.0, StatusCode::OK);
    assert_eq!(h.exception_ids("C-1").await, ["CURRENCY_MISMATCH.C-1"]);
}

#[tokio::test]
async fn a_payment_after_the_expiry_is_paid_after_expiry_and_still_pays() {
    let h = Harness::new().await;
    let expiry = Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap();
    h.order(
        "E-1",
        Some("8880001"),
        "10.00",
        OrderStatus::Expired,
        expiry,
    )
    .await;
    h.order(
        "E-2",
        Some("8880002"),
        "10.00",
        OrderStatus::Pending,
        expiry,
    )
    .await;
    let late = r#"{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"8880001","currency":"PEN","amount":10.00,"paymentDate":"2026-11-20T10:00:01-05:00"}}"#;
    let on_time = r#"{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"8880002","currency":"PEN","amount":10.00,"paymentDate":"2026-11-20T10:00:00-05:00"}}"#;
    assert_eq!(h.deliver(late).await.0, StatusCode::OK);
    assert_eq!(h.deliver(on_time).await.0, StatusCode::OK);
    assert_eq!(h.exception_ids("E-1").await, ["PAID_AFTER_EXPIRY.E-1"]);
    assert!(
        h.exception_ids("E-2").await.is_empty(),
        "exactly at expiry is on time"
    );
    assert_eq!(
        h.get_order("E-1").await.status,
        OrderStatus::Paid,
        "EXPIRED → PAID"
    );
    assert_eq!(h.get_order("E-2").await.status, OrderStatus::Paid);
    // Without paymentDate the received time counts: long after this expiry.
    h.order(
        "E-3",
        Some("8880003"),
        "10.00",
        OrderStatus::Expired,
        expiry,
    )
    .await;
    assert_eq!(
        h.deliver(&paid_body("8880003", "1", "10.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.exception_ids("E-3").await, ["PAID_AFTER_EXPIRY.E-3"]);
}

#[tokio::test]
async fn a_payment_at_the_threshold_needs_a_high_value_review() {
    let h = Harness::with(Options {
        thresholds: BTreeMap::from([(Currency::Pen, Decimal::from(3000))]),
        ..Options::default()
    })
    .await;
    h.pending_order("H-1", "1110001", "3000.00").await;
    h.pending_order("H-2", "1110002", "2999.99").await;
    assert_eq!(
        h.deliver(&paid_body("1110001", "1", "3000.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.deliver(&paid_body("1110002", "1", "2999.99")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.exception_ids("H-1").await, ["HIGH_VALUE_REVIEW.H-1"]);
    assert!(h.exception_ids("H-2").await.is_empty());
}

#[tokio::test]
async fn money_for_a_cancelled_code_still_pays_the_order() {
    let h = Harness::new().await;
    h.order(
        "X-1",
        Some("2220001"),
        "10.00",
        OrderStatus::Cancelled,
        Utc::now() + Duration::hours(48),
    )
    .await;
    assert_eq!(
        h.deliver(&paid_body("2220001", "1", "10.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.get_order("X-1").await.status, OrderStatus::Paid);
}
