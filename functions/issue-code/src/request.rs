//! Reading and validating the merchant's request bodies, with one error per field.

use chrono::{DateTime, Duration, Utc};
use cuadre_core::money::{exact_json, AmountError};
use cuadre_core::{Buyer, Currency, Money, OrderId};
use cuadre_lambda::problem::FieldError;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

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
pub const DOCUMENT_TYPES: [&str; 5] = ["DNI", "PAR", "PAS", "LMI", "NAN"];

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Default,
    InHours(i64),
    At(DateTime<Utc>),
}

impl Expiry {
    pub fn resolve(self, now: DateTime<Utc>, default_hours: u32) -> DateTime<Utc> {
        match self {
            Expiry::Default => now + Duration::hours(i64::from(default_hours)),
            Expiry::InHours(h) => now + Duration::hours(h),
            Expiry::At(t) => t,
        }
    }
}

/// Why the body was refused: unreadable (400) or invalid fields (422).
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    Malformed(String),
    Invalid(Vec<FieldError>),
}

fn text<'a>(v: Option<&'a Value>, field: &str, errors: &mut Vec<FieldError>) -> Option<&'a str> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

fn required<'a>(
    v: Option<&'a Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let value = text(v, field, errors);
    if value.is_none() && !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError::new(field, "is required"));
    }
    value
}

fn max_len(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = value?.trim();
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    (!v.is_empty()).then(|| v.to_string())
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

fn parse_expiry(
    hours: Option<&Value>,
    at: Option<&Value>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<Expiry> {
    let hours = match hours {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match whole_number(n) {
            Some(h) if (1..=720).contains(&h) => Some(h),
            _ => {
                errors.push(FieldError::new(
                    "expires_in_hours",
                    "must be a whole number from 1 to 720",
                ));
                return None;
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                "expires_in_hours",
                "must be a whole number from 1 to 720",
            ));
            return None;
        }
    };
    let at = match text(at, "expires_at", errors) {
        None => None,
        Some(t) => match cuadre_core::time::parse(t) {
            Ok(t) if t <= now + Duration::minutes(30) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be at least 30 minutes from now",
                ));
                return None;
            }
            Ok(t) if t > now + Duration::hours(720) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be at most 30 days from now",
                ));
                return None;
            }
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError::new("expires_at", e.to_string()));
                return None;
            }
        },
    };
    match (hours, at) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "expires_at",
                "give either expires_in_hours or expires_at, not both",
            ));
            None
        }
        (Some(h), None) => Some(Expiry::InHours(h)),
        (None, Some(t)) => Some(Expiry::At(t)),
        (None, None) => Some(Expiry::Default),
    }
}

/// A whole JSON number in any notation (`72`, `72.0`, `7.2e1`).
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    cuadre_core::money::exact_json::whole_number(&n.to_string())
}

fn parse_buyer(v: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<Buyer> {
    let obj = match v {
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "buyer",
                "is required (email and phone at least)",
            ));
            return None;
        }
        Some(_) => {
            errors.push(FieldError::new("buyer", "must be an object"));
            return None;
        }
    };
    let get = |k: &str| obj.get(k);
    let before = errors.len();
    let email = required(get("email"), "buyer.email", errors).map(str::trim);
    if let Some(e) = email {
        let plausible = e.chars().count() <= 100
            && e.split_once('@')
                .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
            && !e.contains(char::is_whitespace);
        if !plausible {
            errors.push(FieldError::new(
                "buyer.email",
                "must be an email address of at most 100 characters",
            ));
        }
    }
    let phone = required(get("phone"), "buyer.phone", errors).map(str::trim);
    if let Some(p) = phone {
        if p.is_empty() || p.len() > 15 || !p.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new("buyer.phone", "must be 1–15 digits"));
        }
    }
    let code = text(
        get("phone_country_code"),
        "buyer.phone_country_code",
        errors,
    )
    .unwrap_or("+51")
    .trim();
    let code_ok = code.len() >= 2
        && code.len() <= 5
        && code.starts_with('+')
        && code[1..].bytes().all(|b| b.is_ascii_digit());
    if !code_ok {
        errors.push(FieldError::new(
            "buyer.phone_country_code",
            "must look like +51",
        ));
    }
    let name = max_len(
        text(get("name"), "buyer.name", errors),
        "buyer.name",
        30,
        errors,
    );
    let last_name = max_len(
        text(get("last_name"), "buyer.last_name", errors),
        "buyer.last_name",
        30,
        errors,
    );
    let document_type =
        text(get("document_type"), "buyer.document_type", errors).map(str::to_ascii_uppercase);
    if let Some(t) = &document_type {
        if !DOCUMENT_TYPES.contains(&t.as_str()) {
            errors.push(FieldError::new(
                "buyer.document_type",
                format!(
                    "must be one of {} (PagoEfectivo takes no CE or RUC)",
                    DOCUMENT_TYPES.join(", ")
                ),
            ));
        }
    }
    let document_number =
        text(get("document_number"), "buyer.document_number", errors).map(str::trim);
    if let Some(n) = document_number {
        if n.is_empty() || n.len() > 14 || !n.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new(
                "buyer.document_number",
                "must be 1–14 digits",
            ));
        }
        if document_type.as_deref() == Some("DNI") && n.len() != 8 {
            errors.push(FieldError::new(
                "buyer.document_number",
                "a DNI has 8 digits",
            ));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Buyer {
        email: email?.to_string(),
        name,
        last_name,
        phone: phone?.to_string(),
        phone_country_code: code.to_string(),
        document_type,
        document_number: document_number.map(str::to_string),
    })
}

/// `PATCH` body: a new expiry.
pub fn parse_extend(body: &[u8], now: DateTime<Utc>) -> Result<Expiry, BodyError> {
    #[derive(Deserialize)]
    struct RawExtend {
        expires_in_hours: Option<Value>,
        expires_at: Option<Value>,
    }
    let raw: RawExtend = serde_json::from_slice(body)
        .map_err(|e| BodyError::Malformed(format!("the body is not a JSON object: {e}")))?;
    let mut errors = Vec::new();
    match parse_expiry(
        raw.expires_in_hours.as_ref(),
        raw.expires_at.as_ref(),
        now,
        &mut errors,
    ) {
        Some(Expiry::Default) => Err(BodyError::Invalid(vec![FieldError::new(
            "expires_at",
            "give expires_in_hours or expires_at",
        )])),
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(BodyError::Invalid(errors)),
    }
}

/// Maps the gateway's field names to ours, so a 422 names what the merchant sent.
pub fn our_field(gateway_field: &str) -> &'static str {
    match gateway_field {
        "amount" => "amount",
        "currency" => "currency",
        "transactionCode" => "order_id",
        "dateExpiry" => "expires_at",
        "paymentConcept" => "concept",
        "userEmail" => "buyer.email",
        "userName" => "buyer.name",
        "userLastName" => "buyer.last_name",
        "userPhone" => "buyer.phone",
        "userCodeCountry" => "buyer.phone_country_code",
        "userDocumentType" => "buyer.document_type",
        "userDocumentNumber" => "buyer.document_number",
        _ => "request",
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
