//! GIVEN a small hand-written tenant / WHEN `run_offline` / THEN the three outputs, exactly.

use std::fs;
use std::path::Path;

use cuadre_files::{run_offline, OfflineOptions};

const ORDERS: &str = "\
cip,order_id,currency,amount,expires_at,issued_at,channel,status
100,A-1,PEN,150.00,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,agente,
101,A-2,PEN,80.50,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,,
102,A-3,USD,45.00,2026-11-21T08:00:00-05:00,2026-11-19T08:00:00-05:00,bodega,
103,A-4,PEN,20.00,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,,CANCELLED
104,A-5,PEN,3000.00,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,,
105,A-6,PEN,10.00,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,\"Banca, móvil\",
";

const PAYMENTS: &str = r#"{"received_at":"2026-11-20T11:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"100","currency":"PEN","amount":150.00,"paymentDate":"2026-11-20T11:00:00-05:00"}}}
{"received_at":"2026-11-20T11:05:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"100","currency":"PEN","amount":150.00,"paymentDate":"2026-11-20T11:00:00-05:00"}}}
{"received_at":"2026-11-20T12:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":2,"data":{"cip":101,"currency":"PEN","amount":80.0,"paymentDate":"2026-11-20T12:00:00-05:00"}}}

{"received_at":"2026-11-20T13:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"5","data":{"cip":"104","currency":"PEN","amount":3000}}}
{"received_at":"2026-11-20T14:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"9","data":{"cip":"999","currency":"PEN","amount":5.00,"paymentDate":"2026-11-20T14:00:00-05:00"}}}
{"received_at":"2026-11-20T15:00:03-05:00","notification":{"eventType":"cip.expired","operationNumber":"0","data":{"cip":"102","currency":"USD","amount":45.00}}}
"#;

const SETTLEMENTS: &str = "\
settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at
S-1,100,1,150.00,5.99,144.01,PEN,2026-11-20T11:00:00-05:00,2026-11-21T09:00:00-05:00
S-1,105,6,10.00,1.00,9.00,PEN,2026-11-20T16:00:00-05:00,2026-11-21T09:00:00-05:00
";

const VOUCHERS: &str = r#"{"voucher_id":"v1","order_id":"A-2","uploaded_at":"2026-11-20T12:30:00-05:00","sha256":"1111111111111111111111111111111111111111111111111111111111111111","fields":{"cip":"101","operation_number":"2","amount":"80.50","currency":"PEN","paid_at":null}}
{"voucher_id":"v2","order_id":"A-3","uploaded_at":"2026-11-20T09:00:00-05:00","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","fields":{"cip":"102","operation_number":null,"amount":"45.00","currency":"USD","paid_at":"2026-11-20"}}
{"voucher_id":"v3","order_id":"A-4","uploaded_at":"2026-11-20T10:00:00-05:00","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","fields":{"cip":"102","operation_number":null,"amount":45.0,"currency":"USD","paid_at":null}}
"#;

fn scenario(dir: &Path) -> OfflineOptions {
    for (name, text) in [
        ("orders.csv", ORDERS),
        ("payments.jsonl", PAYMENTS),
        ("settlements.csv", SETTLEMENTS),
        ("vouchers.jsonl", VOUCHERS),
    ] {
        fs::write(dir.join(name), text).unwrap();
    }
    let as_of = cuadre_core::time::parse("2026-11-21T12:00:00-05:00").unwrap();
    let mut opts = OfflineOptions::new(dir.join("orders.csv"), as_of, dir.join("out"));
    opts.payments = Some(dir.join("payments.jsonl"));
    opts.settlements = Some(dir.join("settlements.csv"));
    opts.vouchers = Some(dir.join("vouchers.jsonl"));
    opts
}

const EXPECTED_ORDERS: &str = "\
order_id,cip,status
A-1,100,SETTLED
A-2,101,PAID
A-3,102,EXPIRED
A-4,103,CANCELLED
A-5,104,PAID
A-6,105,SETTLED
";

const EXPECTED_EXCEPTIONS: &str = r#"{"kind":"AMOUNT_MISMATCH","order_id":"A-2","cip":"101","operation_number":"2","detail":"payment 2 is PEN 80.00, the order expects PEN 80.50"}
{"kind":"VOUCHER_WITHOUT_PAYMENT","order_id":"A-3","cip":"102","operation_number":null,"detail":"voucher v2 uploaded at 2026-11-20T09:00:00-05:00 and still no payment"}
{"kind":"DUPLICATE_VOUCHER","order_id":"A-4","cip":"103","operation_number":null,"detail":"voucher v3 repeats the same image already submitted as voucher v2 for order A-3"}
{"kind":"VOUCHER_WITHOUT_PAYMENT","order_id":"A-4","cip":"103","operation_number":null,"detail":"voucher v3 uploaded at 2026-11-20T10:00:00-05:00 and still no payment"}
{"kind":"VOUCHER_MISMATCH","order_id":"A-4","cip":"103","operation_number":null,"detail":"voucher v3: CIP 102 read, the order's is 103; currency USD read, the order's is PEN"}
{"kind":"HIGH_VALUE_REVIEW","order_id":"A-5","cip":"104","operation_number":"5","detail":"payment 5 of PEN 3000.00 is at or above the PEN 3000 review threshold: confirm before release"}
{"kind":"MISSED_NOTIFICATION","order_id":"A-6","cip":"105","operation_number":"6","detail":"settlement S-1 shows payment 6 of PEN 10.00 at 2026-11-20T16:00:00-05:00; its notification never arrived"}
{"kind":"UNKNOWN_CIP","order_id":null,"cip":"999","operation_number":null,"detail":"CIP 999 belongs to no order: 1 payment(s) (operation 9)"}
"#;

#[test]
fn a_small_tenant_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let opts = scenario(dir.path());
    let seen = std::sync::Mutex::new(Vec::new());
    let report = run_offline(&opts, &|n| seen.lock().unwrap().push(n)).unwrap();

    let out = dir.path().join("out");
    assert_eq!(
        fs::read_to_string(out.join("orders.csv")).unwrap(),
        EXPECTED_ORDERS
    );
    assert_eq!(
        fs::read_to_string(out.join("exceptions.jsonl")).unwrap(),
        EXPECTED_EXCEPTIONS
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["as_of"], "2026-11-21T12:00:00-05:00");
    assert_eq!(summary["orders"], 6);
    assert_eq!(summary["payments"], 4, "the retry is the same payment");
    assert_eq!(summary["statuses"]["SETTLED"], 2);
    assert_eq!(summary["statuses"]["PAID"], 2);
    assert_eq!(summary["statuses"]["EXPIRED"], 1);
    assert_eq!(summary["statuses"]["CANCELLED"], 1);
    assert_eq!(summary["statuses"]["PENDING"], 0);
    assert_eq!(summary["exception_kinds"]["VOUCHER_WITHOUT_PAYMENT"], 2);
    assert_eq!(summary["exception_kinds"]["NOT_SETTLED"], 0);
    let pen = &summary["currencies"]["PEN"];
    assert_eq!(pen["expected"], "3260.50");
    assert_eq!(
        pen["paid"], "3240.00",
        "150 + 80 + 3000 + 10 (from the settlement line)"
    );
    assert_eq!(pen["settled_gross"], "160.00");
    assert_eq!(pen["fees"], "6.99");
    assert_eq!(pen["net"], "153.01");
    assert_eq!(pen["outstanding"], "0.00");
    assert_eq!(pen["igv_on_fees"], "1.26");
    assert_eq!(summary["currencies"]["USD"]["expected"], "45.00");

    assert_eq!(report.inputs.orders, 6);
    assert_eq!(report.inputs.payment_notifications, 5);
    assert_eq!(report.inputs.other_notifications, 1);
    assert_eq!(report.inputs.settlement_lines, 2);
    assert_eq!(report.inputs.vouchers, 3);
    assert_eq!(report.summary.exceptions, 8);
    assert_eq!(
        seen.lock().unwrap().iter().max(),
        Some(&17),
        "every record read was counted"
    );

    // No staging directory is left behind, and a second run replaces the outputs with the same bytes.
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    run_offline(&opts, &|_| {}).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("exceptions.jsonl")).unwrap(),
        EXPECTED_EXCEPTIONS
    );
}

