//! The body of `POST /v1/payment-codes`.

use chrono::{DateTime, Utc};
use cuadre_core::money::{exact_json, AmountError};
use cuadre_core::{Buyer, Currency, Money, OrderId};
use cuadre_lambda::problem::FieldError;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::buyer::parse_buyer;
use super::expiry::{parse_expiry, Expiry};
use super::{max_len, required, text, BodyError};

/// Channels merchants sell through; anything else is refused so reports stay clean.
pub const CHANNELS: [&str; 8] = [
    "shopify",
    "woocommerce",
    "magento",
    "vtex",
    "prestashop",
    "api",
    "pos",
    "other",
];

#[derive(Debug, Deserialize)]
struct RawCreate {
    order_id: Option<Value>,
    amount: Option<Box<RawValue>>,
    currency: Option<Value>,
    channel: Option<Value>,
    concept: Option<Value>,
    buyer: Option<Value>,
    expires_in_hours: Option<Value>,
    expires_at: Option<Value>,
}

/// A valid request to issue a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCode {
    pub order_id: OrderId,
    pub amount: Money,
    pub channel: String,
    pub concept: Option<String>,
    pub buyer: Buyer,
    pub expiry: Expiry,
}

fn amount_message(e: &AmountError) -> String {
    match e {
        AmountError::NotPositive => "must be greater than zero".into(),
        AmountError::TooManyDecimals => "must have at most 2 decimals".into(),
        AmountError::TooLarge => "must have at most 16 integer digits".into(),
        AmountError::Empty | AmountError::NotANumber(_) => "must be a number like 150.00".into(),
    }
}

