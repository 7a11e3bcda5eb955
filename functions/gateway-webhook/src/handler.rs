//! `POST /v1/webhooks/pagoefectivo/{tenant_id}`: verify, archive, record once, apply the rules,
//! queue the merchant events, answer.

use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::MerchantEvent;
use cuadre_core::records::sha256_hex;
use cuadre_core::store::{Created, PaymentEvents, StoreError};
use cuadre_core::{
    ExceptionKey, ExceptionKind, ExceptionRecord, OperationNumber, Order, OrderId, OrderStatus,
    Payment, PaymentSource, Tenant, TenantId,
};
use cuadre_gateway::notification::{verify_notification, EVENT_REFUNDED};
use cuadre_gateway::Notification;
use cuadre_lambda::http::Routes;
use cuadre_lambda::metrics::Metrics;
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::app::App;
use crate::ports::ArchivedNotification;
use cuadre_core::rules::arrival::{self, PaymentFacts};
use cuadre_core::rules::{issuance, settlement};

/// The route the template gives this function.
/// The route `template.yaml` gives `GatewayWebhookFunction`.
pub const ROUTES: Routes = Routes(&["POST /v1/webhooks/pagoefectivo/{tenant_id}"]);
/// `PE-Signature`, as `http` stores header names (lowercase); lookups ignore case.
const SIGNATURE: &str = "pe-signature";
/// CloudWatch metrics (EMF): every answer by status class, payments, exceptions.
pub(crate) const METRICS: Metrics = Metrics::new("gateway-webhook");

/// Answers one delivery; every failure is a problem+json response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let response = match receive(app, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    };
    METRICS.http_response(ROUTES.0[0], response.status().as_u16());
    response
}

async fn receive(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let received_at = app.now();
    let route = ROUTES.find(&req)?;
    let tenant_segment = route.param("tenant_id").unwrap_or_default();
    // lambda_http has already decoded API Gateway's base64: these are the bytes the gateway signed.
    let body: &[u8] = req.body().as_ref();
    if body.len() > app.settings.max_body_bytes {
        return Err(Problem::payload_too_large(app.settings.max_body_bytes));
    }
    let (tenant, signature) = authenticate(app, tenant_segment, req.headers(), body).await?;

    let notification = match Notification::parse(body) {
        Ok(notification) => notification,
        Err(e) => {
            // Signed by the gateway, so evidence of real money: kept before it is refused.
            let key = unreadable_key(&tenant.tenant_id, body);
            archive(
                app,
                ArchivedNotification {
                    key: &key,
                    body,
                    signature: &signature,
                    received_at,
                },
            )
            .await?;
            tracing::error!(tenant_id = %tenant.tenant_id, key, error = %e, "a signed notification could not be read; archived");
            unreadable(app, &tenant, body, &key, &e.to_string()).await?;
            return Err(Problem::bad_request(format!(
                "the notification could not be read: {e}"
            )));
        }
    };
    let key = archive_key(&tenant.tenant_id, &notification, body);
    let archived = ArchivedNotification {
        key: &key,
        body,
        signature: &signature,
        received_at,
    };

    if notification.event_type == EVENT_REFUNDED {
        archive(app, archived).await?;
        return crate::reversal::reverse(app, &tenant, &notification, received_at).await;
    }
    if !notification.is_paid() {
        // Nothing to act on (cip.expired, …): kept as received, acknowledged.
        archive(app, archived).await?;
        tracing::info!(
            tenant_id = %tenant.tenant_id,
            cip = %notification.data.cip,
            event_type = %notification.event_type,
            "notification archived"
        );
        return Ok(json_response(
            StatusCode::OK,
            &json!({"received": true, "status": "archived", "event_type": notification.event_type}),
        ));
    }

    let amount = match notification.money() {
        Ok(amount) => amount,
        Err(e) => {
            archive(app, archived).await?;
            tracing::error!(tenant_id = %tenant.tenant_id, cip = %notification.data.cip, error = %e, "a signed notification with an amount no payment can have; archived");
            unreadable(app, &tenant, body, &key, &format!("data.amount: {e}")).await?;
            return Err(Problem::validation(vec![FieldError::new(
                "data.amount",
                e.to_string(),
            )]));
        }
    };
    let operation_number = match &notification.operation_number {
        Some(op) => op.clone(),
        None => {
            OperationNumber::parse(&settlement::stand_in(body)).map_err(|_| Problem::internal())?
        }
    };
    let paid_at = notification.data.payment_date.unwrap_or(received_at);

    // The archive and the order lookup do not depend on each other.
    let (archived, order) = futures::join!(
        archive(app, archived),
        order_for(app, &tenant.tenant_id, &notification)
    );
    archived?;
    let order = order.map_err(store_problem)?;

    let payment = Payment {
        tenant_id: tenant.tenant_id.clone(),
        cip: notification.data.cip.clone(),
        operation_number,
        amount,
        paid_at,
        received_at,
        order_id: order.as_ref().map(|o| o.order_id.clone()),
        source: PaymentSource::Notification,
        raw_ref: Some(key.clone()),
        settled_as: None,
        reversed_at: None,
    };
    let lease_until = received_at + app.settings.events_lease;
    let (created, events) = app
        .store
        .record_payment_pending(&payment, lease_until)
        .await
        .map_err(store_problem)?;
    let status = match created {
        Created::New(payment) => {
            METRICS.payment_recorded(&payment);
            follow_up(app, &tenant, &payment, order).await?;
            tracing::info!(
                tenant_id = %tenant.tenant_id,
                cip = %payment.cip,
                operation_number = %payment.operation_number,
                order_id = payment.order_id.as_ref().map(OrderId::as_str).unwrap_or("-"),
                "payment recorded"
            );
            "recorded"
        }
        Created::AlreadyExisted(stored) => {
            let other_time = notification
                .data
                .payment_date
                .is_some_and(|t| t.timestamp() != stored.paid_at.timestamp());
            if stored.amount != payment.amount || other_time {
                tracing::warn!(
                    tenant_id = %tenant.tenant_id,
                    cip = %stored.cip,
                    operation_number = %stored.operation_number,
                    "a repeated notification differs from the recorded payment; the first one stands"
                );
            }
            if let PaymentEvents::Pending { lease_until } = events {
                finish_pending(app, &tenant, &stored, lease_until).await?;
            }
            "already_recorded"
        }
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "received": true,
            "status": status,
            "cip": payment.cip,
            "operation_number": payment.operation_number,
        }),
    ))
}

