//! The harness of cuadre's end-to-end tests: each test starts its own local platform
//! ([`cuadre::dev::start`]: the AWS emulator, the PagoEfectivo sandbox, every function) on free
//! ports, onboards its own merchant (a fresh tenant whose gateway credentials are the sandbox
//! merchant's, as `cuadre tenant create` does it), and then acts only over HTTP, as each kind of
//! user does:
//!
//! - the merchant, with its API key, on `/v1/...`;
//! - the gateway, through the sandbox's control endpoints (`/sandbox/cips/{cip}/pay` makes it post
//!   a real signed notification to the tenant's webhook), or by posting a notification itself;
//! - the buyer, on the pay link (`/pay/{token}`), uploading the voucher where the page would.
//!
//! What happens asynchronously (an SQS consumer reading a voucher) is waited for with
//! [`eventually`]: polled against a deadline, failing with what was last seen.

use std::future::Future;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cuadre::dev::{self, parse_merchant, Local, StartOptions, DEMO_MERCHANT};
use cuadre_core::TenantId;
use cuadre_testing::{TenantSetup, TestAws, TestMerchant};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How long an asynchronous outcome (a voucher read, a notification applied) may take.
pub const ASYNC_DEADLINE: Duration = Duration::from_secs(45);

/// What a request answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Whether this is an RFC 9457 problem with `status`, as every error of the API must be.
    pub fn assert_problem(&self, status: u16, context: &str) {
        assert_eq!(self.status, status, "{context}: {self}");
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "{context}: Content-Type {:?}, expected application/problem+json: {self}",
            self.content_type
        );
        assert_eq!(
            self.body["status"].as_u64(),
            Some(u64::from(status)),
            "{context}: the problem's status: {self}"
        );
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{context}: a problem says what was wrong in `detail`: {self}"
        );
    }

    /// The `errors[]` entry of `field`, if the problem has one.
    pub fn field_error(&self, field: &str) -> Option<&str> {
        self.body["errors"]
            .as_array()?
            .iter()
            .find(|e| e["field"] == field)
            .and_then(|e| e["message"].as_str())
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.text)
    }
}

