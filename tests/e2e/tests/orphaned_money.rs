//! No orphaned money: a payment finds its order whatever the history of the order's codes, and a
//! payment notified without an operation number is settled as itself. The sandbox issues, pays and
//! notifies; the settlement file goes to S3 and the scheduled reconciliation reads it.

use std::time::Duration;

use cuadre_e2e::{World, ASYNC_DEADLINE};
use reqwest::Method;
use serde_json::{json, Value};

fn kinds(order: &Value) -> Vec<String> {
    order["exceptions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str().map(str::to_string))
        .collect()
}

/// A Lima time `minutes` from an hour ago (the payments happened just before the test).
fn lima(minutes: i64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::hours(1) + chrono::Duration::minutes(minutes);
    cuadre_core::time::format_lima(at)
}

/// A line of PEN 60.00 (fee 3.10) for `cip`, paid at `minutes` past the hour, settled later.
fn settlement_line(cip: &str, operation: &str, minutes: i64) -> String {
    format!(
        "LIQ-SI,{cip},{operation},60.00,3.10,56.90,PEN,{},{}",
        lima(minutes),
        lima(50)
    )
}

fn delivered(outcome: &Value) {
    assert_eq!(outcome["notification"]["delivered"], true, "{outcome}");
    assert_eq!(outcome["notification"]["lastStatus"], 200, "{outcome}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_superseded_code_still_pays_its_order_and_paying_both_is_a_duplicate() {
    let world = World::start("e2e-reissue").await;
    let first = world.issue_code("R-1", "80.00").await;
    let first_cip = first["cip"].as_str().unwrap().to_string();
    let cancel = world
        .send(world.api(Method::DELETE, "/v1/payment-codes/R-1"))
        .await;
    assert_eq!(cancel.status, 200, "cancelling the first code: {cancel}");
    let second = world.issue_code("R-1", "80.00").await;
    let second_cip = second["cip"].as_str().unwrap().to_string();
    assert_ne!(first_cip, second_cip, "a re-issue is a new code");
    assert_eq!(second["earlier_cips"], json!([first_cip]), "{second}");

    // The buyer pays the code they still have: the gateway took it before our cancel reached it.
    let outcome = world
        .sandbox_pay(
            &first_cip,
            json!({"operationNumber": "7001", "force": true}),
        )
        .await;
    delivered(&outcome);
    let order = world
        .wait_for_order("R-1", "paid by its first code", ASYNC_DEADLINE, |o| {
            o["status"] == "PAID"
        })
        .await;
    assert_eq!(order["payments"][0]["cip"], first_cip.as_str(), "{order}");
    assert_eq!(kinds(&order), Vec::<String>::new(), "{order}");
    assert!(
        world.exceptions("UNKNOWN_CIP").await.is_empty(),
        "the first code's payment is no orphan"
    );

    // The buyer pays the new code too: the order is paid twice, one payment must be refunded.
    delivered(
        &world
            .sandbox_pay(&second_cip, json!({"operationNumber": "7002"}))
            .await,
    );
    let duplicate = world.wait_for_exception("DUPLICATE_PAYMENT", "R-1").await;
    assert_eq!(duplicate["operation_number"], "7002", "{duplicate}");
    assert_eq!(duplicate["cip"], second_cip.as_str(), "{duplicate}");
    let order = world.order("R-1").await;
    assert_eq!(
        order["payments"].as_array().map(Vec::len),
        Some(2),
        "{order}"
    );
    assert!(world.exceptions("UNKNOWN_CIP").await.is_empty());

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_of_a_timed_out_creation_is_known_to_its_order_when_paid() {
    let world = World::start("e2e-timeout").await;
    // The gateway creates the first code after our 10 s timeout: we never learn its number.
    world
        .sandbox_faults(json!({"delayNextCreates": 1, "delayMs": 11_500}))
        .await;
    let timed_out = world
        .send(
            world
                .api(Method::POST, "/v1/payment-codes")
                .json(&cuadre_e2e::code_request("TO-1", "45.00")),
        )
        .await;
    assert_eq!(timed_out.status, 504, "{timed_out}");
    let retried = world.issue_code("TO-1", "45.00").await;
    let recorded = retried["cip"].as_str().unwrap().to_string();
    let lost = cuadre_e2e::eventually(
        "the gateway's first code for TO-1",
        Duration::from_secs(20),
        || async {
            let cips = world.sandbox_cips_of("TO-1").await;
            cips.iter()
                .filter_map(|c| c["cip"].as_u64().map(|n| n.to_string()))
                .find(|c| c != &recorded)
                .ok_or_else(|| format!("the sandbox's CIPs of TO-1: {cips:?}"))
        },
    )
    .await;

    delivered(
        &world
            .sandbox_pay(&lost, json!({"operationNumber": "8001"}))
            .await,
    );
    let order = world
        .wait_for_order(
            "TO-1",
            "paid by the code it never recorded",
            ASYNC_DEADLINE,
            |o| o["status"] == "PAID",
        )
        .await;
    assert_eq!(
        order["cip"],
        recorded.as_str(),
        "its current code stays: {order}"
    );
    assert_eq!(order["earlier_cips"], json!([lost]), "{order}");
    assert_eq!(order["payments"][0]["cip"], lost.as_str(), "{order}");
    assert!(world.exceptions("UNKNOWN_CIP").await.is_empty());

    // Its settlement line finds the order by that code too.
    let paid_at = order["payments"][0]["paid_at"]
        .as_str()
        .unwrap()
        .to_string();
    world
        .settle(
            "timeout.csv",
            &[format!(
                "LIQ-TO,{lost},8001,45.00,2.58,42.42,PEN,{paid_at},{paid_at}"
            )],
        )
        .await;
    let order = world
        .wait_for_order("TO-1", "settled", ASYNC_DEADLINE, |o| {
            o["status"] == "SETTLED"
        })
        .await;
    assert_eq!(kinds(&order), Vec::<String>::new(), "{order}");

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_without_operation_number_is_settled_as_itself_and_two_candidates_are_left_to_a_person(
) {
    let world = World::start("e2e-standin").await;
    let one = world.issue_code("S-1", "60.00").await;
    let one_cip = one["cip"].as_str().unwrap().to_string();
    let two = world.issue_code("S-2", "60.00").await;
    let two_cip = two["cip"].as_str().unwrap().to_string();
    // The gateway pays `cip` at `minutes` past the hour and notifies an empty operation number.
    let pay_unnumbered = |cip: String, minutes: i64| {
        let world = &world;
        async move {
            let body = json!({"operationNumber": "", "paymentDate": lima(minutes), "force": true});
            delivered(&world.sandbox_pay(&cip, body).await);
        }
    };
    // S-1: one payment so. S-2: two, minutes apart (a duplicate at once).
    pay_unnumbered(one_cip.clone(), 0).await;
    pay_unnumbered(two_cip.clone(), 0).await;
    pay_unnumbered(two_cip.clone(), 4).await;
    world.wait_for_exception("DUPLICATE_PAYMENT", "S-2").await;
    let stand_in = world.order("S-1").await["payments"][0]["operation_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(stand_in.starts_with('~'), "{stand_in}");

    // The settlement names the real operation numbers, the gateway's clock 3 minutes off.
    world
        .settle(
            "standin.csv",
            &[
                settlement_line(&one_cip, "000555", 3),
                settlement_line(&two_cip, "000556", 2),
            ],
        )
        .await;
    let settled = world
        .wait_for_order("S-1", "settled", ASYNC_DEADLINE, |o| {
            o["status"] == "SETTLED"
        })
        .await;
    let payments = settled["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "one payment, settled: {settled}");
    assert_eq!(payments[0]["operation_number"], stand_in.as_str());
    assert_eq!(payments[0]["settled_as"], "000555", "{settled}");
    assert_eq!(kinds(&settled), Vec::<String>::new(), "{settled}");

    // S-2's line fits both of its payments: a person decides, nothing is adopted or recorded.
    let mismatch = world.wait_for_exception("SETTLEMENT_MISMATCH", "S-2").await;
    assert!(
        mismatch["detail"]
            .as_str()
            .is_some_and(|d| d.contains("fits 2 payments")),
        "{mismatch}"
    );
    let two = world.order("S-2").await;
    assert_eq!(two["status"], "PAID", "{two}");
    let payments = two["payments"].as_array().unwrap();
    assert_eq!(
        payments.len(),
        2,
        "no payment recorded from the line: {two}"
    );
    assert!(payments.iter().all(|p| p["settled_as"].is_null()), "{two}");
    assert!(
        !kinds(&two).contains(&"MISSED_NOTIFICATION".to_string()),
        "{two}"
    );

    world.stop().await;
}
