//! Routes of the merchant API, authentication, and the mapping of failures to problem+json.

use cuadre_core::access::ApiKeyRecord;
use cuadre_core::store::StoreError;
use cuadre_core::tenants::{authenticate_merchant, AuthError};
use cuadre_core::{OrderId, Tenant};
use cuadre_lambda::problem::{FieldError, Problem};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::de::DeserializeOwned;

use crate::app::App;
use crate::{exceptions, refunds, reports};

const PREFIX: &str = "/v1/";
/// Larger bodies are refused before they are parsed.
const MAX_BODY: usize = 16 * 1024;

/// Who is calling: the tenant and the API key it used.
pub(crate) struct Caller {
    pub tenant: Tenant,
    pub key: ApiKeyRecord,
}

impl Caller {
    /// Who did something when the request does not say: the API key's public id.
    pub fn default_actor(&self) -> String {
        format!("api-key:{}", self.key.key_id)
    }
}

/// Answers one API request; every failure is a problem+json response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    match route(app, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let path = req.uri().path().to_string();
    // Behind a named API stage the path carries a prefix; the route is what follows `/v1/`.
    let Some(at) = path.find(PREFIX) else {
        return Err(Problem::not_found(format!("no route for {path}")));
    };
    let rest = path[at + PREFIX.len()..].trim_end_matches('/').to_string();
    let segments: Vec<&str> = rest.split('/').collect();
    let method = req.method().clone();
    // Unknown routes are told apart before the key is checked only by shape, never by data.
    let route = match (segments.as_slice(), &method) {
        (["exceptions"], &Method::GET) => Route::ListExceptions,
        (["exceptions", id, "acknowledge"], &Method::POST) => {
            Route::Acknowledge(decode_segment(id, "exception")?)
        }
        (["exceptions", id, "resolve"], &Method::POST) => {
            Route::Resolve(decode_segment(id, "exception")?)
        }
        (["reports", date], &Method::GET) => Route::Report(decode_segment(date, "report")?),
        (["payment-codes", order, "refunds"], &Method::POST) => {
            Route::CreateRefund(decode_order_id(order)?)
        }
        (["payment-codes", order, "refunds"], &Method::GET) => {
            Route::ListRefunds(decode_order_id(order)?)
        }
        (["payment-codes", order, "refunds", refund], &Method::PATCH) => {
            Route::UpdateRefund(decode_order_id(order)?, decode_segment(refund, "refund")?)
        }
        (["exceptions"], _)
        | (["exceptions", _, "acknowledge" | "resolve"], _)
        | (["reports", _], _)
        | (["payment-codes", _, "refunds"], _)
        | (["payment-codes", _, "refunds", _], _) => return Err(method_not_allowed(&method)),
        _ => return Err(Problem::not_found(format!("no route for {path}"))),
    };
    let caller = caller(app, &req).await?;
    let body = req.body().as_ref();
    if body.len() > MAX_BODY {
        return Err(Problem::payload_too_large(MAX_BODY));
    }
    match route {
        Route::ListExceptions => exceptions::list(app, &caller, req.uri().query()).await,
        Route::Acknowledge(id) => exceptions::acknowledge(app, &caller, &id, body).await,
        Route::Resolve(id) => exceptions::resolve(app, &caller, &id, body).await,
        Route::Report(date) => reports::day(app, &caller, &date).await,
        Route::CreateRefund(order) => refunds::create(app, &caller, &order, body).await,
        Route::ListRefunds(order) => refunds::list(app, &caller, &order).await,
        Route::UpdateRefund(order, refund) => {
            refunds::update(app, &caller, &order, &refund, body).await
        }
    }
}

enum Route {
    ListExceptions,
    Acknowledge(String),
    Resolve(String),
    Report(String),
    CreateRefund(OrderId),
    ListRefunds(OrderId),
    UpdateRefund(OrderId, String),
}

async fn caller(app: &App, req: &Request) -> Result<Caller, Problem> {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let (key, tenant) = authenticate_merchant(app.store.as_ref(), app.store.as_ref(), auth)
        .await
        .map_err(auth_problem)?;
    Ok(Caller { tenant, key })
}

fn method_not_allowed(method: &Method) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{method} is not supported here"),
    )
}

/// A path segment, percent-decoded; one that cannot name anything we store is simply not found.
fn decode_segment(segment: &str, what: &str) -> Result<String, Problem> {
    match percent_decode(segment) {
        Some(v) if !v.is_empty() && !v.contains('#') && !v.chars().any(char::is_control) => Ok(v),
        _ => Err(Problem::not_found(format!("no such {what}"))),
    }
}

fn decode_order_id(segment: &str) -> Result<OrderId, Problem> {
    let decoded = decode_segment(segment, "order")?;
    // An id that cannot exist is simply not found (never a hint about other tenants).
    OrderId::parse(&decoded).map_err(|_| Problem::not_found(format!("no order {decoded:?}")))
}

/// `%XX` escapes; with `plus_is_space` also `+` (query strings).
pub(crate) fn percent_decode_with(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    percent_decode_with(s, false)
}

fn auth_problem(e: AuthError) -> Problem {
    match e {
        AuthError::Store(s) => store_problem(s),
        other => Problem::unauthorized(other.to_string()),
    }
}

pub(crate) fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict(_) => {
            Problem::conflict("the item changed while this request ran; read it again and retry")
                .retryable()
        }
        StoreError::IllegalTransition(t) => Problem::conflict(t.to_string()),
        StoreError::BadPageToken => {
            Problem::bad_request("the page token is not valid for this listing")
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

/// A JSON object body (an empty one reads as `{}` when `empty_ok`); anything else is a 400.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8], empty_ok: bool) -> Result<T, Problem> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Problem::bad_request("the body is not UTF-8 JSON"))?;
    let text = if text.trim().is_empty() && empty_ok {
        "{}"
    } else {
        text
    };
    if !text.trim_start().starts_with('{') {
        return Err(Problem::bad_request("the body must be a JSON object"));
    }
    serde_json::from_str(text)
        .map_err(|e| Problem::bad_request(format!("the body is not the expected JSON: {e}")))
}

/// An optional free text: trimmed, empty means absent, at most `max` characters.
pub(crate) fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())?;
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters of text"),
        ));
        return None;
    }
    Some(text)
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Problem> {
    serde_json::to_value(value).map_err(|_| Problem::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_path_and_query_escapes() {
        assert_eq!(percent_decode("A%2F1").as_deref(), Some("A/1"));
        assert_eq!(
            percent_decode_with("a+b%20c", true).as_deref(),
            Some("a b c")
        );
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        assert!(percent_decode("%zz").is_none());
        assert!(
            decode_segment("a%23b", "x").is_err(),
            "# never names a stored item"
        );
    }
}
