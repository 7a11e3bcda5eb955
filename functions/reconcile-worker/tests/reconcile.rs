//! The worker at the handler: real DynamoDB, S3, SQS and SSM (the emulator) and the real gateway
//! client against the PagoEfectivo sandbox on loopback.

mod support;

use std::io::Read;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use cuadre_core::events::outbox::{DeliveryStatus, EventFilter, EventStore};
use cuadre_core::events::EventType;
use cuadre_core::store::{
    Created, ExceptionStore, OrderStore, ReconcileStore, StatusLookup, StatusLookupStore,
};
use cuadre_core::{
    ExceptionKind, ExceptionRecord, ExceptionStatus, OrderId, OrderStatus, PaymentSource,
};
use cuadre_testing::sqs::{of_tenant, queue};
use reconcile_worker::{handle, run_job, Job, Phase, Settings};
use support::{sqs_event, Harness};

async fn exceptions(h: &Harness) -> Vec<ExceptionRecord> {
    let mut out = Vec::new();
    let mut page = None;
    loop {
        let (items, next) = h
            .store
            .list_exceptions(h.tenant_id(), None, page.take(), 100)
            .await
            .unwrap();
        out.extend(items);
        match next {
            Some(t) => page = Some(t),
            None => break,
        }
    }
    out.sort_by(|a, b| a.exception_id.cmp(&b.exception_id));
    out
}

async fn object(h: &Harness, key: &str) -> Vec<u8> {
    h.object(h.var("REPORTS_BUCKET"), key).await
}

async fn put_settlement_file(h: &Harness, name: &str, text: &str) {
    let key = format!("settlements/{}/{name}", h.tenant_id());
    h.put_object(h.var("REPORTS_BUCKET"), &key, text.as_bytes(), None)
        .await;
}

