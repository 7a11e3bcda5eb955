//! The sandbox's side of the gateway contract: `/v1/...` and the `cipUrl` pages.
//!
//! This module holds what every endpoint shares (the envelope, field errors, reading a body, the
//! bearer token and `Origin` check); each endpoint lives in its own file.

mod authorize;
mod cips;
mod create;
mod page;

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use cuadre_gateway::FieldError;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::SandboxState;

pub(crate) use authorize::authorize;
pub(crate) use cips::{delete_cip, extend_cip, lookup_body, search_cips, LookupBody};
pub(crate) use create::create_cip;
pub(crate) use page::cip_page;

type JsonObject = BTreeMap<String, Box<RawValue>>;

const OK_MESSAGE: &str = "Solicitud exitosa.";
const INVALID_MESSAGE: &str = "Solicitud con datos inválidos.";

/// The gateway's envelope. `code` is written as a string or a number, as the real one does.
#[derive(Serialize)]
struct Envelope<T: Serialize> {
    code: serde_json::Value,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<T>,
}

fn answer<T: Serialize>(
    status: StatusCode,
    code: serde_json::Value,
    message: &str,
    data: Option<T>,
) -> Response {
    let body = Envelope {
        code,
        message: message.to_string(),
        data,
    };
    (status, axum::Json(body)).into_response()
}

fn invalid(fields: Vec<FieldError>) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "111".into(),
        INVALID_MESSAGE,
        Some(fields),
    )
}

fn required(field: &str) -> FieldError {
    FieldError {
        code: FieldError::REQUIRED.to_string(),
        field: field.to_string(),
        message: "Requerido.".to_string(),
    }
}

fn bad_value(field: &str) -> FieldError {
    FieldError {
        code: FieldError::INVALID.to_string(),
        field: field.to_string(),
        message: "Valor inválido.".to_string(),
    }
}

/// A 401 like the gateway's web stack answers for a missing, unknown or expired token.
fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "message": "Authorization has been denied for this request."
        })),
    )
        .into_response()
}

/// The exact date-time form of the contract, `yyyy-mm-ddThh:mm:ss-05:00` (a space for `T` is
/// accepted, as some integrations send it). Other offsets are refused: the contract is Lima time.
pub(crate) fn parse_contract_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    let normal = if t.len() > 10 && t.as_bytes()[10] == b' ' {
        format!("{}T{}", &t[..10], &t[11..])
    } else {
        t.to_string()
    };
    let parsed = DateTime::<FixedOffset>::parse_from_str(&normal, "%Y-%m-%dT%H:%M:%S%:z").ok()?;
    (parsed.offset().local_minus_utc() == -5 * 3600).then(|| parsed.with_timezone(&Utc))
}

/// Reads a JSON object body; `None` when it is not one.
fn object(body: &[u8]) -> Option<JsonObject> {
    serde_json::from_slice(body).ok()
}

enum Field {
    Absent,
    Text(String),
    /// Present but not a string (or a number where a string was expected).
    Wrong,
}

fn field(obj: &JsonObject, name: &str) -> Field {
    match obj.get(name) {
        None => Field::Absent,
        Some(raw) if raw.get().trim() == "null" => Field::Absent,
        Some(raw) => match serde_json::from_str::<String>(raw.get()) {
            Ok(s) if s.trim().is_empty() => Field::Absent,
            Ok(s) => Field::Text(s),
            Err(_) => Field::Wrong,
        },
    }
}

/// A text field, required or not, whose value must pass `rule`; a refusal is noted in `errors`.
fn text_field(
    obj: &JsonObject,
    name: &str,
    is_required: bool,
    rule: &dyn Fn(&str) -> bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match field(obj, name) {
        Field::Absent => {
            if is_required {
                errors.push(required(name));
            }
            None
        }
        Field::Text(s) if rule(&s) => Some(s),
        Field::Text(_) | Field::Wrong => {
            errors.push(bad_value(name));
            None
        }
    }
}

/// Why a CIP call was refused before its body was read.
enum Refusal {
    /// Missing, unknown or expired token.
    Token,
    /// The token's merchant is gone.
    Service,
    OriginMissing,
    OriginInvalid,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Token => unauthorized(),
            Refusal::Service => answer::<()>(
                StatusCode::BAD_REQUEST,
                "508".into(),
                "El servicio asociado al token no es válido.",
                None,
            ),
            Refusal::OriginMissing => invalid(vec![required("Origin")]),
            Refusal::OriginInvalid => invalid(vec![bad_value("Origin")]),
        }
    }
}

/// The merchant behind `Authorization: Bearer <token>` (exactly one space), with the required
/// `Origin` (`web`, `android` or `ios`).
fn caller(state: &SandboxState, headers: &HeaderMap) -> Result<u32, Refusal> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let id_service = {
        let mut data = state.data();
        let found = token.and_then(|t| data.tokens.get(t).cloned());
        match found {
            Some(rec) if rec.expires_at > Utc::now() => {
                if !data.merchants.contains_key(&rec.id_service) {
                    return Err(Refusal::Service);
                }
                rec.id_service
            }
            _ => {
                data.stats.unauthorized_calls += 1;
                return Err(Refusal::Token);
            }
        }
    };
    match headers.get("origin").and_then(|v| v.to_str().ok()) {
        None => Err(Refusal::OriginMissing),
        Some(o) if ["web", "android", "ios"].contains(&o.trim()) => Ok(id_service),
        Some(_) => Err(Refusal::OriginInvalid),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_time_is_lima_with_t_or_space() {
        assert!(parse_contract_time("2030-12-31T23:59:59-05:00").is_some());
        assert!(parse_contract_time("2030-12-31 23:59:59-05:00").is_some());
        assert!(parse_contract_time("2030-12-31T23:59:59Z").is_none());
        assert!(parse_contract_time("2030-12-31T23:59:59").is_none());
    }
}
