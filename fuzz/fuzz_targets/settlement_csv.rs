//! The merchant's settlement report (`settlements.csv`, read by reconcile-worker from S3), and
//! the fast field readers the offline files use against the domain's parsers.
#![no_main]

use cuadre_core::{Cip, OperationNumber, OrderId};
use cuadre_files::{parse_settlements, text};
use libfuzzer_sys::fuzz_target;

/// `cuadre_files::text`'s fast paths accept exactly what the domain's parsers accept.
fn check_fields(record: &str) {
    for field in record.split([',', '\n']).take(64) {
        if let Ok(cip) = text::cip(field) {
            assert_eq!(
                Cip::parse(field).map(|c| c.as_str() == cip),
                Ok(true),
                "{field:?}"
            );
        }
        if let Ok(op) = text::operation_number(field) {
            assert_eq!(
                OperationNumber::parse(field).map(|o| o.as_str() == op),
                Ok(true),
                "{field:?}"
            );
        }
        if let Ok(id) = text::order_id(field) {
            assert_eq!(
                OrderId::parse(field).map(|o| o.as_str() == id),
                Ok(true),
                "{field:?}"
            );
        }
        let _ = text::currency(field);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = parse_settlements(data, "settlements.csv") {
        for line in &lines {
            assert!(!line.settlement_id.is_empty());
            assert_eq!(line.settlement_id.trim(), line.settlement_id);
            assert!(line.cip.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        check_fields(s);
    }
});