pub fn parse_create(body: &[u8], now: DateTime<Utc>) -> Result<CreateCode, BodyError> {
    let raw: RawCreate = serde_json::from_slice(body)
        .map_err(|e| BodyError::Malformed(format!("the body is not a JSON object: {e}")))?;
    let mut errors = Vec::new();

    let order_id =
        required(raw.order_id.as_ref(), "order_id", &mut errors).and_then(
            |v| match OrderId::parse(v) {
                Ok(id) => Some(id),
                Err(e) => {
                    errors.push(FieldError::new("order_id", e.to_string()));
                    None
                }
            },
        );
    let currency = required(raw.currency.as_ref(), "currency", &mut errors).and_then(|v| {
        match v.parse::<Currency>() {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(FieldError::new("currency", e.to_string()));
                None
            }
        }
    });
    let amount = match raw.amount.as_deref() {
        None => {
            errors.push(FieldError::new("amount", "is required"));
            None
        }
        Some(r) => match exact_json::decimal_from_raw(r) {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(FieldError::new("amount", "must be a number like 150.00"));
                None
            }
        },
    };
    let money = match (amount, currency) {
        (Some(a), Some(c)) => match Money::new(a, c) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new("amount", amount_message(&e)));
                None
            }
        },
        (Some(a), None) => {
            // Still report amount problems when the currency is wrong.
            if let Err(e) = cuadre_core::money::validate_amount(a) {
                errors.push(FieldError::new("amount", amount_message(&e)));
            }
            None
        }
        _ => None,
    };
    let channel = match text(raw.channel.as_ref(), "channel", &mut errors) {
        None => Some("api".to_string()),
        Some(c) if CHANNELS.contains(&c.to_ascii_lowercase().as_str()) => {
            Some(c.to_ascii_lowercase())
        }
        Some(_) => {
            errors.push(FieldError::new(
                "channel",
                format!("must be one of {}", CHANNELS.join(", ")),
            ));
            None
        }
    };
    let concept = max_len(
        text(raw.concept.as_ref(), "concept", &mut errors),
        "concept",
        50,
        &mut errors,
    );
    let buyer = parse_buyer(raw.buyer.as_ref(), &mut errors);
    let expiry = parse_expiry(
        raw.expires_in_hours.as_ref(),
        raw.expires_at.as_ref(),
        now,
        &mut errors,
    );

    match (order_id, money, channel, buyer, expiry) {
        (Some(order_id), Some(amount), Some(channel), Some(buyer), Some(expiry))
            if errors.is_empty() =>
        {
            Ok(CreateCode {
                order_id,
                amount,
                channel,
                concept,
                buyer,
                expiry,
            })
        }
        _ => Err(BodyError::Invalid(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap()
    }

    fn fields(body: &str) -> Vec<String> {
        match parse_create(body.as_bytes(), now()) {
            Err(BodyError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    const BUYER: &str = r#""buyer":{"email":"ana@example.pe","phone":"987654321"}"#;

    #[test]
    fn a_valid_request_reads_exactly() {
        let body = format!(
            r#"{{"order_id":"A-1","amount":22.05,"currency":"PEN",{BUYER},"expires_in_hours":72}}"#
        );
        let c = parse_create(body.as_bytes(), now()).unwrap();
        assert_eq!(c.amount.amount_string(), "22.05");
        assert_eq!(c.channel, "api");
        assert_eq!(c.expiry, Expiry::InHours(72));
        assert_eq!(c.buyer.phone_country_code, "+51");
    }

    #[test]
    fn whole_hours_may_be_written_as_floats_but_not_fractions() {
        for hours in ["72.0", "7.2e1"] {
            let body = format!(
                r#"{{"order_id":"A-1","amount":22.05,"currency":"PEN",{BUYER},"expires_in_hours":{hours}}}"#
            );
            let c = parse_create(body.as_bytes(), now()).unwrap();
            assert_eq!(c.expiry, Expiry::InHours(72), "{hours}");
        }
        for hours in ["72.5", "1e300", "-1.0"] {
            assert_eq!(
                fields(&format!(
                    r#"{{"order_id":"A","amount":10,"currency":"PEN",{BUYER},"expires_in_hours":{hours}}}"#
                )),
                ["expires_in_hours"],
                "{hours}"
            );
        }
    }

    #[test]
    fn an_email_is_measured_in_characters() {
        let email = format!("{}@example.pe", "ñ".repeat(80));
        let body = format!(
            r#"{{"order_id":"A-1","amount":1,"currency":"PEN","buyer":{{"email":"{email}","phone":"9"}}}}"#
        );
        assert!(parse_create(body.as_bytes(), now()).is_ok());
    }

    #[test]
    fn each_bad_field_gets_its_own_error() {
        assert_eq!(
            fields(&format!(
                r#"{{"order_id":"A","amount":-5,"currency":"PEN",{BUYER}}}"#
            )),
            ["amount"]
        );
        assert_eq!(
            fields(&format!(
                r#"{{"order_id":"A","amount":1.005,"currency":"PEN",{BUYER}}}"#
            )),
            ["amount"]
        );
        assert_eq!(
            fields(&format!(
                r#"{{"order_id":"A","amount":10,"currency":"EUR",{BUYER}}}"#
            )),
            ["currency"]
        );
        let long = "x".repeat(37);
        assert_eq!(
            fields(&format!(
                r#"{{"order_id":"{long}","amount":10,"currency":"PEN",{BUYER}}}"#
            )),
            ["order_id"]
        );
        assert_eq!(
            fields(
                r#"{"amount":"abc","currency":"EUR","buyer":{"email":"nope","phone":"12a"},"expires_in_hours":0}"#
            ),
            [
                "order_id",
                "currency",
                "amount",
                "buyer.email",
                "buyer.phone",
                "expires_in_hours"
            ]
        );
        assert_eq!(
            fields(&format!(
                r#"{{"order_id":"A","amount":10,"currency":"PEN",{BUYER},"expires_in_hours":5,"expires_at":"2026-11-27T10:00:00-05:00"}}"#
            )),
            ["expires_at"]
        );
    }

    #[test]
    fn unreadable_json_is_malformed_not_invalid() {
        assert!(matches!(
            parse_create(b"{", now()),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            parse_create(b"[1]", now()),
            Err(BodyError::Malformed(_))
        ));
    }
}
