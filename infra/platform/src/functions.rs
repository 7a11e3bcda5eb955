//! The functions the platform hosts, each started by its own `App::from_env` (what its `main.rs`
//! calls in Lambda) over the environment the template gives it, and registered under its binary
//! name. The one difference from AWS: voucher-ocr reads images with Tesseract, not Textract.
//!
//! # Adding a function
//! 1. `infra/platform/Cargo.toml`: `my-function = { path = "../../functions/my-function" }`.
//! 2. In [`register_functions`], the lines for its kind (HTTP, SQS consumer or scheduled), like
//!    the ones below. The template decides which routes, queues and schedules reach it.

use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use cuadre_lambda::config::StartError;
use cuadre_ocr::TesseractDetector;

use crate::env::Hosting;
use crate::registry::Registry;

#[derive(Debug, thiserror::Error)]
#[error("{binary}: {source}")]
pub struct BuildError {
    pub binary: String,
    pub source: StartError,
}

fn named(binary: &str) -> impl Fn(StartError) -> BuildError + '_ {
    move |source| BuildError {
        binary: binary.to_string(),
        source,
    }
}

/// Registers every function crate the platform links.
pub fn register_functions(registry: &mut Registry, hosting: &Hosting) -> Result<(), BuildError> {
    let env = hosting.env("issue-code");
    let app = issue_code::App::from_env(&env, &env.aws).map_err(named("issue-code"))?;
    registry.http("issue-code", move |req| {
        let app = app.clone();
        async move { issue_code::handle(&app, req).await }
    });

    let env = hosting.env("buyer-page");
    let app = buyer_page::App::from_env(&env, &env.aws).map_err(named("buyer-page"))?;
    registry.http("buyer-page", move |req| {
        let app = app.clone();
        async move { buyer_page::handle(&app, req).await }
    });

    let env = hosting.env("gateway-webhook");
    let app = gateway_webhook::App::from_env(&env, &env.aws).map_err(named("gateway-webhook"))?;
    registry.http("gateway-webhook", move |req| {
        let app = app.clone();
        async move { gateway_webhook::handle(&app, req).await }
    });

    let env = hosting.env("merchant-api");
    let app = merchant_api::App::from_env(&env, &env.aws).map_err(named("merchant-api"))?;
    registry.http("merchant-api", move |req| {
        let app = app.clone();
        async move { merchant_api::handle(&app, req).await }
    });

    let env = hosting.env("voucher-ocr");
    let app = voucher_ocr::App::from_env(&env, &env.aws, Arc::new(TesseractDetector::new()))
        .map_err(named("voucher-ocr"))?;
    registry.queue("voucher-ocr", move |event| {
        let app = app.clone();
        async move { voucher_ocr::handle(&app, event).await }
    });

    let env = hosting.env("notify-merchant");
    let app = notify_merchant::App::from_env(&env, &env.aws).map_err(named("notify-merchant"))?;
    let sweeper = app.clone();
    registry.queue("notify-merchant", move |event| {
        let app = app.clone();
        async move { notify_merchant::handle(&app, event).await }
    });
    // Its second trigger: the outbox sweeper's schedule.
    registry.schedule("notify-merchant", move |_payload| {
        let app = sweeper.clone();
        async move {
            notify_merchant::sweep(&app)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
    });

    let env = hosting.env("reconcile-worker");
    let app = reconcile_worker::App::from_env(&env, &env.aws).map_err(named("reconcile-worker"))?;
    registry.queue("reconcile-worker", move |event| {
        let app = app.clone();
        async move { reconcile_worker::handle(&app, event).await }
    });

    let env = hosting.env("reconcile-dispatch");
    let app =
        reconcile_dispatch::App::from_env(&env, &env.aws).map_err(named("reconcile-dispatch"))?;
    registry.schedule("reconcile-dispatch", move |payload| {
        let app = app.clone();
        async move {
            let event: EventBridgeEvent<serde_json::Value> =
                serde_json::from_value(payload).map_err(|e| e.to_string())?;
            reconcile_dispatch::handle(&app, event)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
    });

    Ok(())
}
