//! The handler end to end against the emulator (DynamoDB, SSM, SQS, SES) and real merchant
//! endpoints on loopback. Nothing of ours is mocked; each test drives its own queue + DLQ the way
//! Lambda's poller would.

mod support;

use std::time::Duration;

use chrono::{SubsecRound, TimeDelta, Utc};
use cuadre_core::events::outbox::{DeliveryStatus, EventRecord, EventStore};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::store::{OnceClaim, OnceStore};
use cuadre_core::tenants::rotate_notification_secret;
use hmac::{Hmac, Mac};
use notify_merchant::sweep_tenant;
use serde_json::json;
use sha2::Sha256;
use support::*;

/// The receiver's check exactly as RECEIVERS.md documents it, written here with the hmac crate
/// alone (not the crate's own `verify`).
fn receiver_accepts(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1.push(value.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > 300 {
        return false;
    }
    v1.iter().any(|sig| {
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    })
}

#[tokio::test]
async fn merchant_gets_the_event_signed_and_a_stale_or_tampered_copy_is_refused() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let event = event(
        &tenant,
        EventType::OrderExpired,
        "ORD-7",
        json!({"order_id": "ORD-7", "status": "EXPIRED"}),
    );
    h.send_event(&event).await;

    let poll = h.poll_once().await.expect("the message");
    assert!(poll.response.batch_item_failures.is_empty());
    let hits = endpoint.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    let header = |name: &str| hit.headers[name].to_str().unwrap().to_string();
    assert_eq!(header("cuadre-event-id"), event.event_id);
    assert_eq!(header("cuadre-event-type"), "order.expired");
    assert_eq!(header("user-agent"), "cuadre-notify/1");
    assert_eq!(header("content-type"), "application/json");
    // The body is the event as queued (its JSON form: Lima time to the second).
    let received: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(received, serde_json::to_value(&event).unwrap());
    assert!(serde_json::from_slice::<MerchantEvent>(&hit.body).is_ok());

    let signature = header("cuadre-signature");
    let t: i64 = signature
        .strip_prefix("t=")
        .and_then(|r| r.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((Utc::now().timestamp() - t).abs() < 60);
    let secret = &tenant.notification_secret;
    assert!(receiver_accepts(secret, &signature, &hit.body, t + 5));
    assert!(
        !receiver_accepts(secret, &signature, &hit.body, t + 301),
        "a replay after the 5-minute tolerance is refused"
    );
    let mut tampered = hit.body.to_vec();
    tampered.extend_from_slice(b" ");
    assert!(!receiver_accepts(secret, &signature, &tampered, t));
    assert!(!receiver_accepts(
        "not-the-secret",
        &signature,
        &hit.body,
        t
    ));
    // The crate's reference check agrees with the independent one.
    assert!(notify_merchant::signing::verify(secret, &signature, &hit.body, t, 300).is_ok());
    assert!(h.queue_is_empty().await);
}

#[tokio::test]
async fn a_refused_post_is_recorded_and_the_sweeper_retries_it_on_schedule_once() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(2).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let t = &tenant.tenant.tenant_id;
    let event = event(
        &tenant,
        EventType::ExceptionOpened,
        "exc_1",
        json!({"exception_id": "exc_1", "kind": "AMOUNT_MISMATCH"}),
    );
    // Stored times are to the second.
    let t0 = Utc::now().trunc_subsecs(0);
    h.set_time(t0);
    h.send_event(&event).await;

    // The fast path posts once; the refusal is the outbox's to retry, not the message's.
    let poll = h.poll_once().await.expect("the message");
    assert!(poll.response.batch_item_failures.is_empty());
    assert!(h.queue_is_empty().await);
    let record = h.record(&event).await;
    assert_eq!(record.status, DeliveryStatus::Pending);
    assert_eq!(record.attempts.len(), 1);
    let first = &record.attempts[0];
    assert_eq!(first.status_code, Some(500));
    assert!(first.latency_ms < 5_000);
    assert_eq!(record.next_attempt_at, Some(t0 + TimeDelta::minutes(1)));

    // Not due yet: the sweeper posts nothing.
    let report = sweep_tenant(&h.app, t).await.unwrap();
    assert_eq!(report.due, 0);
    assert_eq!(endpoint.hits().len(), 1);
    // Due: refused again, next in five minutes.
    h.set_time(t0 + TimeDelta::minutes(1));
    assert_eq!(sweep_tenant(&h.app, t).await.unwrap().due, 1);
    let record = h.record(&event).await;
    assert_eq!(record.attempts.len(), 2);
    assert_eq!(
        record.next_attempt_at,
        Some(t0 + TimeDelta::minutes(1) + TimeDelta::minutes(5))
    );
    // Then taken: delivered, and nothing more is ever posted.
    h.set_time(t0 + TimeDelta::minutes(6));
    sweep_tenant(&h.app, t).await.unwrap();
    let record = h.record(&event).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.next_attempt_at, None);
    assert_eq!(
        record
            .attempts
            .iter()
            .map(|a| a.status_code)
            .collect::<Vec<_>>(),
        [Some(500), Some(500), Some(200)]
    );
    h.set_time(t0 + TimeDelta::days(1));
    assert_eq!(sweep_tenant(&h.app, t).await.unwrap().due, 0);
    h.send_event(&event).await;
    h.poll_once().await.expect("the repeat");
    let hits = endpoint.hits();
    assert_eq!(
        hits.iter().map(|hit| hit.status).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    assert!(hits
        .iter()
        .all(|hit| hit.headers["cuadre-event-id"] == event.event_id.as_str()));
}

