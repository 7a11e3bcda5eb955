//! HTTP errors as RFC 9457 `application/problem+json`: a status and a body that says what was
//! wrong with the request, never internal details.

use cuadre_core::store::StoreError;
use cuadre_core::tenants::AuthError;
use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// One field's error, named as the API names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Whether the same request may succeed later (gateway timeouts, throttling).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retryable: bool,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("https://cuadre.dev/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retryable: false,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request has invalid fields",
            detail,
        )
        .with_errors(errors)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Not authorised",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    pub fn method_not_allowed(method: &Method) -> Self {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("{method} is not supported here"),
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
            format!("the body must be at most {limit} bytes"),
        )
    }

    /// A dependency (storage, a queue) is not answering: 503, worth a retry.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
            detail,
        )
        .retryable()
    }

    /// Our own failure: the detail stays generic, the cause goes to the logs.
    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; the request can be retried",
        )
        .retryable()
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_else(|_| "{}".to_string());
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = self.status_code();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl Problem {
    /// A storage failure as the client sees it; `item` names what a lost conditional write was
    /// about ("the order changed while this request ran"). The cause goes to the logs.
    pub fn from_store(error: StoreError, item: &str) -> Self {
        match error {
            StoreError::Conflict(_) => Problem::conflict(format!(
                "the {item} changed while this request ran; read it again and retry"
            ))
            .retryable(),
            StoreError::IllegalTransition(t) => Problem::conflict(t.to_string()),
            StoreError::BadPageToken => {
                Problem::bad_request("the page token is not valid for this listing")
            }
            StoreError::TooLarge(cause) => {
                tracing::warn!(cause, "item over the store's size budget");
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload-too-large",
                    "Request too large to store",
                    format!("the {item} would be too large to store; send less data"),
                )
            }
            StoreError::Unavailable(cause) => {
                tracing::error!(cause, "storage unavailable");
                Problem::unavailable("storage is not answering; retry the same request")
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Problem::internal()
            }
        }
    }
}

/// [`Problem::from_store`] about "the item".
impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        Problem::from_store(error, "item")
    }
}

/// A missing, invalid or revoked API key is a 401; a storage failure behind it is that failure.
impl From<AuthError> for Problem {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Store(e) => e.into(),
            AuthError::Disabled => Problem::new(
                StatusCode::FORBIDDEN,
                "tenant-disabled",
                "Merchant disabled",
                AuthError::Disabled.to_string(),
            ),
            other => Problem::unauthorized(other.to_string()),
        }
    }
}

/// A JSON response with a status.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(body) => {
            let mut response = Response::new(Body::Text(body));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(_) => Problem::internal().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_names_each_field() {
        let p = Problem::validation(vec![
            FieldError::new("amount", "must be greater than zero"),
            FieldError::new("currency", "unsupported currency \"EUR\""),
        ]);
        let r = p.into_response();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let Body::Text(body) = r.body() else {
            panic!("text body")
        };
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 422);
        assert_eq!(v["errors"][1]["field"], "currency");
        assert!(v["detail"]
            .as_str()
            .unwrap()
            .contains("amount: must be greater than zero"));
    }

    #[test]
    fn store_failures_say_what_the_client_can_do() {
        let p = Problem::from_store(StoreError::Conflict("v2".into()), "order");
        assert_eq!(p.status, 409);
        assert!(p.retryable);
        assert_eq!(
            p.detail,
            "the order changed while this request ran; read it again and retry"
        );
        assert_eq!(Problem::from(StoreError::BadPageToken).status, 400);
        let p = Problem::from_store(
            StoreError::TooLarge("ORDER#1 is 400000 bytes".into()),
            "order",
        );
        assert_eq!((p.status, p.retryable), (413, false));
        assert!(!p.detail.contains("ORDER#1"), "{}", p.detail);
        let p = Problem::from(StoreError::Unavailable("throttled".into()));
        assert_eq!((p.status, p.retryable), (503, true));
        assert!(!p.detail.contains("throttled"), "causes stay in the logs");
        let p = Problem::from(StoreError::Corrupt("secret detail".into()));
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("secret"));
        assert_eq!(Problem::from(AuthError::Revoked).status, 401);
        assert_eq!(
            Problem::from(AuthError::Store(StoreError::Unavailable("x".into()))).status,
            503
        );
    }
}
