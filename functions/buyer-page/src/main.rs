#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = cuadre_aws::AwsContext::from_env();
    let app = buyer_page::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws)?;
    cuadre_lambda::serve::http(app, |app, req| async move {
        buyer_page::handle(&app, req).await
    })
    .await
}
