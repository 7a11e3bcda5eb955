//! `GET`/`PATCH /v1/tenant` and the notification-secret rotation at the handler, on the emulator's
//! DynamoDB and SSM: what the merchant changes is what is stored, a bad setting changes nothing,
//! and a disabled merchant's key is refused.

use chrono::{TimeDelta, Utc};
use cuadre_aws::AwsContext;
use cuadre_core::settings::LatePaymentPolicy;
use cuadre_core::store::{SecretStore, StoreError, TenantStore};
use cuadre_core::tenants::set_disabled;
use cuadre_core::{Currency, Tenant};
use cuadre_lambda::http::routed;
use cuadre_testing::http::{api_request, json_reply};
use cuadre_testing::TestApp;
use lambda_http::http::StatusCode;
use merchant_api::App;
use rust_decimal::Decimal;
use serde_json::{json, Value};

struct Settings {
    test: TestApp,
    app: App,
}

impl Settings {
    async fn new() -> Settings {
        let test = TestApp::new("settings").await;
        let aws = AwsContext {
            sdk: test.config.clone(),
            endpoint: test.local.aws_endpoint(),
        };
        let app = App::from_env(&test.local.vars, &aws).expect("the template's environment");
        Settings { test, app }
    }

    async fn call(&self, route: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let (method, path) = route.split_once(' ').unwrap();
        let req = api_request(
            method,
            &format!("https://api.test/prod{path}"),
            self.test.key(),
            body,
            &[],
        );
        json_reply(&merchant_api::handle(&self.app, routed(req, route, &[])).await)
    }

    async fn stored(&self) -> Tenant {
        self.test
            .store
            .get_tenant(self.test.tenant_id())
            .await
            .unwrap()
            .expect("the tenant is stored")
    }
}