/// The tenant of the URL, if the signature is its gateway secret key's. Every way of failing
/// (unknown tenant, no or wrong signature) answers the same 401.
async fn authenticate(
    app: &App,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Tenant, String), Problem> {
    let refused = || {
        Problem::unauthorized(
            "the notification is not signed (PE-Signature) with this merchant's PagoEfectivo secret key",
        )
    };
    let signature = headers
        .get(SIGNATURE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(refused)?;
    let tenant_id = TenantId::parse(tenant_segment).map_err(|_| refused())?;
    let tenant = app
        .store
        .get_tenant(&tenant_id)
        .await
        .map_err(store_problem)?
        .ok_or_else(refused)?;
    let secret = match app.secrets.get(&tenant.secret_ref).await {
        Ok(secret) => secret,
        Err(StoreError::NotFound(_)) => {
            tracing::error!(tenant_id = %tenant.tenant_id, "the tenant's gateway secret key is missing");
            return Err(refused());
        }
        Err(e) => return Err(store_problem(e)),
    };
    if !verify_notification(secret.as_bytes(), body, signature) {
        tracing::warn!(tenant_id = %tenant.tenant_id, "notification with a wrong signature refused");
        return Err(refused());
    }
    Ok((tenant, signature.to_string()))
}

/// `webhooks/{tenant}/{cip}-{operation}-{sha256}.json`: the same body always has the same key, so
/// a replay is archived once.
fn archive_key(tenant: &TenantId, notification: &Notification, body: &[u8]) -> String {
    let operation: String = notification
        .operation_number
        .as_ref()
        .map(OperationNumber::as_str)
        .unwrap_or("none")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "webhooks/{tenant}/{}-{operation}-{}.json",
        notification.data.cip,
        sha256_hex(body)
    )
}

async fn archive(app: &App, object: ArchivedNotification<'_>) -> Result<(), Problem> {
    app.archive.put(object).await.map_err(|e| {
        tracing::error!(error = %e, "could not archive the notification");
        Problem::unavailable("the notification could not be archived; send it again")
    })
}

/// A signed body we cannot act on is evidence of real money: `UNREADABLE_NOTIFICATION` (one per
/// body, keyed by its stand-in number) tells the finance person where it is archived.
async fn unreadable(
    app: &App,
    tenant: &Tenant,
    body: &[u8],
    archived_as: &str,
    reason: &str,
) -> Result<(), Problem> {
    let stand_in =
        OperationNumber::parse(&settlement::stand_in(body)).map_err(|_| Problem::internal())?;
    let record = ExceptionRecord::open(
        tenant.tenant_id.clone(),
        ExceptionKey {
            kind: ExceptionKind::UnreadableNotification,
            order_id: None,
            cip: None,
            operation_number: Some(stand_in),
        },
        format!(
            "a notification signed with this merchant's PagoEfectivo key could not be read \
             ({reason}); it is archived as {archived_as}: check it with PagoEfectivo"
        ),
        app.now(),
    );
    if let Some(event) = raise(app, &record).await? {
        cuadre_lambda::announce::announce(app.events.as_ref(), &[event]).await;
    }
    Ok(())
}

