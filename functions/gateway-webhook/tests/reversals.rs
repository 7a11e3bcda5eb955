//! `cip.refunded` at the handler, on the emulator: a reversed payment no longer pays its order.

mod delivery;
mod support;

use cuadre_core::events::outbox::EventStore;
use cuadre_core::store::{OrderStore, PaymentStore};
use cuadre_core::{Cip, OrderStatus};
use delivery::event_types;
use lambda_http::http::StatusCode;
use support::{paid_body, Harness};

fn reversal_body(cip: &str, op: &str, amount: &str) -> String {
    paid_body(cip, op, amount).replace("cip.paid", "cip.refunded")
}

#[tokio::test]
async fn a_reversal_unpays_the_order_once_and_tells_the_merchant() {
    let h = Harness::new().await;
    h.pending_order("RV-1", "7770001", "80.00").await;
    assert_eq!(
        h.deliver(&paid_body("7770001", "501", "80.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.get_order("RV-1").await.status, OrderStatus::Paid);

    let (status, body) = h.deliver(&reversal_body("7770001", "501", "80.00")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "reversed");
    let order = h.get_order("RV-1").await;
    assert_eq!(order.status, OrderStatus::Pending, "no longer paid");
    let payment = h
        .store
        .get_payment(
            &h.tenant.tenant_id,
            &Cip::parse("7770001").unwrap(),
            &"501".parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(payment.reversed_at.is_some());
    assert_eq!(h.exception_ids("RV-1").await, ["PAYMENT_REVERSED.RV-1.501"]);
    let sent = h.sent();
    assert_eq!(
        event_types(&sent),
        [
            "exception.opened:PAYMENT_REVERSED",
            "order.paid",
            "order.reversed"
        ]
    );
    let reversed = sent
        .iter()
        .find(|e| e.event_type.as_str() == "order.reversed")
        .unwrap();
    assert_eq!(reversed.data["status"], "PENDING");
    assert_eq!(reversed.data["previous_status"], "PAID");
    assert_eq!(reversed.data["operation_number"], "501");
    // Written with the order's move: the outbox has it.
    assert!(h
        .store
        .get_event(&h.tenant.tenant_id, &reversed.event_id)
        .await
        .unwrap()
        .is_some());

    // The gateway's retry changes nothing and sends nothing new.
    let before = h.sent().len();
    assert_eq!(
        h.deliver(&reversal_body("7770001", "501", "80.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(h.get_order("RV-1").await.version, order.version);
    assert_eq!(h.sent().len(), before);
}

#[tokio::test]
async fn a_reversal_of_a_settled_payment_says_the_money_must_come_back() {
    let h = Harness::new().await;
    h.pending_order("RV-2", "7770002", "40.00").await;
    h.deliver(&paid_body("7770002", "502", "40.00")).await;
    let paid = h.get_order("RV-2").await;
    h.store
        .transition_order(&paid, OrderStatus::Settled)
        .await
        .unwrap();
    h.deliver(&reversal_body("7770002", "502", "40.00")).await;
    assert_eq!(h.get_order("RV-2").await.status, OrderStatus::Pending);
    let opened = h
        .sent()
        .into_iter()
        .find(|e| e.data["kind"] == "PAYMENT_REVERSED")
        .unwrap();
    let detail = opened.data["detail"].as_str().unwrap();
    assert!(detail.contains("already settled"), "{detail}");
    let reversed = h
        .sent()
        .into_iter()
        .find(|e| e.event_type.as_str() == "order.reversed")
        .unwrap();
    assert_eq!(reversed.data["previous_status"], "SETTLED");
}

#[tokio::test]
async fn a_reversal_of_one_of_two_payments_leaves_the_order_paid() {
    let h = Harness::new().await;
    h.pending_order("RV-3", "7770003", "10.00").await;
    h.deliver(&paid_body("7770003", "601", "10.00")).await;
    h.deliver(&paid_body("7770003", "602", "10.00")).await;
    h.deliver(&reversal_body("7770003", "602", "10.00")).await;
    assert_eq!(h.get_order("RV-3").await.status, OrderStatus::Paid);
    assert!(h
        .exception_ids("RV-3")
        .await
        .contains(&"PAYMENT_REVERSED.RV-3.602".to_string()));
    assert!(!event_types(&h.sent()).contains(&"order.reversed".to_string()));
}

#[tokio::test]
async fn a_signed_body_we_cannot_read_is_kept_and_raised() {
    let h = Harness::new().await;
    let body = r#"{"eventType":"cip.paid","operationNumber":"9","data":{"cip":"7770004","currency":"EUR","amount":5.00}}"#;
    let (status, _) = h.deliver(body).await;
    assert!(status.is_client_error(), "{status}");
    let events = h.sent();
    assert_eq!(
        event_types(&events),
        ["exception.opened:UNREADABLE_NOTIFICATION"]
    );
    let detail = events[0].data["detail"].as_str().unwrap();
    assert!(detail.contains("webhooks/"), "names the archive: {detail}");
    // The same body again: the same exception, nothing new.
    h.deliver(body).await;
    assert_eq!(h.sent().len(), 1);
}

#[tokio::test]
async fn a_late_payment_opens_a_refund_when_the_tenant_refunds_late_payments() {
    use chrono::TimeZone;
    use cuadre_core::settings::LatePaymentPolicy;
    use cuadre_core::store::{RefundStore, TenantStore};
    let h = Harness::new().await;
    let tenant = h
        .store
        .get_tenant(&h.tenant.tenant_id)
        .await
        .unwrap()
        .unwrap();
    let refunding = cuadre_core::Tenant {
        late_payment_policy: LatePaymentPolicy::Refund,
        ..tenant.clone()
    };
    h.store.replace_tenant(&tenant, &refunding).await.unwrap();
    let expiry = chrono::Utc
        .with_ymd_and_hms(2026, 11, 20, 15, 0, 0)
        .unwrap();
    h.order(
        "LP-1",
        Some("8890001"),
        "10.00",
        OrderStatus::Expired,
        expiry,
    )
    .await;
    let late = r#"{"eventType":"cip.paid","operationNumber":"7","data":{"cip":"8890001","currency":"PEN","amount":10.00,"paymentDate":"2026-11-20T10:00:01-05:00"}}"#;
    assert_eq!(h.deliver(late).await.0, StatusCode::OK);
    assert_eq!(h.get_order("LP-1").await.status, OrderStatus::Paid);
    let refunds = h
        .store
        .refunds_for_order(&h.tenant.tenant_id, &"LP-1".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount.amount_string(), "10.00");
    assert_eq!(refunds[0].requested_by, "cuadre:late-payment-policy");
    assert!(event_types(&h.sent()).contains(&"refund.updated".to_string()));
    // The gateway's repeat opens no second refund.
    h.deliver(late).await;
    assert_eq!(
        h.store
            .refunds_for_order(&h.tenant.tenant_id, &"LP-1".parse().unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
}
