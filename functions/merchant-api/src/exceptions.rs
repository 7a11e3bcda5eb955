//! `GET /v1/exceptions`, `POST /v1/exceptions/{id}/acknowledge`, `POST /v1/exceptions/{id}/resolve`.

use chrono::{DateTime, Utc};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::exception::ExceptionStatusError;
use cuadre_core::{ExceptionKind, ExceptionRecord, ExceptionStatus};
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::handler::{
    optional_text, parse_body, percent_decode_with, store_problem, to_json, Caller,
};

pub const DEFAULT_LIMIT: i32 = 50;
pub const MAX_LIMIT: i32 = 200;
const MAX_BY: usize = 200;
const MAX_NOTE: usize = 2000;

/// What `GET /v1/exceptions` asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub status: Option<ExceptionStatus>,
    pub kind: Option<ExceptionKind>,
    pub limit: i32,
    pub page: Option<String>,
}

/// Reads the query string: unknown values are 422 naming the parameter; unknown parameters are ignored.
pub(crate) fn parse_query(query: Option<&str>) -> Result<ListQuery, Problem> {
    let mut out = ListQuery {
        status: None,
        kind: None,
        limit: DEFAULT_LIMIT,
        page: None,
    };
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode_with(name, true).unwrap_or_default();
        let Some(value) = percent_decode_with(raw, true) else {
            return Err(Problem::bad_request(format!(
                "query parameter {name} is not percent-encoded UTF-8"
            )));
        };
        if matches!(name.as_str(), "status" | "kind" | "limit" | "page") {
            if seen.contains(&name) {
                return Err(Problem::bad_request(format!(
                    "query parameter {name} is given more than once"
                )));
            }
            seen.push(name.clone());
        }
        let value = value.trim();
        match name.as_str() {
            "status" if !value.is_empty() => match value.parse::<ExceptionStatus>() {
                Ok(s) => out.status = Some(s),
                Err(_) => errors.push(FieldError::new(
                    "status",
                    format!("{value:?} is not one of OPEN, ACKNOWLEDGED, RESOLVED"),
                )),
            },
            "kind" if !value.is_empty() => match value.parse::<ExceptionKind>() {
                Ok(k) => out.kind = Some(k),
                Err(_) => errors.push(FieldError::new(
                    "kind",
                    format!("{value:?} is not an exception kind (e.g. AMOUNT_MISMATCH)"),
                )),
            },
            "limit" if !value.is_empty() => match value.parse::<i32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => out.limit = n,
                _ => errors.push(FieldError::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )),
            },
            "page" if !value.is_empty() => out.page = Some(value.to_string()),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::validation(errors))
    }
}

/// An exception as the merchant sees it.
#[derive(Debug, Serialize)]
struct ExceptionView<'a> {
    exception_id: &'a str,
    kind: ExceptionKind,
    status: ExceptionStatus,
    order_id: Option<&'a str>,
    cip: Option<&'a str>,
    operation_number: Option<&'a str>,
    detail: &'a str,
    #[serde(with = "cuadre_core::time::serde_lima")]
    opened_at: DateTime<Utc>,
    acknowledged_by: Option<&'a str>,
    #[serde(with = "cuadre_core::time::serde_lima::option")]
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_note: Option<&'a str>,
    resolved_by: Option<&'a str>,
    #[serde(with = "cuadre_core::time::serde_lima::option")]
    resolved_at: Option<DateTime<Utc>>,
    note: Option<&'a str>,
}

fn view(r: &ExceptionRecord) -> ExceptionView<'_> {
    ExceptionView {
        exception_id: &r.exception_id,
        kind: r.kind,
        status: r.status,
        order_id: r.order_id.as_ref().map(|o| o.as_str()),
        cip: r.cip.as_ref().map(|c| c.as_str()),
        operation_number: r.operation_number.as_ref().map(|o| o.as_str()),
        detail: &r.detail,
        opened_at: r.opened_at,
        acknowledged_by: r.acknowledged_by.as_deref(),
        acknowledged_at: r.acknowledged_at,
        acknowledged_note: r.acknowledged_note.as_deref(),
        resolved_by: r.resolved_by.as_deref(),
        resolved_at: r.resolved_at,
        note: r.note.as_deref(),
    }
}

pub(crate) async fn list(
    app: &App,
    caller: &Caller,
    query: Option<&str>,
) -> Result<Response<Body>, Problem> {
    let q = parse_query(query)?;
    let (records, next) = app
        .store
        .list_exceptions_filtered(&caller.tenant.tenant_id, q.status, q.kind, q.page, q.limit)
        .await
        .map_err(store_problem)?;
    let body = json!({
        "exceptions": records.iter().map(view).collect::<Vec<_>>(),
        "next_page": next,
    });
    Ok(json_response(StatusCode::OK, &body))
}

