//! `GET /v1/exceptions`, `POST /v1/exceptions/{id}/acknowledge`, `POST /v1/exceptions/{id}/resolve`.

use cuadre_core::events::{ExceptionData, MerchantEvent};
use cuadre_core::exception::ExceptionStatusError;
use cuadre_core::{ExceptionKind, ExceptionRecord, ExceptionStatus};
use cuadre_lambda::announce::announce;
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::body::{optional_text, parse_body};
use crate::caller::Caller;

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

/// Reads the query parameters: unknown values are 422 naming the parameter; unknown parameters
/// are ignored; one of ours given twice is a 400.
pub(crate) fn parse_query(query: &QueryMap) -> Result<ListQuery, Problem> {
    let mut out = ListQuery {
        status: None,
        kind: None,
        limit: DEFAULT_LIMIT,
        page: None,
    };
    for name in ["status", "kind", "limit", "page"] {
        if query.all(name).is_some_and(|values| values.len() > 1) {
            return Err(Problem::bad_request(format!(
                "query parameter {name} is given more than once"
            )));
        }
    }
    let value = |name: &str| query.first(name).map(str::trim).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    out.status = param(
        value("status"),
        "status",
        &mut errors,
        |v| v.parse().ok(),
        |v| format!("{v:?} is not one of OPEN, ACKNOWLEDGED, RESOLVED"),
    );
    out.kind = param(
        value("kind"),
        "kind",
        &mut errors,
        |v| v.parse().ok(),
        |v| format!("{v:?} is not an exception kind (e.g. AMOUNT_MISMATCH)"),
    );
    let limit = |v: &str| v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n));
    if let Some(n) = param(value("limit"), "limit", &mut errors, limit, |_| {
        format!("must be a whole number from 1 to {MAX_LIMIT}")
    }) {
        out.limit = n;
    }
    out.page = value("page").map(str::to_string);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::validation(errors))
    }
}

/// A query parameter's value as `parse` reads it, if given; one it refuses is noted in `errors`,
/// saying `why`.
pub(crate) fn param<T>(
    value: Option<&str>,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl FnOnce(&str) -> Option<T>,
    why: impl FnOnce(&str) -> String,
) -> Option<T> {
    let value = value?;
    let parsed = parse(value);
    if parsed.is_none() {
        errors.push(FieldError::new(name, why(value)));
    }
    parsed
}

pub(crate) async fn list(
    app: &App,
    caller: &Caller,
    query: &QueryMap,
) -> Result<Response<Body>, Problem> {
    let q = parse_query(query)?;
    let (records, next) = app
        .store
        .list_exceptions_filtered(&caller.tenant.tenant_id, q.status, q.kind, q.page, q.limit)
        .await
        .map_err(Problem::from)?;
    let body = json!({
        "exceptions": records.iter().map(ExceptionData::of).collect::<Vec<_>>(),
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
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found(format!("no exception {id:?}")))
}

/// An action's body: who acts (if said), the note (if any), and what is wrong with them.
type ActionInput = (Option<String>, Option<String>, Vec<FieldError>);

fn action_input(body: &[u8]) -> Result<ActionInput, Problem> {
    let input: ActionBody = parse_body(body, true)?;
    let mut errors = Vec::new();
    let by = optional_text(input.by, "by", MAX_BY, &mut errors);
    let note = optional_text(input.note, "note", MAX_NOTE, &mut errors);
    Ok((by, note, errors))
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
    let stored = app
        .store
        .update_exception(&current, &next)
        .await
        .map_err(Problem::from)?;
    // The store wrote the event the change owes with it; queue it for delivery now.
    if let Some(event) = MerchantEvent::owed_by_exception(Some(&current), &stored) {
        announce(app.events.as_ref(), &[event]).await;
    }
    Ok(stored)
}

pub(crate) async fn acknowledge(
    app: &App,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let (by, note, errors) = action_input(body)?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let by = by.unwrap_or_else(|| caller.default_actor());
    let stored = change(app, caller, id, |current| {
        current.acknowledge(by, note, app.now())
    })
    .await?;
    tracing::info!(tenant_id = %caller.tenant.tenant_id, exception_id = %stored.exception_id, "exception acknowledged");
    Ok(json_response(StatusCode::OK, &ExceptionData::of(&stored)))
}

pub(crate) async fn resolve(
    app: &App,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let (by, note, mut errors) = action_input(body)?;
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
    tracing::info!(tenant_id = %caller.tenant.tenant_id, exception_id = %stored.exception_id, "exception resolved");
    Ok(json_response(StatusCode::OK, &ExceptionData::of(&stored)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<ListQuery, Problem> {
        parse_query(&query.parse().unwrap())
    }

    #[test]
    fn query_defaults_filters_and_errors_name_the_parameter() {
        let q = parse_query(&QueryMap::default()).unwrap();
        assert_eq!(q.limit, DEFAULT_LIMIT);
        assert_eq!(q.status, None);
        let q = parse("status=OPEN&kind=AMOUNT_MISMATCH&limit=200&page=abc").unwrap();
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
            let p = parse(query).unwrap_err();
            assert_eq!(p.status, 422, "{query}");
            assert_eq!(p.errors[0].field, field, "{query}");
        }
        assert_eq!(parse("limit=1&limit=2").unwrap_err().status, 400);
    }
}
