//! The function as Lambda starts it, from its environment; the local platform starts it the same way.

use std::sync::Arc;

use cuadre_aws::AwsContext;
use cuadre_lambda::config::{optional, parsed_or, required, Env, StartError};
use cuadre_lambda::secrets::SecretCache;

use crate::adapters::{GatewayClient, GatewayConfig, S3Links};
use crate::{App, Settings};

impl App {
    pub fn from_env(env: &dyn Env, aws: &AwsContext) -> Result<App, StartError> {
        let table = required(env, "TABLE_NAME")?;
        let vouchers_bucket = required(env, "VOUCHERS_BUCKET")?;
        let gateway_url = required(env, "PAGOEFECTIVO_BASE_URL")?;
        let settings = Settings {
            public_base_url: optional(env, "PUBLIC_BASE_URL"),
            idempotency_ttl_secs: parsed_or(env, "IDEMPOTENCY_TTL_SECS", 24 * 3600)?,
            lease_secs: parsed_or(env, "ISSUE_LEASE_SECS", 30)?,
        };
        let gateway = GatewayClient::new(GatewayConfig::new(gateway_url))
            .map_err(|e| StartError::Init(e.to_string()))?;
        Ok(App {
            store: Arc::new(aws.store(table)),
            secrets: Arc::new(SecretCache::new(Arc::new(aws.ssm()))),
            gateway: Arc::new(gateway),
            links: Arc::new(S3Links::new(aws.s3(), vouchers_bucket)),
            settings,
            clock: Arc::new(chrono::Utc::now),
        })
    }
}
