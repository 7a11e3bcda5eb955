//! The Content-Security-Policy of a page of ours: no script or style but the page's own inline
//! blocks (allowed by their SHA-256, so an injected one never runs), requests only to the page's
//! own origin and the upload host, no plugins, no base or form targets elsewhere, never framed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy for `page` (a document of [`crate::layout`]), whose script may send files to
/// `upload_origin` (the presigned links' scheme and host, e.g. `https://*.amazonaws.com`).
pub fn content_security_policy(page: &str, upload_origin: &str) -> String {
    let script = sources(inline_blocks(page, "<script>", "</script>"));
    let style = sources(inline_blocks(page, "<style>", "</style>"));
    format!(
        "default-src 'none'; script-src {script}; style-src {style}; img-src 'self' data:; \
         connect-src 'self' {upload_origin}; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The contents of every `open`…`close` block, in order.
fn inline_blocks<'a>(page: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find(open) {
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

fn sources(blocks: Vec<&str>) -> String {
    if blocks.is_empty() {
        return "'none'".to_string();
    }
    blocks
        .iter()
        .map(|b| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(b.as_bytes()))))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{render_not_found, Lang};

    #[test]
    fn allows_exactly_the_pages_own_blocks() {
        let page = "<style>p{}</style><p>x</p><script>go()</script>";
        let csp = content_security_policy(page, "https://*.amazonaws.com");
        let hash = |s: &str| STANDARD.encode(Sha256::digest(s.as_bytes()));
        assert!(
            csp.contains(&format!("script-src 'sha256-{}';", hash("go()"))),
            "{csp}"
        );
        assert!(
            csp.contains(&format!("style-src 'sha256-{}';", hash("p{}"))),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'self' https://*.amazonaws.com;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.starts_with("default-src 'none';"));
        assert!(!csp.contains("unsafe"));
        // A page with no script runs none.
        let csp = content_security_policy(&render_not_found(Lang::Es), "https://s3");
        assert!(csp.contains("script-src 'none';"), "{csp}");
    }
}
