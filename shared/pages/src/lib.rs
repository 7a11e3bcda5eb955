//! The buyer-facing HTML pages, built as plain strings: the pay page (code, amount, expiry,
//! where to pay, voucher upload), the not-found page and the error page.
//!
//! Every value that comes from data goes through [`escape_html`]; the inline script only ever
//! receives our own static messages, through [`js_string`]. Pages are self-contained (inline CSS
//! and JS, no external assets) and stay well under 20 KB.

mod csp;
mod escape;
mod layout;
mod pay;
mod script;
mod status_pages;
mod text;

pub use csp::content_security_policy;
pub use escape::{escape_html, is_web_url, js_string};
pub use pay::{render_pay_page, PayPageView, PayStatus};
pub use status_pages::{render_error, render_not_found};

/// The largest voucher file we accept (10 MiB); the page checks it before uploading and the
/// presign endpoint must enforce it too.
pub const MAX_VOUCHER_BYTES: u64 = 10 * 1024 * 1024;

/// The voucher content types the page lets a buyer pick and announces to the presign endpoint.
pub const VOUCHER_CONTENT_TYPES: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

/// The language a page is rendered in. Spanish is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    /// The BCP 47 tag for the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// A language tag we have a translation for (`es`, `es-PE`, `en`, `en_US`, any case);
    /// `None` for anything else. Handy for a `?lang=` query value.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("es") {
            Some(Lang::Es)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best language of ours for an `Accept-Language` header, honouring `q` weights
    /// (the first listed wins a tie). Spanish when the header is missing, unreadable or names
    /// neither Spanish nor English.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Es;
        };
        let mut best: Option<(u16, Lang)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let mut quality = 1000;
            for param in parts {
                let param = param.trim();
                if let Some(value) = param
                    .strip_prefix("q=")
                    .or_else(|| param.strip_prefix("Q="))
                {
                    quality = parse_quality(value).unwrap_or(0);
                }
            }
            if quality > 0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::Es, |(_, lang)| lang)
    }
}

/// An HTTP quality value (`1`, `0.8`, `0.125`, `1.000`) in thousandths, without floats.
fn parse_quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    for (i, b) in frac.bytes().enumerate() {
        let digit = u16::from(b - b'0');
        thousandths += digit * [100, 10, 1][i];
    }
    (thousandths <= 1000).then_some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_by_default() {
        assert_eq!(Lang::from_accept_language(None), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("*")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("de-DE,fr;q=0.9")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some(";;;,,q=")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("en;q=0")), Lang::Es);
        assert_eq!(Lang::from_accept_language(Some("en;q=abc")), Lang::Es);
    }

    #[test]
    fn picks_the_best_weighted_language() {
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("es-PE,es;q=0.9,en;q=0.8")),
            Lang::Es
        );
        assert_eq!(
            Lang::from_accept_language(Some("fr-FR,fr;q=0.9,en;q=0.8,es;q=0.7")),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0.5, es-419;q=0.6")),
            Lang::Es
        );
        assert_eq!(Lang::from_accept_language(Some("EN-gb")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("en;q=1.0,es;q=1")),
            Lang::En,
            "a tie goes to the first listed"
        );
    }

    #[test]
    fn tags_and_qualities() {
        assert_eq!(Lang::from_tag("es_PE"), Some(Lang::Es));
        assert_eq!(Lang::from_tag(" en "), Some(Lang::En));
        assert_eq!(Lang::from_tag("english"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::Es.code(), "es");
        assert_eq!(Lang::En.code(), "en");
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("2"), None);
    }
}
