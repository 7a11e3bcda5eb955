//! Reconcile jobs on ReconcileJobsQueue (SQS): the body is the job's JSON; `tenant_id` is also a
//! message attribute (for filters and logs). The dispatcher and the worker (continuations) both
//! send through it.

use async_trait::async_trait;
use cuadre_core::jobs::{Job, JobQueue, JobQueueError};

use crate::sqs::{Outgoing, SqsQueue};

/// The jobs queue on SQS.
#[derive(Debug, Clone)]
pub struct SqsJobQueue(SqsQueue);

impl SqsJobQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        SqsJobQueue(SqsQueue::new(client, queue_url.into()))
    }
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn send(&self, jobs: &[Job]) -> Result<(), JobQueueError> {
        let messages = jobs
            .iter()
            .map(|job| Outgoing {
                body: job.to_body(),
                attributes: vec![("tenant_id", job.tenant_id.as_str())],
            })
            .collect();
        self.0
            .send_all(messages, "messages")
            .await
            .map_err(JobQueueError)
    }
}
