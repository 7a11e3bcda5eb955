//! The merchant API end to end at the handler: real DynamoDB, S3 and SQS (the emulator). Nothing of
//! ours is mocked. Each test works in its own fresh tenant; the notifications queue is shared by
//! parallel tests, so a test reads only its tenant's events and deletes only those.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use cuadre_aws::S3Links;
use cuadre_core::store::{ExceptionStore, OrderStore};
use cuadre_core::{ExceptionKey, ExceptionKind, ExceptionRecord, Order, OrderId, OrderStatus};
use cuadre_testing::http::{api_request, json_reply};
use cuadre_testing::sqs::{of_tenant, take, Others};
use cuadre_testing::tenant::SECRETS_PREFIX;
use cuadre_testing::{TenantSetup, TestApp};
use lambda_http::http::{Request, StatusCode};
use lambda_http::Body;
use merchant_api::{handle, App};
use serde_json::{json, Value};

/// The handler's `App` over the real adapters and the tenant it serves (its clients through
/// `Deref`).
struct Harness {
    app: App,
    env: TestApp,
}

cuadre_testing::deref_to!(Harness => env: TestApp);

impl Harness {
    async fn new() -> Harness {
        let env = TestApp::with(
            TenantSetup::new("mapi")
                .name("Tienda Dos")
                .buyer_emails(false),
        )
        .await;
        let app = App {
            store: env.store.clone(),
            reports: Arc::new(S3Links::new(env.s3.clone(), env.var("REPORTS_BUCKET"))),
            events: env.events.clone(),
            secrets: env.secrets.clone(),
            secrets_prefix: SECRETS_PREFIX.into(),
            clock: Arc::new(Utc::now),
        };
        Harness { app, env }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let url = format!("https://api.test/prod{path}");
        let req = api_request(method, &url, self.key(), body, &[]);
        json_reply(&handle(&self.app, req).await)
    }

    async fn raise(&self, kind: ExceptionKind, order: &str, minutes: i64) -> ExceptionRecord {
        let record = ExceptionRecord::open(
            self.tenant_id().clone(),
            ExceptionKey {
                kind,
                order_id: Some(OrderId::parse(order).unwrap()),
                cip: None,
                operation_number: None,
            },
            format!("{kind} on {order}"),
            Utc::now() - Duration::hours(5) + Duration::minutes(minutes),
        );
        self.store.raise_exception(&record).await.unwrap();
        record
    }

    /// An order with its code and, when `paid`, a payment of its whole amount.
    async fn order(&self, id: &str, amount: &str, status: OrderStatus) -> Order {
        let now = Utc::now();
        let cip = format!("{}", 10_000_000 + rand::random::<u32>() % 89_999_999);
        let order = self
            .env
            .order(id)
            .cip(&cip)
            .amount(amount)
            .status(status)
            .issued_at(now - Duration::hours(2))
            .expires_at(now + Duration::hours(46))
            .channel("shopify")
            .create(self.store.as_ref())
            .await;
        if status.is_paid() {
            self.payment(&cip, "1253")
                .money(order.amount)
                .paid_at(now - Duration::hours(1))
                .order(&order.order_id)
                .record(self.store.as_ref())
                .await;
        }
        order
    }
}

/// Follows `next_page` to the end; returns the ids in page order and the page sizes.
async fn all_pages(h: &Harness, query: &str) -> (Vec<String>, Vec<usize>) {
    let mut ids = Vec::new();
    let mut sizes = Vec::new();
    let mut page: Option<String> = None;
    for _ in 0..50 {
        let path = match &page {
            Some(token) => format!("/v1/exceptions?{query}&page={token}"),
            None => format!("/v1/exceptions?{query}"),
        };
        let (status, body) = h.call("GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["exceptions"].as_array().unwrap();
        sizes.push(items.len());
        ids.extend(
            items
                .iter()
                .map(|e| e["exception_id"].as_str().unwrap().to_string()),
        );
        match body["next_page"].as_str() {
            Some(token) => page = Some(token.to_string()),
            None => return (ids, sizes),
        }
    }
    panic!("pagination never ended");
}

fn unique(ids: &[String]) -> HashSet<String> {
    let set: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "duplicates across pages: {ids:?}");
    set
}

