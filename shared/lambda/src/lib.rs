//! What every cuadre Lambda function shares.

pub mod announce;
pub mod config;
pub mod http;
pub mod idempotency;
pub mod metrics;
pub mod problem;
pub mod secrets;
pub mod serve;
pub mod sqs;

/// JSON logs for CloudWatch (the template turns on JSON log format); `RUST_LOG` filters.
/// Never log a request body, a voucher's text, a secret or a buyer's document number.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second init (tests, the local platform hosting several handlers) is harmless.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .without_time()
        .try_init();
}