#[tokio::test]
async fn settlement_import_rules_report_and_idempotent_reruns() {
    let h = Harness::new("recon").await;
    let events = h.private_queue("recon-events").await;
    let jobs = h.private_queue("recon-jobs").await;
    let app = h.app(&jobs, &events, Settings::default());
    let now = Utc::now();
    let expires = now + TimeDelta::hours(24);
    // C: paid by notification; D: no notification (the settlement shows it); E: paid, not settled.
    let c = h.order("C-1", "9100000001", "150.00", expires).await;
    h.order("D-1", "9100000002", "80.50", expires).await;
    h.order("E-1", "9100000003", "20.00", expires).await;
    for (cip, op, amount, order) in [
        ("9100000001", "5001", "150.00", "C-1"),
        ("9100000003", "5003", "20.00", "E-1"),
    ] {
        h.payment(cip, op)
            .amount(amount)
            .paid_at(now - TimeDelta::hours(2))
            .order(&OrderId::parse(order).unwrap())
            .record(h.store.as_ref())
            .await;
        let stored = h
            .store
            .get_order(h.tenant_id(), &OrderId::parse(order).unwrap())
            .await
            .unwrap()
            .unwrap();
        h.store
            .transition_order(&stored, OrderStatus::Paid)
            .await
            .unwrap();
    }
    let _ = c;
    let paid_at = cuadre_core::time::format_lima(now - TimeDelta::hours(2));
    let settled_at = cuadre_core::time::format_lima(now - TimeDelta::hours(1));
    let file = format!(
        "settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at\n\
         S-1,9100000001,5001,150.00,4.50,145.50,PEN,{paid_at},{settled_at}\n\
         S-1,9100000002,7002,80.50,2.42,78.08,PEN,{paid_at},{settled_at}\n\
         S-1,9199999999,7003,10.00,0.30,9.70,PEN,{paid_at},{settled_at}\n"
    );
    put_settlement_file(&h, "2026-11-25.csv", &file).await;
    put_settlement_file(&h, "broken.csv", "settlement_id,cip\nS-2,abc\n").await;

    let as_of = now;
    let job = Job::start(h.tenant_id().clone(), "run-test-1", as_of);
    let first = run_job(&app, &job).await.unwrap();
    assert_eq!(first.files_imported, 1, "{first:?}");
    assert_eq!(first.files_rejected, 1, "{first:?}");
    assert_eq!(first.settlement_lines_new, 3);
    assert_eq!(first.payments_recorded, 1, "D's payment from the line");
    assert!(first.continuation.is_none());

    assert_eq!(h.status("C-1").await, OrderStatus::Settled);
    assert_eq!(h.status("D-1").await, OrderStatus::Settled);
    assert_eq!(h.status("E-1").await, OrderStatus::Paid);
    let d_pay = h
        .get_payment("9100000002", "7002")
        .await
        .expect("payment recorded from the settlement line");
    assert_eq!(d_pay.source, PaymentSource::Settlement);
    let opened = exceptions(&h).await;
    let ids: Vec<&str> = opened.iter().map(|e| e.exception_id.as_str()).collect();
    assert!(ids.contains(&"MISSED_NOTIFICATION.D-1"), "{ids:?}");
    assert!(ids.contains(&"UNKNOWN_CIP.9199999999"), "{ids:?}");
    assert_eq!(first.exceptions_opened as usize, opened.len());

    // exception.opened for each, on the events queue.
    let got = h
        .take(&events, opened.len(), Duration::from_secs(10), |b| {
            of_tenant(b, h.tenant_id()) && b.contains("exception.opened")
        })
        .await;
    assert_eq!(got.len(), opened.len());

    // The report.
    let date = cuadre_core::time::lima_date(as_of)
        .format("%Y-%m-%d")
        .to_string();
    let prefix = format!("reports/{}/{date}/", h.tenant_id());
    assert_eq!(first.report_prefix.as_deref(), Some(prefix.as_str()));
    let csv = String::from_utf8(object(&h, &format!("{prefix}orders.csv")).await).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("order_id,cip,status,amount,currency"));
    assert_eq!(lines.count(), 3);
    assert!(csv.contains("C-1,9100000001,SETTLED,150.00,PEN"), "{csv}");
    assert!(csv.contains("S-1,150.00,4.50,0.81,145.50"), "{csv}");
    let summary: serde_json::Value =
        serde_json::from_slice(&object(&h, &format!("{prefix}summary.json")).await).unwrap();
    let pen = &summary["currencies"]["PEN"];
    assert_eq!(pen["expected"], "250.50");
    assert_eq!(pen["paid"], "250.50");
    assert_eq!(pen["settled_gross"], "230.50");
    assert_eq!(pen["fees"], "6.92");
    assert_eq!(pen["igv_on_fees"], "1.25");
    assert_eq!(pen["net"], "223.58");
    assert_eq!(summary["statuses"]["SETTLED"], 2);
    let xlsx = object(&h, &format!("{prefix}report.xlsx")).await;
    assert_eq!(&xlsx[..4], b"PK\x03\x04", "an xlsx is a zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    assert!(workbook.contains("name=\"Orders\""), "{workbook}");
    assert!(workbook.contains("name=\"Summary\""), "{workbook}");

    // A person resolves one exception.
    let missed = opened
        .iter()
        .find(|e| e.exception_id == "MISSED_NOTIFICATION.D-1")
        .unwrap();
    let resolved = ExceptionRecord {
        status: ExceptionStatus::Resolved,
        resolved_by: Some("contabilidad@bodega.pe".into()),
        resolved_at: Some(now),
        note: Some("confirmado con el banco".into()),
        ..missed.clone()
    };
    h.store.update_exception(missed, &resolved).await.unwrap();

    // The same file again (same key and content: same ETag) and a re-run: nothing changes.
    put_settlement_file(&h, "2026-11-25.csv", &file).await;
    let second = run_job(
        &app,
        &Job::start(
            h.tenant_id().clone(),
            "run-test-2",
            as_of + TimeDelta::minutes(15),
        ),
    )
    .await
    .unwrap();
    assert_eq!(second.files_imported, 0, "{second:?}");
    assert_eq!(second.files_rejected, 0);
    assert_eq!(second.settlement_lines_new, 0);
    assert_eq!(second.payments_recorded, 0);
    assert_eq!(second.exceptions_opened, 0);
    assert_eq!(second.status_changes, 0);
    let (lines_after, _) = h
        .store
        .list_settlement_lines(h.tenant_id(), None, 100)
        .await
        .unwrap();
    assert_eq!(lines_after.len(), 3);
    let after = exceptions(&h).await;
    assert_eq!(after.len(), opened.len());
    let still = after
        .iter()
        .find(|e| e.exception_id == "MISSED_NOTIFICATION.D-1")
        .unwrap();
    assert_eq!(
        still.status,
        ExceptionStatus::Resolved,
        "a person's resolution stays"
    );

    // A copy under another name is another file, but its lines are the same facts.
    put_settlement_file(&h, "copy-of-2026-11-25.csv", &file).await;
    let third = run_job(
        &app,
        &Job::start(
            h.tenant_id().clone(),
            "run-test-3",
            as_of + TimeDelta::minutes(30),
        ),
    )
    .await
    .unwrap();
    assert_eq!(third.files_imported, 1);
    assert_eq!(third.settlement_lines_new, 0);
    assert_eq!(third.exceptions_opened, 0);
    assert_eq!(exceptions(&h).await.len(), opened.len());

    h.delete_queue(&events).await;
    h.delete_queue(&jobs).await;
}

