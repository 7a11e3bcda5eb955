//! Amounts and currency signs in cleaned, folded text (see [`super::text`]).

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use crate::money::{parse_human_amount, validate_amount, Currency};

/// `S/`, `S/.`, `PEN`, `Soles` → PEN; `US$`, `$`, `USD`, `Dólares` → USD (on folded text). `$/` is
/// OCR's misreading of `S/` (as `5/` is, undone in [`super::text::clean_numbers`]).
static CURRENCY_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"US\s?\$|U\$S|\bUSD|\b(?:US\s+)?DOLLARS?\b|\bDOLARES\b|\bDOLAR\b|\bPEN|\bSOLES\b|\bS\s?/\.?|\$\s?/\.?|\$",
    )
    .expect("static regex")
});

/// `150`, `1,250.00`, `1.250,00`, and groups of three split by a space or an apostrophe
/// (`1 250.00`, `1'250.00`): a space-grouped figure needs its cents, or it could be two numbers.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,3}(?:['’]\d{3})+(?:[.,]\d{1,2})?|\d{1,3}(?: \d{3})+[.,]\d{2}|\d+(?:[.,]\d+)*")
        .expect("static regex")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CurrencyMark {
    pub currency: Currency,
    pub start: usize,
    pub end: usize,
}

pub(crate) fn currency_marks(text: &str) -> Vec<CurrencyMark> {
    CURRENCY_MARK
        .find_iter(text)
        // `PEN`/`USD` may lose the space before the figure (`PEN1 150.90`), not be part of a word.
        .filter(|m| {
            !(m.as_str().ends_with(['N', 'D'])
                && text[m.end()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic))
        })
        .map(|m| CurrencyMark {
            currency: if m.as_str().contains('/') {
                Currency::Pen
            } else if m.as_str().contains('$') || m.as_str().starts_with(['U', 'D']) {
                Currency::Usd
            } else {
                Currency::Pen
            },
            start: m.start(),
            end: m.end(),
        })
        .collect()
}

/// The text with its currency signs replaced by spaces (same length).
pub(crate) fn blank_currency_marks(text: &str) -> String {
    let ranges: Vec<(usize, usize)> = currency_marks(text)
        .iter()
        .map(|m| (m.start, m.end))
        .collect();
    blank(text, &ranges)
}

/// Replaces the byte ranges (on char boundaries) with spaces, keeping every other byte where it was.
pub(crate) fn blank(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if ranges.iter().any(|&(s, e)| i >= s && i < e) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// An amount written on the voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmountFound {
    /// Positive, scale 2.
    pub value: Decimal,
    /// The sign written right before or after it.
    pub currency: Option<Currency>,
    /// Written with cents (`150.00`), not a bare integer that could be anything.
    pub has_cents: bool,
    pub start: usize,
    pub end: usize,
}

/// Amounts in cleaned text, in order. Dates and times must already be blanked out.
pub(crate) fn find_amounts(text: &str) -> Vec<AmountFound> {
    let marks = currency_marks(text);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for m in NUMBER.find_iter(text) {
        if marks.iter().any(|c| m.start() < c.end && c.start < m.end()) {
            continue;
        }
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        // Glued to letters it is a code (unless they are a currency sign), with a percent sign a rate.
        let after_a_sign = marks.iter().any(|c| c.end == m.start());
        if (before.is_some_and(|c| c.is_alphanumeric()) && !after_a_sign)
            || after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '%' | '*' | '/'))
        {
            continue;
        }
        let digits: String = m.as_str().replace(['\'', '’'], "");
        let Ok(value) = parse_human_amount(&digits).and_then(validate_amount) else {
            continue;
        };
        let has_cents = {
            let digits = digits.replace(' ', "");
            digits
                .rfind(['.', ','])
                .is_some_and(|p| digits.len() - p - 1 == 2)
        };
        let currency = marks
            .iter()
            .rfind(|c| c.end <= m.start())
            .filter(|c| {
                text[c.end..m.start()]
                    .chars()
                    .all(|ch| matches!(ch, ' ' | ':' | '.' | '(' | ')' | '=' | '-'))
            })
            .or_else(|| {
                marks
                    .iter()
                    .find(|c| c.start >= m.end())
                    .filter(|c| bytes[m.end()..c.start].iter().all(|b| *b == b' '))
            })
            .map(|c| c.currency);
        found.push(AmountFound {
            value,
            currency,
            has_cents,
            start: m.start(),
            end: m.end(),
        });
    }
    found
}

