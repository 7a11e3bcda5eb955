use std::sync::Arc;

use cuadre_aws::config::s3_client;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};
use cuadre_lambda::config::{parsed_or, required};
use cuadre_lambda::secrets::SecretCache;
use gateway_webhook::adapters::{S3Archive, SqsEventQueue};
use gateway_webhook::{App, Settings};
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let bucket = required("VOUCHERS_BUCKET")?;
    let queue_url = required("MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
    let defaults = Settings::default();
    let settings = Settings {
        events_lease: chrono::Duration::milliseconds(parsed_or(
            "PAYMENT_EVENTS_LEASE_MS",
            defaults.events_lease.num_milliseconds(),
        )?),
        wait_for_holder: chrono::Duration::milliseconds(parsed_or(
            "PAYMENT_EVENTS_WAIT_MS",
            defaults.wait_for_holder.num_milliseconds(),
        )?),
        ..defaults
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
        archive: Arc::new(S3Archive::new(s3_client(&config, &endpoint), bucket)),
        events: Arc::new(SqsEventQueue::new(
            aws_sdk_sqs::Client::new(&config),
            queue_url,
        )),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(gateway_webhook::handle(&app, req).await) }
    }))
    .await
}
