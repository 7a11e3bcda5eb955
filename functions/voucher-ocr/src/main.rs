use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use cuadre_aws::{AwsContext, TextractDetector};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = AwsContext::from_env();
    let detector = Arc::new(TextractDetector::new(&aws.sdk));
    let app = voucher_ocr::App::from_env(&cuadre_lambda::config::ProcessEnv, &aws, detector)?;
    cuadre_lambda::serve::events(app, |app, event: SqsEvent| async move {
        Ok(voucher_ocr::handle(&app, event).await)
    })
    .await
}
