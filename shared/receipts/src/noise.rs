//! OCR noise: the slips a real OCR engine makes on phone photos of receipts, and deliberate
//! damage that makes one key field unreadable.
//!
//! Noise never turns a digit into another digit: a slip reads a digit as a look-alike letter
//! (`0`→`O`, `1`→`l`/`I`, `5`→`S`, `8`→`B`), which a careful reader can undo. Damage is the
//! opposite: most of a value's digits become `?`, `#`, smudges or nothing, so no reader can
//! recover it, and the receipt's truth says `None` for that field.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;

use crate::lexicon::strip_accents;
use crate::sheet::{Draft, Kind};
use crate::Field;

/// What OCR returns for one line.
pub(crate) struct Noisy {
    pub text: String,
    pub confidence: f64,
    pub damaged: bool,
}

/// Garbles every printing of one key field present on the page (CIP, operation or amount).
pub(crate) fn damage(drafts: &mut [Draft], rng: &mut StdRng) {
    let present: Vec<Field> = [Field::Cip, Field::Operation, Field::Amount]
        .into_iter()
        .filter(|f| {
            drafts
                .iter()
                .flat_map(|d| &d.segs)
                .any(|s| s.field == Some(*f))
        })
        .collect();
    let Some(field) = present.choose(rng).copied() else {
        return;
    };
    for seg in drafts.iter_mut().flat_map(|d| d.segs.iter_mut()) {
        if seg.field == Some(field) {
            seg.damaged = Some(garble(&seg.text, rng));
        }
    }
}

/// `value` smudged beyond recovery: at most two of its digits survive (and never more than a
/// third of them), the rest become `?`, `#`, smudges, spaces or nothing.
pub(crate) fn garble(value: &str, rng: &mut StdRng) -> String {
    let digit_positions: Vec<usize> = value
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    let keep_max = (digit_positions.len() / 3).min(2);
    let keep_n = rng.random_range(0..=keep_max);
    let keep: Vec<usize> = digit_positions
        .choose_multiple(rng, keep_n)
        .copied()
        .collect();
    let mut out = String::new();
    for (i, c) in value.char_indices() {
        if c.is_ascii_digit() {
            if keep.contains(&i) {
                out.push(c);
            } else {
                let smudge = *["?", "?", "?", "#", "*", "~", " ", "", "?"]
                    .choose(rng)
                    .unwrap_or(&"?");
                out.push_str(smudge);
            }
        } else if rng.random_bool(0.5) {
            out.push(c);
        } else {
            out.push('?');
        }
    }
    if out.trim().chars().filter(|c| *c != '?').count() == 0 && out.trim().len() < 2 {
        out = "??".to_string();
    }
    out
}

/// The noisy text and confidence of every line at noise `level` (0, 1 or 2).
pub(crate) fn apply(drafts: &[Draft], level: u8, rng: &mut StdRng) -> Vec<Noisy> {
    let (p_accents, p_digit, p_sign, p_gap, p_stray, conf) = match level {
        0 => (0.0, 0.0, 0.0, 0.0, 0.0, (95.0, 99.9)),
        1 => (0.25, 0.12, 0.15, 0.12, 0.0, (85.0, 98.0)),
        _ => (0.5, 0.3, 0.35, 0.3, 0.12, (70.0, 95.0)),
    };
    drafts
        .iter()
        .map(|d| {
            let drop_accents = rng.random_bool(p_accents);
            let mut text = String::new();
            let mut damaged = false;
            for (i, seg) in d.segs.iter().enumerate() {
                if let Some(g) = &seg.damaged {
                    text.push_str(g);
                    damaged = true;
                    continue;
                }
                let piece = match seg.kind {
                    Kind::Gap => {
                        let after = i.checked_sub(1).map(|j| &d.segs[j]);
                        let droppable = after.is_some_and(|p| {
                            p.kind == Kind::Sign || p.text.trim_end().ends_with(':')
                        });
                        if droppable && rng.random_bool(p_gap) {
                            String::new()
                        } else {
                            seg.text.clone()
                        }
                    }
                    Kind::Sign => {
                        if seg.text.starts_with("S/") && rng.random_bool(p_sign) {
                            let misread = *["5/", "$/"].choose(rng).unwrap_or(&"5/");
                            seg.text.replacen("S/", misread, 1)
                        } else {
                            seg.text.clone()
                        }
                    }
                    Kind::Num => {
                        let digits = seg.text.chars().filter(char::is_ascii_digit).count();
                        if digits >= 3 && rng.random_bool(p_digit) {
                            let slips = if level >= 2 && rng.random_bool(0.3) {
                                2
                            } else {
                                1
                            };
                            slip_digits(&seg.text, slips, rng)
                        } else {
                            seg.text.clone()
                        }
                    }
                    Kind::Text => seg.text.clone(),
                };
                if drop_accents {
                    text.push_str(&strip_accents(&piece));
                } else {
                    text.push_str(&piece);
                }
            }
            if !damaged && rng.random_bool(p_stray) {
                text = match rng.random_range(0..3) {
                    0 => format!("| {text}"),
                    1 => format!("{text} |"),
                    _ if text.contains(':') => text.replacen(':', "::", 1),
                    _ => format!("{text} :"),
                };
            }
            let confidence = if damaged {
                rng.random_range(15.0..45.0)
            } else {
                rng.random_range(conf.0..conf.1)
            };
            Noisy {
                text,
                confidence,
                damaged,
            }
        })
        .collect()
}

/// `text` with up to `slips` of its digits read as look-alike letters.
fn slip_digits(text: &str, slips: usize, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let candidates: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, '0' | '1' | '5' | '8'))
        .map(|(i, _)| i)
        .collect();
    for &i in candidates.choose_multiple(rng, slips) {
        chars[i] = match chars[i] {
            '0' => 'O',
            '1' => *['l', 'I'].choose(rng).unwrap_or(&'l'),
            '5' => 'S',
            _ => 'B',
        };
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slips_read_digits_as_letters_never_as_other_digits() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let s = slip_digits("10582015", 2, &mut rng);
            assert_eq!(s.len(), 8);
            for (a, b) in "10582015".chars().zip(s.chars()) {
                assert!(a == b || !b.is_ascii_digit(), "{s}");
            }
            let changed = "10582015"
                .chars()
                .zip(s.chars())
                .filter(|(a, b)| a != b)
                .count();
            assert!((1..=2).contains(&changed), "{s}");
        }
    }

    #[test]
    fn garbled_values_keep_at_most_two_digits() {
        let mut rng = StdRng::seed_from_u64(4);
        for _ in 0..200 {
            let g = garble("48213977", &mut rng);
            assert!(g.chars().filter(char::is_ascii_digit).count() <= 2, "{g}");
            assert!(!g.trim().is_empty());
        }
    }
}