/// Raises an exception (its `exception.opened` is written with it); the event to queue now when
/// it is new, `None` when it existed already.
pub(crate) async fn raise(
    app: &App,
    record: &ExceptionRecord,
) -> Result<Option<MerchantEvent>, Problem> {
    match app
        .store
        .raise_exception(record)
        .await
        .map_err(store_problem)?
    {
        Created::New(record) => {
            METRICS.exception_opened(&record);
            tracing::info!(tenant_id = %record.tenant_id, exception_id = %record.exception_id, "exception raised");
            Ok(Some(MerchantEvent::exception_opened(&record)))
        }
        Created::AlreadyExisted(_) => Ok(None),
    }
}

/// `webhooks/{tenant}/unreadable-{sha256}.json`: a signed body we cannot read.
fn unreadable_key(tenant: &TenantId, body: &[u8]) -> String {
    format!("webhooks/{tenant}/unreadable-{}.json", sha256_hex(body))
}

/// The order the notification's CIP belongs to (as its current or an earlier code); else the order
/// named by its `transactionCode` when a gateway call for it timed out (a code it may have got was
/// never recorded).
async fn order_for(
    app: &App,
    tenant: &TenantId,
    notification: &Notification,
) -> Result<Option<Order>, StoreError> {
    if let Some(order) = app
        .store
        .find_order_by_cip(tenant, &notification.data.cip)
        .await?
    {
        return Ok(Some(order));
    }
    let Some(order_id) = notification
        .data
        .transaction_code
        .as_deref()
        .and_then(|code| OrderId::parse(code).ok())
    else {
        return Ok(None);
    };
    Ok(app
        .store
        .get_order(tenant, &order_id)
        .await?
        .filter(issuance::adopts_unrecorded_code))
}

/// A repeated notification found the payment recorded but its events not yet sent: wait for the
/// request holding them, or take them over when its lease has ended (it crashed).
async fn finish_pending(
    app: &App,
    tenant: &Tenant,
    payment: &Payment,
    mut lease_until: DateTime<Utc>,
) -> Result<(), Problem> {
    let give_up = app.now() + app.settings.wait_for_holder;
    let mut pause = std::time::Duration::from_millis(25);
    loop {
        let now = app.now();
        if lease_until < now {
            if claim_events(app, tenant, payment, now).await? {
                tracing::warn!(
                    tenant_id = %tenant.tenant_id,
                    cip = %payment.cip,
                    operation_number = %payment.operation_number,
                    "taking over the unsent events of a recorded payment"
                );
                return follow_up(app, tenant, payment, None).await;
            }
        } else if now >= give_up {
            return Err(Problem::unavailable(
                "this payment is recorded and its follow-up is still running; send the notification again",
            ));
        }
        let until_lease = (lease_until - now).to_std().unwrap_or_default();
        tokio::time::sleep(
            pause
                .min(until_lease)
                .max(std::time::Duration::from_millis(5)),
        )
        .await;
        pause = (pause * 2).min(std::time::Duration::from_millis(500));
        match app
            .store
            .payment_events(&tenant.tenant_id, &payment.cip, &payment.operation_number)
            .await
            .map_err(store_problem)?
        {
            None | Some(PaymentEvents::Sent) => return Ok(()),
            Some(PaymentEvents::Pending { lease_until: l }) => lease_until = l,
        }
    }
}

/// Takes over a payment's unsent events for one lease from `now`, when no one holds them.
async fn claim_events(
    app: &App,
    tenant: &Tenant,
    payment: &Payment,
    now: DateTime<Utc>,
) -> Result<bool, Problem> {
    app.store
        .claim_payment_events(
            &tenant.tenant_id,
            &payment.cip,
            &payment.operation_number,
            now,
            now + app.settings.events_lease,
        )
        .await
        .map_err(store_problem)
}

