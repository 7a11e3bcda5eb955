//! The payment-code API's routes, as the template declares them, and the file that answers each:
//! `create` (with `issue`), `read`, `change` (extend, cancel).

mod change;
mod create;
mod issue;
mod read;

use cuadre_core::OrderId;
use cuadre_lambda::http::{self, merchant, Route, Routes};
use cuadre_lambda::metrics::Metrics;
use cuadre_lambda::problem::Problem;
use lambda_http::{Body, Request, Response};

use crate::app::App;

const CREATE: &str = "POST /v1/payment-codes";
const READ: &str = "GET /v1/payment-codes/{order_id}";
const EXTEND: &str = "PATCH /v1/payment-codes/{order_id}";
const CANCEL: &str = "DELETE /v1/payment-codes/{order_id}";

/// The routes `template.yaml` gives `IssueCodeFunction`.
pub const ROUTES: Routes = Routes(&[CREATE, READ, EXTEND, CANCEL]);

/// CloudWatch metrics (EMF): the gateway's failures (our 502s).
const METRICS: Metrics = Metrics::new("issue-code");

/// Answers one API request; every failure is a problem+json response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    match route(app, req).await {
        Ok(response) => response,
        Err(problem) => {
            if problem.status == 502 {
                METRICS.gateway_failure(problem.status, &problem.type_uri);
            }
            problem.into_response()
        }
    }
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let route = ROUTES.find(&req)?;
    let (_, tenant) = merchant(&req, app.store.as_ref(), app.store.as_ref()).await?;
    let base = http::public_base(app.settings.public_base_url.as_deref(), &req);
    let body = req.body().as_ref();
    if route.key == CREATE {
        return create::create(app, &tenant, &base, req.headers(), body).await;
    }
    let order_id = order_id(&route)?;
    match route.key {
        READ => read::get(app, &tenant, &base, &order_id).await,
        EXTEND => change::extend(app, &tenant, &base, &order_id, body).await,
        CANCEL => change::cancel(app, &tenant, &base, &order_id).await,
        other => unreachable!("{other} is in ROUTES but not routed"),
    }
}

/// An id that cannot exist is simply not found (never a hint about other tenants).
fn order_id(route: &Route) -> Result<OrderId, Problem> {
    let value = route
        .param("order_id")
        .ok_or_else(|| Problem::not_found("no such order"))?;
    OrderId::parse(value).map_err(|_| Problem::not_found(format!("no order {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_gateways_order_id_is_taken_as_given() {
        let req = cuadre_lambda::http::routed(Request::default(), READ, &[("order_id", "A/1")]);
        let route = ROUTES.find(&req).unwrap();
        assert_eq!(route.key, READ);
        assert_eq!(order_id(&route).unwrap().as_str(), "A/1");
        let req = cuadre_lambda::http::routed(Request::default(), CANCEL, &[]);
        assert_eq!(
            order_id(&ROUTES.find(&req).unwrap()).unwrap_err().status,
            404
        );
    }
}
