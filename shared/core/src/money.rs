//! Money: an exact decimal amount with its currency. Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The currencies PagoEfectivo issues codes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "PEN")]
    Pen,
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    pub const ALL: [Currency; 2] = [Currency::Pen, Currency::Usd];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Pen => "PEN",
            Currency::Usd => "USD",
        }
    }

    /// The sign Peruvian receipts and our pages print before an amount.
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Pen => "S/",
            Currency::Usd => "US$",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported currency {0:?}: expected PEN or USD")]
pub struct CurrencyError(pub String);

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "PEN" => Ok(Currency::Pen),
            "USD" => Ok(Currency::Usd),
            other => Err(CurrencyError(other.to_string())),
        }
    }
}

/// Why a text is not an amount we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount is empty")]
    Empty,
    #[error("amount {0:?} is not a number")]
    NotANumber(String),
    #[error("amount must be greater than zero")]
    NotPositive,
    #[error("amount has more than 2 decimals")]
    TooManyDecimals,
    #[error("amount has more than 16 integer digits")]
    TooLarge,
}

/// Largest amount the gateway's N(18,2) holds: 16 integer digits.
fn max_amount() -> Decimal {
    Decimal::from_str("9999999999999999.99").unwrap_or(Decimal::MAX)
}

/// Checks the gateway's amount rules and fixes the scale at 2 decimals.
pub fn validate_amount(value: Decimal) -> Result<Decimal, AmountError> {
    if value <= Decimal::ZERO {
        return Err(AmountError::NotPositive);
    }
    let normal = value.normalize();
    if normal.scale() > 2 {
        return Err(AmountError::TooManyDecimals);
    }
    if normal > max_amount() {
        return Err(AmountError::TooLarge);
    }
    let mut fixed = normal;
    fixed.rescale(2);
    Ok(fixed)
}

/// The longest number text read as an amount, in bytes: any exact decimal is far shorter
/// (`-9999999999999999.99` is 20). rust_decimal's parser recurses once per character, so a longer
/// text (thousands of leading zeros, or of `_` separators) could overflow the stack: an abort no
/// `catch_unwind` stops (it did in the fuzz build, and does in debug builds).
pub const MAX_NUMBER_TEXT: usize = 64;

/// Parses a decimal written the way a JSON number is (`22.05`, `150`, `1.5e2`), exactly.
pub fn parse_json_number(text: &str) -> Result<Decimal, AmountError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    if t.len() > MAX_NUMBER_TEXT {
        return Err(AmountError::NotANumber(t.to_string()));
    }
    let valid_shape = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !valid_shape {
        return Err(AmountError::NotANumber(t.to_string()));
    }
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    };
    parsed.map_err(|_| AmountError::NotANumber(t.to_string()))
}

/// Parses an amount as people and receipts write it: `1,250.00`, `1.250,00`, `150`, `22.5`.
/// The last separator followed by one or two digits is the decimal point; the others group thousands.
pub fn parse_human_amount(text: &str) -> Result<Decimal, AmountError> {
    let t: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    if t.len() > MAX_NUMBER_TEXT {
        return Err(AmountError::NotANumber(text.trim().to_string()));
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return Err(AmountError::NotANumber(text.trim().to_string()));
    }
    let not_a_number = || AmountError::NotANumber(text.trim().to_string());
    let (int_part, frac_part) = match digits.rfind([',', '.']) {
        Some(pos) if is_decimal_separator(digits, pos) => (&digits[..pos], &digits[pos + 1..]),
        _ => (digits, ""),
    };
    if !is_grouped_integer(int_part) {
        return Err(not_a_number());
    }
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    let int_digits = if int_digits.is_empty() {
        "0".to_string()
    } else {
        int_digits
    };
    let canonical = if frac_part.is_empty() {
        int_digits
    } else {
        format!("{int_digits}.{frac_part}")
    };
    let value = Decimal::from_str_exact(&canonical).map_err(|_| not_a_number())?;
    Ok(if negative { -value } else { value })
}

/// A separator is decimal when it is the only one of its kind and not followed by exactly three digits,
/// or when the other kind of separator appears before it (`1.250,00`).
fn is_decimal_separator(digits: &str, pos: usize) -> bool {
    let sep = digits.as_bytes()[pos];
    let after = &digits[pos + 1..];
    if after.is_empty() || !after.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let before = &digits[..pos];
    let other = if sep == b'.' { b',' } else { b'.' };
    if before.bytes().any(|b| b == other) {
        return true;
    }
    let same_count = digits.bytes().filter(|&b| b == sep).count();
    same_count == 1 && after.len() != 3
}

