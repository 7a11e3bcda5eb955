//! The offline run's readers of the canonical files (`cuadre reconcile`): each file cut into
//! chunks of whole lines that two threads parse. One file comes from the input (which one: the
//! first byte), the others are a small valid tenant. The outputs must not depend on the chunk
//! size (the second byte picks a tiny one, against the default), and the settlement file must be
//! accepted or refused as the worker's importer (`parse_settlements`) accepts or refuses it.
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use cuadre_files::{parse_settlements, run_offline, OfflineOptions};
use libfuzzer_sys::fuzz_target;

const ORDERS: &str = "\
cip,order_id,currency,amount,expires_at,issued_at,channel,status
100,A-1,PEN,150.00,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,agente,
101,A-2,PEN,80.50,2026-11-22T10:00:00-05:00,2026-11-20T10:00:00-05:00,,
102,A-3,USD,45.00,2026-11-21T08:00:00-05:00,2026-11-19T08:00:00-05:00,bodega,
";

const PAYMENTS: &str = r#"{"received_at":"2026-11-20T11:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1","data":{"cip":"100","currency":"PEN","amount":150.00,"paymentDate":"2026-11-20T11:00:00-05:00"}}}
{"received_at":"2026-11-20T12:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":2,"data":{"cip":101,"currency":"PEN","amount":80.0}}}
"#;

const SETTLEMENTS: &str = "\
settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at
S-1,100,1,150.00,5.99,144.01,PEN,2026-11-20T11:00:00-05:00,2026-11-21T09:00:00-05:00
";

const VOUCHERS: &str = r#"{"voucher_id":"v1","order_id":"A-2","uploaded_at":"2026-11-20T12:30:00-05:00","sha256":"1111111111111111111111111111111111111111111111111111111111111111","fields":{"cip":"101","operation_number":"2","amount":"80.50","currency":"PEN","paid_at":null}}
"#;

const FILES: [&str; 4] = [
    "settlements.csv",
    "orders.csv",
    "payments.jsonl",
    "vouchers.jsonl",
];

fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("cuadre-fuzz-offline-{}", std::process::id()))
}

/// The run's outcome: the outputs' bytes, or the error's text.
fn run(dir: &Path, chunk_bytes: u64, out: &str) -> Result<Vec<Vec<u8>>, String> {
    let as_of = Utc.with_ymd_and_hms(2026, 11, 21, 17, 0, 0).unwrap();
    let mut opts = OfflineOptions::new(dir.join("orders.csv"), as_of, dir.join(out));
    opts.payments = Some(dir.join("payments.jsonl"));
    opts.settlements = Some(dir.join("settlements.csv"));
    opts.vouchers = Some(dir.join("vouchers.jsonl"));
    opts.chunk_bytes = chunk_bytes;
    let report = run_offline(&opts, &|_| {}).map_err(|e| e.to_string())?;
    Ok(report
        .outputs
        .iter()
        .map(|p| fs::read(p).expect("an output was written"))
        .collect())
}

fuzz_target!(|data: &[u8]| {
    let [which, chunk, file @ ..] = data else {
        return;
    };
    let which = usize::from(*which) % FILES.len();
    let dir = dir();
    fs::create_dir_all(&dir).expect("a scratch directory");
    for (i, (name, fixed)) in FILES
        .iter()
        .zip([SETTLEMENTS, ORDERS, PAYMENTS, VOUCHERS])
        .enumerate()
    {
        let bytes = if i == which { file } else { fixed.as_bytes() };
        fs::write(dir.join(name), bytes).expect("an input is written");
    }
    let small = 1 + u64::from(*chunk) % 97;
    let whole = run(&dir, 4 << 20, "out-whole");
    let chunked = run(&dir, small, "out-chunked");
    assert_eq!(whole, chunked, "chunks of {small} bytes");
    if which == 0 {
        let imported = parse_settlements(file, "settlements.csv");
        assert_eq!(
            imported.is_ok(),
            whole.is_ok(),
            "the importer: {:?}; the offline run: {:?}",
            imported.as_ref().err().map(ToString::to_string),
            whole.as_ref().err()
        );
    }
});
