//! The SQS partial-batch runner: each record is parsed and handled on its own, and only the
//! failed ones are reported back (`ReportBatchItemFailures`), so one poison message cannot fail
//! or block its batch. It takes the raw `SqsEvent`: a typed body would fail the whole batch on
//! one malformed message before our code ran.

use std::future::Future;

use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::stream::{self, StreamExt};
use futures::FutureExt;

/// What happened to one record.
#[derive(Debug)]
pub enum RecordOutcome {
    Done,
    /// Leave it on the queue to be retried (and, after the redrive count, to reach the DLQ).
    Retry(String),
}

/// Runs `handle` on every record, up to `concurrency` at once, and reports the failed ones. A
/// record whose handler panics is that record's failure alone: the panic is caught (the release
/// profile unwinds) and the other records of the batch go on. Handlers keep CPU-heavy work on the
/// blocking pool, so one record cannot stall the others.
pub async fn run_batch<F, Fut>(event: SqsEvent, concurrency: usize, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = RecordOutcome>,
{
    let outcomes: Vec<(String, RecordOutcome)> = stream::iter(event.records)
        .map(|record| {
            let id = record.message_id.clone().unwrap_or_default();
            // Building the future runs code too: a panic there is caught like one in the future.
            let outcome = AssertUnwindSafe(async { handle(record).await }).catch_unwind();
            async move {
                let outcome = outcome.await.unwrap_or_else(|panic| {
                    RecordOutcome::Retry(format!("the handler panicked: {}", panic_text(&*panic)))
                });
                (id, outcome)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    for (id, outcome) in outcomes {
        let RecordOutcome::Retry(reason) = outcome else {
            continue;
        };
        if id.is_empty() {
            // An empty id would make Lambda fail the whole batch; log it instead.
            tracing::error!(reason, "failed SQS record without a message id");
            continue;
        }
        tracing::warn!(message_id = id, reason, "SQS record left for retry");
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}

/// The message a panic was raised with.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(bodies: &[(&str, &str)]) -> SqsEvent {
        let records: Vec<serde_json::Value> = bodies
            .iter()
            .map(|(id, body)| serde_json::json!({"messageId": id, "body": body, "receiptHandle": "r"}))
            .collect();
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
    }

    #[tokio::test]
    async fn reports_only_the_failed_records() {
        let ev = event(&[
            ("m1", "{\"ok\":true}"),
            ("m2", "not json"),
            ("m3", "{\"ok\":false}"),
        ]);
        let response = run_batch(ev, 2, |msg| async move {
            let body = msg.body.unwrap_or_default();
            match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(v) if v["ok"] == true => RecordOutcome::Done,
                Ok(_) => RecordOutcome::Retry("handler failed".into()),
                Err(e) => RecordOutcome::Retry(e.to_string()),
            }
        })
        .await;
        let mut ids: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, vec!["m2", "m3"]);
    }

    #[tokio::test]
    async fn a_panicking_record_fails_alone() {
        let ev = event(&[("m1", "fine"), ("m2", "boom"), ("m3", "fine")]);
        let handled = std::sync::atomic::AtomicUsize::new(0);
        let response = run_batch(ev, 3, |msg| {
            let handled = &handled;
            async move {
                if msg.body.as_deref() == Some("boom") {
                    panic!("a hostile record");
                }
                tokio::task::yield_now().await;
                handled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                RecordOutcome::Done
            }
        })
        .await;
        let ids: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(ids, vec!["m2"]);
        assert_eq!(handled.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
