//! The document shell every page shares: head, inline CSS, optional inline script.

use crate::escape::escape_html;
use crate::Lang;

/// Mobile first: one column, large tap targets (≥ 44 px), text contrast ≥ 7:1 on white
/// (#1b1b1b, #44494f, #0b57a4), visible focus ring.
const CSS: &str = "\
*{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;color:#1b1b1b;background:#eef0f3}\
main{max-width:34rem;margin:0 auto;padding:1rem}\
h1{font-size:1.4rem;line-height:1.25;margin:0 0 .25rem;overflow-wrap:anywhere}\
h2{font-size:1.1rem;margin:0 0 .5rem}\
h3{font-size:1rem;margin:.75rem 0 .125rem}\
p{margin:.25rem 0 .5rem}\
a{color:#0b57a4}\
.card{background:#fff;border:1px solid #c9ced4;border-radius:.75rem;padding:1rem;margin:0 0 1rem}\
.top{margin:0 0 1rem}\
.muted{color:#44494f}\
.row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem}\
.cip{font:700 2.1rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.06em;overflow-wrap:anywhere;user-select:all;-webkit-user-select:all}\
.small{font-size:1.25rem}\
.amount{font-size:1.75rem;font-weight:700;margin:0}\
button,.btn{display:inline-block;min-height:44px;padding:.55rem 1rem;font:inherit;font-weight:600;border-radius:.5rem;border:2px solid #0b57a4;background:#0b57a4;color:#fff;cursor:pointer;text-decoration:none;text-align:center}\
.btn2{background:#fff;color:#0b57a4}\
button:disabled{background:#5f6670;border-color:#5f6670;cursor:wait}\
:focus-visible{outline:3px solid #b45309;outline-offset:2px}\
input[type=file]{display:block;width:100%;margin:.25rem 0;padding:.5rem;border:1px dashed #5f6670;border-radius:.5rem;background:#f8f9fa;font:inherit}\
label{font-weight:600}\
progress{display:block;width:100%;height:1.1rem;margin:.5rem 0;accent-color:#0b57a4}\
.banner{padding:.75rem 1rem;border-radius:.5rem;font-weight:600;margin:0 0 1rem}\
.ok{background:#e6f4ea;color:#0b5a2b;border:1px solid #7fbf95}\
.bad{background:#fdeced;color:#8a1116;border:1px solid #eea3a7}\
#upload-status.ok,#upload-status.err{padding:.5rem .75rem;border-radius:.5rem;margin:.5rem 0 0}\
#upload-status.err{background:#fdeced;color:#8a1116;border:1px solid #eea3a7}\
#upload-status.ok{background:#e6f4ea;color:#0b5a2b;border:1px solid #7fbf95}\
.note{background:#fff7e0;border-left:4px solid #b45309;padding:.5rem .75rem;margin:.75rem 0 0}\
#countdown{font-variant-numeric:tabular-nums;font-weight:700}\
[hidden]{display:none!important}\
@media (prefers-reduced-motion:reduce){*{transition:none!important}}";

/// A complete HTML document. `title` and `body` are already escaped; `script` is ours.
pub(crate) fn document(lang: Lang, title: &str, body: &str, script: Option<&str>) -> String {
    let mut out = String::with_capacity(body.len() + CSS.len() + 1024);
    out.push_str("<!doctype html>\n<html lang=\"");
    out.push_str(lang.code());
    out.push_str(
        "\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex,nofollow\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"format-detection\" content=\"telephone=no\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n<title>",
    );
    out.push_str(title);
    out.push_str("</title>\n<style>");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    out.push_str(body);
    out.push_str("</main>\n");
    if let Some(script) = script {
        out.push_str("<script>");
        out.push_str(script);
        out.push_str("</script>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// `<p class="...">text</p>`, with `text` escaped here.
pub(crate) fn para(class: &str, text: &str) -> String {
    format!("<p class=\"{class}\">{}</p>\n", escape_html(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_has_lang_viewport_and_no_external_assets() {
        let page = document(Lang::En, "T", "<p>x</p>", Some("var a=1;"));
        assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"));
        assert!(page.contains("name=\"viewport\""));
        assert!(page.contains("<script>var a=1;</script>"));
        for external in ["<link", "src=", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
    }
}
