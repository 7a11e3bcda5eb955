//! The merchant API's routes, as the template declares them, and the file that answers each
//! resource: `exceptions`, `events`, `reports`, `refunds`, `tenant` (the merchant's own settings).

mod events;
mod exceptions;
mod refunds;
mod reports;
mod tenant;

use cuadre_core::OrderId;
use cuadre_lambda::http::{strict_query, Route, Routes};
use cuadre_lambda::metrics::Metrics;
use cuadre_lambda::problem::Problem;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::caller::Caller;

const LIST_EXCEPTIONS: &str = "GET /v1/exceptions";
const ACKNOWLEDGE: &str = "POST /v1/exceptions/{exception_id}/acknowledge";
const RESOLVE: &str = "POST /v1/exceptions/{exception_id}/resolve";
const REPORT: &str = "GET /v1/reports/{date}";
const CREATE_REFUND: &str = "POST /v1/payment-codes/{order_id}/refunds";
const LIST_REFUNDS: &str = "GET /v1/payment-codes/{order_id}/refunds";
const UPDATE_REFUND: &str = "PATCH /v1/payment-codes/{order_id}/refunds/{refund_id}";
const READ_TENANT: &str = "GET /v1/tenant";
const UPDATE_TENANT: &str = "PATCH /v1/tenant";
const ROTATE_SECRET: &str = "POST /v1/tenant/notification-secret/rotate";
const LIST_EVENTS: &str = "GET /v1/events";
const READ_EVENT: &str = "GET /v1/events/{event_id}";
const RESEND_EVENT: &str = "POST /v1/events/{event_id}/resend";

/// The routes `template.yaml` gives `MerchantApiFunction`.
pub const ROUTES: Routes = Routes(&[
    LIST_EXCEPTIONS,
    ACKNOWLEDGE,
    RESOLVE,
    REPORT,
    CREATE_REFUND,
    LIST_REFUNDS,
    UPDATE_REFUND,
    READ_TENANT,
    UPDATE_TENANT,
    ROTATE_SECRET,
    LIST_EVENTS,
    READ_EVENT,
    RESEND_EVENT,
]);

/// CloudWatch metrics (EMF): every answer by status class.
const METRICS: Metrics = Metrics::new("merchant-api");

/// Larger bodies are refused before they are parsed.
const MAX_BODY: usize = 16 * 1024;

/// Answers one API request; every failure is a problem+json response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let key = ROUTES.find(&req).map_or("-", |r| r.key);
    let response = match route(app, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    };
    METRICS.http_response(key, response.status().as_u16());
    response
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let route = ROUTES.find(&req)?;
    // Unknown routes are told apart before the key is checked only by shape, never by data.
    let exception_id = || segment(&route, "exception_id", "exception");
    let order_id = || order_id(&route);
    let target = match route.key {
        LIST_EXCEPTIONS => Target::ListExceptions,
        ACKNOWLEDGE => Target::Acknowledge(exception_id()?),
        RESOLVE => Target::Resolve(exception_id()?),
        REPORT => Target::Report(segment(&route, "date", "report")?),
        CREATE_REFUND => Target::CreateRefund(order_id()?),
        LIST_REFUNDS => Target::ListRefunds(order_id()?),
        UPDATE_REFUND => Target::UpdateRefund(order_id()?, segment(&route, "refund_id", "refund")?),
        READ_TENANT => Target::ReadTenant,
        UPDATE_TENANT => Target::UpdateTenant,
        ROTATE_SECRET => Target::RotateSecret,
        LIST_EVENTS => Target::ListEvents,
        READ_EVENT => Target::ReadEvent(segment(&route, "event_id", "event")?),
        RESEND_EVENT => Target::ResendEvent(segment(&route, "event_id", "event")?),
        other => unreachable!("{other} is in ROUTES but not routed"),
    };
    let caller = Caller::of(app, &req).await?;
    let body = req.body().as_ref();
    if body.len() > MAX_BODY {
        return Err(Problem::payload_too_large(MAX_BODY));
    }
    match target {
        Target::ListExceptions => exceptions::list(app, &caller, &strict_query(&req)?).await,
        Target::Acknowledge(id) => exceptions::acknowledge(app, &caller, &id, body).await,
        Target::Resolve(id) => exceptions::resolve(app, &caller, &id, body).await,
        Target::Report(date) => reports::day(app, &caller, &date).await,
        Target::CreateRefund(order) => {
            refunds::create(app, &caller, &order, req.headers(), body).await
        }
        Target::ListRefunds(order) => refunds::list(app, &caller, &order).await,
        Target::UpdateRefund(order, refund) => {
            refunds::update(app, &caller, &order, &refund, body).await
        }
        Target::ReadTenant => tenant::read(&caller).await,
        Target::UpdateTenant => tenant::update(app, &caller, body).await,
        Target::RotateSecret => tenant::rotate_secret(app, &caller).await,
        Target::ListEvents => events::list(app, &caller, &strict_query(&req)?).await,
        Target::ReadEvent(id) => events::read(app, &caller, &id).await,
        Target::ResendEvent(id) => events::resend(app, &caller, &id).await,
    }
}

/// What a request asks for, its path parameters read.
enum Target {
    ListExceptions,
    Acknowledge(String),
    Resolve(String),
    Report(String),
    CreateRefund(OrderId),
    ListRefunds(OrderId),
    UpdateRefund(OrderId, String),
    ReadTenant,
    UpdateTenant,
    RotateSecret,
    ListEvents,
    ReadEvent(String),
    ResendEvent(String),
}

/// A path parameter; one that cannot name anything we store is simply not found.
fn segment(route: &Route, name: &str, what: &str) -> Result<String, Problem> {
    match route.param(name) {
        Some(v) if !v.is_empty() && !v.contains('#') && !v.chars().any(char::is_control) => {
            Ok(v.to_string())
        }
        _ => Err(Problem::not_found(format!("no such {what}"))),
    }
}

fn order_id(route: &Route) -> Result<OrderId, Problem> {
    let decoded = segment(route, "order_id", "order")?;
    // An id that cannot exist is simply not found (never a hint about other tenants).
    OrderId::parse(&decoded).map_err(|_| Problem::not_found(format!("no order {decoded:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cuadre_lambda::http::routed;

    #[test]
    fn path_parameters_that_name_nothing_we_store_are_not_found() {
        let hand_built = lambda_http::http::Request::builder()
            .method("POST")
            .uri("https://api.test/prod/v1/exceptions/a%23b/acknowledge")
            .body(Body::Empty)
            .unwrap();
        let route = ROUTES.find(&hand_built).unwrap();
        assert_eq!(route.key, ACKNOWLEDGE);
        assert!(
            segment(&route, "exception_id", "x").is_err(),
            "# never names a stored item"
        );
        let req = routed(Request::default(), ACKNOWLEDGE, &[("exception_id", "a#b")]);
        assert!(segment(&ROUTES.find(&req).unwrap(), "exception_id", "x").is_err());
        let req = routed(
            Request::default(),
            UPDATE_REFUND,
            &[("order_id", "A/1"), ("refund_id", "rf_1")],
        );
        let route = ROUTES.find(&req).unwrap();
        assert_eq!(order_id(&route).unwrap().as_str(), "A/1");
        assert_eq!(segment(&route, "refund_id", "refund").unwrap(), "rf_1");
        let req = routed(Request::default(), REPORT, &[("date", "")]);
        let p = segment(&ROUTES.find(&req).unwrap(), "date", "report").unwrap_err();
        assert_eq!((p.status, p.detail.as_str()), (404, "no such report"));
    }
}
