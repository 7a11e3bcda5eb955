//! The outbox sweeper, on a schedule (`NotifySweepSchedule` in the template): every tenant's due
//! events (a lost fast path, a retry whose time came, a re-send) are delivered like a queued one.
//! The queue is only the fast path; this is what makes every event stored get delivered.

use cuadre_core::TenantId;
use futures::{stream, StreamExt};
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::app::App;
use crate::handler::{process_event, store_failure, Failure};

/// What one sweep did (the invocation's answer, for logs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub tenants: u32,
    pub due: u32,
    /// Events whose delivery (post and e-mail) finished without a failure worth retrying.
    pub handled: u32,
    pub failed: u32,
    /// The run stopped at its time budget before every tenant was swept.
    pub out_of_time: bool,
}

/// Delivers one tenant's due events (at most `sweep_limit`), `concurrency` at a time.
pub async fn sweep_tenant(app: &App, tenant_id: &TenantId) -> Result<SweepReport, Failure> {
    let due = app
        .store
        .due_events(tenant_id, app.now(), app.settings.sweep_limit)
        .await
        .map_err(|e| store_failure("reading due events", e))?;
    let mut report = SweepReport {
        tenants: 1,
        due: due.len() as u32,
        ..SweepReport::default()
    };
    let outcomes: Vec<Result<(), Failure>> = stream::iter(due)
        .map(|record| async move { process_event(app, &record.event).await })
        .buffer_unordered(app.settings.concurrency.max(1))
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Ok(()) => report.handled += 1,
            Err(e) => {
                tracing::warn!(tenant_id = %tenant_id, error = %e, "a due event is left for the next sweep");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Sweeps every tenant's due events, at most `sweep_limit` per tenant per run.
pub async fn sweep(app: &App) -> Result<SweepReport, Failure> {
    let started = std::time::Instant::now();
    let mut report = SweepReport::default();
    let mut page = None;
    loop {
        let (tenants, next) = app
            .store
            .list_tenant_ids(page.take(), 100)
            .await
            .map_err(|e| store_failure("listing tenants", e))?;
        let mut tenants = tenants;
        // A different order each run: a slow tenant cannot starve the ones after it.
        tenants.shuffle(&mut rand::rng());
        for tenant_id in tenants {
            if started.elapsed() >= app.settings.sweep_budget {
                tracing::warn!("sweep budget spent; the rest waits for the next run");
                report.out_of_time = true;
                break;
            }
            match sweep_tenant(app, &tenant_id).await {
                Ok(swept) => {
                    report.tenants += 1;
                    report.due += swept.due;
                    report.handled += swept.handled;
                    report.failed += swept.failed;
                }
                // One tenant's trouble (a corrupt item, a throttled query) is not the others'.
                Err(e) => {
                    tracing::error!(tenant_id = %tenant_id, error = %e, "could not sweep the tenant");
                    report.failed += 1;
                }
            }
        }
        if report.out_of_time {
            break;
        }
        match next {
            Some(token) => page = Some(token),
            None => break,
        }
    }
    tracing::info!(?report, "outbox swept");
    Ok(report)
}
