//! The values a receipt prints: the payment's facts (CIP, operation number, amount in cents,
//! currency, time) and the ways Peruvian receipts write amounts, dates and times.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;

use crate::lexicon;

/// The payment behind one receipt.
pub(crate) struct Facts {
    /// PagoEfectivo CIP: 7-9 digits, mostly 8.
    pub cip: String,
    /// The channel's operation number: 6-12 digits, sometimes with leading zeros.
    pub op: String,
    /// The amount paid, in cents (100 = 1.00).
    pub cents: i64,
    pub usd: bool,
    /// Peru time (UTC-05:00).
    pub paid: NaiveDateTime,
}

impl Facts {
    pub fn random(rng: &mut StdRng) -> Facts {
        let cip_len = match rng.random_range(0..100) {
            0..15 => 7,
            15..85 => 8,
            _ => 9,
        };
        let cip = digits(rng, cip_len, true);
        let op = loop {
            let len = rng.random_range(6..=12);
            let op = if rng.random_bool(0.25) {
                let zeros = rng.random_range(1..=3);
                format!("{}{}", "0".repeat(zeros), digits(rng, len - zeros, true))
            } else {
                digits(rng, len, true)
            };
            if op != cip && !op.contains(&cip) && !cip.contains(&op) {
                break op;
            }
        };
        let soles = match rng.random_range(0..100) {
            0..35 => rng.random_range(1..200),
            35..60 => rng.random_range(200..1000),
            60..90 => rng.random_range(1000..5000),
            _ => rng.random_range(5000..15000),
        };
        let cents = match rng.random_range(0..100) {
            0..40 => 0,
            40..55 => *[50, 90].choose(rng).unwrap_or(&50),
            _ => rng.random_range(1..100),
        };
        let day = NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap_or_default()
            .checked_add_days(chrono::Days::new(rng.random_range(0..1095)))
            .unwrap_or_default();
        let paid = day
            .and_hms_opt(
                rng.random_range(7..23),
                rng.random_range(0..60),
                rng.random_range(0..60),
            )
            .unwrap_or_default();
        Facts {
            cip,
            op,
            cents: i64::from(soles) * 100 + i64::from(cents),
            usd: rng.random_bool(0.25),
            paid,
        }
    }

    /// A random number of `len` digits equal to neither the CIP nor the operation number.
    pub fn other_digits(&self, rng: &mut StdRng, len: usize, nonzero_first: bool) -> String {
        loop {
            let d = digits(rng, len, nonzero_first);
            if d != self.cip && d != self.op && !d.contains(&self.cip) && !d.contains(&self.op) {
                return d;
            }
        }
    }
}

/// `len` random digits; the first not 0 when `nonzero_first`.
pub(crate) fn digits(rng: &mut StdRng, len: usize, nonzero_first: bool) -> String {
    (0..len)
        .map(|i| {
            let low = if i == 0 && nonzero_first { 1 } else { 0 };
            char::from(b'0' + rng.random_range(low..10u8))
        })
        .collect()
}

/// "1250.00": the truth's form of an amount.
pub(crate) fn plain_amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// How a receipt groups thousands and marks decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Thousands {
    /// 1,250.00
    Comma,
    /// 1.250,00
    DotComma,
    /// 1 250.00
    Space,
    /// 1'250.00
    Apostrophe,
    /// 1250.00
    Plain,
}

/// The amount style one receipt uses for every amount it prints.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AmountStyle {
    pub thousands: Thousands,
    /// Whole amounts printed without cents ("150").
    pub drop_zero_cents: bool,
}

impl AmountStyle {
    pub fn random(rng: &mut StdRng) -> AmountStyle {
        let thousands = match rng.random_range(0..100) {
            0..45 => Thousands::Comma,
            45..57 => Thousands::DotComma,
            57..69 => Thousands::Space,
            69..81 => Thousands::Apostrophe,
            _ => Thousands::Plain,
        };
        AmountStyle {
            thousands,
            drop_zero_cents: rng.random_bool(0.12),
        }
    }

    /// `cents` written in this style: "1,250.00", "1.250,00", "150".
    pub fn format(&self, cents: i64) -> String {
        let whole = (cents / 100).to_string();
        let (group, decimal) = match self.thousands {
            Thousands::Comma => (",", "."),
            Thousands::DotComma => (".", ","),
            Thousands::Space => (" ", "."),
            Thousands::Apostrophe => ("'", "."),
            Thousands::Plain => ("", "."),
        };
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        if cents % 100 == 0 && self.drop_zero_cents {
            grouped
        } else {
            format!("{grouped}{decimal}{:02}", cents % 100)
        }
    }
}

/// The ways receipts write a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateFmt {
    /// 25/11/2026
    DmySlash,
    /// 25/11/26
    DmySlashShort,
    /// 25-11-2026
    DmyDash,
    /// 25.11.2026
    DmyDot,
    /// 2026/11/25
    YmdSlash,
    /// 2026-11-25
    Iso,
    /// 25 nov. 2026 (or "25 nov 2026", "25NOV2026" on tickets)
    EsShort,
    /// 25 de noviembre de 2026
    EsLong,
    /// lunes, 2 de noviembre de 2026
    EsWeekday,
    /// Mar 20, 2026
    EnMdy,
    /// 20 Mar 2026
    EnDmy,
    /// 20 March 2026
    EnLong,
    /// March 20, 2026
    EnMonthLong,
}

/// The ways receipts write a time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeFmt {
    /// 14:32
    H24,
    /// 14:32:10
    H24Secs,
    /// 02:32 p. m. / 2:32 p.m.
    Es12,
    /// 2:32 PM / 02:32 pm
    En12,
}