#[test]
fn any_chunk_size_gives_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = scenario(dir.path());
    for chunk in [1, 7, 64, 200, 1 << 20] {
        opts.chunk_bytes = chunk;
        opts.out = dir.path().join(format!("out-{chunk}"));
        run_offline(&opts, &|_| {}).unwrap();
        assert_eq!(
            fs::read_to_string(opts.out.join("orders.csv")).unwrap(),
            EXPECTED_ORDERS,
            "{chunk}"
        );
        assert_eq!(
            fs::read_to_string(opts.out.join("exceptions.jsonl")).unwrap(),
            EXPECTED_EXCEPTIONS,
            "{chunk}"
        );
    }
}

#[test]
fn only_orders_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = scenario(dir.path());
    opts.payments = None;
    opts.settlements = None;
    opts.vouchers = None;
    let report = run_offline(&opts, &|_| {}).unwrap();
    assert_eq!(report.summary.exceptions, 0);
    let orders = fs::read_to_string(dir.path().join("out/orders.csv")).unwrap();
    assert!(orders.contains("A-1,100,PENDING\n"), "{orders}");
    assert!(orders.contains("A-3,102,EXPIRED\n"), "{orders}");
}

#[test]
fn quoted_newlines_across_chunk_boundaries_are_read_right() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("order_id,cip,amount,currency,issued_at,expires_at,buyer_name\n");
    for i in 0..300 {
        text.push_str(&format!(
            "Q-{i:03},{},10.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00,\"Ana \"\"la\"\"\nde, Lima {i}\"\n",
            5000 + i
        ));
    }
    fs::write(dir.path().join("orders.csv"), &text).unwrap();
    let as_of = cuadre_core::time::parse("2026-11-21T12:00:00-05:00").unwrap();
    let mut opts =
        OfflineOptions::new(dir.path().join("orders.csv"), as_of, dir.path().join("out"));
    for chunk in [13, 100, 1000] {
        opts.chunk_bytes = chunk;
        let report = run_offline(&opts, &|_| {}).unwrap();
        assert_eq!(report.inputs.orders, 300, "{chunk}");
        let out = fs::read_to_string(dir.path().join("out/orders.csv")).unwrap();
        assert_eq!(out.lines().count(), 301);
        assert!(out.ends_with("Q-299,5299,PENDING\n"));
    }
}

