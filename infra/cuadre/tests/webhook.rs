//! `cuadre webhook send` against a tiny receiver on loopback, and `cuadre sandbox` start-up.

mod common;

use std::collections::HashMap;

use common::{cuadre, describe, run, stdout};
use cuadre_gateway::{verify_notification, Notification};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SECRET: &str = "merchant-secret-key-for-tests";

struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Accepts one request, answers `status`, hands the request back.
async fn receiver(status: &'static str) -> (String, oneshot::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notifications", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert!(line.starts_with("POST /notifications "), "{line}");
        let mut headers = HashMap::new();
        loop {
            line.clear();
            reader.read_line(&mut line).await.unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (name, value) = l.split_once(':').unwrap();
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
        let len: usize = headers["content-length"].parse().unwrap();
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await.unwrap();
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived"
        );
        let mut stream = reader.into_inner();
        stream.write_all(answer.as_bytes()).await.unwrap();
        stream.shutdown().await.ok();
        let _ = tx.send(Received { headers, body });
    });
    (url, rx)
}

/// `cuadre webhook send ARGS` for CIP 11546901, with the merchant's secret read from
/// `TEST_PE_SECRET`.
fn webhook_send(args: &[&str]) -> tokio::process::Command {
    let mut cmd = cuadre();
    cmd.args([
        "webhook",
        "send",
        "--secret-env",
        "TEST_PE_SECRET",
        "--cip",
        "11546901",
    ])
    .args(args)
    .env("TEST_PE_SECRET", SECRET);
    cmd
}

fn send(url: &str, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = webhook_send(&[
        "--url",
        url,
        "--amount",
        "22.05",
        "--currency",
        "PEN",
        "--operation-number",
        "1253",
        "--transaction-code",
        "order-77",
    ]);
    cmd.args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sent_notification_verifies_like_the_gateways() {
    let (url, rx) = receiver("200 OK").await;
    let out = run(send(&url, &[]), None).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("200 OK"), "{}", describe(&out));
    assert!(stdout(&out).contains("received"), "{}", describe(&out));
    assert!(!stdout(&out).contains(SECRET));

    let got = rx.await.unwrap();
    assert_eq!(got.headers["content-type"], "application/json");
    let signature = &got.headers["pe-signature"];
    assert!(verify_notification(SECRET.as_bytes(), &got.body, signature));
    let text = String::from_utf8(got.body.clone()).unwrap();
    assert!(text.contains(r#""amount":22.05"#), "{text}");
    let n = Notification::parse(&got.body).unwrap();
    assert!(n.is_paid());
    assert_eq!(n.data.cip.as_str(), "11546901");
    assert_eq!(n.operation_number.as_ref().unwrap().as_str(), "1253");
    assert_eq!(n.data.transaction_code.as_deref(), Some("order-77"));
    assert!(n.data.payment_date.is_some());
    assert_eq!(
        n.to_body(),
        got.body,
        "the body is the gateway's serialisation"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mis_sign_sends_a_signature_that_does_not_verify() {
    let (url, rx) = receiver("200 OK").await;
    let out = run(send(&url, &["--mis-sign"]), None).await;
    assert!(out.status.success(), "{}", describe(&out));
    let got = rx.await.unwrap();
    let signature = &got.headers["pe-signature"];
    assert_eq!(signature.len(), 64, "still a well-formed signature");
    assert!(!verify_notification(
        SECRET.as_bytes(),
        &got.body,
        signature
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_is_a_failure_and_the_header_name_is_honoured() {
    // --secret-env and --secret-stdin together are refused before anything is sent.
    let out = run(
        send("http://127.0.0.1:9/", &["--secret-stdin"]),
        Some("ignored\n"),
    )
    .await;
    assert!(!out.status.success(), "{}", describe(&out));

    let (url, rx) = receiver("401 Unauthorized").await;
    let mut cmd = cuadre();
    cmd.args([
        "webhook",
        "send",
        "--url",
        &url,
        "--secret-stdin",
        "--cip",
        "11546901",
        "--amount",
        "150",
        "--header-name",
        "X-Test-Signature",
    ]);
    let out = run(cmd, Some(&format!("{SECRET}\n"))).await;
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("401 Unauthorized"),
        "{}",
        describe(&out)
    );
    assert!(
        common::stderr(&out).contains("error: the receiver answered 401 Unauthorized"),
        "{}",
        describe(&out)
    );
    let got = rx.await.unwrap();
    assert!(verify_notification(
        SECRET.as_bytes(),
        &got.body,
        &got.headers["x-test-signature"]
    ));
    assert!(String::from_utf8(got.body)
        .unwrap()
        .contains(r#""amount":150.00"#));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_body_and_signature_and_sends_nothing() {
    let cmd = webhook_send(&[
        "--dry-run",
        "--amount",
        "22.05",
        "--operation-number",
        "1253",
        "--payment-date",
        "2026-11-25T14:32:00-05:00",
    ]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let body = lines.next().unwrap();
    assert_eq!(
        body,
        r#"{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05,"paymentDate":"2026-11-25T14:32:00-05:00"}}"#
    );
    let sig = lines
        .next()
        .unwrap()
        .strip_prefix("PE-Signature: ")
        .unwrap();
    assert!(verify_notification(SECRET.as_bytes(), body.as_bytes(), sig));
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_receivers_and_bad_flags_are_clear_errors() {
    // A port nobody listens on: bind, note it, release it.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let bad_amount = webhook_send(&["--url", "http://127.0.0.1:9/", "--amount", "22.055"]);
    let mut no_secret = send("http://127.0.0.1:9/", &[]);
    no_secret.env_remove("TEST_PE_SECRET");
    // (command, what its stderr says, whether it starts with that)
    let cases = [
        (
            send(&format!("http://{addr}/"), &[]),
            "error: could not reach",
            false,
        ),
        (bad_amount, "error: invalid --amount", true),
        (no_secret, "TEST_PE_SECRET", false),
    ];
    for (cmd, says, at_start) in cases {
        let out = run(cmd, None).await;
        assert!(!out.status.success(), "{}", describe(&out));
        let err = common::stderr(&out);
        let found = if at_start {
            err.starts_with(says)
        } else {
            err.contains(says)
        };
        assert!(found, "{}", describe(&out));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_starts_and_prints_its_url() {
    let mut cmd = cuadre();
    cmd.args([
        "sandbox",
        "--addr",
        "127.0.0.1:0",
        "--merchant-id-service",
        "1234",
        "--merchant-access-key",
        "ak",
        "--merchant-secret-key-env",
        "TEST_PE_SECRET",
    ])
    .env("TEST_PE_SECRET", SECRET);
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the sandbox prints its URL")
        .unwrap()
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let health = cuadre_testing::http::get_json(&format!("{url}/sandbox/health")).await;
    assert_eq!(health["status"], "ok");
    child.kill().await.unwrap();
}
