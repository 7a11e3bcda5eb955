//! The platform in-process over the AWS emulator and an in-process PagoEfectivo sandbox, driven
//! over HTTP the way a merchant and a buyer drive it; and the SQS poller's batch semantics on a
//! queue of its own with a DLQ.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use cuadre_core::tenants::Provisioned;
use cuadre_gateway_sandbox::RunningSandbox;
use cuadre_platform::{
    register_functions, AwsEnv, BoundPlatform, PlatformConfig, QueuePoller, Registry,
    RunningPlatform, Template,
};
use cuadre_testing::http::code_request;
use cuadre_testing::sandbox::sandbox_for;
use cuadre_testing::sqs::{queue, queue_counts};
use cuadre_testing::{local_aws, repo_root, TenantSetup, TestAws, TestMerchant};
use serde_json::{json, Value};

const ACCESS_KEY: &str = "platform-test-access";
const SECRET_KEY: &str = "platform-test-secret";

/// An HTTP event of a function: its name, path and method.
type HttpEvent = (&'static str, &'static str, &'static str);

/// The functions as template.yaml declares them (added when a template lacks them), plus one whose
/// crate the platform does not link: logical id, binary and HTTP events.
const FUNCTIONS: [(&str, &str, &[HttpEvent]); 3] = [
    (
        "IssueCodeFunction",
        "issue-code",
        &[
            ("Create", "/v1/payment-codes", "POST"),
            ("Read", "/v1/payment-codes/{order_id}", "GET"),
            ("Extend", "/v1/payment-codes/{order_id}", "PATCH"),
            ("Cancel", "/v1/payment-codes/{order_id}", "DELETE"),
        ],
    ),
    (
        "BuyerPageFunction",
        "buyer-page",
        &[
            ("Page", "/pay/{token}", "GET"),
            ("Upload", "/pay/{token}/uploads", "POST"),
        ],
    ),
    (
        "NotHostedFunction",
        "not-hosted-anywhere",
        &[("List", "/v1/not-hosted/{thing}", "GET")],
    ),
];

/// The template.yaml resource of a Rust function behind HTTP API routes.
fn function_yaml(logical_id: &str, binary: &str, events: &[HttpEvent]) -> String {
    let mut yaml = format!(
        r#"
  {logical_id}:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties: {{Binary: {binary}}}
    Properties:
      CodeUri: .
      Events:
"#
    );
    for (event, path, method) in events {
        yaml.push_str(&format!(
            r#"        {event}:
          Type: HttpApi
          Properties: {{ApiId: !Ref CuadreApi, Path: "{path}", Method: {method}}}
"#
        ));
    }
    yaml
}

/// A copy of template.yaml with whichever of [`FUNCTIONS`] it lacks added to its Resources.
fn test_template() -> Template {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let at = text.find("\nResources:\n").expect("template has Resources") + "\nResources:\n".len();
    let mut copy = text.clone();
    for (logical_id, binary, events) in FUNCTIONS {
        if !text.contains(&format!("\n  {logical_id}:\n")) {
            copy.insert_str(at, &function_yaml(logical_id, binary, events));
        }
    }
    Template::parse(&copy).unwrap()
}

struct World {
    platform: RunningPlatform,
    _sandbox: RunningSandbox,
    tenant: Provisioned,
    http: reqwest::Client,
}

async fn world() -> World {
    let aws = local_aws();
    let merchant = TestMerchant::random_with(ACCESS_KEY, SECRET_KEY);
    let sandbox = sandbox_for(merchant.at_sandbox()).await;
    let config = PlatformConfig::new(
        test_template(),
        AwsEnv::from_vars(aws.vars.clone()),
        sandbox.url(),
    );
    let bound = BoundPlatform::bind(config).await.unwrap();
    let mut registry = Registry::new();
    register_functions(&mut registry, bound.hosting()).unwrap();
    let platform = bound.serve(registry).await.unwrap();

    // The merchant, onboarded through the same provisioning `cuadre tenant create` uses.
    let setup = TenantSetup::new("platform")
        .name("Bodega Platform SAC")
        .merchant(&merchant)
        .buyer_emails(false);
    let tenant = TestAws::connect().await.provision(setup).await;
    World {
        platform,
        _sandbox: sandbox,
        tenant,
        http: reqwest::Client::new(),
    }
}

impl World {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.platform.url)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.tenant.api_key.plaintext)
    }
}

