//! The payment notification PagoEfectivo posts to the merchant, and its `PE-Signature`.

use chrono::{DateTime, Utc};
use cuadre_core::ids::{Cip, OperationNumber};
use cuadre_core::money::{exact_json, AmountError, Currency, Money};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
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
    /// 0–14 characters; empty or absent is `None`.
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

fn operation_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OperationNumber>, D::Error> {
    match json::opt_string_or_number(d)? {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => OperationNumber::parse(&t)
            .map(Some)
            .map_err(D::Error::custom),
    }
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
