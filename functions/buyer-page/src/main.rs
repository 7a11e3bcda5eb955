use std::sync::Arc;

use buyer_page::{App, Settings};
use cuadre_aws::config::s3_client;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, S3Links};
use cuadre_lambda::config::{parsed_or, required};
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let bucket = required("VOUCHERS_BUCKET")?;
    let settings = Settings {
        max_uploads_per_code: parsed_or("MAX_UPLOADS_PER_CODE", 5)?,
        upload_link_secs: parsed_or("UPLOAD_LINK_SECS", 600)?,
    };
    let endpoint = AwsEndpoint::from_env();
    let config = load_sdk_config(&endpoint).await;
    let app = App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        )),
        links: Arc::new(S3Links::new(s3_client(&config, &endpoint), bucket)),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(buyer_page::handle(&app, req).await) }
    }))
    .await
}
