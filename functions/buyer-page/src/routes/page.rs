//! `GET /pay/{token}`: the code, amount, expiry countdown and how to pay.

use chrono::{DateTime, Utc};
use cuadre_core::{Order, OrderStatus};
use cuadre_pages::{render_error, render_not_found, render_pay_page, Lang, PayPageView, PayStatus};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use crate::app::App;
use crate::html::html;
use crate::lookup::find_order;

fn pay_status(order: &Order, now: DateTime<Utc>) -> PayStatus {
    match order.status {
        OrderStatus::Paid | OrderStatus::Settled => PayStatus::Paid,
        OrderStatus::Cancelled | OrderStatus::Refunded => PayStatus::Cancelled,
        OrderStatus::Expired => PayStatus::Expired,
        OrderStatus::Pending if order.expires_at <= now => PayStatus::Expired,
        OrderStatus::Pending => PayStatus::Pending,
    }
}

pub(super) async fn page(app: &App, token: &str, lang: Lang) -> Response<Body> {
    let now = (app.clock)();
    match find_order(app, token).await {
        Ok(Some((order, merchant_name))) => {
            let Some(cip) = order.cip.as_ref() else {
                return html(StatusCode::NOT_FOUND, render_not_found(lang));
            };
            let status = pay_status(&order, now);
            let uploads_open = !matches!(status, PayStatus::Cancelled);
            let view = PayPageView {
                merchant_name,
                order_id: order.order_id.to_string(),
                cip: cip.to_string(),
                amount: order.amount,
                expires_at: order.expires_at,
                now,
                status,
                cip_url: order.cip_url.clone(),
                // Relative to the page, so it also works behind a named API stage (`/prod/pay/…`).
                upload_url: uploads_open.then(|| format!("{token}/uploads")),
                vouchers_received: 0,
                concept: order.concept.clone(),
            };
            html(StatusCode::OK, render_pay_page(&view, lang))
        }
        Ok(None) => html(StatusCode::NOT_FOUND, render_not_found(lang)),
        Err(e) => {
            tracing::error!(error = %e, "pay page lookup failed");
            html(StatusCode::SERVICE_UNAVAILABLE, render_error(lang))
        }
    }
}
