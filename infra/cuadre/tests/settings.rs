//! `cuadre tenant show|update|disable|enable|rotate-notification-secret` against the local AWS
//! emulator, checked in the table and SSM through the ports the functions use.

mod common;

use common::{cuadre, describe, run, stderr, stdout};
use cuadre_core::settings::LatePaymentPolicy;
use cuadre_core::store::{SecretStore, TenantStore};
use cuadre_core::tenants::{authenticate_merchant, AuthError};
use cuadre_core::{Currency, Tenant};
use cuadre_testing::TestApp;
use rust_decimal::Decimal;
use serde_json::Value;

async fn cli(args: &[&str]) -> std::process::Output {
    let mut cmd = cuadre();
    cmd.envs(cuadre_testing::local_aws().client_env())
        .arg("tenant")
        .args(args);
    run(cmd, None).await
}

async fn stored(app: &TestApp) -> Tenant {
    app.store
        .get_tenant(app.tenant_id())
        .await
        .unwrap()
        .expect("tenant stored")
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_exactly_the_settings_it_names() {
    let app = TestApp::new("cli-set").await;
    let id = app.tenant_id().as_str();
    let out = cli(&[
        "update",
        "--id",
        id,
        "--notification-url",
        "https://tienda.example.pe/hooks",
        "--buyer-emails",
        "off",
        "--default-expiry-hours",
        "72",
        "--high-value",
        "PEN=4000.5",
        "--settlement-lag-hours",
        "24",
        "--late-payment-policy",
        "refund",
        "--json",
    ])
    .await;
    assert!(out.status.success(), "{}", describe(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("update --json prints JSON");
    assert_eq!(shown["high_value_thresholds"]["PEN"], "4000.50");

    let t = stored(&app).await;
    assert_eq!(
        t.notification_url.as_deref(),
        Some("https://tienda.example.pe/hooks")
    );
    assert!(!t.buyer_emails);
    assert_eq!(t.default_expiry_hours, 72);
    assert_eq!(
        t.high_value_thresholds[&Currency::Pen],
        Decimal::new(40005, 1)
    );
    assert_eq!(t.settlement_lag_hours, Some(24));
    assert_eq!(t.late_payment_policy, LatePaymentPolicy::Refund);
    assert_eq!(shown["version"], t.version);

    // Back to the defaults, one flag at a time; the rest stays.
    let out = cli(&[
        "update",
        "--id",
        id,
        "--settlement-lag-hours",
        "default",
        "--no-notification-url",
    ])
    .await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("settlement lag     default"),
        "{}",
        describe(&out)
    );
    let t = stored(&app).await;
    assert_eq!((t.settlement_lag_hours, t.notification_url), (None, None));
    assert_eq!(t.default_expiry_hours, 72);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_or_empty_update_stores_nothing() {
    let app = TestApp::new("cli-bad").await;
    let id = app.tenant_id().as_str();
    let before = stored(&app).await;
    for (args, says) in [
        (vec!["update", "--id", id], "nothing to change"),
        (
            vec!["update", "--id", id, "--default-expiry-hours", "0"],
            "default_expiry_hours",
        ),
        (
            vec![
                "update",
                "--id",
                id,
                "--buyer-emails",
                "off",
                "--notification-url",
                "ftp://x/y",
            ],
            "notification_url",
        ),
        (
            vec!["update", "--id", id, "--late-payment-policy", "keep"],
            "must be `accept` or `refund`",
        ),
        (
            vec!["update", "--id", "nobody-here", "--buyer-emails", "on"],
            "does not exist",
        ),
    ] {
        let out = cli(&args).await;
        assert!(!out.status.success(), "{args:?}: {}", describe(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", describe(&out));
    }
    assert_eq!(stored(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_tenants_key_stops_working_until_it_is_enabled() {
    let app = TestApp::new("cli-off").await;
    let id = app.tenant_id().as_str();
    let bearer = format!("Bearer {}", app.key());
    let out = cli(&["disable", "--id", id]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("(disabled)"), "{}", describe(&out));
    assert!(matches!(
        authenticate_merchant(app.store.as_ref(), app.store.as_ref(), Some(&bearer)).await,
        Err(AuthError::Disabled)
    ));
    // Disabling twice changes nothing.
    let version = stored(&app).await.version;
    assert!(cli(&["disable", "--id", id]).await.status.success());
    assert_eq!(stored(&app).await.version, version);

    let out = cli(&["enable", "--id", id, "--json"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["status"], "active");
    let (_, tenant) = authenticate_merchant(app.store.as_ref(), app.store.as_ref(), Some(&bearer))
        .await
        .expect("the key works again");
    assert!(!tenant.is_disabled());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_secret_is_shown_once_and_stored_beside_the_old_one() {
    let app = TestApp::new("cli-rot").await;
    let id = app.tenant_id().as_str();
    let out = cli(&["rotate-notification-secret", "--id", id, "--json"]).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("shown only this once"),
        "{}",
        describe(&out)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = shown["notification_secret"].as_str().unwrap();
    let t = stored(&app).await;
    let new_ref = t.notification_secret_ref.as_deref().unwrap();
    assert_eq!(
        app.secrets.get_secret(new_ref).await.unwrap().as_deref(),
        Some(secret)
    );
    let old = t.previous_notification_secret.as_ref().unwrap();
    assert_eq!(
        Some(old.secret_ref.as_str()),
        app.tenant.notification_secret_ref.as_deref()
    );
    assert_eq!(
        app.secrets
            .get_secret(&old.secret_ref)
            .await
            .unwrap()
            .as_deref(),
        Some(app.notification_secret.as_str()),
        "the old secret is still there for the overlap"
    );
}
