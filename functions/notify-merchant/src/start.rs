//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_lambda::config::{required, Env, StartError};
use cuadre_lambda::secrets::SecretCache;

use crate::adapters::{HttpPoster, SesMailer, SqsVisibility};
use crate::{App, Settings};

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let queue_url = required(env, "MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
        let settings = Settings::from_env(env)?;
        if settings.email_from.is_none() {
            tracing::warn!("BUYER_EMAIL_FROM is not set: buyer confirmation e-mails are off");
        }
        let poster = HttpPoster::new().map_err(|e| StartError::Init(e.to_string()))?;
        Ok(App {
            store: Arc::new(aws.store(table)),
            secrets: Arc::new(SecretCache::new(Arc::new(aws.ssm()))),
            poster: Arc::new(poster),
            mailer: Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(&aws.sdk))),
            visibility: Arc::new(SqsVisibility::new(
                aws_sdk_sqs::Client::new(&aws.sdk),
                queue_url,
            )),
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
