//! Dates and times as Peruvian receipts print them, in cleaned, folded text (see [`super::text`]).

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::{Captures, Regex};

/// Spanish and English month names, full or abbreviated (longest first where one starts another).
const MONTHS: &str =
    "ENERO|ENE|JANUARY|JAN|FEBRERO|FEBRUARY|FEB|MARZO|MARCH|MAR|ABRIL|APRIL|ABR|APR|MAYO|MAY|\
     JUNIO|JUNE|JUN|JULIO|JULY|JUL|AGOSTO|AUGUST|AGO|AUG|SETIEMBRE|SEPTIEMBRE|SEPTEMBER|SEPT|SET|SEP|\
     OCTUBRE|OCTOBER|OCT|NOVIEMBRE|NOVEMBER|NOV|DICIEMBRE|DECEMBER|DIC|DEC";

/// `25/11/2026`, `25-11-26`, `25.11.2026`.
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2}) ?[/.\-] ?(\d{1,2}) ?[/.\-] ?(\d{4}|\d{2})\b").expect("static regex")
});

/// `2026-11-25`, `2026/11/25`.
static YEAR_MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{4}) ?[/.\-] ?(\d{1,2}) ?[/.\-] ?(\d{1,2})\b").expect("static regex")
});

/// `25 nov. 2026`, `25 de noviembre de 2026`, `25-NOV-26`, `25NOV2026`.
static DAY_MONTH_NAME_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(\d{{1,2}})(?: ?DE)?[ .\-/]*({MONTHS})\.?(?: ?DEL?)?[ .\-/,]*(\d{{4}}|\d{{2}})\b"
    ))
    .expect("static regex")
});

/// `Mar 20, 2026`, `March 20th 2026`, `NOV. 2 2026`: English order, month first.
static MONTH_NAME_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b({MONTHS})\.?[ \-/]*(\d{{1,2}})(?:ST|ND|RD|TH)?,?[ .\-/,]*(\d{{4}})\b"
    ))
    .expect("static regex")
});

/// `14:32`, `14:32:10`, `02:32 P. M.`, `2:32PM`, and a colon OCR doubled (`09::54`).
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2}) ?::? ?(\d{2})(?: ?::? ?(\d{2}))?(?: *([AP]) ?\.? ?M\b\.?)?")
        .expect("static regex")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateFound {
    pub date: NaiveDate,
    /// Read as month/day because the day/month reading was impossible.
    pub swapped: bool,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeFound {
    pub time: NaiveTime,
    pub start: usize,
    pub end: usize,
}

fn number(caps: &Captures<'_>, i: usize) -> Option<u32> {
    caps.get(i)?.as_str().parse().ok()
}

/// `26` is 2026; only this century is a plausible payment date.
fn full_year(caps: &Captures<'_>, i: usize) -> Option<i32> {
    let text = caps.get(i)?.as_str();
    let year: i32 = text.parse().ok()?;
    let year = if text.len() == 2 { 2000 + year } else { year };
    (2000..=2099).contains(&year).then_some(year)
}

fn month_number(name: &str) -> Option<u32> {
    let n = match name.get(..3)? {
        "ENE" | "JAN" => 1,
        "FEB" => 2,
        "MAR" => 3,
        "ABR" | "APR" => 4,
        "MAY" => 5,
        "JUN" => 6,
        "JUL" => 7,
        "AGO" | "AUG" => 8,
        "SET" | "SEP" => 9,
        "OCT" => 10,
        "NOV" => 11,
        "DIC" | "DEC" => 12,
        _ => return None,
    };
    Some(n)
}

/// A year followed by `:` was an hour (`25 NOV 14:32` has no year).
fn year_is_an_hour(text: &str, end: usize) -> bool {
    text[end..].trim_start().starts_with(':')
}

/// `25/11/2026` as day/month, or as month/day (swapped) when day/month is no date.
fn read_day_month_year(text: &str, caps: &Captures<'_>) -> Option<(NaiveDate, bool)> {
    if year_is_an_hour(text, caps.get(0)?.end()) {
        return None;
    }
    let (a, b, year) = (number(caps, 1)?, number(caps, 2)?, full_year(caps, 3)?);
    match NaiveDate::from_ymd_opt(year, b, a) {
        Some(d) => Some((d, false)),
        None => NaiveDate::from_ymd_opt(year, a, b).map(|d| (d, true)),
    }
}

fn read_year_month_day(_text: &str, caps: &Captures<'_>) -> Option<(NaiveDate, bool)> {
    let (year, month, day) = (full_year(caps, 1)?, number(caps, 2)?, number(caps, 3)?);
    NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, false))
}