#[test]
fn settlement_reports_parse_on_their_own() {
    let lines =
        cuadre_files::parse_settlements(SETTLEMENTS.as_bytes(), "s3://bucket/report.csv").unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].cip.as_str(), "100");
    assert_eq!(lines[0].net_amount.to_string(), "144.01");
    assert_eq!(lines[1].as_fact().operation_number, "6");
    let bad = SETTLEMENTS.replace("5.99", "5.9.9");
    let e = cuadre_files::parse_settlements(bad.as_bytes(), "report.csv")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("report.csv:2: fee_amount:"), "{e}");
}

#[test]
fn line_endings_blank_lines_and_quotes_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = scenario(dir.path());
    let variants = [
        ORDERS.replace('\n', "\r\n"),
        ORDERS.replacen("\n101,", "\n\n101,", 1) + "\n",
        ORDERS.replace(",A-2,", ",\"A-2\","),
        ORDERS.replace('\n', "\r"),
    ];
    for (i, text) in variants.iter().enumerate() {
        fs::write(dir.path().join("orders.csv"), text).unwrap();
        for chunk in [1 << 20, 40] {
            opts.chunk_bytes = chunk;
            opts.out = dir.path().join(format!("out-{i}-{chunk}"));
            run_offline(&opts, &|_| {})
                .unwrap_or_else(|e| panic!("variant {i}, chunk {chunk}: {e}"));
            assert_eq!(
                fs::read_to_string(opts.out.join("orders.csv")).unwrap(),
                EXPECTED_ORDERS,
                "variant {i}, chunk {chunk}"
            );
        }
    }
}