/// `1,250,000` or `1.250` or `150`: digits with optional thousands groups of exactly three.
fn is_grouped_integer(part: &str) -> bool {
    if part.is_empty() {
        return true; // `.50`
    }
    let groups: Vec<&str> = part.split([',', '.']).collect();
    if groups.len() == 1 {
        return groups[0].bytes().all(|b| b.is_ascii_digit());
    }
    let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
    first_ok
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// An exact amount in one currency: positive, at most 2 decimals, at most 16 integer digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, AmountError> {
        Ok(Money {
            amount: validate_amount(amount)?,
            currency,
        })
    }

    /// From a JSON number's text, exactly (`22.05` stays 22.05).
    pub fn from_json_number(text: &str, currency: Currency) -> Result<Self, AmountError> {
        Money::new(parse_json_number(text)?, currency)
    }

    /// From a human-written amount (`1,250.00`, `1.250,00`, `150`).
    pub fn parse(text: &str, currency: Currency) -> Result<Self, AmountError> {
        Money::new(parse_human_amount(text)?, currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as the gateway and our files write it: `1250.00`.
    pub fn amount_string(&self) -> String {
        self.amount.to_string()
    }
}

/// `1,250.00` with thousands grouped.
pub fn format_grouped(amount: Decimal) -> String {
    let mut fixed = amount.round_dp(2);
    fixed.rescale(2);
    let text = fixed.abs().to_string();
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3 + 4);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if fixed.is_sign_negative() && !fixed.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.currency.symbol(),
            format_grouped(self.amount)
        )
    }
}

