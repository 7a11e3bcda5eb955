//! One reconcile job: the run loop over the phases of a tenant's run (one file per phase under
//! `phases/`), within a page budget.
//!
//! The expiry, lookups and settlements phases count the orders, markers and files they work on;
//! when the budget is spent the rest of the run goes back on the queue as a continuation job with
//! the phase and page token. The reconcile phase always finishes the run.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use cuadre_core::events::EventSinkError;
use cuadre_core::jobs::{Cursor, Job, JobQueueError, Phase};
use cuadre_core::reconcile::FactsError;
use cuadre_core::store::StoreError;
use cuadre_core::IdError;
use cuadre_lambda::sqs::{run_batch, RecordOutcome};
use serde::Serialize;

use crate::app::App;
use crate::phases::{Run, Step};
use crate::ports::SinkError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("tenant {0} does not exist")]
    UnknownTenant(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("bucket or queue: {0}")]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("an exception key is not valid: {0}")]
    Key(#[from] IdError),
    #[error("report: {0}")]
    Report(String),
}

/// The jobs queue failed: reported as the bucket's and the queues' failures are.
impl From<JobQueueError> for JobError {
    fn from(e: JobQueueError) -> Self {
        JobError::Sink(SinkError(e.0))
    }
}

/// The notifications queue failed: reported as the bucket's and the queues' failures are.
impl From<EventSinkError> for JobError {
    fn from(e: EventSinkError) -> Self {
        JobError::Sink(SinkError(e.0))
    }
}

/// What one job did (logged; tests read it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    pub looked_up: u32,
    pub expired: u32,
    pub payments_recorded: u32,
    pub files_imported: u32,
    pub files_rejected: u32,
    pub settlement_lines_new: u32,
    pub exceptions_opened: u32,
    pub status_changes: u32,
    pub events_sent: u32,
    /// Where the rest of the run was handed to (a continuation job), if it was.
    pub continuation: Option<Cursor>,
    /// `reports/{tenant}/{date}/` when this job finished the run.
    pub report_prefix: Option<String>,
}

/// The Lambda entry: every record on its own; only the failed ones are reported.
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    run_batch(event, app.settings.concurrency, |message| async move {
        let body = message.body.unwrap_or_default();
        let job: Job = match serde_json::from_str(&body) {
            Ok(job) => job,
            Err(e) => return RecordOutcome::Retry(format!("not a reconcile job: {e}")),
        };
        match run_job(app, &job).await {
            Ok(report) => {
                tracing::info!(tenant_id = %job.tenant_id, run_id = job.run_id, report = ?report, "reconcile job done");
                RecordOutcome::Done
            }
            Err(e) => {
                tracing::error!(tenant_id = %job.tenant_id, run_id = job.run_id, error = %e, "reconcile job failed");
                RecordOutcome::Retry(e.to_string())
            }
        }
    })
    .await
}

/// Runs one job from its cursor until the run is done or the budget is spent.
pub async fn run_job(app: &App, job: &Job) -> Result<JobReport, JobError> {
    let started = std::time::Instant::now();
    let tenant = app
        .store
        .get_tenant(&job.tenant_id)
        .await?
        .ok_or_else(|| JobError::UnknownTenant(job.tenant_id.to_string()))?;
    let mut run = Run::new(app, job, &tenant);
    let mut cursor = job.cursor.clone().unwrap_or(Cursor {
        phase: Phase::Expiry,
        page: None,
    });
    loop {
        let page = cursor.page.take();
        let step = match cursor.phase {
            Phase::Expiry => run.expiry(page).await?,
            Phase::Lookups => run.lookups(page).await?,
            Phase::Settlements => run.settlements(page).await?,
            Phase::Reconcile => {
                run.reconcile().await?;
                break;
            }
        };
        match step {
            Step::Next(phase) => cursor = Cursor { phase, page: None },
            Step::Pause(rest) => {
                app.jobs.send(&[job.continue_at(rest.clone())]).await?;
                run.report.continuation = Some(rest);
                break;
            }
        }
    }
    // A run is complete when its last job ends without handing the rest on.
    let run_took = (run.report.continuation.is_none())
        .then(|| (app.now() - job.as_of).to_std().unwrap_or_default());
    let took = started.elapsed();
    crate::METRICS.reconcile_job(
        &job.tenant_id,
        &job.run_id,
        took,
        run.items_read(),
        run_took,
    );
    Ok(run.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_failures_read_as_before() {
        let jobs: JobError = JobQueueError("refused".into()).into();
        assert_eq!(jobs.to_string(), "bucket or queue: refused");
        let events: JobError = EventSinkError("refused".into()).into();
        assert_eq!(events.to_string(), "bucket or queue: refused");
        let bucket: JobError = SinkError("refused".into()).into();
        assert_eq!(bucket.to_string(), "bucket or queue: refused");
    }
}
