use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};
use cuadre_lambda::config::required;
use cuadre_lambda::secrets::SecretCache;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use notify_merchant::adapters::{HttpPoster, SesMailer, SqsVisibility};
use notify_merchant::{App, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let queue_url = required("MERCHANT_NOTIFICATIONS_QUEUE_URL")?;
    let settings = Settings::from_env()?;
    if settings.email_from.is_none() {
        tracing::warn!("BUYER_EMAIL_FROM is not set: buyer confirmation e-mails are off");
    }
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
        poster: Arc::new(HttpPoster::new()?),
        mailer: Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(&config))),
        visibility: Arc::new(SqsVisibility::new(
            aws_sdk_sqs::Client::new(&config),
            queue_url,
        )),
        settings,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, Error>(notify_merchant::handle(&app, event.payload).await) }
    }))
    .await
}
