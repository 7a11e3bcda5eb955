//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use chrono::TimeDelta;
use cuadre_aws::queue::SqsJobQueue;
use cuadre_aws::{AwsContext, SqsMerchantEvents};
use cuadre_gateway::{GatewayClient, GatewayConfig};
use cuadre_lambda::config::{parsed_or, required, Env, StartError};
use cuadre_lambda::secrets::SecretCache;

use crate::adapters::S3Objects;
use crate::{App, Settings};

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let bucket = required(env, "REPORTS_BUCKET")?;
        let jobs_url = required(env, "RECONCILE_JOBS_QUEUE_URL")?;
        let events_url = required(env, "MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
        let gateway_url = required(env, "PAGOEFECTIVO_BASE_URL")?;
        let defaults = Settings::default();
        let settings = Settings {
            page_budget: parsed_or(env, "RECONCILE_PAGE_BUDGET", defaults.page_budget)?,
            lookup_window: TimeDelta::minutes(parsed_or(
                env,
                "RECONCILE_LOOKUP_WINDOW_MINUTES",
                defaults.lookup_window.num_minutes(),
            )?),
            read_page: parsed_or(env, "RECONCILE_READ_PAGE", defaults.read_page)?,
            concurrency: parsed_or(env, "RECONCILE_CONCURRENCY", defaults.concurrency)?,
            settlement_lag: TimeDelta::hours(parsed_or(
                env,
                "SETTLEMENT_LAG_HOURS",
                defaults.settlement_lag.num_hours(),
            )?),
            voucher_grace: TimeDelta::minutes(parsed_or(
                env,
                "VOUCHER_GRACE_MINUTES",
                defaults.voucher_grace.num_minutes(),
            )?),
            clock_skew: TimeDelta::minutes(parsed_or(
                env,
                "GATEWAY_CLOCK_SKEW_MINUTES",
                defaults.clock_skew.num_minutes(),
            )?),
            expiry_grace: TimeDelta::minutes(parsed_or(
                env,
                "EXPIRY_GRACE_MINUTES",
                defaults.expiry_grace.num_minutes(),
            )?),
        };
        let gateway = GatewayClient::new(GatewayConfig::new(gateway_url))
            .map_err(|e| StartError::Init(e.to_string()))?;
        let sqs = aws_sdk_sqs::Client::new(&aws.sdk);
        Ok(App {
            store: Arc::new(aws.store(table)),
            objects: Arc::new(S3Objects::new(aws.s3(), bucket)),
            jobs: Arc::new(SqsJobQueue::new(sqs.clone(), jobs_url)),
            events: Arc::new(SqsMerchantEvents::new(sqs, events_url)),
            gateway: Arc::new(gateway),
            secrets: Arc::new(SecretCache::new(Arc::new(aws.ssm()))),
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
