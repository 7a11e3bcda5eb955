//! Routes of the buyer page.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use cuadre_core::access::hash_pay_token;
use cuadre_core::store::{
    ObjectLinks, OrderStore, PayLinkStore, StoreError, TenantStore, UploadTerms,
};
use cuadre_core::{Order, OrderStatus};
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use cuadre_pages::{
    render_error, render_not_found, render_pay_page, Lang, PayPageView, PayStatus,
    MAX_VOUCHER_BYTES, VOUCHER_CONTENT_TYPES,
};
use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

/// What the page needs from storage.
pub trait Store: TenantStore + OrderStore + PayLinkStore {}
impl<T: TenantStore + OrderStore + PayLinkStore> Store for T {}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Uploads one pay link may ask for (a buyer retrying a blurry photo, not a flood).
    pub max_uploads_per_code: u32,
    /// How long an upload link stays valid (S3 enforces it; at most 15 minutes).
    pub upload_link_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_uploads_per_code: 5,
            upload_link_secs: 600,
        }
    }
}

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub links: Arc<dyn ObjectLinks>,
    pub settings: Settings,
    pub clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
}

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let path = req.uri().path().to_string();
    let lang = language(&req);
    let Some(at) = path.find("/pay/") else {
        return html(StatusCode::NOT_FOUND, render_not_found(lang));
    };
    let rest = &path[at + "/pay/".len()..];
    let (token, action) = match rest.split_once('/') {
        Some((token, action)) => (token, action.trim_end_matches('/')),
        None => (rest, ""),
    };
    match (req.method().clone(), action) {
        (Method::GET, "") => page(app, token, lang).await,
        (Method::POST, "uploads") => match upload(app, token, req.body().as_ref()).await {
            Ok(response) => response,
            Err(problem) => problem.into_response(),
        },
        _ => html(StatusCode::NOT_FOUND, render_not_found(lang)),
    }
}

fn language(req: &Request) -> Lang {
    let query_lang = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")))
        .and_then(Lang::from_tag);
    query_lang.unwrap_or_else(|| {
        Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

fn html(status: StatusCode, body: String) -> Response<Body> {
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
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "x-content-type-options",
        header::HeaderValue::from_static("nosniff"),
    );
    response
}

/// A token that cannot be ours is not worth a lookup.
fn plausible_token(token: &str) -> bool {
    token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn find_order(app: &App, token: &str) -> Result<Option<(Order, String)>, StoreError> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let Some(link) = app.store.find_pay_link(&hash_pay_token(token)).await? else {
        return Ok(None);
    };
    let Some(order) = app.store.get_order(&link.tenant_id, &link.order_id).await? else {
        return Ok(None);
    };
    // A link issued for an older code of the order (before a re-issue) no longer opens it.
    if order.pay_token.as_deref() != Some(token) {
        return Ok(None);
    }
    let merchant = app
        .store
        .get_tenant(&link.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(Some((order, merchant)))
}

fn pay_status(order: &Order, now: DateTime<Utc>) -> PayStatus {
    match order.status {
        OrderStatus::Paid | OrderStatus::Settled => PayStatus::Paid,
        OrderStatus::Cancelled | OrderStatus::Refunded => PayStatus::Cancelled,
        OrderStatus::Expired => PayStatus::Expired,
        OrderStatus::Pending if order.expires_at <= now => PayStatus::Expired,
        OrderStatus::Pending => PayStatus::Pending,
    }
}

async fn page(app: &App, token: &str, lang: Lang) -> Response<Body> {
    let now = (app.clock)();
    match find_order(app, token).await {
        Ok(Some((order, merchant_name))) => {
            let Some(cip) = order.cip.as_ref() else {
                return html(StatusCode::NOT_FOUND, render_not_found(lang));
            };
            let status = pay_status(&order, now);
            let uploads_open = !matches!(status, PayStatus::Cancelled);
            let view = PayPageView {
                merchant_name,
                order_id: order.order_id.to_string(),
                cip: cip.to_string(),
                amount: order.amount,
                expires_at: order.expires_at,
                now,
                status,
                cip_url: order.cip_url.clone(),
                // Relative to the page, so it also works behind a named API stage (`/prod/pay/…`).
                upload_url: uploads_open.then(|| format!("{token}/uploads")),
                vouchers_received: 0,
                concept: order.concept.clone(),
            };
            html(StatusCode::OK, render_pay_page(&view, lang))
        }
        Ok(None) => html(StatusCode::NOT_FOUND, render_not_found(lang)),
        Err(e) => {
            tracing::error!(error = %e, "pay page lookup failed");
            html(StatusCode::SERVICE_UNAVAILABLE, render_error(lang))
        }
    }
}

#[derive(Debug, Deserialize)]
struct UploadRequest {
    content_type: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    content_length: Option<u64>,
    checksum_sha256: Option<String>,
}

/// A whole number of bytes, in any JSON notation (`245760`, `245760.0`, `2.4576e5`).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    cuadre_core::money::exact_json::whole_number(&n.to_string())
        .and_then(|whole| u64::try_from(whole).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid value: {n}, expected a whole number of bytes"
            ))
        })
}

