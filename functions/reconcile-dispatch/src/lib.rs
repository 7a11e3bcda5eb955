//! The reconcile dispatcher: on each EventBridge schedule tick, one job per tenant on
//! ReconcileJobsQueue (`{"tenant_id", "run_id", "as_of", "cursor": null}`; see
//! [`reconcile_worker::Job`]). Tenants are listed a page at a time from the store's tenant index
//! (a query, never a scan). `as_of` is the tick's time, so a redelivered tick names the same run.
//!
//! An operator may invoke it with `"detail": {"tenant_id": "..."}` to reconcile one merchant now
//! (and with `time` to reconcile as of another instant).

use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use cuadre_aws::{AwsContext, DynamoStore};
use cuadre_core::store::{ReconcileStore, StoreError};
use cuadre_core::TenantId;
use cuadre_lambda::config::{parsed_or, required, Env, StartError};
use reconcile_worker::adapters::SqsQueue;
use reconcile_worker::ports::{Message, MessageQueue, SinkError};
use reconcile_worker::Job;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct App {
    pub tenants: Arc<dyn ReconcileStore>,
    pub jobs: Arc<dyn MessageQueue>,
    /// Tenants read per page of the index.
    pub page_size: i32,
    pub clock: Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("jobs queue: {0}")]
    Queue(#[from] SinkError),
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
        let messages: Vec<Message> = tenants
            .into_iter()
            .map(|t| Message::job(&Job::start(t, run_id.clone(), as_of)))
            .collect();
        app.jobs.send(&messages).await?;
        jobs += messages.len();
        match next {
            Some(token) => page = Some(token),
            None => break,
        }
    }
    tracing::info!(run_id, jobs, "reconcile jobs queued");
    Ok(Dispatched {
        run_id,
        as_of,
        jobs,
    })
}

/// The Lambda entry: the scheduled event's `time` is the run's `as_of` (now when absent).
impl App {
    /// The function as Lambda starts it, from its environment; the local platform starts it the
    /// same way.
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let jobs_url = required(env, "RECONCILE_JOBS_QUEUE_URL")?;
        Ok(App {
            tenants: Arc::new(DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&aws.sdk),
                table,
            )),
            jobs: Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&aws.sdk), jobs_url)),
            page_size: parsed_or(env, "DISPATCH_PAGE_SIZE", 100)?,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}

pub async fn handle(
    app: &App,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<Dispatched, DispatchError> {
    let as_of = event.time.unwrap_or_else(|| (app.clock)());
    match event.detail.get("tenant_id").and_then(|t| t.as_str()) {
        Some(tenant) => dispatch_one(app, TenantId::parse(tenant)?, as_of).await,
        None => dispatch(app, as_of).await,
    }
}

/// One tenant's job only (an operator's run for one merchant).
pub async fn dispatch_one(
    app: &App,
    tenant: TenantId,
    as_of: DateTime<Utc>,
) -> Result<Dispatched, DispatchError> {
    let run_id = Job::run_id_for(as_of);
    app.jobs
        .send(&[Message::job(&Job::start(
            tenant.clone(),
            run_id.clone(),
            as_of,
        ))])
        .await?;
    tracing::info!(run_id, %tenant, "reconcile job queued for one tenant");
    Ok(Dispatched {
        run_id,
        as_of,
        jobs: 1,
    })
}
