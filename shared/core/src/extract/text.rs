//! Text normalisation for matching: upper case without accents, then OCR's usual slips inside numbers.

/// Upper case, accents dropped, odd spaces made plain: exactly one output char per input char, so a
/// position found in the folded text is the same char position in the original.
pub(crate) fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    let mut upper = c.to_uppercase();
    let first = upper.next().unwrap_or(c);
    let up = if upper.next().is_some() { c } else { first };
    match up {
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ñ' => 'N',
        'Ç' => 'C',
        'º' => '°',
        c if c.is_whitespace() => ' ',
        other => other,
    }
}

/// Letters OCR reads in place of digits (on folded, upper-case text).
fn digit_for(c: char) -> Option<char> {
    match c {
        'O' | 'Q' => Some('0'),
        'I' | 'L' | '|' => Some('1'),
        'S' => Some('5'),
        'B' => Some('8'),
        _ => None,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '|'
}

/// A word that is a number with some digits read as letters (`L50`, `2O26`): at least one real digit
/// and every letter one OCR confuses with a digit.
pub(crate) fn is_number_like(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || digit_for(c).is_some())
}

/// Prepares folded text for reading numbers: `5/` read for `S/` becomes `S/` again, and letters inside
/// number-like words become digits (`L50.0O` → `150.00`). Words without a digit are left alone.
pub(crate) fn clean_numbers(folded: &str) -> String {
    let mut chars: Vec<char> = folded.chars().collect();
    fix_currency_five(&mut chars);
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if is_number_like(&word) || is_clock_part(&chars, start, i) {
            for c in &mut chars[start..i] {
                if let Some(d) = digit_for(*c) {
                    *c = d;
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// An hour or minutes read as letters only (`B:46`, `09:LI`, `LB:33`): one or two digit-like
/// letters glued to a colon whose other side is a number.
fn is_clock_part(chars: &[char], start: usize, end: usize) -> bool {
    let digit_like = |c: char| c.is_ascii_digit() || digit_for(c).is_some();
    if end - start > 2 || !chars[start..end].iter().all(|c| digit_like(*c)) {
        return false;
    }
    let after = chars.get(end) == Some(&':')
        && chars[end + 1..]
            .iter()
            .find(|c| **c != ':')
            .is_some_and(|c| digit_like(*c));
    let before = start > 0
        && chars[start - 1] == ':'
        && chars[..start - 1]
            .iter()
            .rev()
            .find(|c| **c != ':')
            .is_some_and(char::is_ascii_digit);
    after || before
}

/// `5/ 150.00`, `5/.150`, `5/:` are a currency sign, `5/11/2026` is a date.
fn fix_currency_five(chars: &mut [char]) {
    for i in 0..chars.len() {
        if chars[i] != '5' {
            continue;
        }
        if i > 0 && (is_word_char(chars[i - 1]) || matches!(chars[i - 1], '/' | '.' | ',')) {
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        if j >= chars.len() || chars[j] != '/' {
            continue;
        }
        j += 1;
        let mut k = j;
        while k < chars.len() && matches!(chars[k], ' ' | '.' | ':') {
            k += 1;
        }
        let number_start = k;
        while k < chars.len() && (is_word_char(chars[k]) || matches!(chars[k], '.' | ',')) {
            k += 1;
        }
        let next_word: String = chars[number_start..k].iter().collect();
        let continues_as_date = k < chars.len() && matches!(chars[k], '/' | '-');
        let leading_run: String = next_word.chars().take_while(|c| is_word_char(*c)).collect();
        let currency = next_word.is_empty() || (is_number_like(&leading_run) && !continues_as_date);
        if currency {
            chars[i] = 'S';
        }
    }
}

/// Whether the text has anything to read besides punctuation and currency signs.
pub(crate) fn has_content(cleaned: &str) -> bool {
    let without_currency = super::amounts::blank_currency_marks(cleaned);
    without_currency.chars().any(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_one_char_per_char() {
        let raw = "Código de operación Nº ¡Pagó!";
        let folded = fold(raw);
        assert_eq!(folded, "CODIGO DE OPERACION N° ¡PAGO!");
        assert_eq!(folded.chars().count(), raw.chars().count());
    }

    #[test]
    fn digits_read_as_letters_are_fixed_only_inside_numbers() {
        assert_eq!(clean_numbers("IMPORTE: S/ L5O.0O"), "IMPORTE: S/ 150.00");
        assert_eq!(clean_numbers("CIP: 8513I37B"), "CIP: 85131378");
        assert_eq!(clean_numbers("2O/1I/2O26"), "20/11/2026");
        assert_eq!(clean_numbers("SOLES BOB OSO"), "SOLES BOB OSO");
        assert_eq!(clean_numbers("25 NOV 2026"), "25 NOV 2026");
        assert_eq!(clean_numbers("2025-08-09 B:46 AM"), "2025-08-09 8:46 AM");
        assert_eq!(clean_numbers("10 DE JULIO 09:LI"), "10 DE JULIO 09:11");
        assert_eq!(clean_numbers("LB:33 S:45"), "18:33 5:45");
        assert_eq!(clean_numbers("OBS: BOLSA"), "OBS: BOLSA");
        assert_eq!(clean_numbers("SI: NO"), "SI: NO");
    }

    #[test]
    fn five_slash_is_a_sol_sign_unless_a_date() {
        assert_eq!(clean_numbers("5/ 150.00"), "S/ 150.00");
        assert_eq!(clean_numbers("IMPORTE:5/150.00"), "IMPORTE:S/150.00");
        assert_eq!(clean_numbers("TOTAL 5/."), "TOTAL S/.");
        assert_eq!(clean_numbers("TOTAL 5/:"), "TOTAL S/:");
        assert_eq!(clean_numbers("5/11/2026"), "5/11/2026");
        assert_eq!(clean_numbers("25/11/2026"), "25/11/2026");
        assert_eq!(clean_numbers("5/ I5O"), "S/ 150");
    }
}
