//! The buyer's side: the pay link, the voucher photo sent from it (a presigned S3 upload), and what
//! the merchant then sees once voucher-ocr has read it. Once over plain HTTP, as the page's script
//! does it, and once in real headless Chromium through the page itself.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use cuadre_e2e::{voucher_png, World, ASYNC_DEADLINE};
use serde_json::Value;

/// The warnings of a voucher that voucher-ocr refused to read.
fn rejected(voucher: &Value) -> bool {
    voucher["warnings"].as_array().is_some_and(|ws| {
        ws.iter()
            .any(|w| w.as_str().is_some_and(|w| w.starts_with("rejected")))
    })
}

/// The fields read from a ticket `voucher_png(cip, "150.00", "000123")` drew.
fn assert_read_as_drawn(voucher: &Value, cip: &str) {
    let fields = &voucher["fields"];
    assert!(!rejected(voucher), "the voucher was rejected: {voucher}");
    assert_eq!(fields["cip"], cip, "the CIP read: {voucher}");
    assert_eq!(fields["amount"], "150.00", "the amount read: {voucher}");
    assert_eq!(
        fields["operation_number"], "000123",
        "the operation number read: {voucher}"
    );
    assert!(
        fields["paid_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-25")),
        "the payment date read: {voucher}"
    );
    assert!(
        voucher["download_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")),
        "the merchant gets a link to the image: {voucher}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_sent_from_the_pay_link_is_read_for_the_merchant() {
    let world = World::start("e2e-voucher").await;
    let code = world.issue_code("G-7001", "150.00").await;
    let cip = code["cip"].as_str().unwrap();
    let pay_url = code["pay_url"].as_str().unwrap();

    let png = voucher_png(cip, "150.00", "000123");
    let voucher_id = world.upload_voucher(pay_url, &png, "image/png").await;
    let voucher = world.wait_for_voucher("G-7001", &voucher_id).await;
    assert_read_as_drawn(&voucher, cip);

    // What the merchant downloads is the very file the buyer sent.
    let link = voucher["download_url"].as_str().unwrap();
    let file = world
        .http
        .get(link)
        .send()
        .await
        .expect("download the voucher");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.bytes().await.expect("its bytes").as_ref(),
        png.as_slice()
    );

    // An upload link is only given for a real file description.
    let refused = world
        .send(
            world
                .http
                .post(format!("{pay_url}/uploads"))
                .json(&serde_json::json!({"content_type": "text/html", "content_length": 0})),
        )
        .await;
    refused.assert_problem(422, "asking to upload an HTML file of 0 bytes");
    for field in ["content_type", "content_length", "checksum_sha256"] {
        assert!(refused.field_error(field).is_some(), "{field}: {refused}");
    }

    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_voucher_sent_for_another_order_is_a_duplicate() {
    let world = World::start("e2e-dupvoucher").await;
    let first = world.issue_code("H-8001", "150.00").await;
    let second = world.issue_code("H-8002", "150.00").await;
    let cip = first["cip"].as_str().unwrap();
    let png = voucher_png(cip, "150.00", "000123");

    let original = world
        .upload_voucher(first["pay_url"].as_str().unwrap(), &png, "image/png")
        .await;
    world.wait_for_voucher("H-8001", &original).await;
    let reused = world
        .upload_voucher(second["pay_url"].as_str().unwrap(), &png, "image/png")
        .await;
    world.wait_for_voucher("H-8002", &reused).await;

    let exception = world
        .wait_for_exception("DUPLICATE_VOUCHER", "H-8002")
        .await;
    assert_eq!(exception["status"], "OPEN", "{exception}");
    let detail = exception["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&original) && detail.contains("H-8001"),
        "the detail names the earlier voucher and its order: {exception}"
    );
    // The later order carries it; the first order's voucher is not the suspicious one.
    let duplicates = world.exceptions("DUPLICATE_VOUCHER").await;
    assert!(
        duplicates.iter().all(|e| e["order_id"] == "H-8002"),
        "{duplicates:?}"
    );
    let order = world.order("H-8002").await;
    assert!(
        order["exceptions"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["kind"] == "DUPLICATE_VOUCHER")),
        "{order}"
    );

    world.stop().await;
}

// ------------------------------------------------------------------ the page in Chromium

const CHROMIUM: &str = "/usr/bin/chromium";
const SKIP_BROWSER: &str = "CUADRE_E2E_SKIP_BROWSER";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Where the test leaves its files (the voucher, the screenshot): `target/e2e/`.
fn output_dir() -> PathBuf {
    let dir = cuadre_testing::repo_root().join("target").join("e2e");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// What the browser test needs, or the command that installs what is missing.
fn browser_missing() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        ));
    }
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is missing: install it with `apt-get install -y nodejs npm`".into());
    }
    let dir = browser_dir();
    if !dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Some(format!(
            "playwright-core is not installed: run `npm ci` in {}",
            dir.display()
        ));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_sends_the_voucher_from_the_page_in_chromium() {
    if std::env::var(SKIP_BROWSER).is_ok_and(|v| v == "1") {
        eprintln!("skipped: {SKIP_BROWSER}=1 (the buyer page was not tested in Chromium)");
        return;
    }
    if let Some(missing) = browser_missing() {
        panic!("the buyer page test needs Chromium and playwright-core: {missing} (or set {SKIP_BROWSER}=1 to skip it)");
    }

    let world = World::start("e2e-browser").await;
    let code = world.issue_code("K-9001", "150.00").await;
    let cip = code["cip"].as_str().unwrap();
    let pay_url = code["pay_url"].as_str().unwrap();

    let out = output_dir();
    let voucher = out.join(format!("{}-voucher.png", world.tenant_id));
    std::fs::write(&voucher, voucher_png(cip, "150.00", "000123"))
        .unwrap_or_else(|e| panic!("write {}: {e}", voucher.display()));
    let screenshot = out.join("buyer-page.png");
    let _ = std::fs::remove_file(&screenshot);
    let _ = std::fs::remove_file(out.join("buyer-page-failed.png"));

    let mut node = tokio::process::Command::new("node");
    node.current_dir(browser_dir())
        .arg("buyer_page.mjs")
        .args(["--url", pay_url, "--cip", cip, "--amount", "150.00"])
        .arg("--voucher")
        .arg(&voucher)
        .arg("--screenshot")
        .arg(&screenshot)
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let run = tokio::time::timeout(Duration::from_secs(180), node.output())
        .await
        .expect("buyer_page.mjs finishes within 180 s")
        .expect("run node buyer_page.mjs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.status.success(),
        "node buyer_page.mjs exited with {}:\n{said}",
        run.status
    );
    eprintln!("{said}");
    assert!(
        screenshot.exists(),
        "no screenshot at {}",
        screenshot.display()
    );

    // The file the page sent reached voucher-ocr, which read it for the merchant.
    let order = world
        .wait_for_order(
            "K-9001",
            "the voucher sent from Chromium, read by voucher-ocr",
            ASYNC_DEADLINE,
            |o| o["vouchers"].as_array().is_some_and(|vs| !vs.is_empty()),
        )
        .await;
    let vouchers = order["vouchers"].as_array().unwrap();
    assert_eq!(vouchers.len(), 1, "one voucher sent: {order}");
    assert_read_as_drawn(&vouchers[0], cip);
    let _ = std::fs::remove_file(&voucher);

    world.stop().await;
}
