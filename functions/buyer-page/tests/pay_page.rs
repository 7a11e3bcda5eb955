//! The buyer page and its upload links against the emulator: S3 itself must accept the upload the
//! link describes and refuse any other (bigger, another type, other bytes, too late).

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use buyer_page::{handle, App, Settings};
use chrono::Utc;
use cuadre_aws::S3Links;
use cuadre_core::access::{hash_pay_token, new_pay_token, PayLink};
use cuadre_core::{OrderStatus, TenantId};
use cuadre_testing::http::field_names;
use cuadre_testing::{local_aws, unique_tenant, OrderBuilder, TenantRecordBuilder, TestAws};
use lambda_http::http::{Request, StatusCode};
use lambda_http::Body;
use serde_json::{json, Value};
use sha2::Digest;

struct Harness {
    app: App,
    tenant: TenantId,
}

async fn harness(settings: Settings) -> Harness {
    let aws = TestAws::connect().await;
    let links = Arc::new(S3Links::new(aws.s3.clone(), aws.var("VOUCHERS_BUCKET")));
    let tenant = unique_tenant("buyer");
    TenantRecordBuilder::new(&tenant)
        .name("Tienda <Uno>")
        .create(aws.store.as_ref())
        .await;
    Harness {
        app: App {
            store: aws.store,
            links,
            settings,
            clock: Arc::new(Utc::now),
        },
        tenant,
    }
}

