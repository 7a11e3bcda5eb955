//! The sandbox's side of the gateway contract: `/v1/...` and the `cipUrl` pages.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Utc};
use cuadre_core::money::{exact_json, validate_amount, Currency};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{CipRecord, SandboxState, TokenRecord};
use crate::credentials::hash_string;
use crate::error::FieldError;
use crate::json::{decimal_number, scalar_text};
use crate::wire::CipStatus;

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

// ---------- POST /v1/authorizations ----------

pub(super) async fn authorize(State(state): State<SandboxState>, body: Bytes) -> Response {
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
    let access_key = match field(&obj, "accessKey") {
        Field::Text(s) => Some(s),
        Field::Absent => {
            errors.push(required("accessKey"));
            None
        }
        Field::Wrong => {
            errors.push(bad_value("accessKey"));
            None
        }
    };
    let now = Utc::now();
    let tolerance = chrono::Duration::from_std(state.inner.config.date_request_tolerance)
        .unwrap_or(chrono::Duration::MAX);
    let date_request = match field(&obj, "dateRequest") {
        Field::Text(s) => match parse_contract_time(&s) {
            Some(t) if (now - t).abs() <= tolerance => Some(s),
            _ => {
                errors.push(bad_value("dateRequest"));
                None
            }
        },
        Field::Absent => {
            errors.push(required("dateRequest"));
            None
        }
        Field::Wrong => {
            errors.push(bad_value("dateRequest"));
            None
        }
    };
    let hash = match field(&obj, "hashString") {
        Field::Text(s) if s.len() == 64 => Some(s),
        Field::Absent => {
            errors.push(required("hashString"));
            None
        }
        _ => {
            errors.push(bad_value("hashString"));
            None
        }
    };
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

// ---------- POST /v1/cips ----------

/// A creation request that passed validation.
#[derive(Debug)]
struct ValidCip {
    currency: Currency,
    amount: Decimal,
    transaction_code: String,
    date_expiry: Option<DateTime<Utc>>,
    payment_concept: Option<String>,
    user_email: String,
}

const DOCUMENT_TYPES: [&str; 5] = ["DNI", "PAR", "PAS", "LMI", "NAN"];

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The gateway's field rules; every refused field is reported, not only the first.
fn validate_create(obj: &JsonObject, now: DateTime<Utc>) -> Result<ValidCip, Vec<FieldError>> {
    let mut errors = Vec::new();

    // A text field: required or not, with a rule on its value.
    let mut text = |name: &str, is_required: bool, rule: &dyn Fn(&str) -> bool| -> Option<String> {
        match field(obj, name) {
            Field::Absent => {
                if is_required {
                    errors.push(required(name));
                }
                None
            }
            Field::Wrong => {
                errors.push(bad_value(name));
                None
            }
            Field::Text(s) if rule(&s) => Some(s),
            Field::Text(_) => {
                errors.push(bad_value(name));
                None
            }
        }
    };
    let max = |n: usize| move |s: &str| s.chars().count() <= n;

    let currency = text("currency", true, &|s| s.parse::<Currency>().is_ok())
        .and_then(|s| s.parse::<Currency>().ok());
    let transaction_code = text("transactionCode", true, &max(36));
    let date_expiry = text("dateExpiry", false, &|s| {
        parse_contract_time(s).is_some_and(|t| t > now)
    })
    .and_then(|s| parse_contract_time(&s));
    let payment_concept = text("paymentConcept", false, &max(50));
    text("additionalData", false, &max(200));
    text("adminEmail", false, &|s| {
        s.chars().count() <= 100 && looks_like_email(s)
    });
    let user_email = text("userEmail", true, &|s| {
        s.chars().count() <= 100 && looks_like_email(s)
    });
    text("userId", false, &max(100));
    text("userName", false, &max(30));
    text("userLastName", false, &max(30));
    text("userUbigeo", false, &|s| s.len() == 6 && all_digits(s));
    text("userCountry", false, &max(20));
    text("userDocumentType", false, &|s| DOCUMENT_TYPES.contains(&s));
    text("userDocumentNumber", false, &|s| {
        s.len() <= 14 && all_digits(s)
    });
    text("userPhone", true, &|s| s.len() <= 15 && all_digits(s));
    text("userCodeCountry", true, &|s| {
        s.strip_prefix('+')
            .is_some_and(|d| d.len() <= 4 && all_digits(d))
    });

    // `amount`: a number (a numeric string is tolerated, as some integrations send one).
    let amount = match obj.get("amount") {
        None => {
            errors.push(required("amount"));
            None
        }
        Some(raw) if raw.get().trim() == "null" || raw.get().trim() == "\"\"" => {
            errors.push(required("amount"));
            None
        }
        Some(raw) => match exact_json::decimal_from_raw(raw)
            .ok()
            .and_then(|d| validate_amount(d).ok())
        {
            Some(d) => Some(d),
            None => {
                errors.push(bad_value("amount"));
                None
            }
        },
    };

    match (currency, amount, transaction_code, user_email) {
        (Some(currency), Some(amount), Some(transaction_code), Some(user_email))
            if errors.is_empty() =>
        {
            Ok(ValidCip {
                currency,
                amount,
                transaction_code,
                date_expiry,
                payment_concept,
                user_email,
            })
        }
        _ => Err(errors),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssuedCipBody {
    cip: u64,
    currency: Currency,
    amount: Box<RawValue>,
    transaction_code: String,
    date_expiry: String,
    cip_url: String,
}

pub(super) async fn create_cip(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Detached, so a client that hangs up (timeout) does not stop the creation: like the real
    // gateway, the CIP then exists although the caller never learned its number.
    tokio::spawn(create_cip_detached(state, headers, body))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn create_cip_detached(state: SandboxState, headers: HeaderMap, body: Bytes) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let (fail, delay) = {
        let mut data = state.data();
        data.stats.cip_requests += 1;
        let f = &mut data.faults;
        let fail = f.fail_next_creates > 0;
        if fail {
            f.fail_next_creates -= 1;
        }
        let delay = (!fail && f.delay_next_creates > 0).then(|| {
            f.delay_next_creates -= 1;
            std::time::Duration::from_millis(f.delay_ms)
        });
        (fail, delay)
    };
    if fail {
        return answer::<()>(
            StatusCode::INTERNAL_SERVER_ERROR,
            "166".into(),
            "Error interno del servicio.",
            None,
        );
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let Some(obj) = object(&body) else {
        return invalid(Vec::new());
    };
    let now = Utc::now();
    let valid = match validate_create(&obj, now) {
        Ok(v) => v,
        Err(errors) => return invalid(errors),
    };
    let base = state.public_url();
    let mut data = state.data();
    let max_amount = data.merchants.get(&id_service).and_then(|m| m.max_amount);
    if max_amount.is_some_and(|max| valid.amount > max) {
        return answer::<()>(
            StatusCode::BAD_REQUEST,
            "511".into(),
            "El monto excede el máximo permitido para el servicio.",
            None,
        );
    }
    let cip = data.next_cip;
    data.next_cip += 1;
    let guid = uuid::Uuid::new_v4().to_string().to_uppercase();
    let date_expiry = valid.date_expiry.unwrap_or_else(|| {
        now + chrono::Duration::from_std(state.inner.config.default_expiry)
            .unwrap_or(chrono::Duration::days(1))
    });
    let record = CipRecord {
        cip,
        id_service,
        guid: guid.clone(),
        currency: valid.currency,
        amount: valid.amount,
        transaction_code: valid.transaction_code,
        date_expiry,
        created_at: now,
        status: CipStatus::Pending,
        payment_concept: valid.payment_concept,
        user_email: valid.user_email,
        payments: Vec::new(),
    };
    let body = IssuedCipBody {
        cip,
        currency: record.currency,
        amount: decimal_number(record.amount),
        transaction_code: record.transaction_code.clone(),
        date_expiry: cuadre_core::time::format_lima(date_expiry),
        cip_url: format!("{base}/cip/{guid}.html"),
    };
    data.guids.insert(guid, cip);
    data.cips.insert(cip, record);
    data.stats.cips_issued += 1;
    drop(data);
    // As in the contract's example, this answer's code is a number.
    answer(StatusCode::CREATED, 100.into(), OK_MESSAGE, Some(body))
}

// ---------- POST /v1/cips/search ----------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LookupBody {
    cip: u64,
    transaction_code: String,
    currency: Currency,
    amount: Box<RawValue>,
    status: String,
    id_status: u8,
    date_expiry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_date: Option<String>,
}

pub(crate) fn lookup_body(rec: &CipRecord) -> LookupBody {
    let paid = rec.payments.iter().rev().find(|p| !p.reversed);
    let paid = paid.filter(|_| rec.status == CipStatus::Paid);
    LookupBody {
        cip: rec.cip,
        transaction_code: rec.transaction_code.clone(),
        currency: rec.currency,
        amount: decimal_number(rec.amount),
        status: rec.status.as_gateway_text().to_string(),
        id_status: rec.status.numeric_code().unwrap_or(0),
        date_expiry: cuadre_core::time::format_lima(rec.date_expiry),
        operation_number: paid.map(|p| p.operation_number.clone()),
        payment_date: paid.map(|p| cuadre_core::time::format_lima(p.payment_date)),
    }
}

pub(super) async fn search_cips(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(default)]
        cip: Option<Box<RawValue>>,
    }
    #[derive(serde::Deserialize)]
    struct Search {
        #[serde(default)]
        data: Option<Vec<Item>>,
    }
    let Ok(search) = serde_json::from_slice::<Search>(&body) else {
        return invalid(vec![bad_value("data")]);
    };
    let Some(items) = search.data.filter(|d| !d.is_empty()) else {
        return invalid(vec![required("data")]);
    };
    let mut wanted = Vec::new();
    for item in items {
        let number = item
            .cip
            .as_deref()
            .and_then(scalar_text)
            .and_then(|t| t.parse::<u64>().ok());
        match number {
            Some(n) => wanted.push(n),
            None => return invalid(vec![bad_value("cip")]),
        }
    }
    let now = Utc::now();
    let mut data = state.data();
    let mut found = Vec::new();
    for n in wanted {
        if let Some(rec) = data.cips.get_mut(&n).filter(|r| r.id_service == id_service) {
            rec.refresh(now);
            found.push(lookup_body(rec));
        }
    }
    drop(data);
    answer(StatusCode::OK, "100".into(), OK_MESSAGE, Some(found))
}

// ---------- PATCH / DELETE /v1/cips/{cip} ----------

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"message": "CIP no encontrado."})),
    )
        .into_response()
}