/// Serde helpers to read a decimal exactly from a JSON number or string (never through f64).
pub mod exact_json {
    use rust_decimal::Decimal;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};
    use serde_json::value::RawValue;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        decimal_from_raw(&raw).map_err(D::Error::custom)
    }

    pub fn decimal_from_raw(raw: &RawValue) -> Result<Decimal, String> {
        let text = raw.get().trim();
        let inner = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(quoted) => quoted,
            None => text,
        };
        super::parse_json_number(inner).map_err(|e| e.to_string())
    }

    /// A JSON number that is a whole number, in any notation (`72`, `72.0`, `7.2e1`: JSON has one
    /// number type); `None` for a fraction, or beyond `i64`.
    pub fn whole_number(text: &str) -> Option<i64> {
        use rust_decimal::prelude::ToPrimitive;
        let value = super::parse_json_number(text.trim()).ok()?;
        value.fract().is_zero().then(|| value.to_i64()).flatten()
    }

    /// The same, for an optional field.
    pub mod option {
        use rust_decimal::Decimal;
        use serde::de::Error;
        use serde::{Deserialize, Deserializer};
        use serde_json::value::RawValue;

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            let raw: Option<Box<RawValue>> = Deserialize::deserialize(d)?;
            match raw {
                None => Ok(None),
                Some(r) if r.get().trim() == "null" => Ok(None),
                Some(r) => super::decimal_from_raw(&r)
                    .map(Some)
                    .map_err(D::Error::custom),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn human_amounts_in_every_written_form() {
        assert_eq!(parse_human_amount("1,250.00").unwrap(), d("1250.00"));
        assert_eq!(parse_human_amount("1.250,00").unwrap(), d("1250.00"));
        assert_eq!(parse_human_amount("150").unwrap(), d("150"));
        assert_eq!(parse_human_amount("22,5").unwrap(), d("22.5"));
        assert_eq!(parse_human_amount("1.250").unwrap(), d("1250"));
        assert_eq!(parse_human_amount("1,250,000.10").unwrap(), d("1250000.10"));
        assert!(parse_human_amount("1,25,0.00").is_err());
        assert!(parse_human_amount("12a").is_err());
        assert!(parse_human_amount("").is_err());
    }

    #[test]
    fn long_number_texts_are_refused_before_the_decimal_parser() {
        // rust_decimal recurses per character: in a debug build each of these overflowed the stack.
        let zeros = format!("{}1", "0".repeat(60_000));
        assert!(matches!(
            parse_json_number(&zeros),
            Err(AmountError::NotANumber(_))
        ));
        assert!(matches!(
            parse_human_amount(&zeros),
            Err(AmountError::NotANumber(_))
        ));
        assert!(exact_json::whole_number(&zeros).is_none());
        // Up to the limit, leading zeros are still just zeros.
        let longest = format!("{}1.50", "0".repeat(MAX_NUMBER_TEXT - 4));
        assert_eq!(longest.len(), MAX_NUMBER_TEXT);
        assert_eq!(parse_json_number(&longest).unwrap(), d("1.50"));
        assert_eq!(parse_human_amount(&longest).unwrap(), d("1.50"));
        assert!(parse_json_number(&format!("0{longest}")).is_err());
    }

    #[test]
    fn whole_numbers_in_any_notation() {
        use exact_json::whole_number;
        assert_eq!(whole_number("72"), Some(72));
        assert_eq!(whole_number("72.0"), Some(72));
        assert_eq!(whole_number("7.2e1"), Some(72));
        assert_eq!(whole_number("-3"), Some(-3));
        assert_eq!(whole_number("72.5"), None);
        assert_eq!(whole_number("1e300"), None);
        assert_eq!(whole_number("abc"), None);
    }

    #[test]
    fn json_numbers_are_exact() {
        let m = Money::from_json_number("22.05", Currency::Pen).unwrap();
        assert_eq!(m.amount(), d("22.05"));
        assert_eq!(m.amount().to_string(), "22.05");
        assert_eq!(
            Money::from_json_number("1.5e2", Currency::Usd)
                .unwrap()
                .amount_string(),
            "150.00"
        );
        assert_eq!(
            Money::from_json_number("22.050", Currency::Pen)
                .unwrap()
                .amount_string(),
            "22.05"
        );
    }

    #[test]
    fn gateway_limits() {
        assert_eq!(
            Money::parse("0", Currency::Pen),
            Err(AmountError::NotPositive)
        );
        assert_eq!(
            Money::parse("-5.00", Currency::Pen),
            Err(AmountError::NotPositive)
        );
        // one separator before exactly three digits groups thousands, as receipts print it
        assert_eq!(
            Money::parse("1.005", Currency::Pen)
                .unwrap()
                .amount_string(),
            "1005.00"
        );
        assert_eq!(
            Money::parse("10,5", Currency::Pen).unwrap().amount_string(),
            "10.50"
        );
        assert_eq!(
            Money::from_json_number("1.005", Currency::Pen),
            Err(AmountError::TooManyDecimals)
        );
        assert!(Money::from_json_number("9999999999999999.99", Currency::Pen).is_ok());
        assert_eq!(
            Money::from_json_number("10000000000000000", Currency::Pen),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn display_with_symbol_and_grouping() {
        assert_eq!(
            Money::parse("1250", Currency::Pen).unwrap().to_string(),
            "S/ 1,250.00"
        );
        assert_eq!(
            Money::parse("45", Currency::Usd).unwrap().to_string(),
            "US$ 45.00"
        );
        assert_eq!(
            Money::parse("999", Currency::Usd).unwrap().to_string(),
            "US$ 999.00"
        );
        assert_eq!(
            Money::parse("1234567.5", Currency::Pen)
                .unwrap()
                .to_string(),
            "S/ 1,234,567.50"
        );
    }

    #[test]
    fn serde_reads_json_numbers_without_floats() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(with = "exact_json")]
            amount: Decimal,
        }
        let b: Body = serde_json::from_str(r#"{"amount": 22.05}"#).unwrap();
        assert_eq!(b.amount, d("22.05"));
        let b: Body = serde_json::from_str(r#"{"amount": 0.1}"#).unwrap();
        assert_eq!(b.amount, d("0.1"));
        let b: Body = serde_json::from_str(r#"{"amount": "7.10"}"#).unwrap();
        assert_eq!(b.amount, d("7.10"));
        assert!(serde_json::from_str::<Body>(r#"{"amount": true}"#).is_err());
    }

    #[test]
    fn money_serialises_amount_as_string() {
        let m = Money::parse("22.05", Currency::Pen).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"22.05","currency":"PEN"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn display_parse_round_trip(cents in 1i64..=999_999_999_999_999_999, pen in any::<bool>()) {
                let currency = if pen { Currency::Pen } else { Currency::Usd };
                let m = Money::new(Decimal::new(cents, 2), currency).unwrap();
                let shown = m.to_string();
                let number = shown.trim_start_matches(currency.symbol()).trim();
                prop_assert_eq!(Money::parse(number, currency).unwrap(), m);
                prop_assert_eq!(Money::from_json_number(&m.amount_string(), currency).unwrap(), m);
            }

            #[test]
            fn european_and_us_grouping_agree(cents in 1i64..=99_999_999_999) {
                let m = Money::new(Decimal::new(cents, 2), Currency::Pen).unwrap();
                let us = format_grouped(m.amount());
                let eu: String = us.chars().map(|c| match c { ',' => '.', '.' => ',', o => o }).collect();
                prop_assert_eq!(parse_human_amount(&us).unwrap(), parse_human_amount(&eu).unwrap());
            }
        }
    }
}