#[tokio::test]
async fn an_endpoint_down_for_30_hours_gets_the_event_once_when_it_is_back() {
    let h = Harness::new().await;
    // Swept every 30 min, the attempts are at 0, 30 min, 1 h, 1 h 30, 3 h 30, 8 h 30, 18 h 30 and
    // 28 h 30, inside the 30 hours the endpoint is down; the one at 38 h 30 finds it back.
    let endpoint = Endpoint::start(8).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let t = &tenant.tenant.tenant_id;
    let paid = event(
        &tenant,
        EventType::OrderExpired,
        "ORD-30H",
        json!({"order_id": "ORD-30H"}),
    );
    // Stored times are to the second.
    let t0 = Utc::now().trunc_subsecs(0);
    h.set_time(t0);
    // The queue never got it (its send failed): only the outbox has it.
    h.store
        .put_event(&EventRecord::new(paid.clone(), t0))
        .await
        .unwrap();
    // A sweep every 30 simulated minutes for two days.
    let mut now = t0;
    while now < t0 + TimeDelta::hours(48) {
        h.set_time(now);
        sweep_tenant(&h.app, t).await.unwrap();
        now += TimeDelta::minutes(30);
    }
    let record = h.record(&paid).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.attempts.len(), 9);
    let delivered_at = record.attempts.last().unwrap().at;
    assert!(delivered_at - t0 >= TimeDelta::hours(30), "{delivered_at}");
    assert!(delivered_at - t0 < TimeDelta::hours(39), "{delivered_at}");
    // Growing delays (to the sweep's 30-minute grain).
    let gaps: Vec<i64> = record
        .attempts
        .windows(2)
        .map(|w| (w[1].at - w[0].at).num_minutes())
        .collect();
    assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "{gaps:?}");
    let hits = endpoint.hits();
    assert_eq!(hits.len(), 9);
    assert_eq!(hits.iter().filter(|hit| hit.status == 200).count(), 1);
}

