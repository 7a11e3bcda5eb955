use cuadre_aws::AwsContext;
use cuadre_lambda::config::ProcessEnv;
use lambda_http::{run, service_fn, Error};
use merchant_api::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let app = App::from_env(&ProcessEnv, &AwsContext::from_env())?;
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(merchant_api::handle(&app, req).await) }
    }))
    .await
}
