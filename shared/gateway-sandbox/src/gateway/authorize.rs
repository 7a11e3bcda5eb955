//! `POST /v1/authorizations`: `hashString` checked, a JWT-looking bearer token issued.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use cuadre_gateway::credentials::hash_string;
use cuadre_gateway::json::scalar_text;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{
    answer, bad_value, invalid, object, parse_contract_time, required, text_field, OK_MESSAGE,
};
use crate::{SandboxState, TokenRecord};

pub(crate) async fn authorize(State(state): State<SandboxState>, body: Bytes) -> Response {
    let Some(obj) = object(&body) else {
        return invalid(Vec::new());
    };
    let mut errors = Vec::new();
    let id_service = match obj.get("idService").and_then(|r| scalar_text(r)) {
        None => {
            errors.push(required("idService"));
            None
        }
        Some(t) => match t.parse::<u32>() {
            Ok(n) if n <= 9999 => Some(n),
            _ => {
                errors.push(bad_value("idService"));
                None
            }
        },
    };
    let access_key = text_field(&obj, "accessKey", true, &|_| true, &mut errors);
    let now = Utc::now();
    let tolerance = chrono::Duration::from_std(state.inner.config.date_request_tolerance)
        .unwrap_or(chrono::Duration::MAX);
    let in_tolerance =
        |s: &str| parse_contract_time(s).is_some_and(|t| (now - t).abs() <= tolerance);
    let date_request = text_field(&obj, "dateRequest", true, &in_tolerance, &mut errors);
    let hash = text_field(&obj, "hashString", true, &|s| s.len() == 64, &mut errors);
    let (Some(id_service), Some(access_key), Some(date_request), Some(hash)) =
        (id_service, access_key, date_request, hash)
    else {
        state.data().stats.authorizations_refused += 1;
        return invalid(errors);
    };

    let mut data = state.data();
    let forced_refusal = data.faults.reject_next_authorizations > 0;
    if forced_refusal {
        data.faults.reject_next_authorizations -= 1;
    }
    let valid = data.merchants.get(&id_service).is_some_and(|m| {
        let expected = hash_string(id_service, &m.access_key, &m.secret_key, &date_request);
        let key_ok = m.access_key.as_bytes().ct_eq(access_key.as_bytes());
        let hash_ok = expected.as_bytes().ct_eq(hash.as_bytes());
        bool::from(key_ok & hash_ok)
    });
    if forced_refusal || !valid {
        data.stats.authorizations_refused += 1;
        drop(data);
        // The exact code of a refused authorization is not public; 508 is the documented code
        // for a service that is not valid. Clients should key on the HTTP status.
        return answer::<()>(
            StatusCode::UNAUTHORIZED,
            "508".into(),
            "Credenciales inválidas.",
            None,
        );
    }
    let code_service = data
        .merchants
        .get(&id_service)
        .map(|m| m.code_service.clone())
        .unwrap_or_default();
    let lifetime =
        chrono::Duration::from_std(data.token_lifetime).unwrap_or(chrono::Duration::hours(2));
    let start = now;
    let expires = now + lifetime;
    let token = jwt(&state.inner.token_key, id_service, start, expires);
    data.tokens.insert(
        token.clone(),
        TokenRecord {
            id_service,
            expires_at: expires,
        },
    );
    data.stats.authorizations += 1;
    drop(data);

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Issued {
        token: String,
        code_service: String,
        token_start: String,
        token_expires: String,
    }
    answer(
        StatusCode::CREATED,
        "100".into(),
        OK_MESSAGE,
        Some(Issued {
            token,
            code_service,
            token_start: cuadre_core::time::format_lima(start),
            token_expires: cuadre_core::time::format_lima(expires),
        }),
    )
}

/// A token that looks like the gateway's JWT (HS256 over a small claim set).
fn jwt(key: &[u8], id_service: u32, start: DateTime<Utc>, expires: DateTime<Utc>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": "cuadre-sandbox",
        "sub": id_service.to_string(),
        "jti": uuid::Uuid::new_v4().to_string(),
        "iat": start.timestamp(),
        "exp": expires.timestamp(),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}
