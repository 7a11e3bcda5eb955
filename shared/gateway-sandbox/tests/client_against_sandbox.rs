//! The real client against the real sandbox on loopback.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use cuadre_core::ids::Cip;
use cuadre_gateway::{CipStatus, Credentials, GatewayError};
use cuadre_gateway_sandbox::{Faults, PayRequest, SandboxBuilder, StatusChangeRequest};
use cuadre_testing::sandbox::{gateway_client, sandbox_for};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[tokio::test]
async fn happy_path_creates_a_cip_with_its_page() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    let issued = issue(&client, "ORD-1", "22.05").await;
    assert_eq!(issued.cip.as_str(), "2523136", "first CIP of the sandbox");
    assert_eq!(issued.amount, Some(dec("22.05")));
    assert_eq!(issued.transaction_code.as_deref(), Some("ORD-1"));
    assert!(issued.date_expiry.unwrap() > Utc::now());
    assert!(issued.cip_url.starts_with(&sb.url()));
    assert!(issued.cip_url.ends_with(".html"));

    let page = reqwest::get(&issued.cip_url).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("2523136"));
    assert!(html.contains("S/ 22.05"));

    let second = issue(&client, "ORD-2", "10").await;
    assert_eq!(second.cip.as_str(), "2523137", "CIP numbers increment");
    assert_eq!(sb.state.stats().cips_issued, 2);
}

#[tokio::test]
async fn one_authorization_serves_many_creations() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    for i in 0..5 {
        client
            .create_cip(&credentials(), &order(&format!("SEQ-{i}"), "15.50"))
            .await
            .unwrap();
    }
    // concurrent callers on a clone share the cache and wait for one token
    let other = client.clone();
    let results = futures_join(&other, 8).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stats = sb.state.stats();
    assert_eq!(stats.authorizations, 1);
    assert_eq!(stats.cips_issued, 13);
}

async fn futures_join(
    client: &cuadre_gateway::GatewayClient,
    n: usize,
) -> Vec<Result<cuadre_gateway::IssuedCip, GatewayError>> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.create_cip(&credentials(), &order(&format!("PAR-{i}"), "1.00"))
                .await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_fresh_cold_client_on_a_new_cache_authorizes_again_but_tokens_are_per_merchant() {
    let other = Credentials::new(77, "OTHERACCESSKEY000000", "other-secret");
    let sb = sandbox(SandboxBuilder::default().merchant(merchant()).merchant(
        cuadre_gateway_sandbox::SandboxMerchant::new(77, "OTHERACCESSKEY000000", "other-secret"),
    ))
    .await;
    let client = client(&sb);
    issue(&client, "A-1", "5").await;
    client.create_cip(&other, &order("B-1", "5")).await.unwrap();
    issue(&client, "A-2", "5").await;
    client.create_cip(&other, &order("B-2", "5")).await.unwrap();
    assert_eq!(sb.state.stats().authorizations, 2, "one token per merchant");
    // a CIP of one merchant is invisible to the other
    let cip = Cip::parse("2523136").unwrap();
    assert!(client.search_cip(&other, &cip).await.unwrap().is_none());
    assert!(client
        .search_cip(&credentials(), &cip)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    let sb = sandbox(
        SandboxBuilder::default()
            .merchant(merchant())
            .token_lifetime(Duration::from_secs(2)),
    )
    .await;
    // renew 5 minutes before expiry, capped at half the lifetime: here after 1 s
    let client = client(&sb);
    issue(&client, "T-1", "5").await;
    issue(&client, "T-2", "5").await;
    assert_eq!(sb.state.stats().authorizations, 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    issue(&client, "T-3", "5").await;
    let stats = sb.state.stats();
    assert_eq!(stats.authorizations, 2);
    assert_eq!(
        stats.unauthorized_calls, 0,
        "renewed before the gateway refused it"
    );
}

#[tokio::test]
async fn token_refused_with_401_is_renewed_once() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    issue(&client, "R-1", "5").await;
    assert_eq!(sb.state.revoke_tokens(), 1);
    let issued = issue(&client, "R-2", "5").await;
    assert_eq!(issued.transaction_code.as_deref(), Some("R-2"));
    let stats = sb.state.stats();
    assert_eq!(stats.authorizations, 2);
    assert_eq!(stats.unauthorized_calls, 1);
    assert_eq!(stats.cips_issued, 2, "the refused call created nothing");
}

#[tokio::test]
async fn field_errors_name_the_fields() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    let mut bad = order("F-1", "5");
    bad.user_document_type = Some("CE".into());
    bad.user_email = "not-an-email".into();
    bad.payment_concept = Some("x".repeat(51));
    bad.user_phone = String::new();
    let err = client.create_cip(&credentials(), &bad).await.unwrap_err();
    match &err {
        GatewayError::InvalidFields { fields, .. } => {
            let got: Vec<(&str, &str)> = fields
                .0
                .iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect();
            assert!(got.contains(&("userDocumentType", "113")), "{got:?}");
            assert!(got.contains(&("userEmail", "113")), "{got:?}");
            assert!(got.contains(&("paymentConcept", "113")), "{got:?}");
            assert!(got.contains(&("userPhone", "112")), "{got:?}");
        }
        other => panic!("expected InvalidFields, got {other:?}"),
    }
    assert_eq!(err.code(), Some("111"));
    assert!(err.field_names().contains(&"userEmail"));
    assert!(!err.is_retryable());
    assert!(!err.outcome_unknown());
    assert_eq!(sb.state.stats().cips_issued, 0);

    let mut past = order("F-2", "5");
    past.date_expiry = Some(Utc::now() - chrono::Duration::hours(1));
    let err = client.create_cip(&credentials(), &past).await.unwrap_err();
    assert_eq!(err.field_names(), vec!["dateExpiry"]);
}

