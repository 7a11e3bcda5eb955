use std::sync::Arc;

use cuadre_aws::config::s3_client;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, S3Links};
use cuadre_lambda::config::required;
use lambda_http::{run, service_fn, Error};
use merchant_api::adapters::SqsEventQueue;
use merchant_api::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let reports_bucket = required("REPORTS_BUCKET")?;
    let queue_url = required("MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
    let endpoint = AwsEndpoint::from_env();
    let config = load_sdk_config(&endpoint).await;
    let app = App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        )),
        reports: Arc::new(S3Links::new(s3_client(&config, &endpoint), reports_bucket)),
        events: Arc::new(SqsEventQueue::new(
            aws_sdk_sqs::Client::new(&config),
            queue_url,
        )),
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(merchant_api::handle(&app, req).await) }
    }))
    .await
}
