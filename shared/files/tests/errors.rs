//! GIVEN one bad input / WHEN `run_offline` / THEN an error naming file, line and field, and nothing written.

use std::fs;
use std::path::Path;

use cuadre_files::{run_offline, FilesError, OfflineOptions};

const ORDERS: &str = "\
order_id,cip,amount,currency,issued_at,expires_at
A-1,100,150.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00
A-2,101,80.50,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00
A-3,102,45.00,USD,2026-11-19T08:00:00-05:00,2026-11-21T08:00:00-05:00
";

const PAYMENT: &str = r#"{"received_at":"2026-11-20T11:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"100","currency":"PEN","amount":150.00,"paymentDate":"2026-11-20T11:00:00-05:00"}}}"#;

const SETTLEMENTS: &str = "\
settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at
S-1,100,1,150.00,5.99,144.01,PEN,2026-11-20T11:00:00-05:00,2026-11-21T09:00:00-05:00
";

const VOUCHER: &str = r#"{"voucher_id":"v1","order_id":"A-1","uploaded_at":"2026-11-20T12:30:00-05:00","sha256":"1111111111111111111111111111111111111111111111111111111111111111","fields":{"cip":"100","operation_number":"1","amount":"150.00","currency":"PEN","paid_at":null}}"#;

struct Files<'a> {
    orders: &'a str,
    payments: String,
    settlements: &'a str,
    vouchers: String,
}

impl Default for Files<'_> {
    fn default() -> Self {
        Files {
            orders: ORDERS,
            payments: format!("{PAYMENT}\n"),
            settlements: SETTLEMENTS,
            vouchers: format!("{VOUCHER}\n"),
        }
    }
}

/// WHEN run with a tiny chunk size (so errors in later chunks are placed right too), THEN the error.
fn run(files: Files<'_>) -> (FilesError, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    fs::write(p("orders.csv"), files.orders).unwrap();
    fs::write(p("payments.jsonl"), &files.payments).unwrap();
    fs::write(p("settlements.csv"), files.settlements).unwrap();
    fs::write(p("vouchers.jsonl"), &files.vouchers).unwrap();
    let as_of = cuadre_core::time::parse("2026-11-21T12:00:00-05:00").unwrap();
    let mut last = None;
    for chunk in [1 << 20, 50] {
        let mut opts = OfflineOptions::new(p("orders.csv"), as_of, p("out"));
        opts.payments = Some(p("payments.jsonl"));
        opts.settlements = Some(p("settlements.csv"));
        opts.vouchers = Some(p("vouchers.jsonl"));
        opts.chunk_bytes = chunk;
        let e = run_offline(&opts, &|_| {}).expect_err("bad input must fail");
        assert!(!p("out").exists(), "nothing may be written on bad input");
        if let Some(prev) = &last {
            assert_eq!(&e.to_string(), prev, "the chunk size changed the error");
        }
        last = Some(e.to_string());
        if chunk == 50 {
            return (e, dir);
        }
    }
    unreachable!()
}

fn assert_input(e: &FilesError, file: &str, line: u64, field: &str) {
    match e {
        FilesError::Input {
            file: f,
            line: l,
            field: fd,
            message,
        } => {
            assert!(f.ends_with(file), "{e}");
            assert_eq!((*l, fd.as_str()), (line, field), "{e}");
            assert!(!message.is_empty());
            let text = e.to_string();
            assert!(
                text.contains(&format!("{file}:{line}: {field}: ")),
                "{text}"
            );
        }
        other => panic!("not an input error: {other}"),
    }
}

fn with_line(text: &str, line: usize, new: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = new;
    lines.join("\n") + "\n"
}

#[test]
fn a_missing_column() {
    let orders = ORDERS.replacen(",currency,", ",moneda,", 1);
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 1, "currency");
    assert!(e.to_string().contains("missing column"));
    let settlements = SETTLEMENTS.replacen("net_amount", "net", 1);
    let (e, _d) = run(Files {
        settlements: &settlements,
        ..Files::default()
    });
    assert_input(&e, "settlements.csv", 1, "net_amount");
}

#[test]
fn a_malformed_amount() {
    let orders = with_line(
        ORDERS,
        3,
        "A-2,101,80.5x,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00",
    );
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 3, "amount");
    let orders = with_line(
        ORDERS,
        2,
        "A-1,100,1.005,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00",
    );
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 2, "amount");
    let settlements = SETTLEMENTS.replace("144.01", "1e2x");
    let (e, _d) = run(Files {
        settlements: &settlements,
        ..Files::default()
    });
    assert_input(&e, "settlements.csv", 2, "net_amount");
    let payments = format!("{PAYMENT}\n{}\n", PAYMENT.replace("150.00", "\"ciento\""));
    let (e, _d) = run(Files {
        payments,
        ..Files::default()
    });
    assert_input(&e, "payments.jsonl", 2, "notification.data.amount");
    let vouchers = VOUCHER.replace("\"150.00\"", "\"S/ 150\"");
    let (e, _d) = run(Files {
        vouchers: vouchers + "\n",
        ..Files::default()
    });
    assert_input(&e, "vouchers.jsonl", 1, "fields.amount");
}

