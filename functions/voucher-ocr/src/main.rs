use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use cuadre_aws::{AwsContext, TextractDetector};
use cuadre_lambda::config::ProcessEnv;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use voucher_ocr::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    cuadre_lambda::init_tracing();
    let aws = AwsContext::from_env();
    let detector = Arc::new(TextractDetector::new(&aws.sdk));
    let app = App::from_env(&ProcessEnv, &aws, detector)?;
    run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, Error>(voucher_ocr::handle(&app, event.payload).await) }
    }))
    .await
}
