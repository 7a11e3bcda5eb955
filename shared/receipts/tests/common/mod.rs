//! Helpers shared by the integration tests: a corpus of receipts and tiny text matchers (the
//! crate has no regex dependency).

#![allow(dead_code)]

use cuadre_receipts::{generate, Field, Receipt, TextLine};

/// Seeds every corpus-wide assertion covers.
pub const SEEDS: std::ops::Range<u64> = 0..2000;

pub fn corpus() -> Vec<Receipt> {
    SEEDS.map(generate).collect()
}

/// Whether `s` contains `pat`, where `#` in `pat` stands for any ASCII digit and every other
/// character for itself.
pub fn has(s: &str, pat: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    if p.len() > s.len() {
        return false;
    }
    (0..=s.len() - p.len()).any(|i| {
        p.iter().enumerate().all(|(j, pc)| match pc {
            '#' => s[i + j].is_ascii_digit(),
            c => s[i + j] == *c,
        })
    })
}

/// Whether `s` contains `pat` not preceded or followed by another digit.
pub fn has_number(s: &str, pat: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    if p.len() > s.len() {
        return false;
    }
    (0..=s.len() - p.len()).any(|i| {
        let before = i == 0 || !s[i - 1].is_ascii_digit();
        let after = i + p.len() == s.len() || !s[i + p.len()].is_ascii_digit();
        before
            && after
            && p.iter().enumerate().all(|(j, pc)| match pc {
                '#' => s[i + j].is_ascii_digit(),
                c => s[i + j] == *c,
            })
    })
}

/// Lines of `r` that print `field`.
pub fn lines_with(r: &Receipt, field: Field) -> impl Iterator<Item = &TextLine> {
    r.lines.iter().filter(move |l| l.fields.contains(&field))
}

/// Any line of any receipt in `rs` whose text (clean or noisy) satisfies `pred`.
pub fn any_line(rs: &[Receipt], pred: impl Fn(&TextLine) -> bool) -> bool {
    rs.iter().any(|r| r.lines.iter().any(&pred))
}

/// `text` with OCR look-alike letters read back as digits (O→0, l/I→1, S→5, B→8).
pub fn undo_slips(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'O' => '0',
            'l' | 'I' => '1',
            'S' => '5',
            'B' => '8',
            c => c,
        })
        .collect()
}

/// The cents of the figure in an amount line, read independently of the generator: the longest
/// run of digits and separators; a final `.` or `,` followed by two digits is the decimal mark,
/// other separators group thousands.
pub fn figure_cents(text: &str) -> Option<i64> {
    let mut best = String::new();
    let mut cur = String::new();
    for c in text.chars().chain(std::iter::once('x')) {
        if c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | ' ') {
            cur.push(c);
        } else {
            let run = cur.trim_matches(|c: char| !c.is_ascii_digit()).to_string();
            if run.chars().filter(char::is_ascii_digit).count()
                > best.chars().filter(char::is_ascii_digit).count()
            {
                best = run;
            }
            cur.clear();
        }
    }
    if best.is_empty() {
        return None;
    }
    let chars: Vec<char> = best.chars().collect();
    let n = chars.len();
    let (whole, cents) = if n >= 3 && matches!(chars[n - 3], '.' | ',') {
        (&best[..n - 3], best[n - 2..].parse::<i64>().ok()?)
    } else {
        (best.as_str(), 0)
    };
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    Some(digits.parse::<i64>().ok()? * 100 + cents)
}
