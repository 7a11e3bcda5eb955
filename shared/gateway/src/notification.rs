//! The payment notification PagoEfectivo posts to the merchant, and its `PE-Signature`.

use chrono::{DateTime, Utc};
use cuadre_core::ids::{Cip, IdError, OperationNumber};
use cuadre_core::money::{exact_json, AmountError, Currency, Money};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use sha2::Sha256;

use crate::json;

/// The header carrying the signature. Match it case-insensitively (`Pe-Signature` is seen too).
pub const SIGNATURE_HEADER: &str = "PE-Signature";

/// Event types seen in the field; any other string is accepted too.
pub const EVENT_PAID: &str = "cip.paid";
pub const EVENT_EXPIRED: &str = "cip.expired";
pub const EVENT_REFUNDED: &str = "cip.refunded";

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex HMAC-SHA256 of the raw body bytes, keyed with the merchant's secret key.
pub fn sign_notification(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` (hex, either case, surrounding spaces ignored) signs `body`.
/// The comparison runs in constant time.
pub fn verify_notification(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The body of a notification:
/// `{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05}}`.
/// Serialising gives exactly that shape (amount as an exact number, CIP as a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// `cip.paid`, or others seen in the field (`cip.expired`, `cip.refunded`): any string.
    pub event_type: String,
    /// A string of 0–14 characters, or a whole non-negative number of at most 14 digits (kept
    /// as written); empty, blank, `null` or absent is `None`. Anything else fails
    /// [`Notification::parse`].
    #[serde(
        default,
        deserialize_with = "operation_number",
        serialize_with = "serialize_operation_number"
    )]
    pub operation_number: Option<OperationNumber>,
    pub data: NotificationData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationData {
    /// A string in notifications; a number is accepted too.
    #[serde(deserialize_with = "json::cip")]
    pub cip: Cip,
    pub currency: Currency,
    #[serde(
        deserialize_with = "exact_json::deserialize",
        serialize_with = "json::serialize_decimal_number"
    )]
    pub amount: Decimal,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "cuadre_core::time::serde_lima::option"
    )]
    pub payment_date: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "json::opt_string_or_number"
    )]
    pub transaction_code: Option<String>,
}

impl Notification {
    /// Parses the raw body (after the signature was checked).
    pub fn parse(body: &[u8]) -> Result<Notification, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The exact body bytes to send (and sign).
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("strings and a raw number serialise")
    }

    pub fn is_paid(&self) -> bool {
        self.event_type == EVENT_PAID
    }

    /// The amount with the gateway's limits checked (positive, 2 decimals, 16 digits).
    pub fn money(&self) -> Result<Money, AmountError> {
        Money::new(self.data.amount, self.data.currency)
    }
}

/// The documented limit of `operationNumber`, in characters (a string) or digits (a number).
const OPERATION_NUMBER_MAX: usize = 14;

/// `operationNumber`: a string of 0–14 characters, or a whole non-negative JSON number written as
/// plain digits (at most 14). Empty, blank, `null` or absent is `None`. Anything else (`-1`,
/// `1.5`, `1e3`, a longer value, a boolean, an object, an array) is refused, naming the field.
fn operation_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OperationNumber>, D::Error> {
    let raw: Option<Box<RawValue>> = Deserialize::deserialize(d)?;
    raw.as_deref()
        .map_or(Ok(None), read_operation_number)
        .map_err(D::Error::custom)
}

fn read_operation_number(raw: &RawValue) -> Result<Option<OperationNumber>, String> {
    let text = raw.get().trim();
    let refuse = |why: &str| {
        let shown: String = text.chars().take(40).collect();
        let more = if shown.len() < text.len() { "…" } else { "" };
        format!("operationNumber {shown}{more} is refused: {why}")
    };
    if text == "null" {
        return Ok(None);
    }
    let value = if text.starts_with('"') {
        let value: String = serde_json::from_str(text).map_err(|e| refuse(&e.to_string()))?;
        if value.trim().is_empty() {
            return Ok(None);
        }
        value
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(
                "a number must be whole, non-negative and written as plain digits",
            ));
        }
        if text.len() > OPERATION_NUMBER_MAX {
            return Err(refuse("a number has at most 14 digits"));
        }
        text.to_string()
    } else {
        return Err(refuse(
            "expected a string of at most 14 characters or a whole number of at most 14 digits",
        ));
    };
    OperationNumber::parse(&value)
        .map(Some)
        .map_err(|e| match e {
            IdError::TooLong { .. } => refuse("a string has at most 14 characters"),
            other => refuse(&other.to_string()),
        })
}

fn serialize_operation_number<S: Serializer>(
    value: &Option<OperationNumber>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.as_ref().map(OperationNumber::as_str).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_BODY: &str = r#"{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05}}"#;

    #[test]
    fn spec_example_parses_exactly() {
        let n = Notification::parse(SPEC_BODY.as_bytes()).unwrap();
        assert!(n.is_paid());
        assert_eq!(n.operation_number.as_ref().unwrap().as_str(), "1253");
        assert_eq!(n.data.cip.as_str(), "11546901");
        assert_eq!(n.data.currency, Currency::Pen);
        assert_eq!(n.data.amount, Decimal::from_str_exact("22.05").unwrap());
        assert_eq!(n.data.amount.to_string(), "22.05");
        assert_eq!(n.money().unwrap().amount_string(), "22.05");
        assert_eq!(n.data.payment_date, None);
        // and it writes back byte for byte
        assert_eq!(String::from_utf8(n.to_body()).unwrap(), SPEC_BODY);
    }

    #[test]
    fn lenient_where_the_field_is() {
        let n = Notification::parse(
            br#"{"eventType":"cip.expired","operationNumber":"","data":{"cip":11546901,"currency":"USD","amount":"7.10","paymentDate":"2026-01-05 10:00:00-05:00","transactionCode":"ORD-1","extra":1}}"#,
        )
        .unwrap();
        assert_eq!(n.operation_number, None);
        assert_eq!(n.data.cip.as_str(), "11546901");
        assert_eq!(n.data.amount.to_string(), "7.10");
        assert!(n.data.payment_date.is_some());
        assert_eq!(n.data.transaction_code.as_deref(), Some("ORD-1"));
        assert!(Notification::parse(
            br#"{"eventType":"cip.paid","operationNumber":"123456789012345","data":{"cip":"1","currency":"PEN","amount":1}}"#
        )
        .is_err(), "operation numbers are at most 14 characters");
    }

    /// The spec body with `operationNumber` set to `value` (a JSON text), or left out for `None`.
    fn with_operation_number(value: Option<&str>) -> String {
        let field = value.map_or(String::new(), |v| format!(r#""operationNumber":{v},"#));
        format!(
            r#"{{"eventType":"cip.paid",{field}"data":{{"cip":"11546901","currency":"PEN","amount":22.05}}}}"#
        )
    }

    fn read_operation_number(value: Option<&str>) -> Result<Option<String>, String> {
        Notification::parse(with_operation_number(value).as_bytes())
            .map(|n| n.operation_number.map(|o| o.as_str().to_string()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn operation_numbers_accepted() {
        let cases: &[(Option<&str>, Option<&str>)] = &[
            (Some(r#""1253""#), Some("1253")),
            (Some(r#""001253""#), Some("001253")),
            (Some(r#""OP-12 ab""#), Some("OP-12 ab")),
            (Some(r#"" 1253 ""#), Some("1253")),
            (Some(r#""12345678901234""#), Some("12345678901234")),
            (Some("1253"), Some("1253")),
            (Some("0"), Some("0")),
            (Some(" 1253 "), Some("1253")),
            (Some("12345678901234"), Some("12345678901234")),
            (Some(r#""""#), None),
            (Some(r#""   ""#), None),
            (Some("null"), None),
            (None, None),
        ];
        for (value, want) in cases {
            assert_eq!(
                read_operation_number(*value),
                Ok(want.map(str::to_string)),
                "operationNumber {value:?}"
            );
        }
    }

    #[test]
    fn operation_numbers_refused_naming_the_field() {
        for value in [
            "-1",
            "-0",
            "1.5",
            "1253.0",
            "1e3",
            "1E3",
            "12e0",
            "123456789012345",
            "99999999999999999999999999",
            "true",
            "false",
            "{}",
            r#"{"n":"1253"}"#,
            "[]",
            r#"["1253"]"#,
            r#""123456789012345""#,
            r#""12#3""#,
        ] {
            let err = read_operation_number(Some(value))
                .expect_err(&format!("operationNumber {value} must be refused"));
            assert!(err.contains("operationNumber"), "{value}: {err}");
        }
        let err = read_operation_number(Some("1.5")).unwrap_err();
        assert!(err.contains("whole, non-negative"), "{err}");
        let err = read_operation_number(Some("123456789012345")).unwrap_err();
        assert!(err.contains("at most 14 digits"), "{err}");
        let err = read_operation_number(Some(r#""123456789012345""#)).unwrap_err();
        assert!(err.contains("at most 14 characters"), "{err}");
    }

    #[test]
    fn a_numeric_operation_number_writes_back_as_a_string() {
        let n = Notification::parse(with_operation_number(Some("1253")).as_bytes()).unwrap();
        assert_eq!(String::from_utf8(n.to_body()).unwrap(), SPEC_BODY);
    }

    #[test]
    fn signature_round_trip_in_either_case() {
        let sig = sign_notification(b"secret", SPEC_BODY.as_bytes());
        assert_eq!(sig.len(), 64);
        assert_eq!(sig, sig.to_lowercase());
        assert!(verify_notification(b"secret", SPEC_BODY.as_bytes(), &sig));
        assert!(verify_notification(
            b"secret",
            SPEC_BODY.as_bytes(),
            &sig.to_uppercase()
        ));
        assert!(!verify_notification(b"other", SPEC_BODY.as_bytes(), &sig));
        assert!(!verify_notification(b"secret", b"{}", &sig));
        assert!(!verify_notification(b"secret", SPEC_BODY.as_bytes(), "zz"));
        assert!(!verify_notification(
            b"secret",
            SPEC_BODY.as_bytes(),
            &sig[..62]
        ));
    }
}
