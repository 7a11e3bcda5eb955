//! The page's HTML responses and the headers every one of them carries.

use cuadre_pages::content_security_policy;
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};

pub(crate) fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page shows a live status and a personal code: never cache it, never leak it onward.
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The headers every response of the buyer page carries (HSTS, no sniffing, no referrer, never in
/// a frame) and, on a page, its Content-Security-Policy ([`content_security_policy`]).
pub(crate) fn secured(mut response: Response<Body>, upload_origin: &str) -> Response<Body> {
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = match (is_page, response.body()) {
        (true, Body::Text(page)) => Some(content_security_policy(page, upload_origin)),
        _ => None,
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    if let Some(value) = csp.and_then(|c| header::HeaderValue::from_str(&c).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