async fn upload(app: &App, token: &str, body: &[u8]) -> Result<Response<Body>, Problem> {
    let request: UploadRequest = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("the body must be a JSON object: {e}")))?;
    let mut errors = Vec::new();
    let content_type = request.content_type.unwrap_or_default();
    if !VOUCHER_CONTENT_TYPES.contains(&content_type.as_str()) {
        errors.push(FieldError::new(
            "content_type",
            "must be image/jpeg, image/png or application/pdf",
        ));
    }
    let length = request.content_length.unwrap_or(0);
    if length == 0 || length > MAX_VOUCHER_BYTES {
        errors.push(FieldError::new(
            "content_length",
            "the file must be between 1 byte and 10 MiB",
        ));
    }
    let checksum = request.checksum_sha256.unwrap_or_default();
    if STANDARD.decode(&checksum).map(|d| d.len()) != Ok(32) {
        errors.push(FieldError::new(
            "checksum_sha256",
            "must be the file's SHA-256, base64",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let unknown = || Problem::not_found("this payment link does not exist or is no longer valid");
    let (order, _) = find_order(app, token)
        .await
        .map_err(unavailable)?
        .ok_or_else(unknown)?;
    if matches!(order.status, OrderStatus::Cancelled | OrderStatus::Refunded) {
        return Err(Problem::conflict(
            "this payment code was withdrawn; vouchers are no longer accepted",
        ));
    }
    match app
        .store
        .grant_upload(&hash_pay_token(token), app.settings.max_uploads_per_code)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "upload-limit",
                "Too many uploads",
                format!(
                    "at most {} vouchers can be sent for one code; contact the merchant",
                    app.settings.max_uploads_per_code
                ),
            ))
        }
        Err(e) => return Err(unavailable(e)),
    }
    // Our key, never the buyer's file name.
    let voucher_id = hex::encode(rand::random::<[u8; 12]>());
    let terms = UploadTerms {
        key: format!(
            "vouchers/{}/{}/{}",
            order.tenant_id, order.order_id, voucher_id
        ),
        content_type,
        content_length: length,
        checksum_sha256: checksum,
        valid_for_secs: app.settings.upload_link_secs.min(900),
    };
    let link = app
        .links
        .presign_upload(&terms, (app.clock)())
        .await
        .map_err(unavailable)?;
    let headers: serde_json::Map<String, serde_json::Value> = link
        .headers
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "voucher_id": voucher_id,
            "url": link.url,
            "method": link.method,
            "headers": headers,
            "expires_at": cuadre_core::time::format_lima(link.expires_at),
        }),
    ))
}

fn unavailable(e: StoreError) -> Problem {
    tracing::error!(error = %e, "buyer page storage failure");
    Problem::unavailable("please try again in a moment")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(body: &str) -> Result<Option<u64>, String> {
        serde_json::from_str::<UploadRequest>(body)
            .map(|r| r.content_length)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_size_is_a_whole_json_number_in_any_notation() {
        assert_eq!(length(r#"{"content_length": 245760}"#), Ok(Some(245760)));
        assert_eq!(length(r#"{"content_length": 245760.0}"#), Ok(Some(245760)));
        assert_eq!(length(r#"{"content_length": 2.4576e5}"#), Ok(Some(245760)));
        assert_eq!(length(r#"{"content_length": null}"#), Ok(None));
        assert_eq!(length("{}"), Ok(None));
        for bad in ["1.5", "-1", "-1.0", "\"12\"", "1e300"] {
            assert!(
                length(&format!(r#"{{"content_length": {bad}}}"#)).is_err(),
                "{bad}"
            );
        }
    }
}
