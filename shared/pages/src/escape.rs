//! Escaping for the two contexts our pages interpolate into: HTML text/attributes and JS string literals.

/// Escapes text for HTML element content and for double- or single-quoted attribute values.
///
/// Not enough on its own for URL attributes (`href`): a `javascript:` URL survives escaping, so
/// callers check the scheme first (see [`is_web_url`]).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL is a parse error in HTML; drop it rather than pass it through.
            '\0' => {}
            other => out.push(other),
        }
    }
    out
}

/// A double-quoted JavaScript string literal (also valid JSON) that is safe inside an inline
/// `<script>`: `<`, `>`, `&`, quotes, control characters and U+2028/U+2029 become `\uXXXX`, so
/// neither `</script>` nor `<!--` can appear in the output.
pub fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// True for an absolute `http://` or `https://` URL: the only links we put in an `href` from data.
pub fn is_web_url(url: &str) -> bool {
    let t = url.trim_start();
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape_html("O'Brien & Hijos"), "O&#39;Brien &amp; Hijos");
        assert_eq!(
            escape_html(r#"" onmouseover="alert(1)"#),
            "&quot; onmouseover=&quot;alert(1)"
        );
        assert_eq!(
            escape_html("' autofocus onfocus='x"),
            "&#39; autofocus onfocus=&#39;x"
        );
    }

    #[test]
    fn leaves_plain_and_non_ascii_text_alone() {
        assert_eq!(
            escape_html("Bodega Ñaña — año 2026"),
            "Bodega Ñaña — año 2026"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("a\0b"), "ab");
    }

    #[test]
    fn escaping_is_not_idempotent_on_purpose() {
        // An already-escaped entity is text like any other: escaping twice shows it literally.
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
    }

    #[test]
    fn js_string_cannot_close_the_script() {
        let s = js_string("</script><script>alert('x')</script><!--");
        assert!(!s.contains('<'));
        assert!(!s.contains('>'));
        assert!(!s.contains('\''));
        assert_eq!(
            js_string("a\"b\\c\nd\u{2028}"),
            "\"a\\\"b\\\\c\\nd\\u2028\""
        );
        assert_eq!(js_string("Tú & yo"), "\"Tú \\u0026 yo\"");
        assert_eq!(js_string("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn only_web_urls_are_links() {
        assert!(is_web_url("https://pagoefectivo.pe/x/abc.html"));
        assert!(is_web_url("HTTP://example.com"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url(" JavaScript:alert(1)"));
        assert!(!is_web_url("data:text/html,<script>"));
        assert!(!is_web_url("//evil.example"));
        assert!(!is_web_url("/relative"));
        assert!(!is_web_url("ñ"));
    }
}
