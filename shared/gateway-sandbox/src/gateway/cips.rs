//! `POST /v1/cips/search`, `PATCH /v1/cips/{cip}` (extend) and `DELETE /v1/cips/{cip}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cuadre_core::money::Currency;
use cuadre_gateway::json::{decimal_number, scalar_text};
use cuadre_gateway::CipStatus;
use serde::Serialize;
use serde_json::value::RawValue;

use super::{
    answer, bad_value, caller, field, invalid, object, parse_contract_time, required, Field,
    OK_MESSAGE,
};
use crate::{CipRecord, SandboxState};

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

pub(crate) async fn search_cips(
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

pub(crate) async fn extend_cip(
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
    change_cip(
        &state,
        &cip,
        id_service,
        now,
        |status| matches!(status, CipStatus::Pending | CipStatus::Expired),
        |rec| {
            // Extending revives an expired code.
            rec.date_expiry = date_expiry;
            rec.status = CipStatus::Pending;
        },
    )
}

pub(crate) async fn delete_cip(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    change_cip(
        &state,
        &cip,
        id_service,
        Utc::now(),
        |status| *status == CipStatus::Pending,
        |rec| rec.status = CipStatus::Deleted,
    )
}

/// The caller's CIP `cip`, brought up to date at `now`: if its status is `allowed`, `apply`
/// changes it and the answer says how it stands; else 404 or 409.
fn change_cip(
    state: &SandboxState,
    cip: &str,
    id_service: u32,
    now: DateTime<Utc>,
    allowed: fn(&CipStatus) -> bool,
    apply: impl FnOnce(&mut CipRecord),
) -> Response {
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
    if !allowed(&rec.status) {
        return conflict(&rec.status);
    }
    apply(rec);
    let changed = Changed {
        cip: rec.cip,
        status: rec.status.as_gateway_text().to_string(),
        date_expiry: cuadre_core::time::format_lima(rec.date_expiry),
    };
    drop(data);
    answer(StatusCode::OK, "100".into(), OK_MESSAGE, Some(changed))
}
