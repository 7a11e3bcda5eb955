//! The merchant's `POST /v1/payment-codes` and `PATCH` (extend) bodies.
#![no_main]

use chrono::{DateTime, Duration, TimeZone, Utc};
use cuadre_core::{Money, OrderId};
use issue_code::request::{parse_create, parse_extend, Expiry, CHANNELS};
use libfuzzer_sys::fuzz_target;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap()
}

fn check_expiry(expiry: Expiry, now: DateTime<Utc>) {
    match expiry {
        Expiry::Default => {}
        Expiry::InHours(h) => assert!((1..=720).contains(&h), "{h} hours"),
        Expiry::At(t) => assert!(
            t > now + Duration::minutes(30) && t <= now + Duration::hours(720),
            "{t}"
        ),
    }
    let _ = expiry.resolve(now, 72);
}

fuzz_target!(|data: &[u8]| {
    let now = now();
    if let Ok(code) = parse_create(data, now) {
        assert_eq!(
            OrderId::parse(code.order_id.as_str()).as_ref(),
            Ok(&code.order_id)
        );
        assert_eq!(
            Money::new(code.amount.amount(), code.amount.currency()),
            Ok(code.amount)
        );
        assert!(
            CHANNELS.contains(&code.channel.as_str()),
            "{}",
            code.channel
        );
        if let Some(concept) = &code.concept {
            assert!(!concept.is_empty() && concept.chars().count() <= 50);
            assert_eq!(concept.trim(), concept);
        }
        check_expiry(code.expiry, now);
    }
    if let Ok(expiry) = parse_extend(data, now) {
        assert_ne!(expiry, Expiry::Default);
        check_expiry(expiry, now);
    }
});