/// The amount a region states: the first one with a currency sign, else the first one.
pub(crate) fn amount_in(text: &str) -> Option<AmountFound> {
    let all = find_amounts(text);
    all.iter()
        .find(|a| a.currency.is_some())
        .or_else(|| all.first())
        .copied()
}

/// When a cell holds nothing but a figure (`S/ 799.00`, `1,250.00`, `1,805`): the amount printed
/// large at the top. A bare integer is an amount only with a sign, its own or one beside it, which
/// the caller decides.
pub(crate) fn lone_figure(text: &str) -> Option<AmountFound> {
    let all = find_amounts(text);
    let [only] = all.as_slice() else {
        return None;
    };
    let rest = blank_currency_marks(&blank(text, &[(only.start, only.end)]));
    if rest.chars().any(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(*only)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::clean_numbers;

    fn amount(text: &str) -> Option<(String, Option<Currency>)> {
        amount_in(&clean_numbers(text)).map(|a| (a.value.to_string(), a.currency))
    }

    #[test]
    fn every_written_form() {
        let pen = Some(Currency::Pen);
        let usd = Some(Currency::Usd);
        assert_eq!(amount("S/ 150.00"), Some(("150.00".into(), pen)));
        assert_eq!(amount("S/. 1,250.00"), Some(("1250.00".into(), pen)));
        assert_eq!(amount("S/1.250,00"), Some(("1250.00".into(), pen)));
        assert_eq!(amount("PEN 150"), Some(("150.00".into(), pen)));
        assert_eq!(amount("150.00 SOLES"), Some(("150.00".into(), pen)));
        assert_eq!(amount("US$ 45.50"), Some(("45.50".into(), usd)));
        assert_eq!(amount("US$45.50"), Some(("45.50".into(), usd)));
        assert_eq!(amount("$ 45.50"), Some(("45.50".into(), usd)));
        assert_eq!(amount("USD 1,000.00"), Some(("1000.00".into(), usd)));
        assert_eq!(amount("45.50 DOLARES"), Some(("45.50".into(), usd)));
        assert_eq!(amount(": 5/ 150.00"), Some(("150.00".into(), pen)));
        assert_eq!(amount("S/ L5O.OO"), Some(("150.00".into(), pen)));
        assert_eq!(amount("282.50"), Some(("282.50".into(), None)));
        assert_eq!(amount("S/ 1 250.00"), Some(("1250.00".into(), pen)));
        assert_eq!(amount("S/ 1'250.00"), Some(("1250.00".into(), pen)));
        assert_eq!(amount("S/ 12'500"), Some(("12500.00".into(), pen)));
        assert_eq!(amount("$/ 45.50"), Some(("45.50".into(), pen)));
        assert_eq!(amount("45.50 US DOLLARS"), Some(("45.50".into(), usd)));
        assert_eq!(amount("PEN1 150.90"), Some(("1150.90".into(), pen)));
        assert_eq!(amount("USD45.50"), Some(("45.50".into(), usd)));
        assert_eq!(amount("PENDIENTE 45.50"), Some(("45.50".into(), None)));
        // Space-grouped only with cents: two numbers stay two.
        assert_eq!(amount("CIP 123 456"), Some(("123.00".into(), None)));
        assert_eq!(amount("S/ 0.00"), None);
        assert_eq!(amount("AG123"), None);
    }

    #[test]
    fn lone_figures() {
        assert!(lone_figure("S/ 799.00").is_some());
        assert!(lone_figure("-S/ 50.00").is_some());
        assert!(lone_figure("799.00").is_some());
        assert_eq!(
            lone_figure("1,805").map(|a| (a.value.to_string(), a.has_cents)),
            Some(("1805.00".into(), false))
        );
        assert!(lone_figure("TOTAL 799.00").is_none());
        assert!(lone_figure("799 800").is_none());
    }
}