#[tokio::test]
async fn amount_above_the_merchant_maximum_is_511() {
    let sb = sandbox(SandboxBuilder::default().merchant(merchant().with_max_amount(dec("100.00"))))
        .await;
    let client = client(&sb);
    issue(&client, "M-1", "100.00").await;
    let err = client
        .create_cip(&credentials(), &order("M-2", "100.01"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayError::AmountAboveMaximum { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("511"));
}

#[tokio::test]
async fn rejected_credentials() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    let wrong_secret = Credentials::new(ID_SERVICE, ACCESS_KEY, "not-the-secret");
    let err = client
        .create_cip(&wrong_secret, &order("C-1", "5"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayError::CredentialsRejected { status: 401, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));

    let unknown_service = Credentials::new(4321, ACCESS_KEY, SECRET_KEY);
    assert!(matches!(
        client
            .create_cip(&unknown_service, &order("C-2", "5"))
            .await,
        Err(GatewayError::CredentialsRejected { .. })
    ));

    // fault injection refuses good credentials too, once
    sb.state.set_faults(Faults {
        reject_next_authorizations: 1,
        ..Faults::default()
    });
    assert!(matches!(
        client.create_cip(&credentials(), &order("C-3", "5")).await,
        Err(GatewayError::CredentialsRejected { .. })
    ));
    issue(&client, "C-4", "5").await;
    let stats = sb.state.stats();
    assert_eq!(stats.authorizations_refused, 3);
    assert_eq!(stats.authorizations, 1);
}

#[tokio::test]
async fn gateway_500_maps_to_unavailable() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    sb.state.set_faults(Faults {
        fail_next_creates: 2,
        ..Faults::default()
    });
    for id in ["E-1", "E-2"] {
        let err = client
            .create_cip(&credentials(), &order(id, "5"))
            .await
            .unwrap_err();
        match &err {
            GatewayError::Unavailable { status, code, .. } => {
                assert_eq!(*status, 500);
                assert_eq!(code.as_deref(), Some("166"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.is_retryable());
    }
    issue(&client, "E-3", "5").await;
    assert_eq!(sb.state.stats().cips_issued, 1);
}

#[tokio::test]
async fn slow_gateway_maps_to_timeout() {
    let sb = sandbox_for(merchant()).await;
    let client = gateway_client(sb.url(), Duration::from_millis(300));
    // authorize first so only the creation is slow
    issue(&client, "S-0", "5").await;
    sb.state.set_faults(Faults {
        delay_next_creates: 1,
        delay_ms: 1000,
        ..Faults::default()
    });
    let err = client
        .create_cip(&credentials(), &order("S-1", "5"))
        .await
        .unwrap_err();
    assert!(matches!(err, GatewayError::Timeout(_)), "{err:?}");
    assert!(
        err.outcome_unknown(),
        "a slow gateway may still have made the CIP"
    );
    // ... and the sandbox, like the real one, did create it after the delay
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(sb.state.stats().cips_issued, 2);
}

#[tokio::test]
async fn unreachable_gateway_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = gateway_client(format!("http://{addr}"), Duration::from_secs(10));
    let err = client
        .create_cip(&credentials(), &order("U-1", "5"))
        .await
        .unwrap_err();
    assert!(matches!(err, GatewayError::Connect(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn search_extend_delete_and_states() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    let creds = credentials();
    let a = client
        .create_cip(&creds, &order("L-1", "22.05"))
        .await
        .unwrap();
    let b = client
        .create_cip(&creds, &order("L-2", "30.00"))
        .await
        .unwrap();

    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(found.status, CipStatus::Pending);
    assert_eq!(found.amount, Some(dec("22.05")));
    assert_eq!(found.transaction_code.as_deref(), Some("L-1"));
    assert!(found.operation_number.is_none());

    let both = client
        .search_cips(
            &creds,
            &[a.cip.clone(), b.cip.clone(), Cip::parse("1").unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(both.len(), 2, "unknown CIPs are absent");

    // extend
    let later = Utc::now() + chrono::Duration::days(3);
    client.extend_cip(&creds, &a.cip, later).await.unwrap();
    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(
        found.date_expiry.unwrap().timestamp(),
        later.timestamp(),
        "second precision on the wire"
    );

    // delete while pending, then not again
    client.delete_cip(&creds, &b.cip).await.unwrap();
    let found = client.search_cip(&creds, &b.cip).await.unwrap().unwrap();
    assert_eq!(found.status, CipStatus::Deleted);
    let err = client.delete_cip(&creds, &b.cip).await.unwrap_err();
    assert!(
        matches!(err, GatewayError::Refused { status: 409, .. }),
        "{err:?}"
    );
    let err = client
        .delete_cip(&creds, &Cip::parse("999").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayError::Refused { status: 404, .. }),
        "{err:?}"
    );

    // pay (no notification URL registered) and look it up
    let paid = sb
        .state
        .pay(
            a.cip.as_str(),
            PayRequest {
                operation_number: Some("1253".into()),
                ..PayRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(paid.notification.is_none());
    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(found.status, CipStatus::Paid);
    assert_eq!(found.operation_number.unwrap().as_str(), "1253");
    assert_eq!(found.amount, Some(dec("22.05")));
    assert!(found.payment_date.is_some());
    assert!(matches!(
        client.delete_cip(&creds, &a.cip).await,
        Err(GatewayError::Refused { status: 409, .. })
    ));

    // reverse back to pending, expire, and revive by extending
    sb.state
        .reverse(a.cip.as_str(), StatusChangeRequest::default())
        .await
        .unwrap();
    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(found.status, CipStatus::Pending);
    sb.state
        .expire(a.cip.as_str(), StatusChangeRequest::default())
        .await
        .unwrap();
    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(found.status, CipStatus::Expired);
    client
        .extend_cip(&creds, &a.cip, Utc::now() + chrono::Duration::hours(5))
        .await
        .unwrap();
    let found = client.search_cip(&creds, &a.cip).await.unwrap().unwrap();
    assert_eq!(
        found.status,
        CipStatus::Pending,
        "extending revives an expired CIP"
    );
}

#[tokio::test]
async fn a_cip_past_its_expiry_reads_as_expired() {
    let sb = sandbox_for(merchant()).await;
    let client = client(&sb);
    let mut soon = order("X-1", "5");
    soon.date_expiry = Some(Utc::now() + chrono::Duration::seconds(2));
    let issued = client.create_cip(&credentials(), &soon).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let found = client
        .search_cip(&credentials(), &issued.cip)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status, CipStatus::Expired);
}
