//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::{AwsContext, SqsMerchantEvents};
use cuadre_lambda::config::{parsed_or, required, Env, StartError};
use cuadre_lambda::secrets::SecretCache;

use crate::adapters::S3Archive;
use crate::{App, Settings};

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let bucket = required(env, "VOUCHERS_BUCKET")?;
        let queue_url = required(env, "MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
        let defaults = Settings::default();
        let settings = Settings {
            events_lease: chrono::Duration::milliseconds(parsed_or(
                env,
                "PAYMENT_EVENTS_LEASE_MS",
                defaults.events_lease.num_milliseconds(),
            )?),
            wait_for_holder: chrono::Duration::milliseconds(parsed_or(
                env,
                "PAYMENT_EVENTS_WAIT_MS",
                defaults.wait_for_holder.num_milliseconds(),
            )?),
            ..defaults
        };
        Ok(App {
            store: Arc::new(aws.store(table)),
            secrets: Arc::new(SecretCache::new(Arc::new(aws.ssm()))),
            archive: Arc::new(S3Archive::new(aws.s3(), bucket)),
            events: Arc::new(SqsMerchantEvents::new(
                aws_sdk_sqs::Client::new(&aws.sdk),
                queue_url,
            )),
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
