//! `cip.refunded`: PagoEfectivo reversed a payment at the agent. The payment is marked reversed,
//! its order leaves `PAID` (or `SETTLED`) for `PENDING` with its `order.reversed` in the same
//! write, and `PAYMENT_REVERSED` (with its `exception.opened`) tells the finance person; for a
//! settled payment the money must also come back out of the books. Every step is idempotent, so
//! a repeated notification (or a retry after a 503) finishes what a first one left.

use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::store::{Created, StoreError};
use cuadre_core::{
    ExceptionKey, ExceptionKind, ExceptionRecord, Order, OrderStatus, Payment, Tenant,
};
use cuadre_gateway::Notification;
use cuadre_lambda::problem::{json_response, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;

use crate::app::App;
use crate::handler::{raise, reread_order, store_problem};

/// The payment a reversal names: its operation number's, else the CIP's latest one not reversed.
fn reversed_payment<'p>(
    payments: &'p [Payment],
    notification: &Notification,
) -> Option<&'p Payment> {
    match &notification.operation_number {
        Some(op) => payments.iter().find(|p| &p.operation_number == op),
        None => payments
            .iter()
            .filter(|p| p.reversed_at.is_none())
            .max_by_key(|p| p.paid_at),
    }
}

pub(crate) async fn reverse(
    app: &App,
    tenant: &Tenant,
    notification: &Notification,
    received_at: DateTime<Utc>,
) -> Result<Response<Body>, Problem> {
    let t = &tenant.tenant_id;
    let cip = &notification.data.cip;
    let payments = app
        .store
        .payments_for_cip_consistent(t, cip)
        .await
        .map_err(store_problem)?;
    let Some(payment) = reversed_payment(&payments, notification) else {
        // Nothing recorded to reverse (yet): the archive keeps the notice; reconciliation and
        // the finance person see the CIP's settlement if money moves.
        tracing::warn!(tenant_id = %t, cip = %cip, "a reversal of a payment we never recorded; archived");
        return Ok(json_response(
            StatusCode::OK,
            &json!({"received": true, "status": "archived", "event_type": notification.event_type}),
        ));
    };
    let reversed = match app
        .store
        .reverse_payment(payment, received_at)
        .await
        .map_err(store_problem)?
    {
        Created::New(p) | Created::AlreadyExisted(p) => p,
    };
    let order = match &reversed.order_id {
        Some(id) => app.store.get_order(t, id).await.map_err(store_problem)?,
        None => None,
    };
    let mut announced = Vec::new();
    let was = match order {
        Some(order) => {
            let (was, events) = unpay_order(app, order, &reversed).await?;
            announced.extend(events);
            was
        }
        None => None,
    };
    // Settled when its order was, or when a settlement line of it is stored (a repeat finds the
    // order already moved).
    let lines = app
        .store
        .settlement_lines_of(t, &reversed.cip, &reversed.operation_number)
        .await
        .map_err(store_problem)?;
    let settled =
        was == Some(OrderStatus::Settled) || reversed.settled_as.is_some() || !lines.is_empty();
    let detail = format!(
        "PagoEfectivo reversed payment {} of CIP {} ({}){}",
        reversed.operation_number,
        reversed.cip,
        reversed.amount,
        if settled {
            ": it was already settled, so the money must come back out of the books"
        } else {
            ": the order is no longer paid; do not ship (or recover the goods)"
        }
    );
    let record = ExceptionRecord::open(
        t.clone(),
        ExceptionKey {
            kind: ExceptionKind::PaymentReversed,
            order_id: reversed.order_id.clone(),
            cip: Some(reversed.cip.clone()),
            operation_number: Some(reversed.operation_number.clone()),
        },
        detail,
        app.now(),
    );
    announced.extend(raise(app, &record).await?);
    cuadre_lambda::announce::announce(app.events.as_ref(), &announced).await;
    tracing::info!(
        tenant_id = %t,
        cip = %reversed.cip,
        operation_number = %reversed.operation_number,
        order_id = reversed.order_id.as_ref().map(|o| o.as_str()).unwrap_or("-"),
        "payment reversed"
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "received": true,
            "status": "reversed",
            "cip": reversed.cip,
            "operation_number": reversed.operation_number,
        }),
    ))
}

/// Moves the order out of PAID/SETTLED when no payment of it is left unreversed, with its
/// `order.reversed` in the same write; a lost race is re-read. The status it had, and the events
/// written.
async fn unpay_order(
    app: &App,
    mut current: Order,
    reversed: &Payment,
) -> Result<(Option<OrderStatus>, Vec<MerchantEvent>), Problem> {
    let was = current.status;
    for _ in 0..app.settings.order_write_attempts {
        if !current.status.is_paid() {
            return Ok((Some(was), Vec::new()));
        }
        let others = app
            .store
            .payments_for_order_consistent(&current)
            .await
            .map_err(store_problem)?;
        let still_paid = others.iter().any(|p| {
            p.reversed_at.is_none()
                && (p.cip != reversed.cip || p.operation_number != reversed.operation_number)
        });
        if still_paid {
            // Another payment still pays it (e.g. a duplicate): the order stays as it is.
            return Ok((Some(was), Vec::new()));
        }
        let next = Order {
            status: OrderStatus::Pending,
            ..current.clone()
        };
        let event = MerchantEvent::order_changed(
            EventType::OrderReversed,
            &current,
            &next,
            Some(&reversed.operation_number),
            app.now(),
        );
        let records = [EventRecord::new(event.clone(), app.now())];
        match app
            .store
            .transition_order_announcing(&current, OrderStatus::Pending, &records)
            .await
        {
            Ok(_) => return Ok((Some(current.status), vec![event])),
            Err(StoreError::Conflict(_)) => current = reread_order(app, &current).await?,
            Err(e) => return Err(store_problem(e)),
        }
    }
    Err(Problem::unavailable(
        "the order is being changed by others; send the notification again",
    ))
}
