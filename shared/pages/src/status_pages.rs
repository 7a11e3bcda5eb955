//! The pages for an unknown or expired link and for our own failures: friendly, no details.

use crate::layout::document;
use crate::text::texts;
use crate::Lang;

/// For an unknown, malformed or no-longer-valid pay link. Says nothing about why.
pub fn render_not_found(lang: Lang) -> String {
    let t = texts(lang);
    let body = format!(
        "<section class=\"card\" id=\"not-found\">\n<h1>{}</h1>\n<p>{}</p>\n</section>\n",
        t.not_found_title, t.not_found_body
    );
    document(lang, t.not_found_title, &body, None)
}

/// For a failure on our side. Never carries the error: it belongs in the logs.
pub fn render_error(lang: Lang) -> String {
    let t = texts(lang);
    let body = format!(
        "<section class=\"card\" id=\"error\">\n<h1>{}</h1>\n<p>{}</p>\n\
         <p><a class=\"btn\" href=\"\">{}</a></p>\n</section>\n",
        t.error_title, t.error_body, t.error_retry
    );
    document(lang, t.error_title, &body, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_is_friendly_in_both_languages() {
        let es = render_not_found(Lang::Es);
        assert!(es.contains("<html lang=\"es\">"));
        assert!(es.contains("No encontramos esta página"));
        assert!(es.contains("pide a la tienda un nuevo enlace"));
        let en = render_not_found(Lang::En);
        assert!(en.contains("<html lang=\"en\">"));
        assert!(en.contains("We could not find this page"));
        for page in [&es, &en] {
            assert!(!page.contains("<script"));
            assert!(page.len() < 20 * 1024);
        }
    }

    #[test]
    fn error_page_offers_a_retry_and_no_details() {
        let es = render_error(Lang::Es);
        assert!(es.contains("Algo salió mal"));
        assert!(es.contains("Volver a intentar"));
        let en = render_error(Lang::En);
        assert!(en.contains("Something went wrong"));
        for page in [&es, &en] {
            assert!(!page.contains("<script"));
            assert!(!page.to_ascii_lowercase().contains("panic"));
            assert!(page.len() < 20 * 1024);
        }
    }
}
