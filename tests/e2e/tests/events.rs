//! The merchant's events end to end: a payment's `order.paid` lands in the outbox and reaches the
//! merchant's endpoint signed; `GET /v1/events` lists it with its attempts and re-sends it;
//! `cuadre events trigger` and `cuadre events listen` post what the endpoint verifies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use cuadre_e2e::{eventually, World};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

type Hits = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A merchant endpoint on loopback that takes everything; its URL and what it received.
async fn endpoint() -> (String, Hits) {
    async fn receive(State(hits): State<Hits>, headers: HeaderMap, body: Bytes) -> StatusCode {
        hits.lock().unwrap().push((headers, body));
        StatusCode::OK
    }
    let hits: Hits = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/hooks", post(receive))
        .with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hooks"), hits)
}

/// The receiver's check (RECEIVERS.md): `Cuadre-Signature: t=…,v1=…`, HMAC-SHA256 of `t.body`.
fn verifies(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = headers["cuadre-signature"].to_str().unwrap();
    let mut t = "";
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => v1.push(v.to_string()),
            _ => {}
        }
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    v1.contains(&expected)
}

fn types(hits: &Hits) -> Vec<String> {
    hits.lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["cuadre-event-type"].to_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_reaches_the_merchant_once_and_the_events_api_lists_and_resends_it() {
    let world = World::start("events").await;
    let (url, hits) = endpoint().await;
    // The merchant points its events at its endpoint and takes a fresh signing secret, through
    // its own settings routes.
    let key = world.api_key.clone();
    let tenant = world.tenant_id.clone();
    let set = world
        .send(
            world
                .api(Method::PATCH, "/v1/tenant")
                .header("content-type", "application/merge-patch+json")
                .json(&json!({"notification_url": url})),
        )
        .await;
    assert_eq!(set.status, 200, "{set}");
    let rotated = world
        .send(world.api(Method::POST, "/v1/tenant/notification-secret/rotate"))
        .await;
    assert_eq!(rotated.status, 200, "{rotated}");
    let secret = rotated.body["notification_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let code = world
        .send(
            world
                .api_as(&key, Method::POST, "/v1/payment-codes")
                .json(&cuadre_e2e::code_request("EV-1", "35.00")),
        )
        .await;
    assert_eq!(code.status, 201, "{code}");
    let cip = code.body["cip"].as_str().unwrap().to_string();
    world
        .sandbox_pay(&cip, json!({"operationNumber": "004242"}))
        .await;

    eventually(
        "order.paid at the endpoint",
        Duration::from_secs(30),
        || {
            let hits = hits.clone();
            async move {
                let seen = types(&hits);
                if seen.contains(&"order.paid".to_string()) {
                    Ok(())
                } else {
                    Err(format!("{seen:?}"))
                }
            }
        },
    )
    .await;
    {
        let hits = hits.lock().unwrap();
        let (headers, body) = hits
            .iter()
            .find(|(h, _)| h["cuadre-event-type"] == "order.paid")
            .unwrap();
        assert!(
            verifies(&secret, headers, body),
            "signed with the tenant's secret"
        );
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["data"]["order_id"], "EV-1");
        assert_eq!(event["data"]["operation_number"], "004242");
        assert_eq!(event["tenant_id"], tenant.as_str());
    }

    // The events API: listed with its delivery, filtered by type and order.
    let listed = eventually(
        "the event delivered in the API",
        Duration::from_secs(15),
        || {
            let request = world.api_as(
                &key,
                Method::GET,
                "/v1/events?type=order.paid&order_id=EV-1",
            );
            let world = &world;
            async move {
                let reply = world.send(request).await;
                let events = reply.body["events"].as_array().cloned().unwrap_or_default();
                if events.len() == 1 && events[0]["delivery"]["status"] == "delivered" {
                    Ok(events[0].clone())
                } else {
                    Err(reply.to_string())
                }
            }
        },
    )
    .await;
    let id = listed["event_id"].as_str().unwrap().to_string();
    assert_eq!(listed["delivery"]["attempt_count"], 1);
    let none = world
        .send(world.api_as(&key, Method::GET, "/v1/events?type=order.expired"))
        .await;
    assert_eq!(none.body["events"], json!([]), "{none}");
    let one = world
        .send(world.api_as(&key, Method::GET, &format!("/v1/events/{id}")))
        .await;
    assert_eq!(one.status, 200, "{one}");
    let attempt = &one.body["delivery"]["attempts"][0];
    assert_eq!(attempt["status_code"], 200, "{one}");
    // Another tenant cannot see it.
    let (_, other_key) = world.onboard_another("eventsother").await;
    let other = world
        .send(world.api_as(&other_key, Method::GET, &format!("/v1/events/{id}")))
        .await;
    other.assert_problem(404, "another tenant's event");

    // A re-send posts it again, under the same id.
    let resent = world
        .send(world.api_as(&key, Method::POST, &format!("/v1/events/{id}/resend")))
        .await;
    assert_eq!(resent.status, 202, "{resent}");
    eventually("the re-sent event", Duration::from_secs(30), || {
        let hits = hits.clone();
        async move {
            let seen = types(&hits);
            if seen.iter().filter(|t| *t == "order.paid").count() == 2 {
                Ok(())
            } else {
                Err(format!("{seen:?}"))
            }
        }
    })
    .await;
    let ids: Vec<String> = hits
        .lock()
        .unwrap()
        .iter()
        .filter(|(h, _)| h["cuadre-event-type"] == "order.paid")
        .map(|(h, _)| h["cuadre-event-id"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [id.clone(), id.clone()]);

    // `cuadre events listen` follows the API and forwards, signed with the secret it is given.
    // (Started two seconds after the last event: it forwards only what happens from now on.)
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (local_url, local_hits) = endpoint().await;
    let key_var = format!("E2E_KEY_{}", tenant.as_str().replace('-', "_"));
    let secret_var = format!("E2E_SECRET_{}", tenant.as_str().replace('-', "_"));
    // SAFETY of the environment: these names are this test's own.
    std::env::set_var(&key_var, &key);
    std::env::set_var(&secret_var, "whsec_local");
    let api = world.url("");
    let args = cuadre::events::parse(&[
        "listen",
        "--api",
        &api,
        "--key-env",
        &key_var,
        "--secret-env",
        &secret_var,
        "--forward-to",
        &local_url,
        "--interval-secs",
        "1",
        "--for-secs",
        "20",
        "--max",
        "1",
    ])
    .unwrap();
    let listening = tokio::spawn(cuadre::events::run(args));
    // A second payment after the listener started: it is the one forwarded.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let code = world
        .send(
            world
                .api_as(&key, Method::POST, "/v1/payment-codes")
                .json(&cuadre_e2e::code_request("EV-2", "12.00")),
        )
        .await;
    let cip2 = code.body["cip"].as_str().unwrap().to_string();
    world
        .sandbox_pay(&cip2, json!({"operationNumber": "004243"}))
        .await;
    listening.await.unwrap().unwrap();
    {
        let got = local_hits.lock().unwrap();
        assert_eq!(got.len(), 1);
        let (headers, body) = &got[0];
        assert!(verifies("whsec_local", headers, body));
        let event: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(event["data"]["order_id"], "EV-2", "{event}");
    }

    // `cuadre events trigger`: a signed sample of every type the endpoint verifies.
    let (sample_url, sample_hits) = endpoint().await;
    for event_type in cuadre_core::events::EventType::ALL {
        let args = cuadre::events::parse(&[
            "trigger",
            event_type.as_str(),
            "--url",
            &sample_url,
            "--secret-env",
            &secret_var,
        ])
        .unwrap();
        cuadre::events::run(args).await.unwrap();
    }
    let got = sample_hits.lock().unwrap().clone();
    assert_eq!(got.len(), cuadre_core::events::EventType::ALL.len());
    for ((headers, body), event_type) in got.iter().zip(cuadre_core::events::EventType::ALL) {
        assert!(verifies("whsec_local", headers, body));
        assert_eq!(headers["cuadre-event-type"], event_type.as_str());
    }
    assert!(cuadre::events::parse(&["trigger", "order.shipped", "--url", "x"]).is_err());
    world.stop().await;
}
