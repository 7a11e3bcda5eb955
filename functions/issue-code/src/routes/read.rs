//! `GET /v1/payment-codes/{order_id}`: the code with its payments, vouchers (with short-lived
//! download links) and open exceptions.

use cuadre_core::{ExceptionStatus, Order, OrderId, Tenant};
use cuadre_lambda::http::to_json;
use cuadre_lambda::problem::{json_response, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use crate::app::App;
use crate::problems;
use crate::view::view;

/// How long a merchant's link to a voucher image works.
const VOUCHER_LINK_SECS: u64 = 300;

/// The caller's order; another tenant's is simply not found.
pub(super) async fn load_order(
    app: &App,
    tenant: &Tenant,
    order_id: &OrderId,
) -> Result<Order, Problem> {
    app.store
        .get_order(&tenant.tenant_id, order_id)
        .await
        .map_err(problems::store)?
        .ok_or_else(|| Problem::not_found(format!("no order {order_id}")))
}

pub(super) async fn get(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
) -> Result<Response<Body>, Problem> {
    let order = load_order(app, tenant, order_id).await?;
    let t = &tenant.tenant_id;
    let payments = app
        .store
        .payments_for_order(&order)
        .await
        .map_err(problems::store)?;
    let vouchers = app
        .store
        .vouchers_for_order(t, order_id)
        .await
        .map_err(problems::store)?;
    let exceptions = app
        .store
        .exceptions_for_order(t, order_id)
        .await
        .map_err(problems::store)?;
    let mut body = to_json(&view(&order, base))?;
    body["payments"] = Value::Array(
        payments
            .iter()
            .map(|p| {
                json!({
                    "cip": p.cip,
                    "operation_number": p.operation_number,
                    "settled_as": p.settled_as,
                    "amount": p.amount.amount_string(),
                    "currency": p.amount.currency(),
                    "paid_at": cuadre_core::time::format_lima(p.paid_at),
                    "source": p.source,
                })
            })
            .collect(),
    );
    let mut voucher_views = Vec::with_capacity(vouchers.len());
    for v in &vouchers {
        let download_url = app
            .links
            .presign_download(&v.object_key, VOUCHER_LINK_SECS)
            .await
            .map_err(problems::store)?;
        voucher_views.push(json!({
            "voucher_id": v.voucher_id,
            "uploaded_at": cuadre_core::time::format_lima(v.uploaded_at),
            "fields": v.fields,
            "field_confidence": v.field_confidence.to_json(),
            "unread": v.unread,
            "warnings": v.warnings,
            "download_url": download_url,
            "download_url_expires_in": VOUCHER_LINK_SECS,
        }));
    }
    body["vouchers"] = Value::Array(voucher_views);
    body["exceptions"] = Value::Array(
        exceptions
            .iter()
            .filter(|e| e.status != ExceptionStatus::Resolved)
            .map(|e| {
                json!({
                    "exception_id": e.exception_id,
                    "kind": e.kind,
                    "status": e.status,
                    "detail": e.detail,
                    "opened_at": cuadre_core::time::format_lima(e.opened_at),
                })
            })
            .collect(),
    );
    Ok(json_response(StatusCode::OK, &body))
}