fn read_day_month_name_year(text: &str, caps: &Captures<'_>) -> Option<(NaiveDate, bool)> {
    if year_is_an_hour(text, caps.get(0)?.end()) {
        return None;
    }
    let day = number(caps, 1)?;
    let month = caps.get(2).and_then(|m| month_number(m.as_str()))?;
    let year = full_year(caps, 3)?;
    NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, false))
}

fn read_month_name_day_year(text: &str, caps: &Captures<'_>) -> Option<(NaiveDate, bool)> {
    if year_is_an_hour(text, caps.get(0)?.end()) {
        return None;
    }
    let month = caps.get(1).and_then(|m| month_number(m.as_str()))?;
    let day = number(caps, 2)?;
    let year = full_year(caps, 3)?;
    NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, false))
}

/// How a pattern's match reads as a date, and whether it was read swapped.
type DateReading = fn(&str, &Captures<'_>) -> Option<(NaiveDate, bool)>;

/// Dates in reading order.
pub(crate) fn find_dates(text: &str) -> Vec<DateFound> {
    let readings: [(&Regex, DateReading); 4] = [
        (&DAY_MONTH_YEAR, read_day_month_year),
        (&YEAR_MONTH_DAY, read_year_month_day),
        (&DAY_MONTH_NAME_YEAR, read_day_month_name_year),
        (&MONTH_NAME_DAY_YEAR, read_month_name_day_year),
    ];
    let mut found: Vec<DateFound> = Vec::new();
    for (pattern, read) in readings {
        for caps in pattern.captures_iter(text) {
            let whole = caps.get(0).expect("group 0");
            if let Some((date, swapped)) = read(text, &caps) {
                found.push(DateFound {
                    date,
                    swapped,
                    start: whole.start(),
                    end: whole.end(),
                });
            }
        }
    }
    found.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
    let mut kept: Vec<DateFound> = Vec::with_capacity(found.len());
    for d in found {
        if kept.last().is_none_or(|k| d.start >= k.end) {
            kept.push(d);
        }
    }
    kept
}

/// Times in reading order; a 12-hour clock is read with its `a. m.`/`p. m.`.
pub(crate) fn find_times(text: &str) -> Vec<TimeFound> {
    let mut found = Vec::new();
    for caps in TIME.captures_iter(text) {
        let whole = caps.get(0).expect("group 0");
        // `1.250:00`-like noise or a ratio is no time
        if text[..whole.start()].ends_with(['.', ',']) {
            continue;
        }
        let (Some(mut hour), Some(minute)) = (number(&caps, 1), number(&caps, 2)) else {
            continue;
        };
        let second = number(&caps, 3).unwrap_or(0);
        if let Some(half) = caps.get(4) {
            if !(1..=12).contains(&hour) {
                continue;
            }
            hour %= 12;
            if half.as_str() == "P" {
                hour += 12;
            }
        }
        if let Some(time) = NaiveTime::from_hms_opt(hour, minute, second) {
            found.push(TimeFound {
                time,
                start: whole.start(),
                end: whole.end(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::{clean_numbers, fold};

    fn date(text: &str) -> Option<String> {
        find_dates(&clean_numbers(&fold(text)))
            .first()
            .map(|d| d.date.to_string())
    }

    fn time(text: &str) -> Option<String> {
        find_times(&clean_numbers(&fold(text)))
            .first()
            .map(|t| t.time.to_string())
    }

    #[test]
    fn every_date_form() {
        let want = Some("2026-11-25".to_string());
        for text in [
            "25/11/2026",
            "25/11/26",
            "25-11-2026",
            "25.11.2026",
            "25 nov. 2026",
            "25 nov 2026",
            "25 noviembre 2026",
            "25 de noviembre de 2026",
            "25-NOV-2026",
            "25NOV2026",
            "2026-11-25",
            "Fecha: 25/11/2026 14:32",
            "2S/1l/2O26",
            "Nov 25, 2026",
            "November 25th, 2026",
            "25 November 2026",
            "NOV. 25 2026",
            "miércoles, 25 de noviembre de 2026 a las 3:42 p. m.",
            "2026/11/25",
        ] {
            assert_eq!(date(text), want, "{text}");
        }
    }

    #[test]
    fn every_spanish_month() {
        let months = [
            ("ene", 1),
            ("enero", 1),
            ("feb", 2),
            ("febrero", 2),
            ("mar", 3),
            ("marzo", 3),
            ("abr", 4),
            ("abril", 4),
            ("may", 5),
            ("mayo", 5),
            ("jun", 6),
            ("junio", 6),
            ("jul", 7),
            ("julio", 7),
            ("ago", 8),
            ("agosto", 8),
            ("set", 9),
            ("sep", 9),
            ("setiembre", 9),
            ("septiembre", 9),
            ("oct", 10),
            ("octubre", 10),
            ("nov", 11),
            ("noviembre", 11),
            ("dic", 12),
            ("diciembre", 12),
        ];
        for (name, month) in months {
            let text = format!("03 {name}. 2026");
            assert_eq!(date(&text), Some(format!("2026-{month:02}-03")), "{text}");
            let text = format!("03 {} 2026", name.to_uppercase());
            assert_eq!(date(&text), Some(format!("2026-{month:02}-03")), "{text}");
        }
    }

    #[test]
    fn english_months() {
        for (name, month) in [
            ("Jan", 1),
            ("February", 2),
            ("Mar", 3),
            ("April", 4),
            ("May", 5),
            ("June", 6),
            ("Jul", 7),
            ("August", 8),
            ("Sep", 9),
            ("October", 10),
            ("Nov", 11),
            ("Dec", 12),
        ] {
            let text = format!("{name} 3, 2026 3:42 PM");
            assert_eq!(date(&text), Some(format!("2026-{month:02}-03")), "{text}");
        }
        assert_eq!(time("Mar 20, 2026 3:42 PM").as_deref(), Some("15:42:00"));
    }

    #[test]
    fn day_month_impossible_is_read_month_day() {
        let found = find_dates("11/25/2026");
        assert_eq!(found[0].date.to_string(), "2026-11-25");
        assert!(found[0].swapped);
    }

    #[test]
    fn a_time_is_not_a_year() {
        assert_eq!(date("25 nov 14:32"), None);
    }

    #[test]
    fn every_time_form() {
        assert_eq!(time("14:32").as_deref(), Some("14:32:00"));
        assert_eq!(time("14:32:10").as_deref(), Some("14:32:10"));
        assert_eq!(time("02:32 p. m.").as_deref(), Some("14:32:00"));
        assert_eq!(time("02:32 PM").as_deref(), Some("14:32:00"));
        assert_eq!(time("2:32pm").as_deref(), Some("14:32:00"));
        assert_eq!(time("12:05 a. m.").as_deref(), Some("00:05:00"));
        assert_eq!(time("12:05 p.m.").as_deref(), Some("12:05:00"));
        assert_eq!(time("09:59 a. m.").as_deref(), Some("09:59:00"));
        assert_eq!(time("1O:3O").as_deref(), Some("10:30:00"));
        assert_eq!(time("25:10"), None);
    }
}
