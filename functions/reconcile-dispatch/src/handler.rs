//! A schedule tick (or an operator's run for one tenant) becomes reconcile jobs on the queue.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use cuadre_core::TenantId;

use crate::app::App;
use crate::ports::{Job, JobQueueError, StoreError};
use cuadre_lambda::metrics::Metrics;

/// CloudWatch metrics (EMF): the jobs each tick queued.
const METRICS: Metrics = Metrics::new("reconcile-dispatch");

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("jobs queue: {0}")]
    Queue(#[from] JobQueueError),
    #[error("detail.tenant_id: {0}")]
    Tenant(#[from] cuadre_core::IdError),
}

/// What a tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    pub jobs: usize,
}

/// Queues one job per tenant for the run `as_of` names.
pub async fn dispatch(app: &App, as_of: DateTime<Utc>) -> Result<Dispatched, DispatchError> {
    let run_id = Job::run_id_for(as_of);
    let mut page = None;
    let mut jobs = 0;
    loop {
        let (tenants, next) = app
            .tenants
            .list_tenant_ids(page.take(), app.page_size)
            .await?;
        let batch: Vec<Job> = tenants
            .into_iter()
            .map(|t| Job::start(t, run_id.clone(), as_of))
            .collect();
        app.jobs.send(&batch).await?;
        jobs += batch.len();
        match next {
            Some(token) => page = Some(token),
            None => break,
        }
    }
    METRICS.jobs_dispatched(&run_id, jobs as u64);
    tracing::info!(run_id, jobs, "reconcile jobs queued");
    Ok(Dispatched {
        run_id,
        as_of,
        jobs,
    })
}

/// The Lambda entry: the scheduled event's `time` is the run's `as_of` (now when absent).
pub async fn handle(
    app: &App,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<Dispatched, DispatchError> {
    let as_of = event.time.unwrap_or_else(|| (app.clock)());
    match event.detail.get("tenant_id").and_then(|t| t.as_str()) {
        Some(tenant_id) => dispatch_one(app, TenantId::parse(tenant_id)?, as_of).await,
        None => dispatch(app, as_of).await,
    }
}

/// One tenant's job only (an operator's run for one merchant).
pub async fn dispatch_one(
    app: &App,
    tenant_id: TenantId,
    as_of: DateTime<Utc>,
) -> Result<Dispatched, DispatchError> {
    let run_id = Job::run_id_for(as_of);
    app.jobs
        .send(&[Job::start(tenant_id.clone(), run_id.clone(), as_of)])
        .await?;
    METRICS.jobs_dispatched(&run_id, 1);
    tracing::info!(run_id, %tenant_id, "reconcile job queued for one tenant");
    Ok(Dispatched {
        run_id,
        as_of,
        jobs: 1,
    })
}
