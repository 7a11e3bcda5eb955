//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_core::access::DEFAULT_PAY_LINK_GRACE;
use cuadre_lambda::config::{parsed_or, required, Env, StartError};

use crate::adapters::S3Links;
use crate::app::AWS_UPLOAD_ORIGIN;
use crate::{App, Settings};

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let bucket = required(env, "VOUCHERS_BUCKET")?;
        let settings = Settings {
            max_uploads_per_code: parsed_or(env, "MAX_UPLOADS_PER_CODE", 5)?,
            upload_link_secs: parsed_or(env, "UPLOAD_LINK_SECS", 600)?,
            link_grace: chrono::Duration::hours(parsed_or(
                env,
                "PAY_LINK_GRACE_HOURS",
                DEFAULT_PAY_LINK_GRACE.num_hours(),
            )?),
            // Locally and in tests the links point at the emulator.
            upload_origin: aws
                .endpoint
                .url
                .clone()
                .unwrap_or_else(|| AWS_UPLOAD_ORIGIN.to_string()),
        };
        Ok(App {
            store: Arc::new(aws.store(table)),
            links: Arc::new(S3Links::new(aws.s3(), bucket)),
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
