//! `cuadre reconcile`, `cuadre scenario generate` and `cuadre voucher extract` as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cuadre(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cuadre"))
        .args(args)
        .output()
        .unwrap()
}

/// A fresh scratch directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cuadre-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn assert_success(run: &Output) {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// `cuadre voucher extract <flag>` on a file `name` holding `contents` must fail: what it said.
fn extract_refuses(tag: &str, name: &str, contents: &str, flag: &str) -> String {
    let dir = scratch(tag);
    let f = dir.join(name);
    std::fs::write(&f, contents).unwrap();
    let run = cuadre(&["voucher", "extract", flag, f.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(!run.status.success());
    String::from_utf8_lossy(&run.stderr).into_owned()
}

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/vouchers"
    ))
}

#[test]
fn generates_and_reconciles_a_scenario() {
    let dir = std::env::temp_dir().join(format!("cuadre-cli-{}", std::process::id()));
    let input = dir.join("in");
    let out = dir.join("out");
    let generated = cuadre(&[
        "scenario",
        "generate",
        "--orders",
        "500",
        "--out",
        input.to_str().unwrap(),
    ]);
    assert_success(&generated);
    let file = |n: &str| input.join(n).to_str().unwrap().to_string();
    let run = cuadre(&[
        "reconcile",
        "--orders",
        &file("orders.csv"),
        "--payments",
        &file("payments.jsonl"),
        "--settlements",
        &file("settlements.csv"),
        "--vouchers",
        &file("vouchers.jsonl"),
        "--as-of",
        "2026-11-30T12:00:00-05:00",
        "--out",
        out.to_str().unwrap(),
        "--high-value",
        "PEN=2000",
    ]);
    assert_success(&run);
    let orders = std::fs::read_to_string(out.join("orders.csv")).unwrap();
    assert_eq!(orders.lines().next(), Some("order_id,cip,status"));
    assert_eq!(orders.lines().count(), 501);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary.is_object());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_names_file_line_and_field_and_writes_nothing() {
    let dir = scratch("bad");
    let orders = dir.join("orders.csv");
    std::fs::write(
        &orders,
        "order_id,cip,amount,currency,issued_at,expires_at\nA-1,12a4,10.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00\n",
    )
    .unwrap();
    let out = dir.join("out");
    let run = cuadre(&[
        "reconcile",
        "--orders",
        orders.to_str().unwrap(),
        "--as-of",
        "2026-11-30T12:00:00-05:00",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("orders.csv") && err.contains(":2") && err.contains("cip"),
        "{err}"
    );
    assert!(!out.join("orders.csv").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn extracts_voucher_fields_from_a_textract_response() {
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("truth.json")).unwrap()).unwrap();
    let run = cuadre(&[
        "voucher",
        "extract",
        "--textract",
        fixtures()
            .join("agent_ticket-000.textract.json")
            .to_str()
            .unwrap(),
    ]);
    assert_success(&run);
    let fields: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let expected = &truth["agent_ticket-000"];
    for key in ["cip", "operation_number", "amount", "currency"] {
        assert_eq!(fields[key], expected[key], "{key}");
    }
    assert!(fields["paid_at"]
        .as_str()
        .unwrap()
        .starts_with(expected["paid_date"].as_str().unwrap()));
    for key in [
        "cip",
        "operation_number",
        "amount",
        "currency",
        "paid_at",
        "payer_name",
        "channel",
        "confidence",
        "warnings",
    ] {
        assert!(fields.get(key).is_some(), "{key} present in the schema");
    }
}

#[test]
fn a_file_that_is_not_a_textract_response_is_a_clear_error() {
    let err = extract_refuses("notjson", "photo.json", "{\"Blocks\": 3}", "--textract");
    assert!(err.contains("photo.json"), "{err}");
}

#[test]
fn an_image_that_is_not_an_image_is_refused_before_ocr() {
    let err = extract_refuses("img", "voucher.jpg", "%PDF-1.4 not a photo", "--image");
    assert!(err.contains("not a JPEG or PNG"), "{err}");
}