#[tokio::test]
async fn voucher_lookup_marker_finds_a_payment_without_notification() {
    let h = Harness::new("reclook").await;
    let events = h.private_queue("reclook-events").await;
    let jobs = h.private_queue("reclook-jobs").await;
    let app = h.app(&jobs, &events, Settings::default());
    let now = Utc::now();
    // Far from expiry: only the voucher's marker makes the worker ask.
    let order = h
        .issued_order("V-1", "64.90", now + TimeDelta::hours(40))
        .await;
    let cip = order.cip.clone().unwrap();
    h.paid_at_gateway(&cip, "880001").await;
    let marker = StatusLookup {
        tenant_id: h.tenant_id().clone(),
        order_id: order.order_id.clone(),
        cip: cip.clone(),
        due_at: now - TimeDelta::minutes(5),
        voucher_id: "v-1".into(),
        requested_at: now - TimeDelta::hours(2),
    };
    assert!(matches!(
        h.store.schedule_status_lookup(&marker).await.unwrap(),
        Created::New(_)
    ));
    let report = run_job(&app, &Job::start(h.tenant_id().clone(), "run-look", now))
        .await
        .unwrap();
    assert_eq!(report.payments_recorded, 1, "{report:?}");
    assert_eq!(h.status("V-1").await, OrderStatus::Paid);
    let payment = h.get_payment(cip.as_str(), "880001").await.unwrap();
    assert_eq!(payment.source, PaymentSource::StatusLookup);
    assert!(exceptions(&h)
        .await
        .iter()
        .any(|e| e.kind == ExceptionKind::MissedNotification));
    let (due, _) = h
        .store
        .due_status_lookups(h.tenant_id(), now + TimeDelta::days(1), None, 10)
        .await
        .unwrap();
    assert!(due.is_empty(), "the marker is cleared after the lookup");
    h.delete_queue(&events).await;
    h.delete_queue(&jobs).await;
}

