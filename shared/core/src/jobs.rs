//! Reconcile jobs: the message the dispatcher puts on ReconcileJobsQueue and the worker reads
//! (one tenant, one run, and where the run stands), and the port both send them through.
//!
//! ```json
//! {"tenant_id": "acme", "run_id": "run-20261125T150000Z", "as_of": "2026-11-25T10:00:00-05:00", "cursor": null}
//! ```
//! `cursor` is `null` for a fresh job; a continuation names the phase to resume and the page token
//! of the listing that phase walks (`{"phase": "expiry", "page": "..."}`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::TenantId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub tenant_id: TenantId,
    pub run_id: String,
    #[serde(with = "crate::time::serde_lima")]
    pub as_of: DateTime<Utc>,
    pub cursor: Option<Cursor>,
}

/// The phases of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Pending codes near or past expiry: a gateway lookup, then EXPIRED when past it.
    Expiry,
    /// Status-lookup markers left by vouchers whose grace passed without a payment.
    Lookups,
    /// Settlement files under `settlements/{tenant}/`.
    Settlements,
    /// Every rule over every fact of the tenant, the exceptions and the day's report.
    Reconcile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub phase: Phase,
    #[serde(default)]
    pub page: Option<String>,
}

impl Job {
    /// The first job of a tenant's run.
    pub fn start(tenant_id: TenantId, run_id: impl Into<String>, as_of: DateTime<Utc>) -> Job {
        Job {
            tenant_id,
            run_id: run_id.into(),
            as_of,
            cursor: None,
        }
    }

    /// The run id of a scheduled run: the schedule's instant, so a repeated dispatch names the same run.
    pub fn run_id_for(as_of: DateTime<Utc>) -> String {
        format!("run-{}", as_of.format("%Y%m%dT%H%M%SZ"))
    }

    /// The same run, resumed at `cursor`.
    pub fn continue_at(&self, cursor: Cursor) -> Job {
        Job {
            cursor: Some(cursor),
            ..self.clone()
        }
    }

    /// The message body: the job's JSON.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).expect("a job serialises")
    }
}

/// The jobs did not all reach the queue (the caller sends them all again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JobQueueError(pub String);

/// Where reconcile jobs go: ReconcileJobsQueue, one message per job (its JSON body, with its
/// `tenant_id` as a message attribute).
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Sends every job or fails (a partial failure is a failure).
    async fn send(&self, jobs: &[Job]) -> Result<(), JobQueueError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wire_form() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap();
        let job = Job::start(TenantId::parse("acme").unwrap(), Job::run_id_for(at), at);
        let v: serde_json::Value = serde_json::from_str(&job.to_body()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"tenant_id": "acme", "run_id": "run-20261125T150000Z",
                "as_of": "2026-11-25T10:00:00-05:00", "cursor": null})
        );
        let next = job.continue_at(Cursor {
            phase: Phase::Expiry,
            page: Some("abc".into()),
        });
        let back: Job = serde_json::from_str(&next.to_body()).unwrap();
        assert_eq!(back, next);
        assert!(serde_json::from_str::<Job>("{\"tenant_id\":\"a\"}").is_err());
    }
}
