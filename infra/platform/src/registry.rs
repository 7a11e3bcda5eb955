//! Binary name -> the handler that binary runs in Lambda. The template says which events reach
//! which binary; the registry says what code a binary is.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use serde_json::Value;

/// An HTTP function: the `lambda_http` request API Gateway would hand it, its response.
pub type HttpHandler = Arc<dyn Fn(Request) -> BoxFuture<'static, Response<Body>> + Send + Sync>;
/// An SQS consumer: the raw event, the partial-batch response.
pub type QueueHandler = Arc<dyn Fn(SqsEvent) -> BoxFuture<'static, SqsBatchResponse> + Send + Sync>;
/// A scheduled function: the EventBridge payload (the scheduled event, or the event's `Input`).
/// `Err` is a failed invocation (logged; EventBridge would retry it).
pub type ScheduleHandler =
    Arc<dyn Fn(Value) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// The handlers the platform can run, by binary name (`Metadata.BuildProperties.Binary`).
#[derive(Default, Clone)]
pub struct Registry {
    pub(crate) http: BTreeMap<String, HttpHandler>,
    pub(crate) queues: BTreeMap<String, QueueHandler>,
    pub(crate) schedules: BTreeMap<String, ScheduleHandler>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("http", &self.http.keys().collect::<Vec<_>>())
            .field("queues", &self.queues.keys().collect::<Vec<_>>())
            .field("schedules", &self.schedules.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers an HTTP function, e.g.
    /// `registry.http("issue-code", move |req| { let app = app.clone(); async move { issue_code::handle(&app, req).await } })`.
    pub fn http<F, Fut>(&mut self, binary: &str, handler: F) -> &mut Self
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response<Body>> + Send + 'static,
    {
        self.http.insert(
            binary.to_string(),
            Arc::new(move |req| Box::pin(handler(req))),
        );
        self
    }

    /// Registers an SQS consumer (`fn(SqsEvent) -> SqsBatchResponse`, as its Lambda runs it).
    pub fn queue<F, Fut>(&mut self, binary: &str, consumer: F) -> &mut Self
    where
        F: Fn(SqsEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = SqsBatchResponse> + Send + 'static,
    {
        self.queues.insert(
            binary.to_string(),
            Arc::new(move |event| Box::pin(consumer(event))),
        );
        self
    }

    /// Registers a scheduled function; it gets the JSON payload EventBridge would send.
    pub fn schedule<F, Fut>(&mut self, binary: &str, handler: F) -> &mut Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.schedules.insert(
            binary.to_string(),
            Arc::new(move |payload| Box::pin(handler(payload))),
        );
        self
    }

    pub fn http_handler(&self, binary: &str) -> Option<&HttpHandler> {
        self.http.get(binary)
    }

    pub fn queue_handler(&self, binary: &str) -> Option<&QueueHandler> {
        self.queues.get(binary)
    }

    pub fn schedule_handler(&self, binary: &str) -> Option<&ScheduleHandler> {
        self.schedules.get(binary)
    }

    /// Every registered binary, for the start-up banner.
    pub fn binaries(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .http
            .keys()
            .chain(self.queues.keys())
            .chain(self.schedules.keys())
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}
