//! `cuadre-platform`: the local platform. One process hosts the very handlers the Lambda
//! functions run, wired the way `template.yaml` wires them in AWS:
//!
//! - every `HttpApi` route of every `AWS::Serverless::Function` is served on one port and handed
//!   to the handler registered under the function's `Metadata.BuildProperties.Binary`, as the
//!   `lambda_http::Request` API Gateway would produce ([`http`]); a route whose function is not
//!   registered answers `501` problem+json naming it;
//! - every `SQS` event source is polled with Lambda's batch semantics ([`queue`]);
//! - every `Schedule` event ticks ([`schedule`]);
//! - over the AWS emulator (`infra/local-aws`, [`local_aws`]) and with the PagoEfectivo sandbox
//!   as `PAGOEFECTIVO_BASE_URL`; `PUBLIC_BASE_URL` is the platform's own URL.
//!
//! ```ignore
//! let bound = BoundPlatform::bind(config).await?;        // knows its URL now
//! let mut registry = Registry::new();
//! register_functions(&mut registry, bound.hosting())?;   // the function crates, see functions.rs
//! let running = bound.serve(registry).await?;             // HTTP + pollers + tickers
//! running.stop().await;
//! ```

pub mod env;
pub mod functions;
pub mod http;
pub mod local_aws;
pub mod openapi;
pub mod queue;
pub mod registry;
pub mod schedule;
pub mod template;

use std::net::SocketAddr;
use std::time::Duration;

use cuadre_aws::{lambda_sdk_config, AwsEndpoint};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use env::{AwsEnv, FunctionEnv, Hosting};
pub use functions::{register_functions, BuildError};
pub use http::RouteTable;
pub use queue::{BatchOutcome, QueuePoller};
pub use registry::Registry;
pub use schedule::Ticker;
pub use template::Template;

use crate::template::local_name;

/// How to run the platform.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    pub template: Template,
    /// `.local/aws.env` (must name `AWS_ENDPOINT_URL`).
    pub aws: AwsEnv,
    /// The PagoEfectivo sandbox's base URL.
    pub gateway_url: String,
    /// Where to listen (port 0 picks a free one).
    pub addr: SocketAddr,
    /// The URL buyers and merchants use; `http://<bound address>` when `None`.
    pub public_url: Option<String>,
    /// Tick every schedule at this interval instead of its `rate(...)`.
    pub schedule_every: Option<Duration>,
    /// SQS long-poll wait.
    pub sqs_wait: Duration,
}

