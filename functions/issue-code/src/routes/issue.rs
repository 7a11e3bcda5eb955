//! Issuing the code for an order: the order is recorded (and claimed) before the gateway is
//! called, so a code is never created for an order we have no record of, and two requests for
//! one order never both call the gateway.

use chrono::{DateTime, Duration, Utc};
use cuadre_core::access::{hash_pay_token, new_pay_token, PayLink};
use cuadre_core::store::StoreError;
use cuadre_core::{Order, OrderStatus, Tenant};
use cuadre_gateway::{CreateCip, GatewayError, IssuedCip};
use cuadre_lambda::http::to_json;
use cuadre_lambda::problem::Problem;
use lambda_http::http::StatusCode;
use serde_json::Value;

use crate::app::App;
use crate::credentials::credentials;
use crate::problems::{self, being_issued};
use crate::request::CreateCode;
use crate::view::view;

enum IssueFailure {
    Gateway(GatewayError),
    Problem(Problem),
}

/// The code for the order: the live one it already has (200), or a new one (201).
pub(super) async fn issue(
    app: &App,
    tenant: &Tenant,
    base: &str,
    input: &CreateCode,
    now: DateTime<Utc>,
) -> Result<(StatusCode, Value), Problem> {
    let lease = Duration::seconds(app.settings.lease_secs);
    let existing = app
        .store
        .get_order(&tenant.tenant_id, &input.order_id)
        .await
        .map_err(problems::store)?;
    let expires_at = input.expiry.resolve(now, tenant.default_expiry_hours);
    let (claimed, fresh) = match existing {
        None => {
            let order = Order {
                tenant_id: tenant.tenant_id.clone(),
                order_id: input.order_id.clone(),
                cip: None,
                amount: input.amount,
                status: OrderStatus::Pending,
                issued_at: now,
                expires_at,
                cip_url: None,
                channel: Some(input.channel.clone()),
                concept: input.concept.clone(),
                buyer: Some(input.buyer.clone()),
                pay_token: None,
                issuing_since: Some(now),
                unknown_issue_attempts: 0,
                earlier_cips: Vec::new(),
                version: 1,
            };
            match app.store.create_order(&order).await {
                Ok(()) => (order, true),
                Err(StoreError::Conflict(_)) => return Err(being_issued()),
                Err(e) => return Err(problems::store(e)),
            }
        }
        Some(order) => {
            if order
                .issuing_since
                .is_some_and(|since| now - since <= lease)
            {
                return Err(being_issued());
            }
            if order.is_issued() {
                match order.status {
                    OrderStatus::Pending if order.expires_at > now => {
                        // One live code per order: the same order gets the same code back.
                        if order.amount != input.amount {
                            return Err(Problem::conflict(format!(
                                "order {} already has a live code for {}; cancel it before asking for another amount",
                                order.order_id, order.amount
                            )));
                        }
                        return Ok((StatusCode::OK, to_json(&view(&order, base))?));
                    }
                    OrderStatus::Paid | OrderStatus::Settled | OrderStatus::Refunded => {
                        return Err(Problem::conflict(format!(
                            "order {} is already {}; no new code is issued",
                            order.order_id, order.status
                        )))
                    }
                    // Expired or cancelled (or pending past its expiry): a new code may be issued.
                    _ => {}
                }
            }
            let claim = Order {
                issuing_since: Some(now),
                ..order.clone()
            };
            match app.store.replace_order(&order, &claim).await {
                Ok(stored) => (stored, false),
                Err(StoreError::Conflict(_)) => return Err(being_issued()),
                Err(e) => return Err(problems::store(e)),
            }
        }
    };

    let outcome = call_gateway(app, tenant, input, expires_at).await;
    match outcome {
        Ok(issued) => {
            let token = new_pay_token(rand::random());
            let link = PayLink {
                token_hash: hash_pay_token(&token),
                tenant_id: tenant.tenant_id.clone(),
                order_id: input.order_id.clone(),
                uploads_granted: 0,
            };
            app.store
                .create_pay_link(&link)
                .await
                .map_err(problems::store)?;
            // A re-issue after expiry or cancel is a new code for the same order: it starts
            // pending, and the code it replaces stays the order's (a buyer may still pay it).
            let next = Order {
                cip_url: Some(issued.cip_url),
                amount: input.amount,
                status: OrderStatus::Pending,
                issued_at: now,
                expires_at: issued.date_expiry.unwrap_or(expires_at),
                channel: Some(input.channel.clone()),
                concept: input.concept.clone(),
                buyer: Some(input.buyer.clone()),
                pay_token: Some(token),
                issuing_since: None,
                ..claimed.with_new_cip(issued.cip)
            };
            let stored = app
                .store
                .replace_order(&claimed, &next)
                .await
                .map_err(problems::store)?;
            tracing::info!(tenant_id = %tenant.tenant_id, order_id = %stored.order_id, "payment code issued");
            Ok((StatusCode::CREATED, to_json(&view(&stored, base))?))
        }
        Err(IssueFailure::Gateway(e)) if e.outcome_unknown() => {
            // A code may exist at the gateway that no buyer has seen; count it and free the order.
            let released = Order {
                issuing_since: None,
                unknown_issue_attempts: claimed.unknown_issue_attempts + 1,
                ..claimed.clone()
            };
            if let Err(err) = app.store.replace_order(&claimed, &released).await {
                tracing::warn!(error = %err, "could not release the order after an unknown gateway outcome");
            }
            tracing::warn!(tenant_id = %tenant.tenant_id, order_id = %claimed.order_id, error = %e, "gateway outcome unknown");
            Err(problems::gateway(e))
        }
        Err(failure) => {
            // The gateway said no (or we could not ask): nothing was issued, undo the claim.
            let undo = if fresh {
                app.store.discard_unissued_order(&claimed).await
            } else {
                let released = Order {
                    issuing_since: None,
                    ..claimed.clone()
                };
                app.store
                    .replace_order(&claimed, &released)
                    .await
                    .map(|_| ())
            };
            if let Err(err) = undo {
                tracing::warn!(error = %err, "could not undo the order claim");
            }
            Err(match failure {
                IssueFailure::Gateway(e) => problems::gateway(e),
                IssueFailure::Problem(p) => p,
            })
        }
    }
}

async fn call_gateway(
    app: &App,
    tenant: &Tenant,
    input: &CreateCode,
    expires_at: DateTime<Utc>,
) -> Result<IssuedCip, IssueFailure> {
    let creds = credentials(app, tenant)
        .await
        .map_err(IssueFailure::Problem)?;
    let mut request = CreateCip::for_buyer(input.order_id.clone(), input.amount, &input.buyer);
    request.date_expiry = Some(expires_at);
    request.payment_concept = input.concept.clone();
    app.gateway
        .create_cip(&creds, &request)
        .await
        .map_err(IssueFailure::Gateway)
}
