use std::sync::Arc;

use cuadre_aws::config::s3_client;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, S3Links, SsmSecrets};
use cuadre_gateway::{GatewayClient, GatewayConfig};
use cuadre_lambda::config::{parsed_or, required};
use cuadre_lambda::secrets::SecretCache;
use issue_code::{App, Settings};
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let vouchers_bucket = required("VOUCHERS_BUCKET")?;
    let gateway_url = required("PAGOEFECTIVO_BASE_URL")?;
    let settings = Settings {
        public_base_url: std::env::var("PUBLIC_BASE_URL")
            .ok()
            .filter(|v| !v.is_empty()),
        idempotency_ttl_secs: parsed_or("IDEMPOTENCY_TTL_SECS", 24 * 3600)?,
        lease_secs: parsed_or("ISSUE_LEASE_SECS", 30)?,
    };
    let endpoint = AwsEndpoint::from_env();
    let config = load_sdk_config(&endpoint).await;
    let app = App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        )),
        secrets: Arc::new(SecretCache::new(Arc::new(SsmSecrets::new(
            aws_sdk_ssm::Client::new(&config),
        )))),
        gateway: Arc::new(GatewayClient::new(GatewayConfig::new(gateway_url))?),
        links: Arc::new(S3Links::new(s3_client(&config, &endpoint), vouchers_bucket)),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(issue_code::handle(&app, req).await) }
    }))
    .await
}