impl PlatformConfig {
    pub fn new(template: Template, aws: AwsEnv, gateway_url: impl Into<String>) -> Self {
        PlatformConfig {
            template,
            aws,
            gateway_url: gateway_url.into(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            schedule_every: None,
            sqs_wait: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(
        "AWS_ENDPOINT_URL is missing from the emulator environment (run `infra/local-aws up`)"
    )]
    NoEndpoint,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{binary}: queue {queue} of event {event}: {message}")]
    Queue {
        binary: String,
        event: String,
        queue: String,
        message: String,
    },
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A platform with its port bound (so its URL is known) but nothing served yet.
pub struct BoundPlatform {
    listener: TcpListener,
    addr: SocketAddr,
    hosting: Hosting,
    schedule_every: Option<Duration>,
    sqs_wait: Duration,
}

impl BoundPlatform {
    pub async fn bind(config: PlatformConfig) -> Result<BoundPlatform, PlatformError> {
        let endpoint = AwsEndpoint {
            url: Some(
                config
                    .aws
                    .endpoint()
                    .ok_or(PlatformError::NoEndpoint)?
                    .to_string(),
            ),
        };
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| PlatformError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| PlatformError::Bind {
                addr: config.addr,
                source,
            })?;
        let public_url = config
            .public_url
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{addr}"));
        // The functions' own SDK configuration (what `AwsContext::from_env` gives them in Lambda).
        let sdk = lambda_sdk_config(&endpoint);
        Ok(BoundPlatform {
            listener,
            addr,
            hosting: Hosting {
                template: config.template,
                aws: config.aws,
                endpoint,
                sdk,
                public_url,
                gateway_url: config.gateway_url.trim_end_matches('/').to_string(),
            },
            schedule_every: config.schedule_every,
            sqs_wait: config.sqs_wait,
        })
    }

    pub fn url(&self) -> &str {
        &self.hosting.public_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the function builders need ([`Hosting::env`]).
    pub fn hosting(&self) -> &Hosting {
        &self.hosting
    }

    /// Serves the routes, starts a poller per hosted SQS source and a ticker per hosted schedule.
    pub async fn serve(self, registry: Registry) -> Result<RunningPlatform, PlatformError> {
        let (stop, shutdown) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut hosted = Vec::new();
        let template = &self.hosting.template;
        let sqs = aws_sdk_sqs::Client::new(&self.hosting.sdk);

        for function in &template.functions {
            for route in &function.http {
                hosted.push(Hosted {
                    binary: function.binary.clone(),
                    trigger: route.route_key(),
                    hosted: registry.http_handler(&function.binary).is_some(),
                });
            }
            for source in function.queues.iter().filter(|s| s.enabled) {
                let queue_name = match (&source.queue_logical_id, &source.queue_arn) {
                    (Some(id), _) => local_name(id),
                    (None, Some(arn)) => arn.rsplit(':').next().unwrap_or(arn).to_string(),
                    (None, None) => continue,
                };
                let consumer = registry.queue_handler(&function.binary).cloned();
                hosted.push(Hosted {
                    binary: function.binary.clone(),
                    trigger: format!("SQS {queue_name}"),
                    hosted: consumer.is_some(),
                });
                let Some(consumer) = consumer else { continue };
                let queue_error = |message: String| PlatformError::Queue {
                    binary: function.binary.clone(),
                    event: source.event.clone(),
                    queue: queue_name.clone(),
                    message,
                };
                let url = sqs
                    .get_queue_url()
                    .queue_name(&queue_name)
                    .send()
                    .await
                    .map_err(|e| queue_error(queue::aws_error_text(&e)))?
                    .queue_url
                    .ok_or_else(|| queue_error("no queue URL".into()))?;
                let poller = QueuePoller {
                    binary: function.binary.clone(),
                    sqs: sqs.clone(),
                    queue_url: url,
                    batch_size: source.batch_size,
                    batching_window: source.batching_window,
                    report_failures: source.report_failures,
                    timeout: function.timeout,
                    wait: self.sqs_wait,
                    consumer,
                };
                tasks.push(tokio::spawn(poller.run(shutdown.clone())));
            }
            for source in function.schedules.iter().filter(|s| s.enabled) {
                let handler = registry.schedule_handler(&function.binary).cloned();
                let interval = self.schedule_every.or_else(|| source.interval());
                hosted.push(Hosted {
                    binary: function.binary.clone(),
                    trigger: match interval {
                        Some(i) => format!("{} (every {} s)", source.expression, i.as_secs_f32()),
                        None => format!(
                            "{} (cron: not emulated; use --schedule-every)",
                            source.expression
                        ),
                    },
                    hosted: handler.is_some() && interval.is_some(),
                });
                let (Some(handler), Some(interval)) = (handler, interval) else {
                    continue;
                };
                let ticker = Ticker {
                    binary: function.binary.clone(),
                    rule: Ticker::rule_arn(&function.logical_id, &source.event),
                    interval,
                    input: source.input.clone(),
                    timeout: function.timeout,
                    handler,
                };
                tasks.push(tokio::spawn(ticker.run(shutdown.clone())));
            }
        }

        let routes = RouteTable::from_template(template);
        let state = http::HttpState::new(routes, &registry, self.addr.port());
        let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let mut server_shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let graceful = async move {
                let _ = server_shutdown.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(self.listener, app)
                .with_graceful_shutdown(graceful)
                .await
            {
                tracing::error!(error = %e, "the platform's HTTP server stopped");
            }
        }));
        Ok(RunningPlatform {
            url: self.hosting.public_url.clone(),
            addr: self.addr,
            hosted,
            schedules: registry.schedules.clone(),
            stop,
            tasks,
        })
    }
}

/// One trigger of the template and whether the platform runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    pub binary: String,
    /// `POST /v1/payment-codes`, `SQS cuadre-voucher-uploads`, `rate(15 minutes) (every 900 s)`.
    pub trigger: String,
    pub hosted: bool,
}

/// The platform serving in the background; [`RunningPlatform::stop`] (or dropping it) stops it.
pub struct RunningPlatform {
    pub url: String,
    pub addr: SocketAddr,
    pub hosted: Vec<Hosted>,
    schedules: std::collections::BTreeMap<String, registry::ScheduleHandler>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningPlatform {
    /// Runs a scheduled function once, now, with `payload` as its event: what `aws lambda invoke`
    /// does for an operator who will not wait for the schedule (e.g. a reconciliation "as of" a
    /// given `time`).
    pub async fn invoke_schedule(&self, binary: &str, payload: Value) -> Result<(), String> {
        let handler = self
            .schedules
            .get(binary)
            .ok_or_else(|| format!("{binary} is not a hosted scheduled function"))?;
        handler(payload).await
    }

    /// Stops serving and polling; in-flight requests finish (up to a few seconds).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningPlatform {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
