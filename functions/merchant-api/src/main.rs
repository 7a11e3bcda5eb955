#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = cuadre_aws::AwsContext::from_env();
    let app = merchant_api::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws)?;
    cuadre_lambda::serve::http(app, |app, req| async move {
        merchant_api::handle(&app, req).await
    })
    .await
}