fn conflict(status: &CipStatus) -> Response {
    (
        StatusCode::CONFLICT,
        axum::Json(serde_json::json!({
            "message": format!("El CIP está {}.", status.as_gateway_text().to_lowercase())
        })),
    )
        .into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Changed {
    cip: u64,
    status: String,
    date_expiry: String,
}

pub(super) async fn extend_cip(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let now = Utc::now();
    let date_expiry = match object(&body).map(|o| field(&o, "dateExpiry")) {
        Some(Field::Text(s)) => match parse_contract_time(&s).filter(|t| *t > now) {
            Some(t) => t,
            None => return invalid(vec![bad_value("dateExpiry")]),
        },
        Some(Field::Wrong) => return invalid(vec![bad_value("dateExpiry")]),
        Some(Field::Absent) | None => return invalid(vec![required("dateExpiry")]),
    };
    let mut data = state.data();
    let Some(rec) = cip
        .parse::<u64>()
        .ok()
        .and_then(|n| data.cips.get_mut(&n))
        .filter(|r| r.id_service == id_service)
    else {
        return not_found();
    };
    rec.refresh(now);
    if !matches!(rec.status, CipStatus::Pending | CipStatus::Expired) {
        return conflict(&rec.status);
    }
    // Extending revives an expired code.
    rec.date_expiry = date_expiry;
    rec.status = CipStatus::Pending;
    let changed = Changed {
        cip: rec.cip,
        status: rec.status.as_gateway_text().to_string(),
        date_expiry: cuadre_core::time::format_lima(date_expiry),
    };
    drop(data);
    answer(StatusCode::OK, "100".into(), OK_MESSAGE, Some(changed))
}

pub(super) async fn delete_cip(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let now = Utc::now();
    let mut data = state.data();
    let Some(rec) = cip
        .parse::<u64>()
        .ok()
        .and_then(|n| data.cips.get_mut(&n))
        .filter(|r| r.id_service == id_service)
    else {
        return not_found();
    };
    rec.refresh(now);
    if rec.status != CipStatus::Pending {
        return conflict(&rec.status);
    }
    rec.status = CipStatus::Deleted;
    let changed = Changed {
        cip: rec.cip,
        status: rec.status.as_gateway_text().to_string(),
        date_expiry: cuadre_core::time::format_lima(rec.date_expiry),
    };
    drop(data);
    answer(StatusCode::OK, "100".into(), OK_MESSAGE, Some(changed))
}

// ---------- GET /cip/{guid}.html ----------

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub(super) async fn cip_page(
    State(state): State<SandboxState>,
    Path(page): Path<String>,
) -> Response {
    let Some(guid) = page.strip_suffix(".html") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = Utc::now();
    let mut data = state.data();
    let Some(n) = data.guids.get(guid).copied() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(rec) = data.cips.get_mut(&n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    rec.refresh(now);
    let money = cuadre_core::money::Money::new(rec.amount, rec.currency)
        .map(|m| m.to_string())
        .unwrap_or_else(|_| format!("{} {}", rec.currency, rec.amount));
    let html = format!(
        "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"><title>CIP {cip}</title></head>\n\
         <body><h1>Código de pago (CIP): <span id=\"cip\">{cip}</span></h1>\n\
         <p>Monto: <span id=\"amount\">{money}</span></p>\n\
         <p>Concepto: {concept}</p>\n\
         <p>Vence: <span id=\"dateExpiry\">{expiry}</span></p>\n\
         <p>Estado: <span id=\"status\">{status}</span></p>\n\
         <p>Paga en agentes y agencias autorizadas o por banca móvil indicando el código.</p>\n\
         <p><small>PagoEfectivo sandbox de cuadre: no es un código real.</small></p></body></html>\n",
        cip = rec.cip,
        money = escape(&money),
        concept = escape(rec.payment_concept.as_deref().unwrap_or("")),
        expiry = cuadre_core::time::format_lima(rec.date_expiry),
        status = rec.status.as_gateway_text(),
    );
    drop(data);
    Html(html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: &str) -> JsonObject {
        serde_json::from_str(json).unwrap()
    }

    const GOOD: &str = r#"{"currency":"PEN","amount":22.05,"transactionCode":"ORD-1","userEmail":"a@b.pe","userPhone":"987654321","userCodeCountry":"+51"}"#;

    #[test]
    fn a_minimal_request_passes() {
        let v = validate_create(&obj(GOOD), Utc::now()).unwrap();
        assert_eq!(v.amount.to_string(), "22.05");
        assert_eq!(v.currency, Currency::Pen);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate_create(
            &obj(r#"{"currency":"EUR","amount":1.005,"userEmail":"nope","userPhone":"98x","userDocumentType":"CE","paymentConcept":"012345678901234567890123456789012345678901234567890","dateExpiry":"2020-01-01T00:00:00Z"}"#),
            Utc::now(),
        )
        .unwrap_err();
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        for expected in [
            ("currency", "113"),
            ("amount", "113"),
            ("transactionCode", "112"),
            ("userEmail", "113"),
            ("userPhone", "113"),
            ("userCodeCountry", "112"),
            ("userDocumentType", "113"),
            ("paymentConcept", "113"),
            ("dateExpiry", "113"),
        ] {
            assert!(
                named.contains(&expected),
                "{expected:?} missing in {named:?}"
            );
        }
    }

    #[test]
    fn contract_time_is_lima_with_t_or_space() {
        assert!(parse_contract_time("2030-12-31T23:59:59-05:00").is_some());
        assert!(parse_contract_time("2030-12-31 23:59:59-05:00").is_some());
        assert!(parse_contract_time("2030-12-31T23:59:59Z").is_none());
        assert!(parse_contract_time("2030-12-31T23:59:59").is_none());
    }
}
