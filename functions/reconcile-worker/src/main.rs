use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::TimeDelta;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};
use cuadre_gateway::{GatewayClient, GatewayConfig};
use cuadre_lambda::config::{parsed_or, required};
use cuadre_lambda::secrets::SecretCache;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use reconcile_worker::adapters::{S3Objects, SqsQueue};
use reconcile_worker::{App, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let bucket = required("REPORTS_BUCKET")?;
    let jobs_url = required("RECONCILE_JOBS_QUEUE_URL")?;
    let events_url = required("MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
    let gateway_url = required("PAGOEFECTIVO_BASE_URL")?;
    let defaults = Settings::default();
    let settings = Settings {
        page_budget: parsed_or("RECONCILE_PAGE_BUDGET", defaults.page_budget)?,
        lookup_window: TimeDelta::minutes(parsed_or("RECONCILE_LOOKUP_WINDOW_MINUTES", 60)?),
        read_page: parsed_or("RECONCILE_READ_PAGE", defaults.read_page)?,
        concurrency: parsed_or("RECONCILE_CONCURRENCY", defaults.concurrency)?,
        settlement_lag: TimeDelta::hours(parsed_or("SETTLEMENT_LAG_HOURS", 72)?),
        voucher_grace: TimeDelta::minutes(parsed_or("VOUCHER_GRACE_MINUTES", 120)?),
    };
    let endpoint = AwsEndpoint::from_env();
    let config = load_sdk_config(&endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let app = App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        )),
        objects: Arc::new(S3Objects::new(
            cuadre_aws::config::s3_client(&config, &endpoint),
            bucket,
        )),
        jobs: Arc::new(SqsQueue::new(sqs.clone(), jobs_url)),
        events: Arc::new(SqsQueue::new(sqs, events_url)),
        gateway: Arc::new(GatewayClient::new(GatewayConfig::new(gateway_url))?),
        secrets: Arc::new(SecretCache::new(Arc::new(SsmSecrets::new(
            aws_sdk_ssm::Client::new(&config),
        )))),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, Error>(reconcile_worker::handle(&app, event.payload).await) }
    }))
    .await
}
