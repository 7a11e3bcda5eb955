//! JSON helpers for a gateway that writes the same field as a string one day and a number the next.

use cuadre_core::ids::Cip;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::value::RawValue;

/// The text of a JSON string or number (`"100"` and `100` both give `100`); `None` for anything else.
pub(crate) fn scalar_text(raw: &RawValue) -> Option<String> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        return serde_json::from_str::<String>(text).ok();
    }
    let numeric = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    numeric.then(|| text.to_string())
}

/// A string or a number, as text.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw: Box<RawValue> = Deserialize::deserialize(d)?;
    scalar_text(&raw).ok_or_else(|| D::Error::custom("expected a string or a number"))
}

/// An optional string or number (`null` and absence are `None`).
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    let raw: Option<Box<RawValue>> = Deserialize::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(r) if r.get().trim() == "null" => Ok(None),
        Some(r) => scalar_text(&r)
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected a string or a number")),
    }
}

/// A CIP sent as a number (creation) or as a string (notifications).
pub(crate) fn cip<'de, D: Deserializer<'de>>(d: D) -> Result<Cip, D::Error> {
    let text = string_or_number(d)?;
    Cip::parse(&text).map_err(D::Error::custom)
}

/// A decimal written as a JSON number with exactly its digits (`22.05`, never through f64).
pub(crate) fn decimal_number(value: Decimal) -> Box<RawValue> {
    RawValue::from_string(value.to_string())
        .unwrap_or_else(|_| RawValue::from_string("0".to_string()).expect("0 is JSON"))
}

pub(crate) fn serialize_decimal_number<S: Serializer>(
    value: &Decimal,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_some(&decimal_number(*value))
}

/// A CIP as a JSON number: the gateway's request bodies carry it so. Digits only, so no leading
/// zero may reach the wire (that would not be JSON).
pub(crate) fn cip_number(cip: &Cip) -> Box<RawValue> {
    let digits = cip.as_str().trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    RawValue::from_string(digits.to_string()).expect("digits are a JSON number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_as_text() {
        let r = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        assert_eq!(scalar_text(&r("\"111\"")).as_deref(), Some("111"));
        assert_eq!(scalar_text(&r("111")).as_deref(), Some("111"));
        assert_eq!(scalar_text(&r("22.05")).as_deref(), Some("22.05"));
        assert_eq!(scalar_text(&r("true")), None);
        assert_eq!(scalar_text(&r("{}")), None);
    }

    #[test]
    fn decimals_keep_their_digits() {
        let d = Decimal::from_str_exact("22.05").unwrap();
        assert_eq!(decimal_number(d).get(), "22.05");
        let d = Decimal::from_str_exact("0.10").unwrap();
        assert_eq!(decimal_number(d).get(), "0.10");
    }

    #[test]
    fn cip_numbers_have_no_leading_zero() {
        assert_eq!(cip_number(&Cip::parse("0012").unwrap()).get(), "12");
        assert_eq!(cip_number(&Cip::parse("2523136").unwrap()).get(), "2523136");
    }
}
