//! Amounts: as people and receipts write them, as JSON numbers (exactly, never through a float),
//! and as the canonical files write them.
#![no_main]

use cuadre_core::money::{
    exact_json, format_grouped, parse_human_amount, parse_json_number, Currency, Money,
};
use cuadre_files::text;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use serde_json::value::RawValue;

#[derive(serde::Deserialize)]
struct Amount {
    #[serde(with = "exact_json")]
    #[allow(dead_code)]
    amount: Decimal,
}

#[derive(serde::Deserialize)]
struct MaybeAmount {
    #[serde(default, with = "exact_json::option")]
    #[allow(dead_code)]
    amount: Option<Decimal>,
}

fn money_round_trips(money: Money) {
    let written = money.amount_string();
    assert_eq!(
        Money::from_json_number(&written, money.currency()),
        Ok(money),
        "{written}"
    );
    assert_eq!(
        text::money(&written, money.currency()),
        Ok(money),
        "{written}"
    );
    let grouped = format_grouped(money.amount());
    assert_eq!(
        Money::parse(&grouped, money.currency()),
        Ok(money),
        "{grouped}"
    );
    let _ = money.to_string();
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = parse_human_amount(s) {
        let _ = format_grouped(value);
        if let Ok(m) = Money::new(value, Currency::Pen) {
            money_round_trips(m);
        }
    }
    if let Ok(value) = parse_json_number(s) {
        assert_eq!(parse_json_number(&value.to_string()), Ok(value), "{value}");
        if let Ok(m) = Money::new(value, Currency::Usd) {
            money_round_trips(m);
        }
    }
    if let Ok(value) = text::decimal(s) {
        assert_eq!(text::decimal(&value.to_string()), Ok(value), "{value}");
    }
    if let Ok(m) = text::money(s, Currency::Pen) {
        money_round_trips(m);
    }
    let _ = exact_json::whole_number(s);
    if let Ok(raw) = serde_json::from_str::<Box<RawValue>>(s) {
        let _ = exact_json::decimal_from_raw(&raw);
    }
    let _ = serde_json::from_str::<Amount>(s);
    let _ = serde_json::from_str::<MaybeAmount>(s);
});
