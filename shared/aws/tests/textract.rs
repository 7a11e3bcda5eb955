//! The Textract adapter with the real SDK against recorded responses: a tiny HTTP server on
//! loopback plays back `DetectDocumentText` answers (the voucher fixtures as bodies, throttling and
//! permanent failures as the service sends them). Textract has no faithful emulator.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use cuadre_aws::textract::{Backoff, TextractDetector};
use cuadre_aws::{load_sdk_config, AwsEndpoint};
use cuadre_core::extract::{extract, lines_from_textract_json};
use cuadre_core::ocr::{OcrError, StoredDocument, TextDetector};
use serde_json::Value;

const JSON_1_1: &str = "application/x-amz-json-1.1";

#[derive(Default)]
struct Playback {
    answers: Mutex<VecDeque<(StatusCode, String)>>,
    /// (X-Amz-Target, request body) of every call.
    calls: Mutex<Vec<(String, Value)>>,
}

async fn answer(
    State(playback): State<Arc<Playback>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let request = serde_json::from_slice(&body).unwrap_or(Value::Null);
    playback.calls.lock().unwrap().push((target, request));
    let (status, body) = playback
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((StatusCode::INTERNAL_SERVER_ERROR, "{}".into()));
    (status, [("content-type", JSON_1_1)], body)
}

struct Server {
    url: String,
    playback: Arc<Playback>,
}

async fn serve(answers: Vec<(StatusCode, String)>) -> Server {
    let playback = Arc::new(Playback {
        answers: Mutex::new(answers.into()),
        calls: Mutex::default(),
    });
    let app = Router::new().fallback(answer).with_state(playback.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { url, playback }
}

async fn detector(server: &Server) -> TextractDetector {
    let config = load_sdk_config(&AwsEndpoint {
        url: Some(server.url.clone()),
    })
    .await;
    TextractDetector::new(&config).with_backoff(Backoff {
        max_attempts: 3,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(20),
    })
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/vouchers")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn error(kind: &str) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        format!(r#"{{"__type":"{kind}","message":"recorded {kind}"}}"#),
    )
}

const DOC: StoredDocument<'static> = StoredDocument {
    bucket: "cuadre-vouchers",
    key: "vouchers/t1/Pedido 7/v1",
    bytes: b"",
};

#[tokio::test]
async fn throttled_twice_then_reads_the_recorded_voucher() {
    let recorded = fixture("agent_ticket-000.textract.json");
    let server = serve(vec![
        error("ProvisionedThroughputExceededException"),
        error("ThrottlingException"),
        (StatusCode::OK, recorded.clone()),
    ])
    .await;
    let lines = detector(&server).await.detect_text(DOC).await.unwrap();

    let texts = |l: &[cuadre_core::extract::OcrLine]| -> Vec<String> {
        l.iter().map(|x| x.text.clone()).collect()
    };
    assert_eq!(
        texts(&lines),
        texts(&lines_from_textract_json(&recorded).unwrap())
    );
    let read = extract(&lines);
    assert_eq!(read.fields.cip.as_deref(), Some("85131377"));
    assert_eq!(read.fields.amount.as_deref(), Some("1056.05"));

    let calls = server.playback.calls.lock().unwrap();
    assert_eq!(calls.len(), 3, "two throttled calls and the good one");
    let (target, request) = &calls[0];
    assert_eq!(target, "Textract.DetectDocumentText");
    assert_eq!(
        request["Document"]["S3Object"],
        serde_json::json!({"Bucket": "cuadre-vouchers", "Name": "vouchers/t1/Pedido 7/v1"}),
        "the object goes by reference"
    );
    assert!(request["Document"].get("Bytes").is_none());
}

#[tokio::test]
async fn throttling_that_does_not_stop_is_reported_as_retryable() {
    let server = serve(vec![
        error("ProvisionedThroughputExceededException"),
        error("ProvisionedThroughputExceededException"),
        error("ProvisionedThroughputExceededException"),
        (StatusCode::OK, fixture("agent_ticket-000.textract.json")),
    ])
    .await;
    let err = detector(&server).await.detect_text(DOC).await.unwrap_err();
    assert!(matches!(err, OcrError::Throttled(_)), "{err}");
    assert!(err.is_retryable());
    assert_eq!(
        server.playback.calls.lock().unwrap().len(),
        3,
        "bounded: max_attempts calls, no SDK retries on top"
    );
}

#[tokio::test]
async fn an_unsupported_document_is_permanent_and_not_retried() {
    let server = serve(vec![error("UnsupportedDocumentException")]).await;
    let err = detector(&server).await.detect_text(DOC).await.unwrap_err();
    assert!(matches!(err, OcrError::UnsupportedDocument(_)), "{err}");
    assert!(
        err.to_string().contains("UnsupportedDocumentException"),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.playback.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_server_failure_is_retryable_and_not_retried_here() {
    let server = serve(vec![(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"__type":"InternalServerError","message":"boom"}"#.into(),
    )])
    .await;
    let err = detector(&server).await.detect_text(DOC).await.unwrap_err();
    assert!(
        matches!(
            err,
            OcrError::Other {
                retryable: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.playback.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn every_recorded_fixture_converts_like_the_core_conversion() {
    for name in [
        "bank_app_columns-002.textract.json",
        "kasnet_commission-001.textract.json",
    ] {
        let recorded = fixture(name);
        let server = serve(vec![(StatusCode::OK, recorded.clone())]).await;
        let lines = detector(&server).await.detect_text(DOC).await.unwrap();
        let direct = lines_from_textract_json(&recorded).unwrap();
        assert_eq!(lines.len(), direct.len(), "{name}");
        // Through the SDK numbers are f32: equal to the recorded ones to float precision.
        assert_eq!(extract(&lines).fields, extract(&direct).fields, "{name}");
    }
}
