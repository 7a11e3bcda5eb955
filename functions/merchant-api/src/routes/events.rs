//! `GET /v1/events`, `GET /v1/events/{event_id}`, `POST /v1/events/{event_id}/resend`: what cuadre
//! sent the merchant (or is still sending), with every delivery attempt, and a re-send.

use cuadre_core::events::outbox::{DeliveryStatus, EventFilter, EventRecord};
use cuadre_core::events::EventType;
use cuadre_core::store::StoreError;
use cuadre_core::OrderId;
use cuadre_lambda::announce::announce;
use cuadre_lambda::problem::{json_response, Problem};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use super::exceptions::{param, DEFAULT_LIMIT, MAX_LIMIT};
use crate::app::App;
use crate::caller::Caller;

/// What `GET /v1/events` asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EventQuery {
    pub filter: EventFilter,
    pub limit: i32,
    pub page: Option<String>,
}

const PARAMS: [&str; 7] = ["type", "order_id", "status", "from", "to", "limit", "page"];

/// Reads the query: a value we cannot read is a 422 naming its parameter; one of ours twice, 400.
pub(crate) fn parse_query(query: &QueryMap) -> Result<EventQuery, Problem> {
    for name in PARAMS {
        if query.all(name).is_some_and(|values| values.len() > 1) {
            return Err(Problem::bad_request(format!(
                "query parameter {name} is given more than once"
            )));
        }
    }
    let value = |name: &str| query.first(name).map(str::trim).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let time = |v: &str| cuadre_core::time::parse(v).ok();
    let filter = EventFilter {
        event_type: param(value("type"), "type", &mut errors, EventType::parse, |v| {
            format!("{v:?} is not an event type (e.g. order.paid)")
        }),
        order_id: param(
            value("order_id"),
            "order_id",
            &mut errors,
            |v| OrderId::parse(v).ok(),
            |v| format!("{v:?} is not an order id"),
        ),
        status: param(
            value("status"),
            "status",
            &mut errors,
            DeliveryStatus::parse,
            |v| format!("{v:?} is not one of pending, delivered, failed, no_endpoint"),
        ),
        from: param(value("from"), "from", &mut errors, time, |v| {
            format!("{v:?} is not a date-time like 2026-11-25T14:32:00-05:00")
        }),
        to: param(value("to"), "to", &mut errors, time, |v| {
            format!("{v:?} is not a date-time like 2026-11-25T14:32:00-05:00")
        }),
    };
    let limit = param(
        value("limit"),
        "limit",
        &mut errors,
        |v| v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)),
        |_| format!("must be a whole number from 1 to {MAX_LIMIT}"),
    )
    .unwrap_or(DEFAULT_LIMIT);
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from >= to {
            errors.push(cuadre_lambda::problem::FieldError::new(
                "to",
                "must be later than from",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(EventQuery {
        filter,
        limit,
        page: value("page").map(str::to_string),
    })
}

/// An event as the API shows it: the event as posted, then its delivery.
pub(crate) fn view(record: &EventRecord, with_attempts: bool) -> Value {
    let mut body = json!({
        "event_id": record.event.event_id,
        "type": record.event.event_type,
        "order_id": record.order_id,
        "created_at": cuadre_core::time::format_lima(record.created_at),
        "event": record.event,
        "delivery": {
            "status": record.status,
            "next_attempt_at": record.next_attempt_at.map(cuadre_core::time::format_lima),
            "attempt_count": record.attempts.len(),
            "last_attempt": record.attempts.last(),
        },
    });
    if with_attempts {
        body["delivery"]["attempts"] = json!(record.attempts);
    }
    body
}

pub(crate) async fn list(
    app: &App,
    caller: &Caller,
    query: &QueryMap,
) -> Result<Response<Body>, Problem> {
    let q = parse_query(query)?;
    let (records, next) = app
        .store
        .list_events(&caller.tenant.tenant_id, &q.filter, q.page, q.limit)
        .await
        .map_err(Problem::from)?;
    let body = json!({
        "events": records.iter().map(|r| view(r, false)).collect::<Vec<_>>(),
        "next_page": next,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<EventRecord, Problem> {
    app.store
        .get_event(&caller.tenant.tenant_id, id)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found(format!("no event {id:?}")))
}

pub(crate) async fn read(app: &App, caller: &Caller, id: &str) -> Result<Response<Body>, Problem> {
    let record = load(app, caller, id).await?;
    Ok(json_response(StatusCode::OK, &view(&record, true)))
}

/// Makes the event due now (whatever its delivery so far, with a fresh retry window) and queues
/// it; `202`: the delivery happens after the answer.
pub(crate) async fn resend(
    app: &App,
    caller: &Caller,
    id: &str,
) -> Result<Response<Body>, Problem> {
    for _ in 0..3 {
        let current = load(app, caller, id).await?;
        match app
            .store
            .replace_event(&current, &current.resent(app.now()))
            .await
        {
            Ok(stored) => {
                tracing::info!(tenant_id = %caller.tenant.tenant_id, event_id = %stored.event.event_id, "event re-sent on request");
                announce(app.events.as_ref(), std::slice::from_ref(&stored.event)).await;
                return Ok(json_response(StatusCode::ACCEPTED, &view(&stored, true)));
            }
            // A deliverer recorded an attempt meanwhile: read it again.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Problem::conflict("the event kept changing while this request ran; retry").retryable())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<EventQuery, Problem> {
        parse_query(&query.parse().unwrap())
    }

    #[test]
    fn filters_are_read_and_bad_ones_name_their_parameter() {
        let q = parse("type=order.paid&order_id=A-1&status=failed&from=2026-12-01T00:00:00-05:00&to=2026-12-02T00:00:00-05:00&limit=5&page=x").unwrap();
        assert_eq!(q.filter.event_type, Some(EventType::OrderPaid));
        assert_eq!(q.filter.order_id.unwrap().as_str(), "A-1");
        assert_eq!(q.filter.status, Some(DeliveryStatus::Failed));
        assert!(q.filter.from.unwrap() < q.filter.to.unwrap());
        assert_eq!((q.limit, q.page.as_deref()), (5, Some("x")));
        assert_eq!(parse("").unwrap().limit, DEFAULT_LIMIT);
        for (query, field) in [
            ("type=order.lost", "type"),
            ("status=sent", "status"),
            ("from=yesterday", "from"),
            ("limit=0", "limit"),
            ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ] {
            let p = parse(query).unwrap_err();
            assert_eq!(p.status, 422, "{query}");
            assert_eq!(p.errors[0].field, field, "{query}");
        }
        assert_eq!(parse("type=a&type=b").unwrap_err().status, 400);
    }
}
