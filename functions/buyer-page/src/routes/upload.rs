//! `POST /pay/{token}/uploads`: a presigned S3 upload for the payment voucher, for one file whose
//! type, exact size and SHA-256 are signed into the link, so S3 itself refuses anything else.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cuadre_core::access::hash_pay_token;
use cuadre_core::store::{StoreError, UploadTerms};
use cuadre_core::OrderStatus;
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use cuadre_pages::{MAX_VOUCHER_BYTES, VOUCHER_CONTENT_TYPES};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::lookup::find_order;

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

pub(super) async fn upload(app: &App, token: &str, body: &[u8]) -> Result<Response<Body>, Problem> {
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