#[tokio::test]
async fn the_merchant_reads_and_patches_its_settings() {
    let s = Settings::new().await;
    let (status, body) = s.call("GET /v1/tenant", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tenant_id"], s.test.tenant_id().as_str());
    assert_eq!(body["status"], "active");
    assert_eq!(body["late_payment_policy"], "accept");
    assert_eq!(body["settlement_lag_hours"], Value::Null);
    assert_eq!(body["version"], s.test.tenant.version);

    let patch = json!({
        "notification_url": "https://tienda.example.pe/hooks/cuadre",
        "buyer_emails": false,
        "default_expiry_hours": 72,
        "high_value_thresholds": {"PEN": 4500.5, "USD": "1200"},
        "settlement_lag_hours": 36,
        "late_payment_policy": "refund",
    });
    let (status, body) = s.call("PATCH /v1/tenant", Some(&patch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["high_value_thresholds"],
        json!({"PEN": "4500.50", "USD": "1200.00"})
    );
    assert_eq!(body["version"], s.test.tenant.version + 1);

    let stored = s.stored().await;
    assert_eq!(
        stored.notification_url.as_deref(),
        Some("https://tienda.example.pe/hooks/cuadre")
    );
    assert!(!stored.buyer_emails);
    assert_eq!(stored.default_expiry_hours, 72);
    assert_eq!(
        stored.high_value_thresholds[&Currency::Pen],
        Decimal::new(450050, 2)
    );
    assert_eq!(stored.settlement_lag_hours, Some(36));
    assert_eq!(stored.late_payment_policy, LatePaymentPolicy::Refund);
    // What is not a setting is as onboarding left it.
    assert_eq!(stored.secret_ref, s.test.tenant.secret_ref);
    assert_eq!(stored.name, s.test.tenant.name);

    // null clears; the answer and the store agree.
    let (status, body) = s
        .call(
            "PATCH /v1/tenant",
            Some(
                &json!({"notification_url": null, "settlement_lag_hours": null,
                         "high_value_thresholds": {"USD": null}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored = s.stored().await;
    assert_eq!(stored.notification_url, None);
    assert_eq!(stored.settlement_lag_hours, None);
    assert!(!stored.high_value_thresholds.contains_key(&Currency::Usd));
    let (_, read) = s.call("GET /v1/tenant", None).await;
    assert_eq!(read, body);
}

#[tokio::test]
async fn a_bad_setting_is_a_422_naming_it_and_changes_nothing() {
    let s = Settings::new().await;
    let before = s.stored().await;
    for (patch, field) in [
        (json!({"default_expiry_hours": 721}), "default_expiry_hours"),
        (
            json!({"default_expiry_hours": 24, "notification_url": "http://tienda.example.pe/h"}),
            "notification_url",
        ),
        (
            json!({"high_value_thresholds": {"PEN": 0}}),
            "high_value_thresholds.PEN",
        ),
        (
            json!({"late_payment_policy": "keep"}),
            "late_payment_policy",
        ),
        (
            json!({"notfication_url": "https://x.example/h"}),
            "notfication_url",
        ),
    ] {
        let (status, body) = s.call("PATCH /v1/tenant", Some(&patch)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(s.stored().await, before, "nothing was written");
    let (status, _) = s.call("PATCH /v1/tenant", None).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty body is not a patch"
    );
}

#[tokio::test]
async fn a_write_from_a_stale_read_is_refused() {
    let s = Settings::new().await;
    let stale = s.stored().await;
    let (status, _) = s
        .call("PATCH /v1/tenant", Some(&json!({"buyer_emails": false})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut lost = stale.clone();
    lost.default_expiry_hours = 5;
    assert!(matches!(
        s.test.store.replace_tenant(&stale, &lost).await,
        Err(StoreError::Conflict(_))
    ));
    let stored = s.stored().await;
    assert!(!stored.buyer_emails);
    assert_eq!(stored.default_expiry_hours, stale.default_expiry_hours);
}

#[tokio::test]
async fn a_rotation_keeps_the_old_secret_signing_for_a_day() {
    let s = Settings::new().await;
    let old_ref = s.test.tenant.notification_secret_ref.clone().unwrap();
    let before = Utc::now();
    let (status, body) = s
        .call("POST /v1/tenant/notification-secret/rotate", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let secret = body["notification_secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    assert_ne!(secret, s.test.notification_secret);

    let stored = s.stored().await;
    let new_ref = stored.notification_secret_ref.clone().unwrap();
    assert_ne!(new_ref, old_ref);
    assert_eq!(
        s.test
            .secrets
            .get_secret(&new_ref)
            .await
            .unwrap()
            .as_deref(),
        Some(secret.as_str()),
        "the new secret is in SSM under its own name"
    );
    let old = stored.previous_notification_secret.clone().unwrap();
    assert_eq!(old.secret_ref, old_ref);
    assert!(old.until >= before + TimeDelta::hours(24) - TimeDelta::seconds(1));
    assert!(old.until <= Utc::now() + TimeDelta::hours(24));
    assert_eq!(
        stored.signing_secret_refs(Utc::now()),
        vec![new_ref.as_str(), old_ref.as_str()]
    );
    assert_eq!(body["tenant"]["version"], stored.version);
}

#[tokio::test]
async fn a_disabled_merchants_key_is_refused_until_it_is_enabled() {
    let s = Settings::new().await;
    set_disabled(s.test.store.as_ref(), s.test.tenant_id(), Some(Utc::now()))
        .await
        .unwrap();
    let (status, body) = s.call("GET /v1/tenant", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["type"], "https://cuadre.dev/problems/tenant-disabled");
    let (status, _) = s
        .call("PATCH /v1/tenant", Some(&json!({"buyer_emails": true})))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a disabled merchant cannot re-enable itself"
    );

    set_disabled(s.test.store.as_ref(), s.test.tenant_id(), None)
        .await
        .unwrap();
    let (status, body) = s.call("GET /v1/tenant", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "active");
}

#[tokio::test]
async fn every_answer_is_counted_by_status_class() {
    use cuadre_lambda::metrics::{capture, with_metric, Metric};
    let s = Settings::new().await;
    let req = routed(
        api_request(
            "PATCH",
            "https://api.test/prod/v1/tenant",
            s.test.key(),
            Some(&json!({"default_expiry_hours": 0})),
            &[],
        ),
        "PATCH /v1/tenant",
        &[],
    );
    let (response, docs) = capture(merchant_api::handle(&s.app, req)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let counted = with_metric(&docs, Metric::Http4xx);
    assert_eq!(counted.len(), 1, "{docs:?}");
    assert_eq!(counted[0]["Http4xx"], 1);
    assert_eq!(counted[0]["Http5xx"], 0);
}
