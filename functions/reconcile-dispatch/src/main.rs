use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use cuadre_aws::AwsContext;
use cuadre_lambda::config::ProcessEnv;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use reconcile_dispatch::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let app = App::from_env(&ProcessEnv, &AwsContext::from_env())?;
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