async fn json_of(response: reqwest::Response) -> (reqwest::StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn merchant_and_buyer_over_http() {
    let w = world().await;
    assert!(w.platform.url.starts_with("http://127.0.0.1:"));

    // merchant: issue a code
    let order_id = format!("P-{}", rand::random::<u32>());
    let mut request = code_request(&order_id, json!(150.5));
    request["expires_in_hours"] = json!(24);
    let response = w
        .http
        .post(w.url("/v1/payment-codes"))
        .header("authorization", w.bearer())
        .header("idempotency-key", format!("k-{order_id}"))
        .json(&request)
        .send()
        .await
        .unwrap();
    let (status, _, created) = json_of(response).await;
    assert_eq!(status, 201, "{created}");
    let cip = created["cip"].as_str().expect("a CIP").to_string();
    let pay_url = created["pay_url"].as_str().expect("a pay link").to_string();
    assert!(
        pay_url.starts_with(&format!("{}/pay/", w.platform.url)),
        "the pay link is on the platform's own host: {pay_url}"
    );

    // merchant: read it back
    let response = w
        .http
        .get(w.url(&format!("/v1/payment-codes/{order_id}")))
        .header("authorization", w.bearer())
        .send()
        .await
        .unwrap();
    let (status, _, read) = json_of(response).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["cip"], cip.as_str());
    assert_eq!(read["status"], created["status"]);

    // buyer: the pay page
    let response = w.http.get(&pay_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains(&cip), "the page shows the CIP");
    assert!(page.contains("S/ 150.50"), "the page shows the amount");

    // buyer: an upload link, presigned for the emulator's S3
    let response = w
        .http
        .post(format!("{pay_url}/uploads"))
        .json(
            &json!({"content_type": "image/jpeg", "content_length": 1000,
                      "checksum_sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}),
        )
        .send()
        .await
        .unwrap();
    let (status, _, link) = json_of(response).await;
    assert_eq!(status, 201, "{link}");
    let endpoint = local_aws().endpoint.clone();
    assert!(
        link["url"].as_str().unwrap().starts_with(&endpoint),
        "{link}"
    );

    // a route of a function the platform does not host yet
    let response = w
        .http
        .get(w.url("/v1/not-hosted/2025-01-31"))
        .send()
        .await
        .unwrap();
    let (status, content_type, problem) = json_of(response).await;
    assert_eq!(status, 501);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["status"], 501);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("NotHostedFunction") && detail.contains("not-hosted-anywhere"),
        "{detail}"
    );

    // no route at all, and a method the route does not declare
    let response = w.http.get(w.url("/nowhere")).send().await.unwrap();
    let (status, content_type, _) = json_of(response).await;
    assert_eq!(
        (status.as_u16(), content_type.as_str()),
        (404, "application/problem+json")
    );
    let response = w.http.put(w.url("/v1/payment-codes")).send().await.unwrap();
    assert_eq!(response.status(), 404);

    let hosted: HashMap<String, bool> = w
        .platform
        .hosted
        .iter()
        .map(|h| (format!("{} {}", h.binary, h.trigger), h.hosted))
        .collect();
    assert!(hosted["issue-code POST /v1/payment-codes"]);
    assert!(hosted["buyer-page GET /pay/{token}"]);
    assert!(!hosted["not-hosted-anywhere GET /v1/not-hosted/{thing}"]);
    w.platform.stop().await;
}

async fn send_bodies(sqs: &aws_sdk_sqs::Client, url: &str, bodies: &[&str]) {
    for body in bodies {
        sqs.send_message()
            .queue_url(url)
            .message_body(*body)
            .send()
            .await
            .unwrap();
    }
}