/// Every page: HSTS, nosniff, no referrer, never framed, and a CSP that runs the page's own script
/// (by its hash) and nothing else.
fn assert_secured(response: &lambda_http::Response<Body>, page: &str) {
    let h = response.headers();
    assert!(h["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    match page.split_once("<script>") {
        Some((_, rest)) => {
            let script = rest.split("</script>").next().unwrap();
            let hash = STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
            assert!(
                csp.contains(&format!("script-src 'sha256-{hash}';")),
                "{csp}"
            );
        }
        None => assert!(csp.contains("script-src 'none';"), "{csp}"),
    }
}

/// A harness with one pending order `id`; the order's pay token.
async fn with_pending_order(settings: Settings, id: &str) -> (Harness, String) {
    let h = harness(settings).await;
    let token = h.order(id, OrderStatus::Pending).await;
    (h, token)
}

impl Harness {
    /// An issued order with its pay link; returns the token.
    async fn order(&self, id: &str, status: OrderStatus) -> String {
        self.order_expiring(id, status, None).await
    }

    /// [`Harness::order`] whose code expires at `expires_at` (the builder's default when `None`).
    async fn order_expiring(
        &self,
        id: &str,
        status: OrderStatus,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> String {
        let token = new_pay_token(rand::random());
        let mut builder = OrderBuilder::new(&self.tenant, id)
            .cip("2523136")
            .amount("1250.00")
            .status(status)
            .cip_url("https://pre1a.services.pagoefectivo.pe/x.html")
            .concept("Zapatillas")
            .pay_token(&token);
        if let Some(at) = expires_at {
            builder = builder.expires_at(at);
        }
        let order = builder.create(self.app.store.as_ref()).await;
        let link = PayLink {
            token_hash: hash_pay_token(&token),
            tenant_id: self.tenant.clone(),
            order_id: order.order_id.clone(),
            uploads_granted: 0,
        };
        self.app.store.create_pay_link(&link).await.unwrap();
        token
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let req = Request::builder()
            .method("GET")
            .uri(format!("https://pay.test{path}"))
            .body(Body::Empty)
            .unwrap();
        let response = handle(&self.app, req).await;
        let status = response.status();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let Body::Text(text) = response.body() else {
            panic!("html body")
        };
        assert_secured(&response, text);
        (status, text.clone())
    }

    async fn ask_upload(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method("POST")
            .uri(format!("https://pay.test/pay/{token}/uploads"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = handle(&self.app, req).await;
        let status = response.status();
        let Body::Text(text) = response.body() else {
            panic!("json body")
        };
        (status, serde_json::from_str(text).unwrap())
    }
}

fn checksum(bytes: &[u8]) -> String {
    STANDARD.encode(sha2::Sha256::digest(bytes))
}

fn png(size: usize) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.resize(size, 7);
    bytes
}

/// Sends the file the way the page does: the link's method, URL and headers.
async fn put(link: &Value, bytes: Vec<u8>, override_type: Option<&str>) -> reqwest::StatusCode {
    let client = reqwest::Client::new();
    let mut req = client.put(link["url"].as_str().unwrap());
    for (k, v) in link["headers"].as_object().unwrap() {
        let v = match (k.to_ascii_lowercase().as_str(), override_type) {
            ("content-type", Some(t)) => t.to_string(),
            _ => v.as_str().unwrap().to_string(),
        };
        if !k.eq_ignore_ascii_case("content-length") {
            req = req.header(k.as_str(), v);
        }
    }
    req.body(bytes).send().await.unwrap().status()
}

#[tokio::test]
async fn shows_code_amount_and_countdown_in_spanish_and_english() {
    let (h, token) = with_pending_order(Settings::default(), "A-1").await;
    let (status, page) = h.get(&format!("/pay/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2523136"));
    assert!(page.contains("S/ 1,250.00"));
    assert!(page.contains("id=\"countdown\""));
    assert!(page.contains("Tienda &lt;Uno&gt;"), "merchant name escaped");
    assert!(page.contains(&format!("data-upload-url=\"{token}/uploads\"")));
    assert!(page.contains("lang=\"es\""));
    let (_, english) = h.get(&format!("/pay/{token}?lang=en")).await;
    assert!(english.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_link_opens_until_its_grace_after_the_code_expires() {
    let h = harness(Settings::default()).await;
    let now = chrono::Utc::now();
    let within = h
        .order_expiring(
            "X-1",
            OrderStatus::Expired,
            Some(now - chrono::Duration::days(2)),
        )
        .await;
    let (status, _) = h.get(&format!("/pay/{within}")).await;
    assert_eq!(status, StatusCode::OK);
    let file = png(10);
    let ask = json!({"content_type": "image/png", "content_length": 10, "checksum_sha256": checksum(&file)});
    let (status, _) = h.ask_upload(&within, ask.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "a late voucher can still come");
    let past = h
        .order_expiring(
            "X-2",
            OrderStatus::Expired,
            Some(now - chrono::Duration::days(8)),
        )
        .await;
    let (status, _) = h.get(&format!("/pay/{past}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "7 days after the code, the link is dead"
    );
    let (status, _) = h.ask_upload(&past, ask).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_or_withdrawn_links_get_a_friendly_page() {
    let h = harness(Settings::default()).await;
    let (status, page) = h.get(&format!("/pay/{}", "ab".repeat(24))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<html"));
    let (status, _) = h.get("/pay/not-a-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let token = h.order("C-1", OrderStatus::Cancelled).await;
    let (status, page) = h.get(&format!("/pay/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("id=\"voucher-file\""),
        "no upload for a withdrawn code"
    );
}

#[tokio::test]
async fn s3_accepts_exactly_the_upload_the_link_describes() {
    let (h, token) = with_pending_order(Settings::default(), "Pedido ñandú 7").await;
    let file = png(2048);
    let (status, link) = h
        .ask_upload(&token, json!({"content_type": "image/png", "content_length": file.len(), "checksum_sha256": checksum(&file)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert_eq!(link["method"], "PUT");
    assert_eq!(
        put(&link, file.clone(), None).await,
        reqwest::StatusCode::OK
    );
    // The link writes once: a replay of the same PUT is refused by S3's condition.
    assert_eq!(
        put(&link, file.clone(), None).await,
        reqwest::StatusCode::PRECONDITION_FAILED
    );
    // the object is ours, under our key, never the buyer's file name
    let key = format!(
        "vouchers/{}/Pedido ñandú 7/{}",
        h.tenant,
        link["voucher_id"].as_str().unwrap()
    );
    let aws = local_aws();
    let object = aws
        .s3()
        .await
        .head_object()
        .bucket(aws.var("VOUCHERS_BUCKET"))
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(object.content_length(), Some(2048));
    assert_eq!(object.content_type(), Some("image/png"));
}

/// Real S3 refuses a presigned PUT whose signed headers or expiry do not hold (SigV4 covers every
/// signed header). moto 5.2.5 verifies neither presigned signatures nor checksums ("TODO" in its
/// source), so what this test can check is that the link signs the type, the exact length and the
/// file's SHA-256, and expires within 15 minutes.
#[tokio::test]
async fn the_link_signs_type_length_checksum_and_a_short_expiry() {
    let (h, token) = with_pending_order(
        Settings {
            max_uploads_per_code: 10,
            upload_link_secs: 3600,
            ..Settings::default()
        },
        "R-1",
    )
    .await;
    let file = png(1000);
    let (status, link) = h
        .ask_upload(&token, json!({"content_type": "image/png", "content_length": 1000, "checksum_sha256": checksum(&file)}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let url = reqwest::Url::parse(link["url"].as_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let signed: Vec<&str> = query["X-Amz-SignedHeaders"].split(';').collect();
    for header in [
        "content-length",
        "content-type",
        "x-amz-checksum-sha256",
        "if-none-match",
        "host",
    ] {
        assert!(signed.contains(&header), "{header} is signed: {signed:?}");
    }
    assert_eq!(
        query["X-Amz-Expires"], "900",
        "capped at 15 minutes even when configured longer"
    );
    let headers = link["headers"].as_object().unwrap();
    assert_eq!(headers["content-length"], "1000");
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-amz-checksum-sha256"], checksum(&file));
    assert_eq!(headers["if-none-match"], "*", "the link is single-use");
}

#[tokio::test]
async fn upload_requests_are_validated_and_limited_per_code() {
    let (h, token) = with_pending_order(
        Settings {
            max_uploads_per_code: 2,
            upload_link_secs: 600,
            ..Settings::default()
        },
        "L-1",
    )
    .await;
    let (status, problem) = h
        .ask_upload(&token, json!({"content_type": "text/html", "content_length": 20 * 1024 * 1024, "checksum_sha256": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_names(&problem["errors"]),
        ["content_type", "content_length", "checksum_sha256"]
    );
    let file = png(10);
    let good = json!({"content_type": "image/png", "content_length": 10, "checksum_sha256": checksum(&file)});
    assert_eq!(
        h.ask_upload(&token, good.clone()).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        h.ask_upload(&token, good.clone()).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        h.ask_upload(&token, good.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        h.ask_upload(&"cd".repeat(24), good).await.0,
        StatusCode::NOT_FOUND
    );
}
