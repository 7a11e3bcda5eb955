//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_lambda::config::{required, Env, StartError};

use crate::adapters::{S3Links, SqsMerchantEvents};
use crate::App;

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let reports_bucket = required(env, "REPORTS_BUCKET")?;
        let queue_url = required(env, "MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
        let secrets_prefix = required(env, "SECRETS_PREFIX")?;
        Ok(App {
            store: Arc::new(aws.store(table)),
            reports: Arc::new(S3Links::new(aws.s3(), reports_bucket)),
            events: Arc::new(SqsMerchantEvents::new(
                aws_sdk_sqs::Client::new(&aws.sdk),
                queue_url,
            )),
            secrets: Arc::new(aws.ssm()),
            secrets_prefix,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