/// A poller of `url` for the registry's queue consumer `binary`, reporting batch item failures.
fn poller(
    binary: &str,
    registry: &Registry,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    batching_window: Duration,
) -> QueuePoller {
    QueuePoller {
        binary: binary.into(),
        sqs: sqs.clone(),
        queue_url: url.to_string(),
        batch_size: 10,
        batching_window,
        report_failures: true,
        timeout: Duration::from_secs(5),
        wait: Duration::from_secs(1),
        consumer: registry.queue_handler(binary).unwrap().clone(),
    }
}

/// A consumer that fails every message whose body is "poison" and records what it saw.
fn recording_consumer(seen: Arc<Mutex<Vec<(String, String)>>>) -> Registry {
    let mut registry = Registry::new();
    registry.queue("test-consumer", move |event: SqsEvent| {
        let seen = seen.clone();
        async move {
            let mut response = SqsBatchResponse::default();
            for record in event.records {
                let body = record.body.clone().unwrap_or_default();
                let count = record
                    .attributes
                    .get("ApproximateReceiveCount")
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
                seen.lock().unwrap().push((body.clone(), count));
                if body == "poison" {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = record.message_id.unwrap_or_default();
                    response.batch_item_failures.push(failure);
                }
            }
            response
        }
    });
    registry
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_record_is_retried_then_dead_lettered_while_the_others_are_deleted() {
    let sqs = local_aws().sqs().await;
    let q = queue("platform-test")
        .visibility_timeout(1)
        .dead_letter_after(2)
        .create(&sqs)
        .await;
    let (url, dlq_url) = (q.url.clone(), q.dlq().to_string());
    send_bodies(&sqs, &url, &["ok-1", "poison", "ok-2"]).await;

    let seen = Arc::new(Mutex::new(Vec::new()));
    let registry = recording_consumer(seen.clone());
    let poller = poller("test-consumer", &registry, &sqs, &url, Duration::ZERO);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(poller.run(shutdown));

    // The poison message reaches the DLQ through the queue's redrive policy.
    let mut dead = Vec::new();
    for _ in 0..30 {
        let out = sqs
            .receive_message()
            .queue_url(&dlq_url)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        dead.extend(out.messages.unwrap_or_default());
        if !dead.is_empty() {
            break;
        }
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(dead.len(), 1, "one message dead-lettered");
    assert_eq!(dead[0].body(), Some("poison"));
    let seen = seen.lock().unwrap().clone();
    let of = |b: &str| {
        seen.iter()
            .filter(|(body, _)| body == b)
            .map(|(_, c)| c.clone())
            .collect::<Vec<_>>()
    };
    for ok in ["ok-1", "ok-2"] {
        assert_eq!(of(ok), vec!["1"], "processed once, then deleted: {seen:?}");
    }
    assert_eq!(
        of("poison"),
        vec!["1", "2"],
        "redelivered until maxReceiveCount: {seen:?}"
    );
    assert_eq!(
        queue_counts(&sqs, &url).await,
        (0, 0),
        "nothing left on the queue"
    );

    q.delete(&sqs).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_whose_consumer_panics_is_left_whole_for_retry() {
    let sqs = local_aws().sqs().await;
    let q = queue("platform-test-panic")
        .visibility_timeout(30)
        .create(&sqs)
        .await;
    let url = q.url.clone();
    send_bodies(&sqs, &url, &["a", "b"]).await;
    let mut registry = Registry::new();
    registry.queue("panicky", |_event: SqsEvent| async move {
        panic!("the consumer crashed");
    });
    let poller = poller("panicky", &registry, &sqs, &url, Duration::from_secs(1));
    let outcome = poller.poll_once().await.unwrap();
    assert_eq!(outcome.received, 2);
    assert_eq!((outcome.deleted, outcome.failed), (0, 2));
    assert_eq!(
        queue_counts(&sqs, &url).await,
        (0, 2),
        "both still on the queue, in flight"
    );
    q.delete(&sqs).await;
}
