use aws_lambda_events::event::sqs::SqsEvent;
use cuadre_aws::AwsContext;
use cuadre_lambda::config::ProcessEnv;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use reconcile_worker::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let app = App::from_env(&ProcessEnv, &AwsContext::from_env())?;
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, Error>(reconcile_worker::handle(&app, event.payload).await) }
    }))
    .await
}