#[test]
fn a_malformed_time() {
    let orders = with_line(
        ORDERS,
        4,
        "A-3,102,45.00,USD,2026-11-19T08:00:00-05:00,21/11/2026",
    );
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 4, "expires_at");
    let payments = format!(
        "\n{}\n",
        PAYMENT.replace("2026-11-20T11:00:00-05:00", "2026-02-30T11:00:00-05:00")
    );
    let (e, _d) = run(Files {
        payments,
        ..Files::default()
    });
    assert_input(&e, "payments.jsonl", 2, "notification.data.paymentDate");
    let settlements = SETTLEMENTS.replace("2026-11-21T09:00:00-05:00", "ayer");
    let (e, _d) = run(Files {
        settlements: &settlements,
        ..Files::default()
    });
    assert_input(&e, "settlements.csv", 2, "settled_at");
}

#[test]
fn a_cip_of_non_digits() {
    let orders = with_line(
        ORDERS,
        2,
        "A-1,10O,150.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00",
    );
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 2, "cip");
    assert!(e.to_string().contains("digits"), "{e}");
    let payments = format!(
        "{PAYMENT}\n{PAYMENT}\n{}\n",
        PAYMENT.replace("\"cip\":\"100\"", "\"cip\":\"A100\"")
    );
    let (e, _d) = run(Files {
        payments,
        ..Files::default()
    });
    assert_input(&e, "payments.jsonl", 3, "notification.data.cip");
    let vouchers = VOUCHER.replace("\"cip\":\"100\"", "\"cip\":\"1-00\"");
    let (e, _d) = run(Files {
        vouchers: vouchers + "\n",
        ..Files::default()
    });
    assert_input(&e, "vouchers.jsonl", 1, "fields.cip");
}

#[test]
fn bad_json() {
    let payments = format!("{PAYMENT}\n{{\"received_at\": \n");
    let (e, _d) = run(Files {
        payments,
        ..Files::default()
    });
    assert_input(&e, "payments.jsonl", 2, "json");
    let payments = format!(
        "{PAYMENT}\n{}\n",
        PAYMENT.replace("\"currency\":\"PEN\",", "")
    );
    let (e, _d) = run(Files {
        payments,
        ..Files::default()
    });
    assert_input(&e, "payments.jsonl", 2, "notification.data");
    assert!(e.to_string().contains("missing field `currency`"), "{e}");
    let vouchers = VOUCHER.replace("\"currency\":\"PEN\"", "\"currency\":\"EUR\"");
    let (e, _d) = run(Files {
        vouchers: vouchers + "\n",
        ..Files::default()
    });
    assert_input(&e, "vouchers.jsonl", 1, "fields.currency");
    let vouchers = VOUCHER.replace("\"voucher_id\":\"v1\"", "\"voucher_id\":1");
    let (e, _d) = run(Files {
        vouchers: format!("{VOUCHER}\n{vouchers}\n"),
        ..Files::default()
    });
    assert_input(&e, "vouchers.jsonl", 2, "voucher_id");
}

#[test]
fn a_repeated_order_names_the_second_line() {
    let orders =
        format!("{ORDERS}A-2,200,1.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00\n");
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 5, "order_id");
    let orders =
        format!("{ORDERS}B-9,101,1.00,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00\n");
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 5, "cip");
}

#[test]
fn records_of_the_wrong_width_and_bad_text() {
    let orders = with_line(ORDERS, 3, "A-2,101,80.50,PEN,2026-11-20T10:00:00-05:00");
    let (e, _d) = run(Files {
        orders: &orders,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 3, "record");
    let mut bytes = ORDERS.as_bytes().to_vec();
    let at = ORDERS.find("A-3").unwrap() + 1;
    bytes[at] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("orders.csv"), &bytes).unwrap();
    let as_of = cuadre_core::time::parse("2026-11-21T12:00:00-05:00").unwrap();
    let opts = OfflineOptions::new(dir.path().join("orders.csv"), as_of, dir.path().join("out"));
    let e = run_offline(&opts, &|_| {}).unwrap_err();
    assert_input(&e, "orders.csv", 4, "order_id");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_first_error_in_file_order_wins() {
    let orders = with_line(
        ORDERS,
        3,
        "A-2,101,x,PEN,2026-11-20T10:00:00-05:00,2026-11-22T10:00:00-05:00",
    );
    let payments = "not json\n".to_string();
    let (e, _d) = run(Files {
        orders: &orders,
        payments,
        ..Files::default()
    });
    assert_input(&e, "orders.csv", 3, "amount");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let as_of = cuadre_core::time::parse("2026-11-21T12:00:00-05:00").unwrap();
    let opts = OfflineOptions::new(dir.path().join("nope.csv"), as_of, dir.path().join("out"));
    let e = run_offline(&opts, &|_| {}).unwrap_err();
    assert!(matches!(e, FilesError::Io { .. }), "{e}");
    assert!(e.to_string().contains("nope.csv"));
    assert!(!Path::new(&dir.path().join("out")).exists());
}
