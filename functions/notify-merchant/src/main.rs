use aws_lambda_events::event::sqs::SqsEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = cuadre_aws::AwsContext::from_env();
    let app = notify_merchant::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws)?;
    cuadre_lambda::serve::events(app, |app, event: SqsEvent| async move {
        Ok(notify_merchant::handle(&app, event).await)
    })
    .await
}