#[tokio::test]
async fn an_endpoint_that_never_answers_ends_failed_and_a_resend_delivers_it() {
    let h = Harness::new().await;
    let down = Endpoint::start(Endpoint::always_failing()).await;
    let up = Endpoint::start(0).await;
    let broken = h.tenant(Some(&down.url), true).await;
    let healthy = h.tenant(Some(&up.url), true).await;
    let doomed = event(
        &broken,
        EventType::OrderExpired,
        "ORD-1",
        json!({"order_id": "ORD-1"}),
    );
    // Stored times are to the second.
    let t0 = Utc::now().trunc_subsecs(0);
    h.set_time(t0);
    h.send_event(&doomed).await;
    for n in 0..3 {
        let fine = event(
            &healthy,
            EventType::ExceptionResolved,
            &format!("exc_{n}"),
            json!({"exception_id": format!("exc_{n}")}),
        );
        h.send_event(&fine).await;
    }
    // A failing endpoint holds up nothing: the batch is done, the others delivered.
    let first = h.poll_once().await.expect("the batch");
    assert_eq!(first.received.len(), 4, "one batch of four");
    assert!(first.response.batch_item_failures.is_empty());
    assert_eq!(up.hits().len(), 3);
    assert!(h.dead_letters().await.is_empty());

    // Three days of sweeps, an hour apart: then it is failed, and no longer swept.
    let t = &broken.tenant.tenant_id;
    let mut now = t0;
    while now <= t0 + TimeDelta::hours(73) {
        h.set_time(now);
        sweep_tenant(&h.app, t).await.unwrap();
        now += TimeDelta::hours(1);
    }
    let record = h.record(&doomed).await;
    assert_eq!(record.status, DeliveryStatus::Failed);
    let last = record.attempts.last().unwrap().at;
    assert!(last - t0 <= TimeDelta::hours(73) && last - t0 >= TimeDelta::hours(71));
    let attempts = record.attempts.len();
    assert_eq!(down.hits().len(), attempts);
    h.set_time(now + TimeDelta::days(3));
    assert_eq!(sweep_tenant(&h.app, t).await.unwrap().due, 0);

    // Re-sent (as `POST /v1/events/{id}/resend` does): due again, with a fresh window.
    let resent = h
        .store
        .replace_event(&record, &record.resent(now + TimeDelta::days(3)))
        .await
        .unwrap();
    assert!(resent.is_due(now + TimeDelta::days(3)));
    assert_eq!(sweep_tenant(&h.app, t).await.unwrap().due, 1);
    let record = h.record(&doomed).await;
    assert_eq!(record.attempts.len(), attempts + 1);
    assert_eq!(record.status, DeliveryStatus::Pending, "a fresh window");
}

/// `poll_until` takes a plain closure; run a future to completion inside it (multi-thread tests).
fn futures_lite_block<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_fail_alone_and_reach_the_dlq_and_a_tenant_without_url_is_acknowledged() {
    let h = Harness::new().await;
    let quiet = h.tenant(None, true).await;
    let not_json = h.send("not json").await;
    let wrong_shape = h.send(r#"{"event_id": 1, "type": "order.paid"}"#).await;
    let unknown_type = h
        .send(
            &json!({"event_id": "evt_x", "type": "order.shipped", "tenant_id": "acme",
                    "occurred_at": "2026-11-25T10:00:00-05:00", "data": {}})
            .to_string(),
        )
        .await;
    let fine = event(
        &quiet,
        EventType::OrderExpired,
        "ORD-9",
        json!({"order_id": "ORD-9"}),
    );
    h.send_event(&fine).await;

    let first = h.poll_once().await.expect("the batch");
    assert_eq!(first.received.len(), 4);
    let mut expected = vec![not_json, wrong_shape, unknown_type];
    expected.sort();
    assert_eq!(failed_ids(&first.response), expected);

    // Waiting cannot fix them: no growing delay, straight on to the DLQ after the bounded receives.
    let mut dead = Vec::new();
    h.poll_until(Duration::from_secs(30), || {
        if dead.len() < 3 {
            dead.extend(futures_lite_block(h.dead_letters()));
        }
        dead.len() >= 3
    })
    .await;
    assert!(dead.contains(&"not json".to_string()));
    assert!(h.queue_is_empty().await);

    // A record with no body, and one with no message id, straight to the handler: no panic, and
    // never an empty id in the response.
    let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(json!({
        "Records": [
            {"messageId": "m-no-body", "receiptHandle": "not-a-handle", "attributes": {}},
            {"receiptHandle": "not-a-handle", "body": "{}", "attributes": {}}
        ]
    }))
    .unwrap();
    let response = notify_merchant::handle(&h.app, event).await;
    assert_eq!(failed_ids(&response), vec!["m-no-body".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_gets_one_email_per_order_even_when_the_event_comes_twice() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let buyer = h.paid_order(&tenant, "ORD-1001").await;
    let paid = serde_json::to_string(&order_paid(&tenant, "ORD-1001")).unwrap();
    // Twice in one batch (handled concurrently), then once more later.
    h.send(&paid).await;
    h.send(&paid).await;
    h.poll_until(Duration::from_secs(30), || {
        futures_lite_block(h.queue_is_empty())
    })
    .await;
    h.send(&paid).await;
    h.poll_until(Duration::from_secs(30), || {
        futures_lite_block(h.queue_is_empty())
    })
    .await;

    let emails = emails_to(&buyer).await;
    assert_eq!(emails.len(), 1, "{emails:#?}");
    let email = &emails[0];
    assert_eq!(email["source"], SENDER);
    let subject = email["subject"].as_str().unwrap();
    assert!(subject.contains("ORD-1001"), "{subject}");
    let text = email["body"].as_str().unwrap();
    for fact in ["ORD-1001", "S/ 1,250.00", "11546901", "1253", "Tienda Uno"] {
        assert!(text.contains(fact), "{fact} in {text}");
    }
    assert!(
        text.find("Recibimos tu pago").unwrap()
            < text.find("We received your cash payment").unwrap(),
        "Spanish first"
    );
    assert!(text.contains("Guarda el comprobante") && text.contains("Keep the receipt"));
    // The merchant got it once: the repeats found it delivered in the outbox.
    let hits = endpoint.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        h.record(&order_paid(&tenant, "ORD-1001"))
            .await
            .attempts
            .len(),
        1
    );
    // The marker says done: nobody may claim this order's e-mail again.
    let claim = h
        .store
        .claim_once(
            &tenant.tenant.tenant_id,
            "buyer-email:ORD-1001",
            "someone-else",
            Utc::now().timestamp(),
            Utc::now().timestamp() + 60,
        )
        .await
        .unwrap();
    assert_eq!(claim, OnceClaim::Done);
}

#[tokio::test]
async fn no_buyer_email_when_the_tenant_turned_them_off() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), false).await;
    let buyer = h.paid_order(&tenant, "ORD-2002").await;
    h.send_event(&order_paid(&tenant, "ORD-2002")).await;

    let poll = h.poll_once().await.expect("the message");
    assert!(poll.response.batch_item_failures.is_empty());
    assert_eq!(endpoint.hits().len(), 1, "the merchant is still told");
    assert!(emails_to(&buyer).await.is_empty());
}