#[tokio::test]
async fn large_tenant_is_finished_across_continuation_jobs() {
    let h = Harness::new("reclarge").await;
    let events = h.private_queue("reclarge-events").await;
    let jobs = h.private_queue("reclarge-jobs").await;
    let settings = Settings {
        page_budget: 100,
        read_page: 100,
        concurrency: 1,
        ..Settings::default()
    };
    let app = h.app(&jobs, &events, settings);
    let now = Utc::now();
    let expired_at = now - TimeDelta::hours(1);
    let ids: Vec<(String, String)> = (0..300)
        .map(|i| (format!("L-{i:04}"), format!("93{i:08}")))
        .collect();
    for chunk in ids.chunks(25) {
        futures::future::join_all(
            chunk
                .iter()
                .map(|(id, cip)| h.order(id, cip, "10.00", expired_at)),
        )
        .await;
    }

    // The first job from the dispatcher's form; every continuation comes back through the queue.
    let mut body = Job::start(h.tenant_id().clone(), "run-large", now).to_body();
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 10, "too many continuation jobs");
        h.sqs
            .send_message()
            .queue_url(&jobs)
            .message_body(&body)
            .send()
            .await
            .unwrap();
        let got = h
            .take(&jobs, 1, Duration::from_secs(10), |b| {
                of_tenant(b, h.tenant_id())
            })
            .await;
        assert_eq!(got.len(), 1);
        let response = handle(&app, sqs_event(&got)).await;
        assert!(response.batch_item_failures.is_empty());
        // The job re-enqueued the rest (if any) on the jobs queue: take it for the next round.
        let next = h
            .take(&jobs, 1, Duration::from_secs(3), |b| {
                of_tenant(b, h.tenant_id())
            })
            .await;
        match next.first() {
            Some(m) => {
                let job: Job = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
                let cursor = job.cursor.clone().expect("a continuation has a cursor");
                assert_ne!(cursor.phase, Phase::Reconcile, "the rules run in one piece");
                body = job.to_body();
            }
            None => break,
        }
    }
    assert!(
        rounds >= 3,
        "300 orders with a budget of 100 take several jobs, took {rounds}"
    );
    let (left, _) = h
        .store
        .list_orders_by_status(h.tenant_id(), OrderStatus::Pending, None, None, 500)
        .await
        .unwrap();
    assert!(left.is_empty(), "{} orders still pending", left.len());
    let (expired, _) = h
        .store
        .list_orders_by_status(h.tenant_id(), OrderStatus::Expired, None, None, 500)
        .await
        .unwrap();
    assert_eq!(expired.len(), 300);
    let got = h
        .take(&events, 300, Duration::from_secs(120), |b| {
            of_tenant(b, h.tenant_id()) && b.contains("order.expired")
        })
        .await;
    let ids: std::collections::HashSet<String> = got
        .iter()
        .map(|m| {
            let v: serde_json::Value = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
            v["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 300, "one order.expired per order");
    h.delete_queue(&events).await;
    h.delete_queue(&jobs).await;
}

#[tokio::test]
async fn a_poison_message_fails_alone_and_reaches_the_dlq() {
    let h = Harness::new("recpoison").await;
    let events = h.private_queue("recpoison-events").await;
    let jobs = h.private_queue("recpoison-jobs").await;
    let app = h.app(&jobs, &events, Settings::default());
    let source = queue("recpoison-src")
        .dead_letter_after(1)
        .create(&h.sqs)
        .await;
    let dlq = source.dlq();
    let good = Job::start(h.tenant_id().clone(), "run-poison", Utc::now()).to_body();
    let poison = format!("{{\"tenant_id\":\"{}\",\"oops\":", h.tenant_id());
    for body in [&good, &poison] {
        h.sqs
            .send_message()
            .queue_url(&source.url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..10 {
        let out = h
            .sqs
            .receive_message()
            .queue_url(&source.url)
            .max_number_of_messages(10)
            .visibility_timeout(1)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        got.extend(out.messages.unwrap_or_default());
        if got.len() >= 2 {
            break;
        }
    }
    assert_eq!(got.len(), 2);
    let response = handle(&app, sqs_event(&got)).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    let poison_id = got
        .iter()
        .find(|m| m.body.as_deref() == Some(poison.as_str()))
        .and_then(|m| m.message_id.as_deref())
        .unwrap();
    assert_eq!(failed, vec![poison_id]);
    // Lambda deletes the good one; the poison one comes back and, past maxReceiveCount, moves on.
    let good_msg = got
        .iter()
        .find(|m| m.body.as_deref() == Some(good.as_str()))
        .unwrap();
    h.sqs
        .delete_message()
        .queue_url(&source.url)
        .receipt_handle(good_msg.receipt_handle.clone().unwrap())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = h
        .sqs
        .receive_message()
        .queue_url(&source.url)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    let dead = h
        .take(dlq, 1, Duration::from_secs(10), |b| b == poison)
        .await;
    assert_eq!(dead.len(), 1, "the poison message reached the DLQ");
    source.delete(&h.sqs).await;
    for q in [&events, &jobs] {
        h.delete_queue(q).await;
    }
}

#[tokio::test]
async fn a_worker_killed_mid_run_with_the_queue_down_loses_no_event() {
    let h = Harness::new("reckill").await;
    let jobs = h.private_queue("reckill-jobs").await;
    // The notifications queue is gone: every fast-path send fails.
    let gone = h.private_queue("reckill-gone").await;
    h.delete_queue(&gone).await;
    let app = h.app(&jobs, &gone, Settings::default());
    let now = Utc::now();
    let expired_at = now - TimeDelta::hours(1);
    for i in 0..30 {
        h.order(
            &format!("K-{i:02}"),
            &format!("94{i:08}"),
            "10.00",
            expired_at,
        )
        .await;
    }
    let job = Job::start(h.tenant_id().clone(), "run-kill", now);
    // Killed part-way, as a Lambda timeout would: what it wrote stays written.
    let killed = tokio::time::timeout(Duration::from_millis(400), run_job(&app, &job)).await;
    let (partly, _) = h
        .store
        .list_orders_by_status(h.tenant_id(), OrderStatus::Expired, None, None, 500)
        .await
        .unwrap();
    eprintln!(
        "killed run: {} of 30 expired (finished: {})",
        partly.len(),
        killed.is_ok()
    );
    // The retry finishes the run.
    run_job(&app, &job).await.unwrap();
    let (expired, _) = h
        .store
        .list_orders_by_status(h.tenant_id(), OrderStatus::Expired, None, None, 500)
        .await
        .unwrap();
    assert_eq!(expired.len(), 30);
    // Every expiry's event is in the outbox, once, waiting for the sweeper.
    let filter = EventFilter {
        event_type: Some(EventType::OrderExpired),
        ..EventFilter::default()
    };
    let (events, _) = h
        .store
        .list_events(h.tenant_id(), &filter, None, 200)
        .await
        .unwrap();
    let orders: std::collections::HashSet<String> = events
        .iter()
        .map(|r| r.order_id.as_ref().unwrap().to_string())
        .collect();
    assert_eq!((events.len(), orders.len()), (30, 30));
    assert!(events
        .iter()
        .all(|r| r.status == DeliveryStatus::Pending && r.is_due(Utc::now())));
    h.delete_queue(&jobs).await;
}