#[tokio::test]
async fn lists_exceptions_by_status_and_kind_across_pages_without_duplicates_or_gaps() {
    let h = Harness::new().await;
    let mut amount = Vec::new();
    for i in 0..7 {
        amount.push(
            h.raise(ExceptionKind::AmountMismatch, &format!("A-{i}"), i)
                .await,
        );
    }
    for i in 0..3 {
        h.raise(ExceptionKind::NotSettled, &format!("N-{i}"), i)
            .await;
    }
    // two AMOUNT_MISMATCH acknowledged through the API
    for r in &amount[..2] {
        let (status, body) = h
            .call(
                "POST",
                &format!("/v1/exceptions/{}/acknowledge", r.exception_id),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    let (ids, sizes) = all_pages(&h, "status=OPEN&kind=AMOUNT_MISMATCH&limit=2").await;
    let expected: HashSet<String> = amount[2..].iter().map(|r| r.exception_id.clone()).collect();
    assert_eq!(unique(&ids), expected);
    assert!(sizes.iter().all(|n| *n <= 2), "{sizes:?}");

    let (ids, _) = all_pages(&h, "kind=AMOUNT_MISMATCH&limit=3").await;
    let expected: HashSet<String> = amount.iter().map(|r| r.exception_id.clone()).collect();
    assert_eq!(unique(&ids), expected, "kind alone walks every status");

    let (ids, _) = all_pages(&h, "status=OPEN&limit=3").await;
    assert_eq!(unique(&ids).len(), 8);
    let (ids, _) = all_pages(&h, "limit=4").await;
    assert_eq!(unique(&ids).len(), 10);
    let (ids, _) = all_pages(&h, "status=ACKNOWLEDGED&kind=NOT_SETTLED").await;
    assert!(ids.is_empty());

    let (_, first) = h
        .call("GET", "/v1/exceptions?status=OPEN&limit=1", None)
        .await;
    let listed = &first["exceptions"][0];
    assert_eq!(listed["status"], "OPEN");
    assert!(listed["opened_at"].as_str().unwrap().ends_with("-05:00"));

    // a token of another listing, or garbage, is a bad request
    let token = first["next_page"].as_str().unwrap();
    let (status, _) = h
        .call(
            "GET",
            &format!("/v1/exceptions?status=RESOLVED&page={token}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.call("GET", "/v1/exceptions?page=not-a-token", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h
        .call("GET", "/v1/exceptions?kind=AMOUNT_MISMATCH&page=e30", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for (query, field) in [
        ("status=CLOSED", "status"),
        ("kind=FRAUD", "kind"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
    ] {
        let (status, body) = h
            .call("GET", &format!("/v1/exceptions?{query}"), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn acknowledge_then_resolve_keeps_who_when_and_notes_and_queues_the_event() {
    let h = Harness::new().await;
    let record = h.raise(ExceptionKind::NotSettled, "R-1", 0).await;
    let base = format!("/v1/exceptions/{}", record.exception_id);

    let (status, acked) = h
        .call(
            "POST",
            &format!("{base}/acknowledge"),
            Some(&json!({"by": "ana@merchant.pe", "note": "asking the bank"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["status"], "ACKNOWLEDGED");
    assert_eq!(acked["acknowledged_by"], "ana@merchant.pe");
    assert_eq!(acked["acknowledged_note"], "asking the bank");
    assert!(acked["acknowledged_at"]
        .as_str()
        .unwrap()
        .ends_with("-05:00"));

    let (status, again) = h.call("POST", &format!("{base}/acknowledge"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    let (status, problem) = h
        .call(
            "POST",
            &format!("{base}/resolve"),
            Some(&json!({"by": "ana"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "note");
    let (status, _) = h
        .call(
            "POST",
            &format!("{base}/resolve"),
            Some(&json!({"note": "  "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, resolved) = h
        .call(
            "POST",
            &format!("{base}/resolve"),
            Some(&json!({"note": "settled on the 26th, bank statement 4411"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["status"], "RESOLVED");
    let key_id = &h.api_key.record.key_id;
    assert_eq!(resolved["resolved_by"], format!("api-key:{key_id}"));
    assert_eq!(resolved["note"], "settled on the 26th, bank statement 4411");
    assert!(resolved["resolved_at"]
        .as_str()
        .unwrap()
        .ends_with("-05:00"));
    assert_eq!(
        resolved["acknowledged_by"], "ana@merchant.pe",
        "who acknowledged is kept"
    );
    assert_eq!(resolved["acknowledged_at"], acked["acknowledged_at"]);

    let stored = h
        .store
        .get_exception(h.tenant_id(), &record.exception_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 3);
    assert!(stored.resolved_at.is_some() && stored.acknowledged_at.is_some());

    let (status, body) = h
        .call(
            "POST",
            &format!("{base}/resolve"),
            Some(&json!({"note": "again"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = h.call("POST", &format!("{base}/acknowledge"), None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a resolved exception cannot be acknowledged"
    );

    // Each change is announced: the acknowledgement, then the resolution (the outbox has both).
    let mut events = take_events(&h, 2).await;
    assert_eq!(events.len(), 2, "{events:?}");
    events.sort_by_key(|e| e["type"].as_str().unwrap().to_string());
    assert_eq!(events[0]["type"], "exception.acknowledged");
    assert_eq!(events[0]["data"]["status"], "ACKNOWLEDGED");
    let event = &events[1];
    assert_eq!(event["type"], "exception.resolved");
    assert!(event["event_id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(event["data"]["exception_id"], record.exception_id.as_str());
    assert_eq!(event["data"]["status"], "RESOLVED");
}

/// This tenant's events on the shared queue (deleting only those), waiting for `want` of them.
async fn take_events(h: &Harness, want: usize) -> Vec<Value> {
    let url = h.var("MERCHANT_NOTIFICATIONS_QUEUE_URL");
    // others' messages come back soon, for their own tests
    let mine = take(
        &h.sqs,
        url,
        want,
        StdDuration::from_secs(30),
        Others::HideFor(2),
        |b| of_tenant(b, h.tenant_id()),
    )
    .await;
    mine.iter()
        .map(|m| serde_json::from_str(m.body().unwrap_or("null")).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn another_tenants_items_are_not_found() {
    let owner = Harness::new().await;
    let other = Harness::new().await;
    let record = owner.raise(ExceptionKind::AmountMismatch, "X-1", 0).await;
    owner.order("X-1", "150.00", OrderStatus::Paid).await;
    for path in [
        format!("/v1/exceptions/{}/acknowledge", record.exception_id),
        format!("/v1/exceptions/{}/resolve", record.exception_id),
        "/v1/payment-codes/X-1/refunds".to_string(),
    ] {
        let (status, body) = other
            .call(
                "POST",
                &path,
                Some(&json!({"note": "mine now", "amount": 1, "reason": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = other
        .call("GET", "/v1/payment-codes/X-1/refunds", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = other.call("GET", "/v1/exceptions", None).await;
    assert_eq!(listed["exceptions"], json!([]));
    let stored = owner
        .store
        .get_exception(owner.tenant_id(), &record.exception_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1, "untouched");

    let req = Request::builder()
        .method("GET")
        .uri("https://api.test/v1/exceptions")
        .body(Body::Empty)
        .unwrap();
    assert_eq!(
        handle(&owner.app, req).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_days_report_lists_its_files_with_links_that_download_them() {
    let h = Harness::new().await;
    let other = Harness::new().await;
    let bucket = h.var("REPORTS_BUCKET");
    let files: [(&str, &[u8]); 3] = [
        ("orders.csv", b"order_id,cip,status\nA-1,123,PAID\n"),
        ("summary.json", br#"{"orders":1}"#),
        ("report.xlsx", b"PK\x03\x04 not really a spreadsheet"),
    ];
    for (name, bytes) in files {
        let key = format!("reports/{}/2026-11-24/{name}", h.tenant_id());
        h.put_object(bucket, &key, bytes, None).await;
    }
    let (status, body) = h.call("GET", "/v1/reports/2026-11-24", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["date"], "2026-11-24");
    let listed = body["files"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{body}");
    for (name, bytes) in files {
        let file = listed.iter().find(|f| f["name"] == name).unwrap();
        assert_eq!(file["size"], bytes.len());
        assert_eq!(file["download_url_expires_in"], 300);
        let url = file["download_url"].as_str().unwrap();
        assert!(url.contains("X-Amz-Expires=300"), "{url}");
        let response = reqwest::get(url).await.unwrap();
        assert!(response.status().is_success());
        assert_eq!(&response.bytes().await.unwrap()[..], bytes);
    }

    let (status, _) = h.call("GET", "/v1/reports/2026-11-23", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other.call("GET", "/v1/reports/2026-11-24", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's report");
    let (status, body) = h.call("GET", "/v1/reports/24-11-2026", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "date");
}

#[tokio::test]
async fn refunds_follow_their_status_machine_and_complete_the_order() {
    let h = Harness::new().await;
    h.order("P-1", "150.00", OrderStatus::Paid).await;
    h.order("Q-1", "80.00", OrderStatus::Pending).await;

    let (status, body) = h
        .call(
            "POST",
            "/v1/payment-codes/P-1/refunds",
            Some(&json!({"amount": 150.01, "reason": "buyer returned the item"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "amount");

    let (status, body) = h
        .call(
            "POST",
            "/v1/payment-codes/Q-1/refunds",
            Some(&json!({"amount": "10.00", "reason": "x"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a pending order has nothing to refund: {body}"
    );

    let (status, body) = h
        .call(
            "POST",
            "/v1/payment-codes/P-1/refunds",
            Some(&json!({"amount": "100.00", "reason": "buyer returned the item", "currency": "USD"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "currency");

    let (status, created) = h
        .call(
            "POST",
            "/v1/payment-codes/P-1/refunds",
            Some(&json!({"amount": "100.00", "reason": "buyer returned the item"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "REQUESTED");
    assert_eq!(created["amount"], "100.00");
    assert_eq!(created["currency"], "PEN");
    assert!(created["requested_at"]
        .as_str()
        .unwrap()
        .ends_with("-05:00"));
    let refund_id = created["refund_id"].as_str().unwrap().to_string();
    assert!(refund_id.starts_with("rf_"));

    // what is left to refund is 50.00
    let (status, body) = h
        .call(
            "POST",
            "/v1/payment-codes/P-1/refunds",
            Some(&json!({"amount": 50.01, "reason": "second"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, listed) = h.call("GET", "/v1/payment-codes/P-1/refunds", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(listed["refunds"][0]["refund_id"], refund_id.as_str());

    let path = format!("/v1/payment-codes/P-1/refunds/{refund_id}");
    let (status, body) = h
        .call("PATCH", &path, Some(&json!({"status": "COMPLETED"})))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "must be paid out first: {body}"
    );
    let (status, body) = h
        .call("PATCH", &path, Some(&json!({"status": "DONE"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, paid_out) = h
        .call(
            "PATCH",
            &path,
            Some(&json!({"status": "PAID_OUT", "note": "BCP transfer 99812"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{paid_out}");
    assert_eq!(paid_out["status"], "PAID_OUT");
    assert_eq!(paid_out["order_status"], "PAID");

    let (status, completed) = h
        .call("PATCH", &path, Some(&json!({"status": "COMPLETED"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{completed}");
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["order_status"], "REFUNDED");
    assert_eq!(completed["note"], "BCP transfer 99812");
    let order = h
        .store
        .get_order(h.tenant_id(), &OrderId::parse("P-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.status, OrderStatus::Refunded);

    let (status, body) = h
        .call("PATCH", &path, Some(&json!({"status": "FAILED"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = h
        .call(
            "PATCH",
            "/v1/payment-codes/P-1/refunds/rf_nope",
            Some(&json!({"status": "FAILED"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = h
        .call(
            "POST",
            "/v1/payment-codes/P-1/refunds",
            Some(&json!({"amount": "1.00", "reason": "more"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a refunded order takes no more refunds"
    );
}

#[tokio::test]
async fn a_failed_refund_frees_its_amount() {
    let h = Harness::new().await;
    h.order("F-1", "40.00", OrderStatus::Settled).await;
    let (status, created) = h
        .call(
            "POST",
            "/v1/payment-codes/F-1/refunds",
            Some(&json!({"amount": 40, "reason": "duplicate charge"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!(
        "/v1/payment-codes/F-1/refunds/{}",
        created["refund_id"].as_str().unwrap()
    );
    let (status, failed) = h
        .call(
            "PATCH",
            &path,
            Some(&json!({"status": "FAILED", "note": "account closed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    assert_eq!(failed["order_status"], "SETTLED");
    let (status, _) = h
        .call(
            "POST",
            "/v1/payment-codes/F-1/refunds",
            Some(&json!({"amount": "40.00", "reason": "second try"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
