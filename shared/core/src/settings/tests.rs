use std::str::FromStr;

use chrono::TimeZone;

use super::*;
use crate::ids::TenantId;
use crate::peru::Ruc;

fn tenant() -> Tenant {
    Tenant {
        tenant_id: TenantId::parse("acme").unwrap(),
        name: "Acme".into(),
        ruc: Ruc::parse("20100047218").unwrap(),
        id_service: 1001,
        access_key: "ak".into(),
        secret_ref: "/cuadre/t/tenants/acme/gateway-secret-key".into(),
        default_expiry_hours: 48,
        high_value_thresholds: BTreeMap::from([(Currency::Pen, Decimal::from(5000))]),
        notification_url: None,
        notification_secret_ref: Some("/cuadre/t/tenants/acme/notification-secret".into()),
        buyer_emails: true,
        settlement_lag_hours: None,
        late_payment_policy: LatePaymentPolicy::Accept,
        previous_notification_secret: None,
        disabled_at: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
        version: 3,
    }
}

fn patch(json: &str) -> Result<SettingsPatch, SettingsError> {
    SettingsPatch::from_json(json.as_bytes())
}

#[test]
fn a_merge_patch_changes_what_it_names_and_nothing_else() {
    let p = patch(
        r#"{"notification_url":"https://shop.example.pe/hooks/cuadre","buyer_emails":false,
            "default_expiry_hours":72,"high_value_thresholds":{"USD":1500.50,"PEN":null},
            "settlement_lag_hours":24,"late_payment_policy":"refund"}"#,
    )
    .unwrap();
    let next = p.apply(&tenant()).unwrap();
    assert_eq!(
        next.notification_url.as_deref(),
        Some("https://shop.example.pe/hooks/cuadre")
    );
    assert!(!next.buyer_emails);
    assert_eq!(next.default_expiry_hours, 72);
    // Exactly, never through a float; PEN dropped.
    assert_eq!(
        next.high_value_thresholds,
        BTreeMap::from([(Currency::Usd, Decimal::from_str("1500.50").unwrap())])
    );
    assert_eq!(next.settlement_lag_hours, Some(24));
    assert_eq!(next.late_payment_policy, LatePaymentPolicy::Refund);
    // Identity is untouched.
    let before = tenant();
    assert_eq!(
        (&next.name, &next.secret_ref, next.id_service, next.version),
        (
            &before.name,
            &before.secret_ref,
            before.id_service,
            before.version
        )
    );

    let empty = patch("{}").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.apply(&tenant()).unwrap(), tenant());
}

#[test]
fn null_clears_what_may_be_unset() {
    let mut t = tenant();
    t.notification_url = Some("https://a.example/x".into());
    t.settlement_lag_hours = Some(12);
    let next = patch(r#"{"notification_url":null,"settlement_lag_hours":null}"#)
        .unwrap()
        .apply(&t)
        .unwrap();
    assert_eq!(next.notification_url, None);
    assert_eq!(next.settlement_lag_hours, None);
    assert_eq!(
        next.settlement_lag(TimeDelta::hours(72)),
        TimeDelta::hours(72)
    );
    assert_eq!(t.settlement_lag(TimeDelta::hours(72)), TimeDelta::hours(12));
}

#[test]
fn each_bad_setting_is_refused_by_name() {
    for (json, field) in [
        (r#"{"default_expiry_hours":0}"#, "default_expiry_hours"),
        (r#"{"default_expiry_hours":721}"#, "default_expiry_hours"),
        (r#"{"default_expiry_hours":1.5}"#, "default_expiry_hours"),
        (r#"{"default_expiry_hours":null}"#, "default_expiry_hours"),
        (r#"{"settlement_lag_hours":0}"#, "settlement_lag_hours"),
        (
            r#"{"notification_url":"http://shop.example.pe/h"}"#,
            "notification_url",
        ),
        (
            r#"{"notification_url":"https://u:p@shop.example.pe/h"}"#,
            "notification_url",
        ),
        (
            r#"{"notification_url":"shop.example.pe"}"#,
            "notification_url",
        ),
        (r#"{"notification_url":42}"#, "notification_url"),
        (r#"{"buyer_emails":"yes"}"#, "buyer_emails"),
        (r#"{"late_payment_policy":"keep"}"#, "late_payment_policy"),
        (
            r#"{"high_value_thresholds":{"EUR":10}}"#,
            "high_value_thresholds.EUR",
        ),
        (
            r#"{"high_value_thresholds":{"PEN":-5}}"#,
            "high_value_thresholds.PEN",
        ),
        (
            r#"{"high_value_thresholds":{"PEN":1.005}}"#,
            "high_value_thresholds.PEN",
        ),
        (r#"{"high_value_thresholds":[1]}"#, "high_value_thresholds"),
        (r#"{"name":"Other"}"#, "name"),
        ("[1]", "body"),
    ] {
        let refused = patch(json).and_then(|p| p.apply(&tenant())).unwrap_err();
        assert_eq!(refused.field, field, "{json}");
    }
    // Loopback receivers may be plain http (local runs).
    assert!(patch(r#"{"notification_url":"http://127.0.0.1:9000/h"}"#)
        .unwrap()
        .apply(&tenant())
        .is_ok());
}

#[test]
fn a_url_needs_a_secret_to_sign_with() {
    let mut t = tenant();
    t.notification_secret_ref = None;
    let err = patch(r#"{"notification_url":"https://shop.example.pe/h"}"#)
        .unwrap()
        .apply(&t)
        .unwrap_err();
    assert_eq!(err.field, "notification_url");
}

#[test]
fn a_rotation_signs_with_both_secrets_for_the_overlap_only() {
    let t = tenant();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let rotated =
        t.with_rotated_secret("/cuadre/t/tenants/acme/notification-secret-v4".into(), now);
    assert_eq!(
        rotated.signing_secret_refs(now),
        vec![
            "/cuadre/t/tenants/acme/notification-secret-v4",
            "/cuadre/t/tenants/acme/notification-secret"
        ]
    );
    let almost = now + SECRET_OVERLAP - TimeDelta::seconds(1);
    assert_eq!(rotated.signing_secret_refs(almost).len(), 2);
    assert_eq!(
        rotated.signing_secret_refs(now + SECRET_OVERLAP),
        vec!["/cuadre/t/tenants/acme/notification-secret-v4"]
    );
    assert_eq!(t.signing_secret_refs(now).len(), 1);
}

#[test]
fn settings_stored_before_they_existed_read_as_the_defaults() {
    let mut json = serde_json::to_value(tenant()).unwrap();
    let object = json.as_object_mut().unwrap();
    for gone in ["late_payment_policy", "settlement_lag_hours", "disabled_at"] {
        object.remove(gone);
    }
    let read: Tenant = serde_json::from_value(json).unwrap();
    assert_eq!(read, tenant());
}