#[derive(Debug, Deserialize)]
struct ActionBody {
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<ExceptionRecord, Problem> {
    app.store
        .get_exception(&caller.tenant.tenant_id, id)
        .await
        .map_err(store_problem)?
        .ok_or_else(|| Problem::not_found(format!("no exception {id:?}")))
}

fn status_problem(e: ExceptionStatusError) -> Problem {
    Problem::conflict(e.to_string())
}

/// Loads the caller's exception, moves it to its next status and stores that, conditionally on
/// the version it was read at.
async fn change(
    app: &App,
    caller: &Caller,
    id: &str,
    next: impl FnOnce(&ExceptionRecord) -> Result<ExceptionRecord, ExceptionStatusError>,
) -> Result<ExceptionRecord, Problem> {
    let current = load(app, caller, id).await?;
    let next = next(&current).map_err(status_problem)?;
    app.store
        .update_exception(&current, &next)
        .await
        .map_err(store_problem)
}

pub(crate) async fn acknowledge(
    app: &App,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let input: ActionBody = parse_body(body, true)?;
    let mut errors = Vec::new();
    let by = optional_text(input.by, "by", MAX_BY, &mut errors);
    let note = optional_text(input.note, "note", MAX_NOTE, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let by = by.unwrap_or_else(|| caller.default_actor());
    let stored = change(app, caller, id, |current| {
        current.acknowledge(by, note, app.now())
    })
    .await?;
    tracing::info!(tenant = %caller.tenant.tenant_id, exception = %stored.exception_id, "exception acknowledged");
    Ok(json_response(StatusCode::OK, &view(&stored)))
}

pub(crate) async fn resolve(
    app: &App,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let input: ActionBody = parse_body(body, true)?;
    let mut errors = Vec::new();
    let by = optional_text(input.by, "by", MAX_BY, &mut errors);
    let note = optional_text(input.note, "note", MAX_NOTE, &mut errors);
    if note.is_none() && !errors.iter().any(|e| e.field == "note") {
        errors.push(FieldError::new(
            "note",
            "is required: say how the exception was resolved",
        ));
    }
    let Some(note) = note.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let by = by.unwrap_or_else(|| caller.default_actor());
    let stored = change(app, caller, id, |current| {
        current.resolve(by, note, app.now())
    })
    .await?;
    tracing::info!(tenant = %caller.tenant.tenant_id, exception = %stored.exception_id, "exception resolved");
    // The exception is resolved for good; its event carries a stable id (the exception's), so a
    // receiver de-duplicates a repeated delivery.
    let data = to_json(&view(&stored))?;
    let event = MerchantEvent::new(
        EventType::ExceptionResolved,
        stored.tenant_id.clone(),
        &stored.exception_id,
        stored.resolved_at.unwrap_or_else(|| app.now()),
        data,
    );
    if let Err(e) = app.events.send(std::slice::from_ref(&event)).await {
        tracing::error!(
            tenant = %stored.tenant_id,
            exception = %stored.exception_id,
            event_id = %event.event_id,
            error = %e,
            "exception resolved but its exception.resolved event was not queued"
        );
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "event-not-queued",
            "Resolved, but the merchant notification was not queued",
            "the exception is resolved; its exception.resolved notification could not be queued \
             and an operator has been alerted through the logs",
        ));
    }
    Ok(json_response(StatusCode::OK, &view(&stored)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_defaults_filters_and_errors_name_the_parameter() {
        let q = parse_query(None).unwrap();
        assert_eq!(q.limit, DEFAULT_LIMIT);
        assert_eq!(q.status, None);
        let q = parse_query(Some("status=OPEN&kind=AMOUNT_MISMATCH&limit=200&page=abc")).unwrap();
        assert_eq!(q.status, Some(ExceptionStatus::Open));
        assert_eq!(q.kind, Some(ExceptionKind::AmountMismatch));
        assert_eq!(q.limit, 200);
        assert_eq!(q.page.as_deref(), Some("abc"));
        for (query, field) in [
            ("status=CLOSED", "status"),
            ("kind=NOPE", "kind"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
        ] {
            let p = parse_query(Some(query)).unwrap_err();
            assert_eq!(p.status, 422, "{query}");
            assert_eq!(p.errors[0].field, field, "{query}");
        }
        assert_eq!(
            parse_query(Some("limit=1&limit=2")).unwrap_err().status,
            400
        );
    }
}
