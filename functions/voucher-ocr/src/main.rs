use std::sync::Arc;

use cuadre_aws::config::s3_client;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, TextractDetector};
use cuadre_lambda::config::{parsed_or, required};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use voucher_ocr::{App, S3Files, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let defaults = Settings::default();
    let settings = Settings {
        voucher_grace: chrono::Duration::minutes(parsed_or(
            "VOUCHER_GRACE_MINUTES",
            defaults.voucher_grace.num_minutes(),
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
        files: Arc::new(S3Files(s3_client(&config, &endpoint))),
        detector: Arc::new(TextractDetector::new(&config)),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|event: LambdaEvent<_>| {
        let app = app.clone();
        async move { Ok::<_, Error>(voucher_ocr::handle(&app, event.payload).await) }
    }))
    .await
}
