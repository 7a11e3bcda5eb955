//! Refunds of a paid order: `POST`/`GET /v1/payment-codes/{order_id}/refunds` (the `POST` takes an
//! `Idempotency-Key`) and `PATCH /v1/payment-codes/{order_id}/refunds/{refund_id}`.

use cuadre_core::events::{MerchantEvent, RefundData};
use cuadre_core::money::exact_json::decimal_from_raw;
use cuadre_core::refund::{check_refundable, Refund, RefundLimitError, RefundStatus};
use cuadre_core::store::StoreError;
use cuadre_core::{Currency, Money, Order, OrderId, OrderStatus};
use cuadre_lambda::announce::announce;
use cuadre_lambda::http::to_json;
use cuadre_lambda::idempotency::{scope, Idempotency, Lifetimes};
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::app::App;
use crate::body::{optional_text, parse_body};
use crate::caller::Caller;

const MAX_REASON: usize = 500;
const MAX_NOTE: usize = 2000;
/// Conditional writes lost to concurrent writers before the request gives up with a 409.
const ATTEMPTS: usize = 3;

async fn load_order(app: &App, caller: &Caller, order_id: &OrderId) -> Result<Order, Problem> {
    app.store
        .get_order(&caller.tenant.tenant_id, order_id)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found(format!("no order {order_id}")))
}

#[derive(Debug, Deserialize)]
struct CreateBody {
    #[serde(default)]
    amount: Option<Box<RawValue>>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// What a create request asks for, before the order is known.
struct CreateInput {
    amount: Decimal,
    currency: Option<Currency>,
    reason: String,
}

fn parse_create(body: &[u8]) -> Result<CreateInput, Problem> {
    let input: CreateBody = parse_body(body, false)?;
    let mut errors = Vec::new();
    let amount = match input.amount.as_deref() {
        None => {
            errors.push(FieldError::new("amount", "is required"));
            None
        }
        Some(raw) if raw.get().trim() == "null" => {
            errors.push(FieldError::new("amount", "is required"));
            None
        }
        Some(raw) => match decimal_from_raw(raw) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new("amount", e));
                None
            }
        },
    };
    let currency = match input.currency.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => match code.parse::<Currency>() {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(FieldError::new("currency", e.to_string()));
                None
            }
        },
    };
    let reason = optional_text(input.reason, "reason", MAX_REASON, &mut errors);
    if reason.is_none() && !errors.iter().any(|e| e.field == "reason") {
        errors.push(FieldError::new("reason", "is required"));
    }
    match (amount, reason) {
        (Some(amount), Some(reason)) if errors.is_empty() => Ok(CreateInput {
            amount,
            currency,
            reason,
        }),
        _ => Err(Problem::validation(errors)),
    }
}

/// What was received for the order in its own currency: its codes' payments, or the order's
/// amount when the order is paid but no payment item is found (the status is the authority).
async fn paid_amount(app: &App, order: &Order) -> Result<Money, Problem> {
    let currency = order.amount.currency();
    let payments = app
        .store
        .payments_for_order(order)
        .await
        .map_err(Problem::from)?;
    let total: Decimal = payments
        .iter()
        .filter(|p| p.order_id.as_ref().is_none_or(|o| o == &order.order_id))
        .filter(|p| p.amount.currency() == currency)
        .map(|p| p.amount.amount())
        .sum();
    if total.is_zero() {
        return Ok(order.amount);
    }
    Money::new(total, currency).map_err(|_| Problem::internal())
}

fn new_refund_id() -> String {
    let bytes: [u8; 10] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("rf_{hex}")
}

/// With an `Idempotency-Key`, answered at most once per key and order
/// ([`cuadre_lambda::idempotency`]): a client's retry replays the refund it asked for.
pub(crate) async fn create(
    app: &App,
    caller: &Caller,
    order_id: &OrderId,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let input = parse_create(body)?;
    let idempotency = Idempotency {
        store: app.store.as_ref(),
        tenant_id: &caller.tenant.tenant_id,
        scope: scope("refunds", order_id.as_str()),
        lifetimes: Lifetimes::default(),
    };
    idempotency
        .answer(headers, body, app.now().timestamp(), || {
            request(app, caller, order_id, &input)
        })
        .await
}

