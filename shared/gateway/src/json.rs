//! JSON helpers for a gateway that writes the same field as a string one day and a number the next.
//!
//! The public ones are the wire format's building blocks the simulator (`cuadre-gateway-sandbox`)
//! writes and reads with too; the rest serve this crate's client only.

use cuadre_core::ids::Cip;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::value::RawValue;

/// The text of a JSON string or number (`"100"` and `100` both give `100`); `None` for anything else.
pub fn scalar_text(raw: &RawValue) -> Option<String> {
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

/// A CIP sent as a number (creation) or as a string (notifications). A number is its value, so
/// `2523136.0` is CIP 2523136 (JSON has one number type); a string must be the digits.
pub(crate) fn cip<'de, D: Deserializer<'de>>(d: D) -> Result<Cip, D::Error> {
    let raw: Box<RawValue> = Deserialize::deserialize(d)?;
    let text =
        scalar_text(&raw).ok_or_else(|| D::Error::custom("expected a string or a number"))?;
    let digits = if raw.get().trim_start().starts_with('"') {
        text.as_str()
    } else {
        whole_number_digits(&text).unwrap_or(&text)
    };
    Cip::parse(digits).map_err(D::Error::custom)
}

/// The integer digits of a JSON number written with a zero fraction (`2523136.00` → `2523136`).
fn whole_number_digits(number: &str) -> Option<&str> {
    let (int, frac) = number.split_once('.')?;
    (!int.is_empty() && !frac.is_empty() && frac.bytes().all(|b| b == b'0')).then_some(int)
}

/// A decimal written as a JSON number with exactly its digits (`22.05`, never through f64).
pub fn decimal_number(value: Decimal) -> Box<RawValue> {
    RawValue::from_string(value.to_string())
        .unwrap_or_else(|_| RawValue::from_string("0".to_string()).expect("0 is JSON"))
}

/// [`decimal_number`] as a serde `serialize_with`.
pub fn serialize_decimal_number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
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

    #[derive(Debug, serde::Deserialize)]
    struct WithCip {
        #[serde(deserialize_with = "cip")]
        cip: Cip,
    }

    #[test]
    fn a_cip_is_a_number_by_value_or_a_string_of_digits() {
        let read = |json: &str| serde_json::from_str::<WithCip>(json).map(|w| w.cip);
        assert_eq!(read(r#"{"cip": 2523136}"#).unwrap().as_str(), "2523136");
        assert_eq!(read(r#"{"cip": 2523136.0}"#).unwrap().as_str(), "2523136");
        assert_eq!(read(r#"{"cip": "2523136"}"#).unwrap().as_str(), "2523136");
        for bad in [r#""2523136.0""#, "2523136.5", "2.5e6", "-1", "true"] {
            assert!(read(&format!(r#"{{"cip": {bad}}}"#)).is_err(), "{bad}");
        }
    }

    #[test]
    fn cip_numbers_have_no_leading_zero() {
        assert_eq!(cip_number(&Cip::parse("0012").unwrap()).get(), "12");
        assert_eq!(cip_number(&Cip::parse("2523136").unwrap()).get(), "2523136");
    }
}