/// Everything after the payment is recorded: the order becomes PAID (with its `order.paid` in the
/// same transaction), exceptions are raised (each with its `exception.opened`), the events are
/// queued (a fast path: they are in the outbox) and the follow-up marker cleared. Safe to run again
/// for the same payment. `known_order` is the payment's order as just read, if the caller has it.
async fn follow_up(
    app: &App,
    tenant: &Tenant,
    payment: &Payment,
    known_order: Option<Order>,
) -> Result<(), Problem> {
    let t = &tenant.tenant_id;
    let order = match (&payment.order_id, known_order) {
        (Some(id), Some(order)) if &order.order_id == id => Some(order),
        (Some(id), _) => app.store.get_order(t, id).await.map_err(store_problem)?,
        (None, _) => None,
    };
    let mut events = Vec::new();
    let (order, moved) = match order {
        Some(current) => {
            let (order, moved) = settle_order(app, current, payment).await?;
            if moved {
                events.push(MerchantEvent::order_paid(&order, payment));
            }
            (Some(order), moved)
        }
        None => (None, false),
    };
    // The payment that moved its order to PAID is its first; an orphan has no order to be paid
    // twice. Any other payment is weighed against all of its order's, of every code the order has
    // had (read strongly consistent: of two racing payments, the later reader sees both).
    let order_payments = match &order {
        Some(order) if !moved => app
            .store
            .payments_for_order_consistent(order)
            .await
            .map_err(store_problem)?,
        _ => vec![payment.clone()],
    };
    let decision = arrival::decide(&PaymentFacts {
        payment,
        order: order.as_ref(),
        order_payments: &order_payments,
        high_value_thresholds: &tenant.high_value_thresholds,
    });

    let now = app.now();
    let late = decision
        .exceptions
        .iter()
        .any(|r| r.key.kind == ExceptionKind::PaidAfterExpiry);
    let mut seen = std::collections::HashSet::new();
    for raised in decision.exceptions {
        if !seen.insert(raised.key.id()) {
            continue;
        }
        let record = ExceptionRecord::open(t.clone(), raised.key, raised.detail, now);
        events.extend(raise(app, &record).await?);
    }

    if let (true, true, Some(order)) = (late, moved, &order) {
        events.extend(crate::late::apply_policy(app, tenant, order, payment).await?);
    }
    cuadre_lambda::announce::announce(app.events.as_ref(), &events).await;
    if let Err(e) = app
        .store
        .mark_payment_events_sent(t, &payment.cip, &payment.operation_number)
        .await
    {
        // Everything is written; at worst a repeated notification runs the follow-up again.
        tracing::warn!(error = %e, "could not clear the payment's follow-up marker");
    }
    Ok(())
}

/// The order as stored now, after a conditional write on `current` lost a race.
pub(crate) async fn reread_order(app: &App, current: &Order) -> Result<Order, Problem> {
    app.store
        .get_order(&current.tenant_id, &current.order_id)
        .await
        .map_err(store_problem)?
        .ok_or_else(|| {
            tracing::error!(order_id = %current.order_id, "an order with a payment vanished");
            Problem::internal()
        })
}

/// The `order.paid` a move to PAID owes (none when the write only adopts a code).
fn owed_paid(app: &App, paid: &Order, pays: bool, payment: &Payment) -> Vec<EventRecord> {
    pays.then(|| EventRecord::new(MerchantEvent::order_paid(paid, payment), app.now()))
        .into_iter()
        .collect()
}

/// Moves the order to PAID (and records the CIP on an order that adopts it: as its code, or one of
/// its earlier codes when a retry got it another), by conditional
/// writes: on a lost race the order is read again and the move re-decided. Says whether this
/// call moved it to PAID.
async fn settle_order(
    app: &App,
    mut current: Order,
    payment: &Payment,
) -> Result<(Order, bool), Problem> {
    if payment.reversed_at.is_some() {
        // The gateway reversed it before its follow-up finished: it pays nothing.
        return Ok((current, false));
    }
    for _ in 0..app.settings.order_write_attempts {
        let adopt = !current.has_cip(&payment.cip);
        let pay = issuance::payable(current.status);
        if !adopt && !pay {
            return Ok((current, false));
        }
        let result = if adopt {
            // A code the order never recorded: its current one when it has none, else an earlier.
            let mut next = current.clone();
            if next.cip.is_none() {
                next.cip = Some(payment.cip.clone());
            } else {
                next.learn_cip(payment.cip.clone());
            }
            if pay {
                next.status = OrderStatus::Paid;
            }
            let owed = owed_paid(app, &next, pay, payment);
            app.store
                .replace_order_announcing(&current, &next, &owed)
                .await
        } else {
            let paid = Order {
                status: OrderStatus::Paid,
                ..current.clone()
            };
            let owed = owed_paid(app, &paid, true, payment);
            app.store
                .transition_order_announcing(&current, OrderStatus::Paid, &owed)
                .await
        };
        match result {
            Ok(stored) => return Ok((stored, pay)),
            Err(StoreError::Conflict(_)) => current = reread_order(app, &current).await?,
            Err(e) => return Err(store_problem(e)),
        }
    }
    Err(Problem::unavailable(
        "the order is being changed by others; send the notification again",
    ))
}

pub(crate) fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Unavailable(cause) => {
            tracing::error!(cause, "store unavailable");
            Problem::unavailable("storage is not answering; send the notification again")
        }
        StoreError::Conflict(cause) => {
            tracing::warn!(cause, "conflict");
            Problem::unavailable("a concurrent change got in the way; send the notification again")
        }
        other => {
            tracing::error!(error = %other, "store failure");
            Problem::internal()
        }
    }
}