/// Records the refund `input` asks for, if the order can take it.
async fn request(
    app: &App,
    caller: &Caller,
    order_id: &OrderId,
    input: &CreateInput,
) -> Result<(StatusCode, Value), Problem> {
    let refund_id = new_refund_id();
    for _ in 0..ATTEMPTS {
        let order = load_order(app, caller, order_id).await?;
        if !order.status.is_paid() {
            return Err(Problem::conflict(format!(
                "order {} is {}; only a PAID or SETTLED order can be refunded",
                order.order_id, order.status
            )));
        }
        let currency = order.amount.currency();
        if let Some(asked) = input.currency.filter(|c| *c != currency) {
            return Err(Problem::validation(vec![FieldError::new(
                "currency",
                format!("the order is in {currency}; a refund of it cannot be in {asked}"),
            )]));
        }
        let amount = Money::new(input.amount, currency)
            .map_err(|e| Problem::validation(vec![FieldError::new("amount", e.to_string())]))?;
        let paid = paid_amount(app, &order).await?;
        let existing = app
            .store
            .refunds_for_order(&order.tenant_id, &order.order_id)
            .await
            .map_err(Problem::from)?;
        check_refundable(amount, paid, &existing).map_err(|e| match e {
            RefundLimitError::AboveRefundable { .. } => Problem::validation(vec![FieldError::new(
                "amount",
                format!("{e}; a refund cannot exceed the order's paid amount"),
            )]),
            RefundLimitError::CurrencyMismatch { .. } => {
                Problem::validation(vec![FieldError::new("currency", e.to_string())])
            }
        })?;
        let refund = Refund::request(
            order.tenant_id.clone(),
            order.order_id.clone(),
            refund_id.clone(),
            amount,
            input.reason.clone(),
            caller.default_actor(),
            app.now(),
        );
        match app.store.request_refund(&order, &refund).await {
            Ok(_) => {
                tracing::info!(tenant_id = %order.tenant_id, order_id = %order.order_id, refund_id = %refund.refund_id, "refund requested");
                announce(
                    app.events.as_ref(),
                    &MerchantEvent::owed_by_refund(&refund, None),
                )
                .await;
                return Ok((StatusCode::CREATED, to_json(&RefundData::of(&refund))?));
            }
            // The order (or its refunds) changed meanwhile: read them again and check again.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(busy())
}

fn busy() -> Problem {
    Problem::conflict("the order kept changing while this request ran; retry").retryable()
}

pub(crate) async fn list(
    app: &App,
    caller: &Caller,
    order_id: &OrderId,
) -> Result<Response<Body>, Problem> {
    let order = load_order(app, caller, order_id).await?;
    let mut refunds = app
        .store
        .refunds_for_order(&order.tenant_id, &order.order_id)
        .await
        .map_err(Problem::from)?;
    refunds.sort_by(|a, b| (a.requested_at, &a.refund_id).cmp(&(b.requested_at, &b.refund_id)));
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "order_id": order.order_id,
            "order_status": order.status,
            "refunds": refunds.iter().map(RefundData::of).collect::<Vec<_>>(),
        }),
    ))
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

pub(crate) async fn update(
    app: &App,
    caller: &Caller,
    order_id: &OrderId,
    refund_id: &str,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let input: UpdateBody = parse_body(body, false)?;
    let mut errors = Vec::new();
    let to = match input.status.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(
                "status",
                "is required: PAID_OUT, COMPLETED or FAILED",
            ));
            None
        }
        Some(text) => match text.parse::<RefundStatus>() {
            Ok(s) => Some(s),
            Err(_) => {
                errors.push(FieldError::new(
                    "status",
                    format!("{text:?} is not one of PAID_OUT, COMPLETED, FAILED"),
                ));
                None
            }
        },
    };
    let note = optional_text(input.note, "note", MAX_NOTE, &mut errors);
    let Some(to) = to.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let t = &caller.tenant.tenant_id;
    for _ in 0..ATTEMPTS {
        let order = load_order(app, caller, order_id).await?;
        let current = app
            .store
            .get_refund(t, order_id, refund_id)
            .await
            .map_err(Problem::from)?
            .ok_or_else(|| Problem::not_found(format!("no refund {refund_id:?} for this order")))?;
        let next = current
            .moved_to(to, note.clone(), app.now())
            .map_err(|e| Problem::conflict(e.to_string()))?;
        let written = if to != RefundStatus::Completed || order.status == OrderStatus::Refunded {
            // Another refund already made the order REFUNDED; this one only records itself.
            app.store.update_refund(&current, &next).await.map(|r| {
                let owed = MerchantEvent::owed_by_refund(&r, None);
                (r, order.status, owed)
            })
        } else if order.status.can_become(OrderStatus::Refunded) {
            app.store
                .complete_refund(&current, &next, &order)
                .await
                .map(|(r, o)| {
                    let owed = MerchantEvent::owed_by_refund(&r, Some((&order, &o)));
                    (r, o.status, owed)
                })
        } else {
            return Err(Problem::conflict(format!(
                "order {} is {}; a refund of it cannot complete",
                order.order_id, order.status
            )));
        };
        match written {
            Ok((refund, order_status, owed)) => {
                tracing::info!(tenant_id = %t, order_id = %order_id, refund_id = %refund.refund_id, status = %refund.status, "refund moved");
                announce(app.events.as_ref(), &owed).await;
                let mut body = to_json(&RefundData::of(&refund))?;
                body["order_status"] = json!(order_status);
                return Ok(json_response(StatusCode::OK, &body));
            }
            // The refund or the order changed meanwhile: read both again and decide again.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(busy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_takes_exact_numbers_or_strings_and_names_bad_fields() {
        let ok = parse_create(br#"{"amount": 150.10, "reason": "returned"}"#)
            .ok()
            .unwrap();
        assert_eq!(ok.amount.to_string(), "150.10");
        let ok = parse_create(br#"{"amount": "150.00", "reason": "x", "currency": "PEN"}"#)
            .ok()
            .unwrap();
        assert_eq!(ok.currency, Some(Currency::Pen));
        let p = parse_create(br#"{"amount": "abc"}"#).err().unwrap();
        assert_eq!(p.status, 422);
        let fields: Vec<_> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "reason"]);
        assert_eq!(parse_create(b"[1]").err().unwrap().status, 400);
    }
}
