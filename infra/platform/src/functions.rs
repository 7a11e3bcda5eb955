//! The functions the platform hosts: each built from its environment exactly as its `main.rs`
//! builds it, and registered under its binary name.
//!
//! # Adding a function
//! 1. `infra/platform/Cargo.toml`: `my-function = { path = "../../functions/my-function" }`.
//! 2. Below, a builder `fn my_function(env: &FunctionEnv) -> Result<my_function::App, BuildError>`
//!    that is its `main.rs` with `required(..)`/`parsed_or(..)` read from `env` instead of the
//!    process environment and the SDK clients made from `env.sdk`. (Once a function crate exposes
//!    such a builder itself, e.g. `App::from_env`, both `main.rs` and this file call it.)
//! 3. In [`register_functions`], the 3 lines for its kind:
//!    ```ignore
//!    // HTTP (HttpApi events)
//!    let app = my_function(&hosting.env("my-function"))?;
//!    registry.http("my-function", move |req| {
//!        let app = app.clone(); async move { my_function::handle(&app, req).await } });
//!    // SQS consumer (SQS events; fn(SqsEvent) -> SqsBatchResponse)
//!    let app = my_function(&hosting.env("my-function"))?;
//!    registry.queue("my-function", move |event| {
//!        let app = app.clone(); async move { my_function::handle(&app, event).await } });
//!    // scheduled (Schedule events; gets the EventBridge payload as JSON)
//!    let app = my_function(&hosting.env("my-function"))?;
//!    registry.schedule("my-function", move |payload| {
//!        let app = app.clone(); async move { my_function::run(&app, payload).await.map_err(|e| e.to_string()) } });
//!    ```
//! The template decides which routes, queues and schedules reach it; nothing else changes.

use std::sync::Arc;

use cuadre_aws::config::s3_client;
use cuadre_aws::{DynamoStore, S3Links, SsmSecrets};
use cuadre_gateway::{GatewayClient, GatewayConfig};
use cuadre_lambda::config::ConfigError;
use cuadre_lambda::secrets::SecretCache;

use crate::env::{FunctionEnv, Hosting};
use crate::registry::Registry;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{binary}: {source}")]
    Config { binary: String, source: ConfigError },
    #[error("{binary}: {message}")]
    Init { binary: String, message: String },
}

impl BuildError {
    fn config(env: &FunctionEnv) -> impl Fn(ConfigError) -> BuildError + '_ {
        |source| BuildError::Config {
            binary: env.binary.clone(),
            source,
        }
    }
}

/// Registers every function crate the platform links.
pub fn register_functions(registry: &mut Registry, hosting: &Hosting) -> Result<(), BuildError> {
    let app = issue_code(&hosting.env("issue-code"))?;
    registry.http("issue-code", move |req| {
        let app = app.clone();
        async move { issue_code::handle(&app, req).await }
    });

    let app = buyer_page(&hosting.env("buyer-page"))?;
    registry.http("buyer-page", move |req| {
        let app = app.clone();
        async move { buyer_page::handle(&app, req).await }
    });

    Ok(())
}

/// `functions/issue-code/src/main.rs`, over `env`.
pub fn issue_code(env: &FunctionEnv) -> Result<issue_code::App, BuildError> {
    let err = BuildError::config(env);
    let table = env.required("TABLE_NAME").map_err(&err)?;
    let vouchers_bucket = env.required("VOUCHERS_BUCKET").map_err(&err)?;
    let gateway_url = env.required("PAGOEFECTIVO_BASE_URL").map_err(&err)?;
    let settings = issue_code::Settings {
        public_base_url: env
            .var("PUBLIC_BASE_URL")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        idempotency_ttl_secs: env
            .parsed_or("IDEMPOTENCY_TTL_SECS", 24 * 3600)
            .map_err(&err)?,
        lease_secs: env.parsed_or("ISSUE_LEASE_SECS", 30).map_err(&err)?,
    };
    let gateway =
        GatewayClient::new(GatewayConfig::new(gateway_url)).map_err(|e| BuildError::Init {
            binary: env.binary.clone(),
            message: e.to_string(),
        })?;
    Ok(issue_code::App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&env.sdk),
            table,
        )),
        secrets: Arc::new(SecretCache::new(Arc::new(SsmSecrets::new(
            aws_sdk_ssm::Client::new(&env.sdk),
        )))),
        gateway: Arc::new(gateway),
        links: Arc::new(S3Links::new(
            s3_client(&env.sdk, &env.endpoint),
            vouchers_bucket,
        )),
        settings,
        clock: Arc::new(chrono::Utc::now),
    })
}

/// `functions/buyer-page/src/main.rs`, over `env`.
pub fn buyer_page(env: &FunctionEnv) -> Result<buyer_page::App, BuildError> {
    let err = BuildError::config(env);
    let table = env.required("TABLE_NAME").map_err(&err)?;
    let bucket = env.required("VOUCHERS_BUCKET").map_err(&err)?;
    let settings = buyer_page::Settings {
        max_uploads_per_code: env.parsed_or("MAX_UPLOADS_PER_CODE", 5).map_err(&err)?,
        upload_link_secs: env.parsed_or("UPLOAD_LINK_SECS", 600).map_err(&err)?,
    };
    Ok(buyer_page::App {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&env.sdk),
            table,
        )),
        links: Arc::new(S3Links::new(s3_client(&env.sdk, &env.endpoint), bucket)),
        settings,
        clock: Arc::new(chrono::Utc::now),
    })
}
