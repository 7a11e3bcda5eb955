//! The function as Lambda starts it, from its environment; the local platform starts it the same
//! way with another text detector (Tesseract instead of Textract).

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_core::ocr::TextDetector;
use cuadre_lambda::config::{parsed_or, required, Env, StartError};

use crate::{App, S3Files, Settings};

impl App {
    pub fn from_env(
        env: &dyn Env,
        aws: &AwsContext,
        detector: Arc<dyn TextDetector>,
    ) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let defaults = Settings::default();
        let settings = Settings {
            voucher_grace: chrono::Duration::minutes(parsed_or(
                env,
                "VOUCHER_GRACE_MINUTES",
                defaults.voucher_grace.num_minutes(),
            )?),
            ..defaults
        };
        Ok(App {
            store: Arc::new(aws.store(table)),
            files: Arc::new(S3Files(aws.s3())),
            detector,
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
