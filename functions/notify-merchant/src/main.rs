use aws_lambda_events::event::sqs::SqsEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = cuadre_aws::AwsContext::from_env();
    let app = notify_merchant::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws)?;
    // Two triggers: the queue (its batches carry `Records`) and the sweeper's schedule.
    cuadre_lambda::serve::events(app, |app, event: serde_json::Value| async move {
        if event.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(event)?;
            return Ok(serde_json::to_value(
                notify_merchant::handle(&app, batch).await,
            )?);
        }
        let report = notify_merchant::sweep(&app).await?;
        Ok(serde_json::to_value(report)?)
    })
    .await
}
