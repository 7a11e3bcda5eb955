//! The Lambda runtime loop every function's `main` hands its app to: JSON logs on, then each
//! invocation through the function's handler with a clone of the app (clients and settings are
//! built once per cold start, in `App::from_env`).

use std::future::Future;

use lambda_http::{Body, Request, Response};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serves an API Gateway HTTP function: `handle` answers every request (errors are problem+json
/// responses it builds itself, so the runtime never sees one).
pub async fn http<A, H, F>(app: A, handle: H) -> Result<(), Error>
where
    A: Clone + Send + Sync + 'static,
    H: Fn(A, Request) -> F + Send + Sync,
    F: Future<Output = Response<Body>> + Send,
{
    crate::init_tracing();
    lambda_http::run(lambda_http::service_fn(move |req| {
        let answer = handle(app.clone(), req);
        async move { Ok::<_, Error>(answer.await) }
    }))
    .await
}

/// Serves an event-driven function (SQS, EventBridge): `handle` returns what the runtime sends back
/// (for SQS, the batch's failures to retry) or an error that fails the whole invocation.
pub async fn events<A, E, R, H, F>(app: A, handle: H) -> Result<(), Error>
where
    A: Clone + Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    H: Fn(A, E) -> F + Send + Sync,
    F: Future<Output = Result<R, Error>> + Send,
{
    crate::init_tracing();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| {
        handle(app.clone(), event.payload)
    }))
    .await
}
