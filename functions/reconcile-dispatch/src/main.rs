use aws_lambda_events::event::eventbridge::EventBridgeEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = cuadre_aws::AwsContext::from_env();
    let app = reconcile_dispatch::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws)?;
    cuadre_lambda::serve::events(
        app,
        |app, event: EventBridgeEvent<serde_json::Value>| async move {
            let done = reconcile_dispatch::handle(&app, event).await?;
            Ok(serde_json::json!({"run_id": done.run_id, "jobs": done.jobs}))
        },
    )
    .await
}
