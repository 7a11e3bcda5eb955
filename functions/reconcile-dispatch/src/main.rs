use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore};
use cuadre_lambda::config::{parsed_or, required};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use reconcile_dispatch::App;
use reconcile_worker::adapters::SqsQueue;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let table = required("TABLE_NAME")?;
    let jobs_url = required("RECONCILE_JOBS_QUEUE_URL")?;
    let page_size = parsed_or("DISPATCH_PAGE_SIZE", 100)?;
    let config = load_sdk_config(&AwsEndpoint::from_env()).await;
    let app = App {
        tenants: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        )),
        jobs: Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&config), jobs_url)),
        page_size,
        clock: Arc::new(chrono::Utc::now),
    };
    run(service_fn(
        |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| {
            let app = app.clone();
            async move {
                let done = reconcile_dispatch::handle(&app, event.payload).await?;
                Ok::<_, Error>(serde_json::json!({"run_id": done.run_id, "jobs": done.jobs}))
            }
        },
    ))
    .await
}
