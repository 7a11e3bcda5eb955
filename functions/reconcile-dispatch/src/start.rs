//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_lambda::config::{parsed_or, required, Env, StartError};

use crate::adapters::SqsJobQueue;
use crate::App;

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let jobs_url = required(env, "RECONCILE_JOBS_QUEUE_URL")?;
        Ok(App {
            tenants: Arc::new(aws.store(table)),
            jobs: Arc::new(SqsJobQueue::new(
                aws_sdk_sqs::Client::new(&aws.sdk),
                jobs_url,
            )),
            page_size: parsed_or(env, "DISPATCH_PAGE_SIZE", 100)?,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
