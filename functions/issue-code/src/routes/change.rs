//! `PATCH /v1/payment-codes/{order_id}` (extend) and `DELETE …` (cancel): the gateway first, then
//! the order follows.

use chrono::{DateTime, Duration, Utc};
use cuadre_core::{Order, OrderId, OrderStatus, Tenant};
use cuadre_lambda::problem::{json_response, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::read::load_order;
use crate::app::App;
use crate::credentials::credentials;
use crate::problems::{self, being_issued};
use crate::request::parse_extend;
use crate::view::view;

fn require_live_code(order: &Order, now: DateTime<Utc>, lease: Duration) -> Result<(), Problem> {
    if order
        .issuing_since
        .is_some_and(|since| now - since <= lease)
    {
        return Err(being_issued());
    }
    if !order.is_issued() {
        return Err(Problem::conflict(format!(
            "order {} has no code yet",
            order.order_id
        )));
    }
    Ok(())
}

pub(super) async fn extend(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let expiry = parse_extend(body, now).map_err(problems::body)?;
    let order = load_order(app, tenant, order_id).await?;
    require_live_code(&order, now, Duration::seconds(app.settings.lease_secs))?;
    if !matches!(order.status, OrderStatus::Pending | OrderStatus::Expired) {
        return Err(Problem::conflict(format!(
            "order {} is {}; only a pending or expired code can be extended",
            order.order_id, order.status
        )));
    }
    let new_expiry = expiry.resolve(now, tenant.default_expiry_hours);
    let creds = credentials(app, tenant).await?;
    let Some(cip) = &order.cip else {
        return Err(Problem::internal());
    };
    app.gateway
        .extend_cip(&creds, cip, new_expiry)
        .await
        .map_err(problems::gateway)?;
    // Extending revives an expired code at the gateway; the order follows.
    let next = Order {
        expires_at: new_expiry,
        status: OrderStatus::Pending,
        ..order.clone()
    };
    let stored = app
        .store
        .replace_order(&order, &next)
        .await
        .map_err(problems::store)?;
    Ok(json_response(StatusCode::OK, &view(&stored, base)))
}

pub(super) async fn cancel(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let order = load_order(app, tenant, order_id).await?;
    require_live_code(&order, now, Duration::seconds(app.settings.lease_secs))?;
    if order.status != OrderStatus::Pending {
        return Err(Problem::conflict(format!(
            "order {} is {}; only a pending code can be cancelled",
            order.order_id, order.status
        )));
    }
    let creds = credentials(app, tenant).await?;
    let Some(cip) = &order.cip else {
        return Err(Problem::internal());
    };
    app.gateway
        .delete_cip(&creds, cip)
        .await
        .map_err(problems::gateway)?;
    let stored = app
        .store
        .transition_order(&order, OrderStatus::Cancelled)
        .await
        .map_err(problems::store)?;
    Ok(json_response(StatusCode::OK, &view(&stored, base)))
}