impl TimeFmt {
    pub fn has_seconds(self) -> bool {
        self == TimeFmt::H24Secs
    }
}

/// `d` written as `fmt`; `upper` for tickets printed in capitals, `setiembre` for Peru's spelling.
pub(crate) fn date_text(rng: &mut StdRng, d: NaiveDate, fmt: DateFmt, upper: bool) -> String {
    let (day, month, year) = (d.day(), d.month(), d.year());
    let m0 = usize::try_from(month - 1).unwrap_or(0);
    let es_month = if m0 == 8 && rng.random_bool(0.6) {
        "setiembre"
    } else {
        lexicon::MONTHS_ES[m0]
    };
    let es_short = if m0 == 8 && rng.random_bool(0.5) {
        "set"
    } else {
        &lexicon::MONTHS_ES[m0][..3]
    };
    let en_month = lexicon::MONTHS_EN[m0];
    let text = match fmt {
        DateFmt::DmySlash => format!("{day:02}/{month:02}/{year}"),
        DateFmt::DmySlashShort => format!("{day:02}/{month:02}/{:02}", year % 100),
        DateFmt::DmyDash => format!("{day:02}-{month:02}-{year}"),
        DateFmt::DmyDot => format!("{day:02}.{month:02}.{year}"),
        DateFmt::YmdSlash => format!("{year}/{month:02}/{day:02}"),
        DateFmt::Iso => format!("{year}-{month:02}-{day:02}"),
        DateFmt::EsShort => match rng.random_range(0..4) {
            0 => format!("{day:02} {es_short}. {year}"),
            1 => format!("{day} {es_short} {year}"),
            2 => format!("{day:02}-{}-{year}", es_short.to_uppercase()),
            _ => format!("{day} {es_short}. {year}"),
        },
        DateFmt::EsLong => format!("{day} de {es_month} de {year}"),
        DateFmt::EsWeekday => {
            let wd = lexicon::WEEKDAYS_ES
                [usize::try_from(d.weekday().num_days_from_monday()).unwrap_or(0)];
            format!("{wd}, {day} de {es_month} de {year}")
        }
        DateFmt::EnMdy => format!("{} {day}, {year}", &en_month[..3]),
        DateFmt::EnDmy => format!("{day} {} {year}", &en_month[..3]),
        DateFmt::EnLong => format!("{day} {en_month} {year}"),
        DateFmt::EnMonthLong => format!("{en_month} {day}, {year}"),
    };
    if upper {
        text.to_uppercase()
    } else {
        text
    }
}

/// The time of `t` written as `fmt`.
pub(crate) fn time_text(rng: &mut StdRng, t: NaiveDateTime, fmt: TimeFmt, upper: bool) -> String {
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let pm = h >= 12;
    let hh = if rng.random_bool(0.5) {
        format!("{h12:02}")
    } else {
        h12.to_string()
    };
    let text = match fmt {
        TimeFmt::H24 => format!("{h:02}:{m:02}"),
        TimeFmt::H24Secs => format!("{h:02}:{m:02}:{s:02}"),
        TimeFmt::Es12 => {
            let suffix = match (pm, rng.random_range(0..3)) {
                (true, 0) => "p. m.",
                (true, 1) => "p.m.",
                (true, _) => "pm",
                (false, 0) => "a. m.",
                (false, 1) => "a.m.",
                (false, _) => "am",
            };
            format!("{hh}:{m:02} {suffix}")
        }
        TimeFmt::En12 => {
            let suffix = match (pm, rng.random_bool(0.75)) {
                (true, true) => "PM",
                (true, false) => "pm",
                (false, true) => "AM",
                (false, false) => "am",
            };
            format!("{hh}:{m:02} {suffix}")
        }
    };
    if upper {
        text.to_uppercase()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn amounts_are_grouped_in_every_style() {
        let style = |thousands, drop_zero_cents| AmountStyle {
            thousands,
            drop_zero_cents,
        };
        assert_eq!(style(Thousands::Comma, false).format(125_000), "1,250.00");
        assert_eq!(
            style(Thousands::DotComma, false).format(125_050),
            "1.250,50"
        );
        assert_eq!(
            style(Thousands::Space, false).format(1_250_000),
            "12 500.00"
        );
        assert_eq!(
            style(Thousands::Apostrophe, false).format(125_000),
            "1'250.00"
        );
        assert_eq!(style(Thousands::Plain, false).format(125_000), "1250.00");
        assert_eq!(style(Thousands::Comma, true).format(15_000), "150");
        assert_eq!(style(Thousands::Comma, true).format(15_010), "150.10");
        assert_eq!(style(Thousands::Comma, false).format(100), "1.00");
        assert_eq!(plain_amount(125_005), "1250.05");
    }

    #[test]
    fn the_long_spanish_date_names_the_right_weekday() {
        let mut rng = StdRng::seed_from_u64(1);
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(
            date_text(&mut rng, d, DateFmt::EsWeekday, false),
            "lunes, 2 de noviembre de 2026"
        );
        let d = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        assert_eq!(
            date_text(&mut rng, d, DateFmt::EnMdy, false),
            "Mar 20, 2026"
        );
    }

    #[test]
    fn facts_keep_cip_and_operation_apart() {
        for seed in 0..500 {
            let f = Facts::random(&mut StdRng::seed_from_u64(seed));
            assert!((7..=9).contains(&f.cip.len()));
            assert!((6..=12).contains(&f.op.len()));
            assert_ne!(f.cip, f.op);
            assert!((100..1_500_000).contains(&f.cents));
        }
    }
}