#[tokio::test]
async fn a_buyer_email_that_ses_refuses_is_retried_and_the_claim_given_back() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let buyer = h.paid_order(&tenant, "ORD-3003").await;
    // A sender outside every verified identity: SES (and the emulator) refuse it.
    let mut app = h.app.clone();
    app.settings.email_from = Some("avisos@unverified.example".into());
    let message_id = h.send_event(&order_paid(&tenant, "ORD-3003")).await;
    let messages = h.receive(1).await;
    let m = &messages[0];
    let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(json!({
        "Records": [{"messageId": m.message_id, "receiptHandle": m.receipt_handle,
                     "body": m.body, "attributes": {"ApproximateReceiveCount": "1"}}]
    }))
    .unwrap();
    let response = notify_merchant::handle(&app, event).await;
    assert_eq!(failed_ids(&response), vec![message_id]);
    assert!(emails_to(&buyer).await.is_empty());
    // The reason names SES's error code, never the buyer's address.
    let failure = notify_merchant::handler::process(&app, m.body.as_deref())
        .await
        .unwrap_err();
    let notify_merchant::Failure::Transient(reason) = failure else {
        panic!("a refused e-mail is worth retrying: {failure:?}");
    };
    assert!(reason.contains("MessageRejected"), "{reason}");
    assert!(
        !reason.contains(&buyer) && !reason.contains('@'),
        "{reason}"
    );
    // Released: the next delivery may claim it at once (no lease to wait out).
    let now = Utc::now().timestamp();
    let claim = h
        .store
        .claim_once(
            &tenant.tenant.tenant_id,
            "buyer-email:ORD-3003",
            "next-delivery",
            now,
            now + 60,
        )
        .await
        .unwrap();
    assert_eq!(claim, OnceClaim::Claimed);
}

// A rotated notification secret, delivered: during the overlap each delivery carries one `v1` per
// secret (the new one first), so a receiver holding either accepts it; after it only the new one.

/// Rotates the tenant's secret as of `at`; returns the new secret.
async fn rotate(
    h: &Harness,
    tenant: &cuadre_core::tenants::Provisioned,
    at: chrono::DateTime<Utc>,
) -> String {
    let (_, secret) = rotate_notification_secret(
        h.store.as_ref(),
        h.secrets.as_ref(),
        "/cuadre/test",
        &tenant.tenant.tenant_id,
        [0x5a; 32],
        at,
    )
    .await
    .expect("rotate");
    secret
}

