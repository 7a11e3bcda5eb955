//! Lima time: UTC−5 all year (Peru keeps no daylight saving).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date-time like 2026-11-25T14:32:00-05:00")]
pub struct TimeError(pub String);

/// Lima's fixed offset.
pub fn lima() -> FixedOffset {
    FixedOffset::west_opt(5 * 3600).expect("UTC-5 is within the ±24 h chrono accepts")
}

/// Parses an RFC 3339 date-time with any offset, also with a space instead of `T` (as some gateway
/// integrations send it). A time without offset is read as Lima time.
///
/// Only a time whose Lima date has a four-digit year (0000–9999) is accepted: [`format_lima`]
/// could not write any other so that it reads back (`-90222-04-30T23:05:00-05:00` is no RFC 3339),
/// and a stored time must read back.
pub fn parse(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let t = text.trim();
    let normal: String = if t.len() > 10 && t.as_bytes()[10] == b' ' {
        format!("{}T{}", &t[..10], &t[11..])
    } else {
        t.to_string()
    };
    let refused = || TimeError(t.to_string());
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normal) {
        return writable(dt.with_timezone(&Utc)).ok_or_else(refused);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&normal, fmt) {
            if let Some(local) = naive.and_local_timezone(lima()).single() {
                return writable(local.with_timezone(&Utc)).ok_or_else(refused);
            }
        }
    }
    Err(refused())
}

/// The instant, when [`format_lima`] writes it with a four-digit year.
fn writable(instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (0..=9999)
        .contains(&instant.with_timezone(&lima()).year())
        .then_some(instant)
}

/// `2026-11-25T14:32:00-05:00`: the form the gateway requires.
pub fn format_lima(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&lima())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The Lima business day an instant belongs to.
pub fn lima_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&lima()).date_naive()
}

/// Serde as a Lima date-time string, reading any accepted form.
pub mod serde_lima {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_lima(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&super::super::format_lima(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let text: Option<String> = Option::deserialize(d)?;
            text.map(|t| super::super::parse(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn parses_t_and_space_forms() {
        let a = parse("2020-12-31T23:59:59-05:00").unwrap();
        let b = parse("2020-12-31 23:59:59-05:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, Utc.with_ymd_and_hms(2021, 1, 1, 4, 59, 59).unwrap());
        assert_eq!(parse("2021-01-01T04:59:59Z").unwrap(), a);
        assert_eq!(
            parse("2020-12-31T23:59:59").unwrap(),
            a,
            "no offset means Lima"
        );
        assert!(parse("31/12/2020").is_err());
    }

    #[test]
    fn only_times_lima_writes_back_are_read() {
        // Found by fuzzing (fuzz/ lima_time): read, but written as `-90222-04-30T23:05:00-05:00`,
        // which nothing reads back.
        assert!(parse("-90222-04-30T23:5").is_err());
        assert!(parse("+10000-01-01T00:00:00").is_err());
        assert!(parse("12345-01-01T00:00:00").is_err());
        // Four digits in the text, but not in Lima.
        assert!(parse("0000-01-01T04:59:59Z").is_err());
        assert!(parse("9999-12-31T23:00:00-23:00").is_err());
        for edge in ["0000-01-01T00:00:00-05:00", "9999-12-31T23:59:59-05:00"] {
            let t = parse(edge).unwrap();
            assert_eq!(format_lima(t), edge);
            assert_eq!(parse(&format_lima(t)).unwrap(), t);
        }
    }

    #[test]
    fn formats_in_lima() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 19, 32, 0).unwrap();
        assert_eq!(format_lima(t), "2026-11-25T14:32:00-05:00");
        let late = Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap();
        assert_eq!(lima_date(late).to_string(), "2026-11-25");
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(secs in 0i64..4_000_000_000) {
            let t = Utc.timestamp_opt(secs, 0).single().unwrap();
            let text = format_lima(t);
            prop_assert!(text.ends_with("-05:00"));
            prop_assert_eq!(parse(&text).unwrap(), t);
            prop_assert_eq!(parse(&text.replacen('T', " ", 1)).unwrap(), t);
        }
    }
}