/// Logs of the platform go to the test's output (shown when a test fails). `RUST_LOG` chooses;
/// warnings by default.
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// Polls `probe` every 200 ms until it gives `Ok`, or fails the test after `within` with the
/// probe's last `Err` (what it saw instead).
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        let last = match probe().await {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        if started.elapsed() >= within {
            panic!(
                "{what}: not within {} s; last seen: {last}",
                within.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A request body for `POST /v1/payment-codes`.
pub fn code_request(order_id: &str, amount: &str) -> Value {
    let amount: f64 = amount.parse().expect("amounts in tests are numbers");
    cuadre_testing::http::code_request(order_id, json!(amount))
}

/// The lines of a PagoEfectivo agent ticket for `cip`, as the buyer photographs it.
pub fn voucher_lines(cip: &str, amount: &str, operation: &str) -> Vec<String> {
    vec![
        "PAGOEFECTIVO".to_string(),
        format!("CODIGO CIP: {cip}"),
        format!("IMPORTE: S/ {amount}"),
        format!("NRO. OPERACION: {operation}"),
        "FECHA: 25/11/2026 14:32".to_string(),
    ]
}

/// A voucher PNG the local OCR (Tesseract) reads.
pub fn voucher_png(cip: &str, amount: &str, operation: &str) -> Vec<u8> {
    let lines = voucher_lines(cip, amount, operation);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    cuadre_ocr::render::voucher_png(&lines).unwrap_or_else(|e| panic!("render the voucher: {e}"))
}

/// One running platform with one onboarded merchant.
pub struct World {
    pub local: Local,
    pub http: reqwest::Client,
    pub tenant_id: TenantId,
    pub api_key: String,
    /// Where the sandbox posts this tenant's payment notifications.
    pub webhook_url: String,
}

impl World {
    /// Starts a platform on free ports and onboards a fresh merchant (`label` starts its tenant id).
    pub async fn start(label: &str) -> World {
        init_logs();
        // The emulator first, once per test process: so no test's `stop` takes it down under
        // the others (`dev::start` stops only an emulator it started itself).
        tokio::task::spawn_blocking(cuadre_testing::local_aws)
            .await
            .expect("infra/local-aws up");
        let merchant = parse_merchant(DEMO_MERCHANT).expect("DEMO_MERCHANT parses");
        let local = dev::start(StartOptions {
            port: 0,
            sandbox_port: 0,
            schedule_every: None,
            merchant: Some(merchant.clone()),
            template: None,
        })
        .await
        .unwrap_or_else(|e| panic!("the local platform did not start: {e}"));

        let tenant_id = cuadre_testing::unique_tenant(label);
        let api_key = onboard(&local, &tenant_id, "Bodega E2E SAC").await;
        let webhook_url = local
            .notify_tenant(tenant_id.as_str())
            .expect("the template routes gateway-webhook and the sandbox has a merchant");
        World {
            local,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            tenant_id,
            api_key,
            webhook_url,
        }
    }

    /// Stops the platform and the sandbox (the emulator stays up for the other tests).
    pub async fn stop(self) {
        self.local
            .stop()
            .await
            .unwrap_or_else(|e| panic!("the platform did not stop cleanly: {e}"));
    }

    /// Onboards one more merchant on this platform (same sandbox credentials); returns its API key.
    pub async fn onboard_another(&self, label: &str) -> (TenantId, String) {
        let tenant_id = cuadre_testing::unique_tenant(label);
        let key = onboard(&self.local, &tenant_id, "Otra Tienda SAC").await;
        (tenant_id, key)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.local.platform.url)
    }

    pub fn sandbox_url(&self, path: &str) -> String {
        format!("{}{path}", self.local.sandbox_url)
    }

    /// Sends a request and reads the answer whole.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading the answer failed: {e}"));
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            body,
            text,
        }
    }

    /// A merchant API request with this tenant's key.
    pub fn api(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.api_as(&self.api_key, method, path)
    }

    /// A merchant API request with `key`.
    pub fn api_as(&self, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("authorization", format!("Bearer {key}"))
    }

    /// Issues a code; the answer must be 201 with a CIP and a pay link on this platform.
    pub async fn issue_code(&self, order_id: &str, amount: &str) -> Value {
        let reply = self
            .send(
                self.api(Method::POST, "/v1/payment-codes")
                    .json(&code_request(order_id, amount)),
            )
            .await;
        assert_eq!(reply.status, 201, "issuing a code for {order_id}: {reply}");
        let code = reply.body;
        assert!(code["cip"].as_str().is_some(), "no CIP: {code}");
        let pay_url = code["pay_url"].as_str().unwrap_or_default();
        assert!(
            pay_url.starts_with(&self.url("/pay/")),
            "the pay link {pay_url:?} is not on the platform"
        );
        code
    }

    /// `GET /v1/payment-codes/{order_id}`, which must answer 200.
    pub async fn order(&self, order_id: &str) -> Value {
        let reply = self
            .send(self.api(Method::GET, &format!("/v1/payment-codes/{order_id}")))
            .await;
        assert_eq!(reply.status, 200, "reading order {order_id}: {reply}");
        reply.body
    }

    /// Polls the order until `done` holds; `what` names the wait in the failure message.
    pub async fn wait_for_order(
        &self,
        order_id: &str,
        what: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        eventually(&format!("order {order_id}: {what}"), within, || async {
            let order = self.order(order_id).await;
            if done(&order) {
                Ok(order)
            } else {
                Err(order.to_string())
            }
        })
        .await
    }

    /// `GET /v1/exceptions?kind=...`, which must answer 200.
    pub async fn exceptions(&self, kind: &str) -> Vec<Value> {
        let reply = self
            .send(self.api(
                Method::GET,
                &format!("/v1/exceptions?kind={kind}&limit=200"),
            ))
            .await;
        assert_eq!(reply.status, 200, "listing {kind} exceptions: {reply}");
        reply.body["exceptions"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no exceptions array: {reply}"))
    }

    /// Waits until `GET /v1/exceptions` lists a `kind` exception for `order_id`.
    pub async fn wait_for_exception(&self, kind: &str, order_id: &str) -> Value {
        eventually(
            &format!("a {kind} exception for order {order_id} in GET /v1/exceptions"),
            ASYNC_DEADLINE,
            || async {
                let all = self.exceptions(kind).await;
                all.iter()
                    .find(|e| e["order_id"] == order_id)
                    .cloned()
                    .ok_or_else(|| format!("{kind} exceptions: {}", Value::Array(all)))
            },
        )
        .await
    }

    /// The gateway pays `cip` at an agent (sandbox control endpoint); `body` as
    /// `/sandbox/cips/{cip}/pay` takes it (`amount`, `operationNumber`, `paymentDate`, `force`,
    /// `notify`). Returns the sandbox's answer, with the delivery report of the notification.
    pub async fn sandbox_pay(&self, cip: &str, body: Value) -> Value {
        let reply = self
            .send(
                self.http
                    .post(self.sandbox_url(&format!("/sandbox/cips/{cip}/pay")))
                    .json(&body),
            )
            .await;
        assert_eq!(reply.status, 200, "the sandbox paying CIP {cip}: {reply}");
        reply.body
    }

    /// What the sandbox says of a CIP (`GET /sandbox/cips/{cip}`).
    pub async fn sandbox_cip(&self, cip: &str) -> Value {
        let reply = self
            .send(
                self.http
                    .get(self.sandbox_url(&format!("/sandbox/cips/{cip}"))),
            )
            .await;
        assert_eq!(reply.status, 200, "the sandbox's CIP {cip}: {reply}");
        reply.body
    }

    /// Posts a notification to this tenant's webhook as the gateway would (raw bytes, with
    /// `PE-Signature` when given).
    pub async fn post_notification(&self, body: &[u8], signature: Option<&str>) -> Reply {
        let mut request = self
            .http
            .post(&self.webhook_url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("PE-Signature", signature);
        }
        self.send(request).await
    }

    /// The buyer sends a voucher from the pay page at `pay_url`, as the page's script does: asks
    /// for a presigned upload (type, exact length, SHA-256) and PUTs the file there with the
    /// headers it was given. Returns the voucher id.
    pub async fn upload_voucher(&self, pay_url: &str, file: &[u8], content_type: &str) -> String {
        let checksum = STANDARD.encode(Sha256::digest(file));
        let reply = self
            .send(self.http.post(format!("{pay_url}/uploads")).json(&json!({
                "content_type": content_type,
                "content_length": file.len(),
                "checksum_sha256": checksum,
            })))
            .await;
        assert_eq!(reply.status, 201, "asking for an upload link: {reply}");
        let link = reply.body;
        let url = link["url"].as_str().expect("an upload URL");
        assert_eq!(link["method"], "PUT", "the upload link: {link}");
        let mut put = self.http.put(url).body(file.to_vec());
        for (name, value) in link["headers"].as_object().into_iter().flatten() {
            // The length is the body's; the client sets it.
            if !name.eq_ignore_ascii_case("content-length") {
                put = put.header(name.as_str(), value.as_str().unwrap_or_default());
            }
        }
        let uploaded = self.send(put).await;
        assert!(
            (200..300).contains(&uploaded.status),
            "the presigned PUT: {uploaded}"
        );
        link["voucher_id"]
            .as_str()
            .expect("a voucher id")
            .to_string()
    }

    /// Sets the sandbox's faults (`POST /sandbox/faults`: `failNextCreates`, `delayNextCreates` +
    /// `delayMs`, `rejectNextAuthorizations`).
    pub async fn sandbox_faults(&self, faults: Value) {
        let reply = self
            .send(
                self.http
                    .post(self.sandbox_url("/sandbox/faults"))
                    .json(&faults),
            )
            .await;
        assert_eq!(reply.status, 200, "setting the sandbox's faults: {reply}");
    }

    /// Every CIP the sandbox created for `order_id` (its `transactionCode`), oldest first.
    pub async fn sandbox_cips_of(&self, order_id: &str) -> Vec<Value> {
        let reply = self
            .send(self.http.get(self.sandbox_url("/sandbox/cips")))
            .await;
        assert_eq!(reply.status, 200, "listing the sandbox's CIPs: {reply}");
        let mut cips: Vec<Value> = reply
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["transactionCode"] == order_id)
            .cloned()
            .collect();
        cips.sort_by_key(|c| c["cip"].as_u64());
        cips
    }

    /// The gateway's settlement file arrives (`settlements/{tenant}/{name}`, the canonical CSV:
    /// `lines` without the header) and the operator runs reconciliation for this tenant now, as the
    /// schedule would.
    pub async fn settle(&self, name: &str, lines: &[String]) {
        let tenant = self.tenant_id.as_str();
        let put = self.local.put_settlement_file(tenant, name, lines).await;
        put.unwrap_or_else(|e| panic!("the settlement file: {e}"));
        let run = self
            .local
            .reconcile_tenant(tenant, chrono::Utc::now())
            .await;
        run.unwrap_or_else(|e| panic!("{e}"));
    }

    /// Waits until voucher-ocr has read `voucher_id` and the order shows it.
    pub async fn wait_for_voucher(&self, order_id: &str, voucher_id: &str) -> Value {
        let order = self
            .wait_for_order(
                order_id,
                &format!("voucher {voucher_id} read by voucher-ocr"),
                ASYNC_DEADLINE,
                |o| {
                    o["vouchers"]
                        .as_array()
                        .is_some_and(|vs| vs.iter().any(|v| v["voucher_id"] == voucher_id))
                },
            )
            .await;
        order["vouchers"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["voucher_id"] == voucher_id))
            .cloned()
            .expect("the voucher is there")
    }
}

/// Onboards a merchant with the sandbox merchant's gateway credentials, through the provisioning
/// `cuadre tenant create` runs; returns its API key.
async fn onboard(local: &Local, tenant_id: &TenantId, name: &str) -> String {
    let merchant = local.merchant.clone().expect("the sandbox has a merchant");
    let aws = TestAws::connect().await;
    let prefix = aws
        .local
        .vars
        .get("SECRETS_PREFIX")
        .cloned()
        .unwrap_or_else(|| "/cuadre/local".to_string());
    let setup = TenantSetup::with_id(tenant_id.clone())
        .name(name)
        .merchant(&TestMerchant::new(
            merchant.id_service,
            &merchant.access_key,
            &merchant.secret_key,
        ))
        .buyer_emails(false)
        .secrets_prefix(&prefix);
    aws.provision(setup).await.api_key.plaintext
}