/// Sends one event through the handler and returns the signature header it was posted with.
async fn deliver(
    h: &Harness,
    tenant: &cuadre_core::tenants::Provisioned,
    endpoint: &Endpoint,
) -> (String, Vec<u8>) {
    let event = event(
        tenant,
        EventType::OrderExpired,
        "ORD-R",
        json!({"order_id": "ORD-R", "status": "EXPIRED"}),
    );
    let before = endpoint.hits().len();
    h.send_event(&event).await;
    let poll = h.poll_once().await.expect("the message");
    assert!(poll.response.batch_item_failures.is_empty());
    let hits = endpoint.hits();
    assert_eq!(hits.len(), before + 1);
    let hit = hits.last().unwrap();
    (
        hit.headers["cuadre-signature"]
            .to_str()
            .unwrap()
            .to_string(),
        hit.body.to_vec(),
    )
}

fn timestamp(header: &str) -> i64 {
    header
        .strip_prefix("t=")
        .and_then(|r| r.split(',').next())
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn during_the_overlap_either_secret_verifies_a_delivery() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), false).await;
    let new_secret = rotate(&h, &tenant, Utc::now()).await;

    let (header, body) = deliver(&h, &tenant, &endpoint).await;
    assert_eq!(header.matches("v1=").count(), 2, "{header}");
    let t = timestamp(&header);
    assert!(notify_merchant::signing::verify(&new_secret, &header, &body, t, 300).is_ok());
    assert!(
        notify_merchant::signing::verify(&tenant.notification_secret, &header, &body, t, 300)
            .is_ok()
    );
    assert!(notify_merchant::signing::verify("neither", &header, &body, t, 300).is_err());
}

#[tokio::test]
async fn after_the_overlap_only_the_new_secret_signs() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), false).await;
    // Rotated a day and a minute ago: the overlap is over.
    let new_secret = rotate(
        &h,
        &tenant,
        Utc::now() - TimeDelta::hours(24) - TimeDelta::minutes(1),
    )
    .await;

    let (header, body) = deliver(&h, &tenant, &endpoint).await;
    assert_eq!(header.matches("v1=").count(), 1, "{header}");
    let t = timestamp(&header);
    assert!(notify_merchant::signing::verify(&new_secret, &header, &body, t, 300).is_ok());
    assert!(
        notify_merchant::signing::verify(&tenant.notification_secret, &header, &body, t, 300)
            .is_err(),
        "the old secret no longer signs"
    );
}

#[tokio::test]
async fn ssm_down_leaves_the_event_for_a_later_sweep_that_delivers_it_once() {
    let h = Harness::new().await;
    let endpoint = Endpoint::start(0).await;
    let tenant = h.tenant(Some(&endpoint.url), true).await;
    let t = &tenant.tenant.tenant_id;
    let paid = event(
        &tenant,
        EventType::OrderExpired,
        "ORD-SSM",
        json!({"order_id": "ORD-SSM"}),
    );
    let t0 = Utc::now().trunc_subsecs(0);
    h.set_time(t0);
    h.store
        .put_event(&EventRecord::new(paid.clone(), t0))
        .await
        .unwrap();
    // SSM not answering (a dead port on loopback): the secret cannot be read.
    let dead_ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&h.config)
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let mut ssm_down = h.app.clone();
    ssm_down.secrets = std::sync::Arc::new(cuadre_lambda::secrets::SecretCache::new(
        std::sync::Arc::new(cuadre_aws::SsmSecrets::new(dead_ssm)),
    ));
    let report = sweep_tenant(&ssm_down, t).await.unwrap();
    assert_eq!((report.due, report.failed), (1, 1));
    assert!(endpoint.hits().is_empty());
    let record = h.record(&paid).await;
    assert_eq!(record.status, DeliveryStatus::Pending);
    assert!(record.attempts.is_empty(), "nothing was posted");
    // Held until its lease lapses, then the next sweep (SSM back) delivers it, once.
    sweep_tenant(&h.app, t).await.unwrap();
    assert!(
        endpoint.hits().is_empty(),
        "held by the failed deliverer's lease"
    );
    h.set_time(t0 + TimeDelta::minutes(2));
    sweep_tenant(&h.app, t).await.unwrap();
    h.set_time(t0 + TimeDelta::minutes(10));
    sweep_tenant(&h.app, t).await.unwrap();
    assert_eq!(endpoint.hits().len(), 1);
    assert_eq!(h.record(&paid).await.status, DeliveryStatus::Delivered);
}
