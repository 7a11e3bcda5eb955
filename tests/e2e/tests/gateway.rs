//! The gateway's side: PagoEfectivo (the sandbox) pays a code at an agent and posts its signed
//! notification to the merchant's webhook; the merchant sees the result through its API.

use std::time::Duration;

use cuadre_e2e::World;
use cuadre_gateway::notification::sign_notification;
use serde_json::{json, Value};

/// How long a paid code may take to show as paid.
const PAID_WITHIN: Duration = Duration::from_secs(20);

/// The sandbox's report of the notification it posted: delivered, and answered 200.
fn delivered(outcome: &Value) -> (String, String) {
    let report = &outcome["notification"];
    assert_eq!(
        report["delivered"], true,
        "the sandbox delivered the notification: {outcome}"
    );
    assert_eq!(report["lastStatus"], 200, "{outcome}");
    (
        report["body"]
            .as_str()
            .expect("the body posted")
            .to_string(),
        report["signature"]
            .as_str()
            .expect("its PE-Signature")
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_paid_at_an_agent_becomes_paid_exactly_once() {
    let world = World::start("e2e-paid").await;
    let code = world.issue_code("D-4001", "150.00").await;
    let cip = code["cip"].as_str().unwrap();

    let outcome = world
        .sandbox_pay(cip, json!({"operationNumber": "000123"}))
        .await;
    let (body, signature) = delivered(&outcome);
    assert_eq!(
        outcome["notification"]["url"], world.webhook_url,
        "the sandbox posts to the tenant's webhook"
    );

    let order = world
        .wait_for_order("D-4001", "status PAID", PAID_WITHIN, |o| {
            o["status"] == "PAID"
        })
        .await;
    let payments = order["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{order}");
    assert_eq!(payments[0]["operation_number"], "000123", "{order}");
    assert_eq!(payments[0]["amount"], "150.00", "{order}");
    assert_eq!(payments[0]["currency"], "PEN", "{order}");
    assert_eq!(order["exceptions"], json!([]), "a clean payment: {order}");

    // The gateway delivers the same notification again: acknowledged, recorded once.
    let again = world
        .post_notification(body.as_bytes(), Some(&signature))
        .await;
    assert_eq!(again.status, 200, "a repeated notification: {again}");
    assert_eq!(again.body["status"], "already_recorded", "{again}");
    let order = world.order("D-4001").await;
    assert_eq!(order["status"], "PAID");
    assert_eq!(
        order["payments"].as_array().map(Vec::len),
        Some(1),
        "{order}"
    );

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_of_another_amount_raises_amount_mismatch() {
    let world = World::start("e2e-mismatch").await;
    let code = world.issue_code("E-5001", "150.00").await;
    let cip = code["cip"].as_str().unwrap();

    let outcome = world
        .sandbox_pay(
            cip,
            json!({"amount": "140.00", "operationNumber": "000777"}),
        )
        .await;
    delivered(&outcome);

    let exception = world.wait_for_exception("AMOUNT_MISMATCH", "E-5001").await;
    assert_eq!(exception["status"], "OPEN", "{exception}");
    assert_eq!(exception["cip"], cip, "{exception}");
    assert_eq!(exception["operation_number"], "000777", "{exception}");
    let detail = exception["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("140.00") && detail.contains("150.00"),
        "the detail names both amounts: {exception}"
    );

    // The money arrived: the order is paid, with the payment as received and the exception on it.
    let order = world.order("E-5001").await;
    assert_eq!(order["status"], "PAID", "{order}");
    assert_eq!(order["payments"][0]["amount"], "140.00", "{order}");
    assert!(
        order["exceptions"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["kind"] == "AMOUNT_MISMATCH")),
        "{order}"
    );

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_not_signed_by_the_merchants_key_changes_nothing() {
    let world = World::start("e2e-signature").await;
    let paid = world.issue_code("F-6001", "25.50").await;
    let target = world.issue_code("F-6002", "25.50").await;
    let (paid_cip, target_cip) = (
        paid["cip"].as_str().unwrap(),
        target["cip"].as_str().unwrap(),
    );

    // A real notification for F-6001, delivered and accepted.
    let outcome = world
        .sandbox_pay(paid_cip, json!({"operationNumber": "000555"}))
        .await;
    let (body, signature) = delivered(&outcome);
    world
        .wait_for_order("F-6001", "status PAID", PAID_WITHIN, |o| {
            o["status"] == "PAID"
        })
        .await;

    // Someone replays it with F-6002's CIP in it and the original signature.
    let cip_field = format!("\"cip\":\"{paid_cip}\"");
    assert!(body.contains(&cip_field), "the notification body: {body}");
    let tampered = body.replace(&cip_field, &format!("\"cip\":\"{target_cip}\""));
    let refused = world
        .post_notification(tampered.as_bytes(), Some(&signature))
        .await;
    refused.assert_problem(401, "a tampered body with the original signature");

    // Signed, but not with this merchant's secret key.
    let forged = sign_notification(b"not-the-merchants-secret-key", tampered.as_bytes());
    let refused = world
        .post_notification(tampered.as_bytes(), Some(&forged))
        .await;
    refused.assert_problem(401, "a body signed with another key");

    // Not signed at all.
    let refused = world.post_notification(tampered.as_bytes(), None).await;
    refused.assert_problem(401, "a body without PE-Signature");

    // F-6002 is as it was: pending, no payment, no exception; nothing orphaned either.
    let order = world.order("F-6002").await;
    assert_eq!(order["status"], "PENDING", "{order}");
    assert_eq!(order["payments"], json!([]), "{order}");
    assert_eq!(order["exceptions"], json!([]), "{order}");
    assert_eq!(world.exceptions("UNKNOWN_CIP").await, Vec::<Value>::new());
    assert_eq!(
        world.exceptions("DUPLICATE_PAYMENT").await,
        Vec::<Value>::new()
    );

    world.stop().await;
}
