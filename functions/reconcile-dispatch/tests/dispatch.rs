//! Schedule tick → dispatcher → the real ReconcileJobsQueue → the worker, on the emulator with the
//! PagoEfectivo sandbox: an expired code becomes EXPIRED (and `order.expired` is queued for the
//! merchant), a code paid at the gateway without a notification gets its payment, a
//! MISSED_NOTIFICATION and PAID.

#[path = "../../reconcile-worker/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{TimeDelta, Utc};
use cuadre_aws::queue::SqsJobQueue;
use cuadre_core::store::ExceptionStore;
use cuadre_core::{OrderStatus, PaymentSource};
use cuadre_testing::sqs::of_tenant;
use reconcile_dispatch::{handle, App};
use reconcile_worker::{Job, Settings};
use support::{sqs_event, Harness};

/// The dispatcher over the shared table, queueing jobs on `jobs_url`.
fn dispatcher(h: &Harness, jobs_url: &str) -> App {
    App {
        tenants: h.store.clone(),
        jobs: Arc::new(SqsJobQueue::new(h.sqs.clone(), jobs_url)),
        page_size: 50,
        clock: Arc::new(Utc::now),
    }
}

#[tokio::test]
async fn a_tick_reconciles_each_tenant_through_the_jobs_queue() {
    let h = Harness::new("dispatch").await;
    let jobs_url = h.var("RECONCILE_JOBS_QUEUE_URL").to_string();
    let events_url = h.var("MERCHANT_NOTIFICATIONS_QUEUE_URL").to_string();
    // A tick two hours ahead (plus a random second, so this run's id is ours alone).
    let as_of = Utc::now()
        + TimeDelta::hours(2)
        + TimeDelta::seconds(i64::from(rand::random::<u16>() % 3600));
    h.issued_order("X-1", "45.00", as_of - TimeDelta::hours(1))
        .await;
    let paid = h
        .issued_order("P-1", "99.90", as_of + TimeDelta::minutes(30))
        .await;
    let paid_cip = paid.cip.clone().unwrap();
    h.paid_at_gateway(&paid_cip, "770011").await;

    let dispatcher = dispatcher(&h, &jobs_url);
    let tick: aws_lambda_events::event::eventbridge::EventBridgeEvent<serde_json::Value> =
        serde_json::from_value(serde_json::json!({
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": cuadre_core::time::format_lima(as_of),
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/reconcile"],
            "detail": {}
        }))
        .unwrap();
    let done = handle(&dispatcher, tick).await.unwrap();
    assert_eq!(done.run_id, Job::run_id_for(as_of.with_timezone(&Utc)));
    assert!(done.jobs >= 1);

    // Every job of this run is ours to remove (one per tenant in the shared table); ours is run.
    let run_id = done.run_id.clone();
    let taken = h
        .take(&jobs_url, done.jobs, Duration::from_secs(30), |body| {
            serde_json::from_str::<serde_json::Value>(body)
                .map(|v| v["run_id"] == run_id.as_str())
                .unwrap_or(false)
        })
        .await;
    let mine: Vec<_> = taken
        .into_iter()
        .filter(|m| of_tenant(m.body.as_deref().unwrap_or(""), h.tenant_id()))
        .collect();
    assert_eq!(mine.len(), 1, "one job for the tenant");
    let job: Job = serde_json::from_str(mine[0].body.as_deref().unwrap()).unwrap();
    assert!(job.cursor.is_none());
    assert_eq!(job.as_of.timestamp(), as_of.timestamp());

    let worker = h.app(&jobs_url, &events_url, Settings::default());
    let response = reconcile_worker::handle(&worker, sqs_event(&mine)).await;
    assert!(response.batch_item_failures.is_empty());

    assert_eq!(h.status("X-1").await, OrderStatus::Expired);
    assert_eq!(h.status("P-1").await, OrderStatus::Paid);
    let payment = h
        .get_payment(paid_cip.as_str(), "770011")
        .await
        .expect("the payment the gateway reported is recorded");
    assert_eq!(payment.source, PaymentSource::StatusLookup);
    assert_eq!(payment.amount.amount_string(), "99.90");
    let missed = h
        .store
        .get_exception(h.tenant_id(), "MISSED_NOTIFICATION.P-1")
        .await
        .unwrap()
        .expect("MISSED_NOTIFICATION raised");
    assert_eq!(missed.operation_number.unwrap().as_str(), "770011");

    let events = h
        .take(&events_url, 3, Duration::from_secs(15), |b| {
            of_tenant(b, h.tenant_id())
        })
        .await;
    let types: Vec<String> = events
        .iter()
        .map(|m| {
            let v: serde_json::Value = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
            format!(
                "{}:{}",
                v["type"].as_str().unwrap(),
                v["data"]["order_id"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        types.contains(&"order.expired:X-1".to_string()),
        "{types:?}"
    );
    assert!(types.contains(&"order.paid:P-1".to_string()), "{types:?}");
    assert!(
        types.contains(&"exception.opened:P-1".to_string()),
        "{types:?}"
    );
}

fn tick(
    as_of: chrono::DateTime<Utc>,
    detail: serde_json::Value,
) -> EventBridgeEvent<serde_json::Value> {
    serde_json::from_value(serde_json::json!({
        "version": "0",
        "id": "0d9c6f35-4c1e-4f6e-9a53-3c2b1f1a7e11",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": cuadre_core::time::format_lima(as_of),
        "region": "us-east-1",
        "resources": [],
        "detail": detail
    }))
    .unwrap()
}

#[tokio::test]
async fn an_operator_run_for_one_tenant_queues_its_job_only() {
    let h = Harness::new("dispatch-one").await;
    let jobs_url = h.var("RECONCILE_JOBS_QUEUE_URL").to_string();
    let as_of = Utc::now()
        + TimeDelta::days(3)
        + TimeDelta::seconds(i64::from(rand::random::<u16>() % 3600));
    let dispatcher = dispatcher(&h, &jobs_url);
    let detail = serde_json::json!({"tenant_id": h.tenant_id().as_str()});
    let done = handle(&dispatcher, tick(as_of, detail)).await.unwrap();
    assert_eq!(done.jobs, 1);

    let run_id = done.run_id.clone();
    let taken = h
        .take(&jobs_url, 1, Duration::from_secs(30), |body| {
            serde_json::from_str::<serde_json::Value>(body)
                .map(|v| v["run_id"] == run_id.as_str())
                .unwrap_or(false)
        })
        .await;
    assert_eq!(taken.len(), 1);
    assert!(of_tenant(taken[0].body.as_deref().unwrap(), h.tenant_id()));

    let bad = serde_json::json!({"tenant_id": "Not A Tenant!"});
    assert!(matches!(
        handle(&dispatcher, tick(as_of, bad)).await,
        Err(reconcile_dispatch::DispatchError::Tenant(_))
    ));
}
