//! The merchant's side of the payment-code API, over HTTP against a running platform: issuing a
//! code, what a bad request gets back, replaying a request with its Idempotency-Key, reading and
//! cancelling, and that a merchant sees only its own orders.

use cuadre_e2e::{code_request, World};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_issues_a_code_and_reads_it_back() {
    let world = World::start("e2e-issue").await;

    let code = world.issue_code("A-1001", "150.00").await;
    assert_eq!(code["order_id"], "A-1001");
    assert_eq!(code["amount"], "150.00");
    assert_eq!(code["currency"], "PEN");
    assert_eq!(code["status"], "PENDING");
    assert_eq!(code["channel"], "api");
    let cip = code["cip"].as_str().unwrap();
    assert!(
        code["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("-05:00")),
        "expiry in Lima time: {code}"
    );

    // The code exists at the gateway, for this amount, pending.
    let at_gateway = world.sandbox_cip(cip).await;
    let merchant = world.local.merchant.as_ref().expect("the sandbox merchant");
    assert_eq!(at_gateway["idService"], merchant.id_service, "{at_gateway}");
    assert_eq!(at_gateway["status"], "Pendiente", "{at_gateway}");
    assert_eq!(at_gateway["amount"].as_f64(), Some(150.0), "{at_gateway}");

    let read = world.order("A-1001").await;
    assert_eq!(read["cip"], cip);
    assert_eq!(read["status"], "PENDING");
    assert_eq!(read["pay_url"], code["pay_url"]);
    assert_eq!(read["payments"], json!([]));
    assert_eq!(read["vouchers"], json!([]));
    assert_eq!(read["exceptions"], json!([]));

    // The buyer's link opens a page showing the code and the amount.
    let page = world
        .send(world.http.get(code["pay_url"].as_str().unwrap()))
        .await;
    assert_eq!(page.status, 200, "the pay page: {}", page.status);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.text.contains(cip), "the page shows CIP {cip}");
    assert!(page.text.contains("S/ 150.00"), "the page shows S/ 150.00");

    // The merchant withdraws the code: cancelled here and at the gateway.
    let cancelled = world
        .send(world.api(Method::DELETE, "/v1/payment-codes/A-1001"))
        .await;
    assert_eq!(cancelled.status, 200, "cancelling: {cancelled}");
    assert_eq!(cancelled.body["status"], "CANCELLED", "{cancelled}");
    assert_eq!(world.order("A-1001").await["status"], "CANCELLED");
    let at_gateway = world.sandbox_cip(cip).await;
    assert_eq!(at_gateway["status"], "Eliminado", "{at_gateway}");
    let again = world
        .send(world.api(Method::DELETE, "/v1/payment-codes/A-1001"))
        .await;
    again.assert_problem(409, "cancelling a cancelled code");

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_problem_json_naming_each_field() {
    let world = World::start("e2e-invalid").await;
    let create = || world.api(Method::POST, "/v1/payment-codes");

    let invalid = world
        .send(create().json(&json!({
            "order_id": "",
            "amount": -5,
            "currency": "EUR",
            "channel": "fax",
            "buyer": {"email": "not-an-email", "phone": "12ab"},
            "expires_in_hours": 0
        })))
        .await;
    invalid.assert_problem(422, "a body with invalid fields");
    for field in [
        "order_id",
        "amount",
        "currency",
        "channel",
        "buyer.email",
        "buyer.phone",
        "expires_in_hours",
    ] {
        let message = invalid.field_error(field);
        assert!(
            message.is_some_and(|m| !m.is_empty()),
            "errors[] names {field} with a message: {invalid}"
        );
    }
    assert_eq!(
        invalid.field_error("amount"),
        Some("must be greater than zero"),
        "{invalid}"
    );

    let missing = world.send(create().json(&json!({}))).await;
    missing.assert_problem(422, "an empty object");
    for field in ["order_id", "amount", "currency", "buyer"] {
        assert!(
            missing.field_error(field).is_some(),
            "{field} is reported missing: {missing}"
        );
    }

    let unreadable = world
        .send(
            create()
                .header("content-type", "application/json")
                .body("{\"order_id\": "),
        )
        .await;
    unreadable.assert_problem(400, "a body that is not JSON");

    let anonymous = world
        .send(
            world
                .http
                .post(world.url("/v1/payment-codes"))
                .json(&code_request("A-1", "10.00")),
        )
        .await;
    anonymous.assert_problem(401, "no API key");
    let wrong_key = world
        .send(
            world
                .api_as("cdr_0000000000_notakey", Method::POST, "/v1/payment-codes")
                .json(&code_request("A-1", "10.00")),
        )
        .await;
    wrong_key.assert_problem(401, "a wrong API key");

    let unknown = world
        .send(world.api(Method::GET, "/v1/payment-codes/NO-SUCH-ORDER"))
        .await;
    unknown.assert_problem(404, "an order that does not exist");

    // Nothing was issued by any of them.
    let none = world
        .send(world.api(Method::GET, "/v1/payment-codes/A-1"))
        .await;
    none.assert_problem(404, "the order of the refused requests");

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_request_gets_the_same_code() {
    let world = World::start("e2e-idem").await;
    let request = |key: &str, body: &serde_json::Value| {
        world
            .api(Method::POST, "/v1/payment-codes")
            .header("idempotency-key", key)
            .json(body)
    };
    let body = code_request("B-2001", "89.90");

    let first = world.send(request("retry-b-2001", &body)).await;
    assert_eq!(first.status, 201, "{first}");
    let replay = world.send(request("retry-b-2001", &body)).await;
    assert_eq!(
        replay.status, 201,
        "the replay answers as the first: {replay}"
    );
    assert_eq!(replay.body, first.body, "the replay gives the same answer");

    // The same key with another body is refused, naming the key.
    let other = world
        .send(request("retry-b-2001", &code_request("B-2001", "90.00")))
        .await;
    other.assert_problem(422, "the same Idempotency-Key with another body");
    assert!(
        other.body["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("idempotency-key-reused")),
        "{other}"
    );

    // Without a key, asking again for the same order gives its live code, not a second one.
    let again = world
        .send(world.api(Method::POST, "/v1/payment-codes").json(&body))
        .await;
    assert_eq!(again.status, 200, "{again}");
    assert_eq!(again.body["cip"], first.body["cip"], "{again}");
    let sandbox_cips = world
        .send(world.http.get(world.sandbox_url("/sandbox/cips")))
        .await;
    assert_eq!(
        sandbox_cips.body.as_array().map(Vec::len),
        Some(1),
        "the gateway was asked for one code only: {sandbox_cips}"
    );

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_sees_only_its_own_orders() {
    let world = World::start("e2e-tenant-a").await;
    world.issue_code("C-3001", "42.00").await;
    let (_, other_key) = world.onboard_another("e2e-tenant-b").await;

    let foreign = world
        .send(world.api_as(&other_key, Method::GET, "/v1/payment-codes/C-3001"))
        .await;
    foreign.assert_problem(404, "another merchant's order");
    let cancel = world
        .send(world.api_as(&other_key, Method::DELETE, "/v1/payment-codes/C-3001"))
        .await;
    cancel.assert_problem(404, "cancelling another merchant's order");
    assert_eq!(world.order("C-3001").await["status"], "PENDING");

    world.stop().await;
}
