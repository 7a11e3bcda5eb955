use cuadre_aws::AwsContext;
use cuadre_lambda::config::ProcessEnv;
use issue_code::App;
use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let app = App::from_env(&ProcessEnv, &AwsContext::from_env())?;
    run(service_fn(|req| {
        let app = app.clone();
        async move { Ok::<_, Error>(issue_code::handle(&app, req).await) }
    }))
    .await
}
