//! The [`TextDetector`] port on Amazon Textract `DetectDocumentText` (synchronous, one page, the
//! S3 object passed by reference: the bytes never travel through the Lambda).
//!
//! Throttling (`ProvisionedThroughputExceededException`, `ThrottlingException`) is retried here with
//! exponential backoff and jitter a bounded number of times, then reported as
//! [`OcrError::Throttled`] (retryable: the SQS message stays on its queue). The SDK's own retries are
//! turned off for this client so the two policies do not multiply.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use aws_sdk_textract::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_textract::operation::detect_document_text::{
    DetectDocumentTextError, DetectDocumentTextOutput,
};
use aws_sdk_textract::types::{Block, Document, S3Object};
use aws_sdk_textract::Client;
use cuadre_core::extract::{lines_from_textract_json, OcrLine};
use cuadre_core::ocr::{OcrError, StoredDocument, TextDetector};
use rand::Rng;
use serde_json::{json, Value};

/// How throttled calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Calls in all, the first included.
    pub max_attempts: u32,
    /// The delay before the first retry; doubled for each next one.
    pub base: Duration,
    /// No single delay is longer.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 4 calls with up to 0.2 s, 0.4 s, 0.8 s between them: bounded well inside a 60 s function.
    fn default() -> Self {
        Backoff {
            max_attempts: 4,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// "Equal jitter": half of the exponential delay for sure, the other half at random, so
    /// concurrent callers spread out but none retries at once.
    fn delay(&self, retry: u32) -> Duration {
        let exponential = self
            .base
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.cap);
        let millis = u64::try_from(exponential.as_millis()).unwrap_or(u64::MAX);
        let half = millis / 2;
        let jitter = rand::rng().random_range(0..=millis - half);
        Duration::from_millis(half + jitter)
    }
}

/// Reads vouchers with Textract. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TextractDetector {
    client: Client,
    backoff: Backoff,
}

impl TextractDetector {
    /// A client from the shared SDK configuration (endpoint override included), with the SDK's
    /// retries off: this adapter owns the throttling policy.
    pub fn new(config: &SdkConfig) -> Self {
        let conf = aws_sdk_textract::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        TextractDetector {
            client: Client::from_conf(conf),
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    async fn call(
        &self,
        document: &StoredDocument<'_>,
    ) -> Result<DetectDocumentTextOutput, SdkError<DetectDocumentTextError>> {
        let s3_object = S3Object::builder()
            .bucket(document.bucket)
            .name(document.key)
            .build();
        self.client
            .detect_document_text()
            .document(Document::builder().s3_object(s3_object).build())
            .send()
            .await
    }
}

#[async_trait]
impl TextDetector for TextractDetector {
    async fn detect_text(&self, document: StoredDocument<'_>) -> Result<Vec<OcrLine>, OcrError> {
        let attempts = self.backoff.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.call(&document).await {
                Ok(output) => return lines_from_output(&output),
                Err(err) => match classify(&err) {
                    Failure::Throttled if attempt < attempts => {
                        let delay = self.backoff.delay(attempt - 1);
                        tracing::warn!(
                            attempt,
                            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            "Textract throttled; backing off"
                        );
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    Failure::Throttled => {
                        return Err(OcrError::Throttled(format!(
                            "still throttled after {attempts} calls: {}",
                            DisplayErrorContext(&err)
                        )))
                    }
                    Failure::Unsupported => {
                        return Err(OcrError::UnsupportedDocument(message(&err)))
                    }
                    Failure::Other { retryable } => {
                        return Err(OcrError::Other {
                            message: DisplayErrorContext(&err).to_string(),
                            retryable,
                        })
                    }
                },
            }
        }
    }
}

enum Failure {
    Throttled,
    Unsupported,
    Other { retryable: bool },
}

fn classify(err: &SdkError<DetectDocumentTextError>) -> Failure {
    let Some(service) = err.as_service_error() else {
        // Timeouts, connection and response errors: the next delivery may well succeed.
        return Failure::Other { retryable: true };
    };
    if service.is_provisioned_throughput_exceeded_exception() || service.is_throttling_exception() {
        return Failure::Throttled;
    }
    if service.is_unsupported_document_exception()
        || service.is_bad_document_exception()
        || service.is_document_too_large_exception()
    {
        return Failure::Unsupported;
    }
    // A bad request will be as bad next time. Access problems (AccessDenied, InvalidS3Object)
    // stay retryable: they are configuration, and the message waits in the DLQ (alarmed) until fixed.
    let retryable = !service.is_invalid_parameter_exception();
    Failure::Other { retryable }
}

fn message(err: &SdkError<DetectDocumentTextError>) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// The SDK's blocks back in the API's JSON shape, so the core's one conversion
/// ([`lines_from_textract_json`]) reads production and recorded responses alike.
fn lines_from_output(output: &DetectDocumentTextOutput) -> Result<Vec<OcrLine>, OcrError> {
    let blocks: Vec<Value> = output.blocks().iter().map(block_json).collect();
    let json = json!({ "Blocks": blocks }).to_string();
    lines_from_textract_json(&json).map_err(|e| OcrError::Other {
        message: format!("Textract answered something unreadable: {e}"),
        retryable: false,
    })
}

fn block_json(block: &Block) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(kind) = block.block_type() {
        out.insert("BlockType".into(), json!(kind.as_str()));
    }
    if let Some(id) = block.id() {
        out.insert("Id".into(), json!(id));
    }
    if let Some(text) = block.text() {
        out.insert("Text".into(), json!(text));
    }
    if let Some(confidence) = block.confidence() {
        out.insert("Confidence".into(), json!(f64::from(confidence)));
    }
    if let Some(geometry) = block.geometry() {
        let mut g = serde_json::Map::new();
        if let Some(b) = geometry.bounding_box() {
            g.insert(
                "BoundingBox".into(),
                json!({
                    "Left": f64::from(b.left()),
                    "Top": f64::from(b.top()),
                    "Width": f64::from(b.width()),
                    "Height": f64::from(b.height()),
                }),
            );
        }
        let polygon: Vec<Value> = geometry
            .polygon()
            .iter()
            .map(|p| json!({"X": f64::from(p.x()), "Y": f64::from(p.y())}))
            .collect();
        if !polygon.is_empty() {
            g.insert("Polygon".into(), Value::Array(polygon));
        }
        out.insert("Geometry".into(), Value::Object(g));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_its_cap_with_jitter() {
        let b = Backoff {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        };
        for _ in 0..50 {
            let d0 = b.delay(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d1 = b.delay(1);
            assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
            let d5 = b.delay(5);
            assert!(d5 >= Duration::from_millis(150) && d5 <= Duration::from_millis(300));
        }
        assert!(b.delay(40) <= Duration::from_millis(300), "no overflow");
    }
}
