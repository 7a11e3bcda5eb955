//! Field parsers for hot loops: a fast path for the common form, and the domain's own parser for the
//! rest (so both accept exactly the same texts and the domain's error message is the one reported).

use chrono::{DateTime, Utc};
use cuadre_core::ids::{Cip, IdError, OperationNumber, OrderId};
use cuadre_core::money::{AmountError, Currency, Money, MAX_NUMBER_TEXT};
use cuadre_core::time::TimeError;
use rust_decimal::Decimal;

/// RFC 3339 as `cuadre_core::time::parse` reads it, without its allocation for the usual
/// `2026-11-20T09:59:40-05:00` / `...Z` / `....123Z` forms.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, TimeError> {
    match fast_time(text.as_bytes()) {
        Some(t) => Ok(t),
        None => cuadre_core::time::parse(text),
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn fast_time(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        let n = end - start;
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(&b[start..end])? * 10u32.pow(9 - n as u32);
        i = end;
    }
    let offset_secs: i64 = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = digits(&[*oh1, *oh2])?;
            let om = digits(&[*om1, *om2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    if h > 23 || mi > 59 || s > 59 {
        return None; // leap seconds and errors: the slow path decides
    }
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    if y == 0 || y == 9999 {
        return None; // the offset may take it out of Lima's four-digit years: the slow path decides
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let local = days * 86_400 + i64::from(h * 3600 + mi * 60 + s);
    DateTime::from_timestamp(local - offset_secs, nanos)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        // leap: divisible by 4 and not by 100, or by 400 (written so it builds on the 1.85 MSRV)
        2 if matches!((y % 4, y % 100, y % 400), (0, 1.., _) | (_, _, 0)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm): integer arithmetic
/// only, several times cheaper than building a chrono date for every field.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A CIP: the trimmed digits, borrowed.
pub fn cip(text: &str) -> Result<&str, IdError> {
    if (1..=14).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(text);
    }
    Cip::parse(text).map(|_| text.trim())
}

pub fn operation_number(text: &str) -> Result<&str, IdError> {
    if (1..=14).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Ok(text);
    }
    OperationNumber::parse(text).map(|_| text.trim())
}

pub fn order_id(text: &str) -> Result<&str, IdError> {
    if (1..=36).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Ok(text);
    }
    OrderId::parse(text).map(|_| text)
}

/// A plain decimal written exactly (`150.00`, `22.5`); never through a float. At most
/// [`MAX_NUMBER_TEXT`] bytes: rust_decimal's parser recurses per character.
pub fn decimal(text: &str) -> Result<Decimal, AmountError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    if t.len() > MAX_NUMBER_TEXT {
        return Err(AmountError::NotANumber(t.to_string()));
    }
    Decimal::from_str_exact(t).map_err(|_| AmountError::NotANumber(t.to_string()))
}

pub fn money(text: &str, currency: Currency) -> Result<Money, AmountError> {
    Money::new(decimal(text)?, currency)
}

pub fn currency(text: &str) -> Result<Currency, String> {
    match text {
        "PEN" => Ok(Currency::Pen),
        "USD" => Ok(Currency::Usd),
        other => other.parse::<Currency>().map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fast_and_slow_time_agree_on_the_usual_forms() {
        for t in [
            "2026-11-20T09:59:40-05:00",
            "2026-11-20T14:59:40Z",
            "2026-11-20 09:59:40-05:00",
            "2026-11-20T14:59:40.5Z",
            "2026-11-20T14:59:40.123456789+00:00",
            "2024-02-29T00:00:00+05:30",
            "2000-02-29T00:00:00Z",
        ] {
            assert_eq!(
                fast_time(t.as_bytes()),
                Some(cuadre_core::time::parse(t).unwrap()),
                "{t}"
            );
        }
        for t in [
            "2026-02-30T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-11-20T24:00:00Z",
            "2026-11-20",
            "x",
            "2026-11-20T09:59:40",
        ] {
            assert_eq!(fast_time(t.as_bytes()), None, "{t}");
            assert_eq!(
                parse_time(t).is_ok(),
                cuadre_core::time::parse(t).is_ok(),
                "{t}"
            );
        }
    }

    #[test]
    fn fast_time_leaves_the_edge_years_to_the_domain_parser() {
        // Four-digit years that an offset takes out of Lima's 0000-9999 (see the fuzz target lima_time).
        for t in [
            "0000-01-01T04:59:59Z",
            "0000-01-01T00:00:00+05:00",
            "9999-12-31T23:00:00-23:00",
        ] {
            assert_eq!(fast_time(t.as_bytes()), None, "{t}");
            assert!(parse_time(t).is_err(), "{t}");
        }
        let t = "0000-01-01T05:00:00Z";
        assert_eq!(parse_time(t).unwrap(), cuadre_core::time::parse(t).unwrap());
    }

    #[test]
    fn long_decimals_are_refused_before_the_decimal_parser() {
        // Found by fuzzing (fuzz/ money): a `0` and 60,000 `_` separators overflowed the stack in
        // rust_decimal's parser (one call per character); a settlement file could carry it.
        let underscores = format!("0{}", "_".repeat(60_000));
        assert!(matches!(
            decimal(&underscores),
            Err(AmountError::NotANumber(_))
        ));
        let zeros = format!("{}1", "0".repeat(60_000));
        assert!(decimal(&zeros).is_err());
        assert!(money(&zeros, Currency::Pen).is_err());
        let longest = format!("{}1.50", "0".repeat(MAX_NUMBER_TEXT - 4));
        assert_eq!(decimal(&longest).unwrap(), Decimal::new(150, 2));
    }

    #[test]
    fn civil_days_match_chrono() {
        use chrono::NaiveDate;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1900, 3, 1),
            (2026, 12, 31),
            (1, 1, 1),
            (9999, 12, 31),
        ] {
            let chrono_days = (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days();
            assert_eq!(
                days_from_civil(i64::from(y), m, d),
                chrono_days,
                "{y}-{m}-{d}"
            );
        }
    }

    #[test]
    fn ids_follow_the_domain_rules() {
        assert_eq!(cip(" 123 ").unwrap(), "123");
        assert!(cip("12a").is_err());
        assert!(cip("123456789012345").is_err());
        assert!(order_id("A#1").is_err());
        assert!(order_id("Pedido ñ 1").is_ok());
        assert!(order_id(" A").is_err());
        assert_eq!(operation_number("00123").unwrap(), "00123");
    }

    proptest! {
        #[test]
        fn fast_time_equals_the_domain_parser(secs in 0i64..4_000_000_000, nanos in 0u32..1_000_000_000,
                                              off in -23i32 * 60..=23 * 60, frac in proptest::sample::select(vec![0usize, 3, 6, 9])) {
            let t = DateTime::from_timestamp(secs, nanos - nanos % 10u32.pow(9 - frac as u32)).unwrap();
            let offset = chrono::FixedOffset::east_opt(off * 60).unwrap();
            let fmt = match frac { 0 => "%Y-%m-%dT%H:%M:%S%:z".to_string(), n => format!("%Y-%m-%dT%H:%M:%S%.{n}f%:z") };
            let text = t.with_timezone(&offset).format(&fmt).to_string();
            prop_assert_eq!(parse_time(&text).unwrap(), cuadre_core::time::parse(&text).unwrap());
            prop_assert_eq!(parse_time(&text).unwrap(), t);
        }
    }
}
