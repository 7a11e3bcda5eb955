//! One batch of `MerchantNotificationsQueue` messages: each is parsed and handled on its own; the
//! failed ones are hidden for a growing delay and reported in `batchItemFailures`.

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use cuadre_core::events::{EventType, MerchantEvent, OrderPaidData};
use cuadre_core::store::{OnceClaim, StoreError};
use cuadre_core::Tenant;
use cuadre_lambda::metrics::Metrics;
use cuadre_lambda::sqs::{run_batch, RecordOutcome};
use tracing::Instrument;

use crate::app::App;
use crate::deliver::post_to_merchant;

/// CloudWatch metrics (EMF): events delivered and failed, by type.
pub(crate) const METRICS: Metrics = Metrics::new("notify-merchant");
use crate::email::{render, Confirmation};
use crate::ports::OutgoingEmail;

/// Why a record failed, and whether waiting can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The merchant, SES or AWS may answer later: retry after a growing delay.
    #[error("{0}")]
    Transient(String),
    /// Retrying cannot help (a malformed body, an unknown tenant, a missing secret): the message
    /// is made visible again at once and reaches the DLQ after the queue's `maxReceiveCount`.
    #[error("{0}")]
    Permanent(String),
}

impl Failure {
    fn is_transient(&self) -> bool {
        matches!(self, Failure::Transient(_))
    }
}

pub(crate) fn store_failure(what: &str, err: StoreError) -> Failure {
    match err {
        StoreError::Corrupt(_) | StoreError::TooLarge(_) => {
            Failure::Permanent(format!("{what}: {err}"))
        }
        other => Failure::Transient(format!("{what}: {other}")),
    }
}

/// Handles a batch; the response lists only the failed message ids (never an empty one).
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    run_batch(event, app.settings.concurrency, |record| {
        handle_record(app, record)
    })
    .await
}

async fn handle_record(app: &App, record: SqsMessage) -> RecordOutcome {
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let span = tracing::info_span!(
        "record",
        message_id = record.message_id.as_deref().unwrap_or(""),
        attempt = receive_count,
    );
    async {
        let Err(failure) = process(app, record.body.as_deref()).await else {
            return RecordOutcome::Done;
        };
        let last = receive_count >= app.settings.max_receive_count;
        let delay = if failure.is_transient() && !last {
            app.settings.retry.delay_secs(receive_count)
        } else {
            // Waiting cannot help (or this was the last attempt): on to the DLQ at the next receive.
            0
        };
        match record.receipt_handle.as_deref() {
            Some(handle) => match app.visibility.hide_for(handle, delay).await {
                Ok(()) => tracing::info!(retry_in_secs = delay, last, "delivery will be retried"),
                // The queue's own visibility timeout applies instead; the retry still happens.
                Err(error) => tracing::warn!(error, "could not change the message's visibility"),
            },
            None => tracing::warn!("record without a receipt handle"),
        }
        RecordOutcome::Retry(failure.to_string())
    }
    .instrument(span)
    .await
}

/// Everything one message asks for: the merchant's webhook and, for `order.paid`, the buyer's
/// confirmation. The webhook is posted only when its outbox record says it is due (a refused post
/// is scheduled there, for the sweeper: not a failure of the message); the e-mail is sent once,
/// and a failed one is the message's to retry.
pub async fn process(app: &App, body: Option<&str>) -> Result<(), Failure> {
    let body = body
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| Failure::Permanent("the message has no body".into()))?;
    let event: MerchantEvent = serde_json::from_str(body).map_err(|e| {
        // Data errors name the field at fault; syntax errors would echo nothing useful.
        let detail = match e.classify() {
            serde_json::error::Category::Data => e.to_string().chars().take(200).collect(),
            _ => format!("invalid JSON at line {} column {}", e.line(), e.column()),
        };
        Failure::Permanent(format!("the body is not a merchant event: {detail}"))
    })?;
    process_event(app, &event).await
}

/// [`process`] of a parsed event (the sweeper hands its due events here).
pub async fn process_event(app: &App, event: &MerchantEvent) -> Result<(), Failure> {
    let span = tracing::info_span!(
        "event",
        event_id = %event.event_id,
        event_type = event.event_type.as_str(),
        tenant_id = %event.tenant_id,
    );
    async {
        let tenant = app
            .store
            .get_tenant(&event.tenant_id)
            .await
            .map_err(|e| store_failure("reading the tenant", e))?
            .ok_or_else(|| Failure::Permanent(format!("unknown tenant {}", event.tenant_id)))?;
        let (posted, emailed) = tokio::join!(
            async {
                let delivery = post_to_merchant(app, &tenant, event).await?;
                tracing::debug!(?delivery, "delivery");
                Ok::<_, Failure>(())
            },
            confirm_to_buyer(app, &tenant, event)
        );
        match (posted, emailed) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Err(a), Err(b)) => {
                let reason = format!("{a}; {b}");
                Err(if a.is_transient() || b.is_transient() {
                    Failure::Transient(reason)
                } else {
                    Failure::Permanent(reason)
                })
            }
        }
    }
    .instrument(span)
    .await
}

/// The buyer's confirmation of an `order.paid`, once per order (see [`cuadre_core::store::OnceStore`]):
/// claim with a lease, send, mark done; a failed send gives the claim back for the retry.
async fn confirm_to_buyer(
    app: &App,
    tenant: &Tenant,
    event: &MerchantEvent,
) -> Result<(), Failure> {
    if event.event_type != EventType::OrderPaid {
        return Ok(());
    }
    if !tenant.buyer_emails {
        tracing::info!("buyer e-mails are turned off for this tenant");
        return Ok(());
    }
    let Some(from) = app.settings.email_from.as_deref() else {
        tracing::debug!("BUYER_EMAIL_FROM is not set: no buyer e-mails in this stage");
        return Ok(());
    };
    let data: OrderPaidData = event
        .payload()
        .map_err(|e| Failure::Permanent(e.to_string()))?;
    let order_id = data.order_id.clone();
    let Some(order) = app
        .store
        .get_order(&tenant.tenant_id, &order_id)
        .await
        .map_err(|e| store_failure("reading the order", e))?
    else {
        tracing::warn!(order_id = %order_id, "order.paid for an unknown order: no buyer e-mail");
        return Ok(());
    };
    let Some(buyer) = order.buyer.as_ref().filter(|b| b.email.contains('@')) else {
        tracing::info!(order_id = %order_id, "the order has no buyer e-mail address");
        return Ok(());
    };
    let confirmation = Confirmation {
        merchant: tenant.name.clone(),
        buyer_name: buyer.name.clone(),
        order_id: order_id.to_string(),
        amount: data.money().unwrap_or(order.amount),
        cip: data.cip.to_string(),
        operation_number: match data.operation_number.as_str().trim() {
            "" => "-".to_string(),
            op => op.to_string(),
        },
        paid_at: Some(data.paid_at),
    };

    let key = format!("buyer-email:{order_id}");
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let now = app.now().timestamp();
    let claim = app
        .store
        .claim_once(
            &tenant.tenant_id,
            &key,
            &holder,
            now,
            now + app.settings.email_lease_secs,
        )
        .await
        .map_err(|e| store_failure("claiming the buyer e-mail", e))?;
    match claim {
        OnceClaim::Claimed => {}
        OnceClaim::Done => {
            tracing::info!(order_id = %order_id, "buyer e-mail already sent for this order");
            return Ok(());
        }
        OnceClaim::Held => {
            return Err(Failure::Transient(
                "another delivery is sending this order's buyer e-mail".into(),
            ))
        }
    }

    let (subject, text) = render(&confirmation);
    let email = OutgoingEmail {
        from: from.to_string(),
        to: buyer.email.trim().to_string(),
        subject,
        text,
    };
    match app.mailer.send(&email).await {
        Ok(message_id) => {
            mark_sent(app, tenant, &key).await;
            tracing::info!(order_id = %order_id, ses_message_id = message_id, "buyer e-mail sent");
            Ok(())
        }
        Err(error) => {
            if let Err(e) = app
                .store
                .release_once(&tenant.tenant_id, &key, &holder)
                .await
            {
                tracing::warn!(error = %e, "could not release the buyer e-mail claim; its lease will lapse");
            }
            Err(Failure::Transient(format!("buyer e-mail: {error}")))
        }
    }
}

/// Records a sent e-mail, retrying a little: failing here is the one way a retry could repeat it.
async fn mark_sent(app: &App, tenant: &Tenant, key: &str) {
    let mut pause = Duration::from_millis(100);
    for attempt in 1..=3 {
        match app
            .store
            .complete_once(&tenant.tenant_id, key, app.now().timestamp())
            .await
        {
            Ok(()) => return,
            Err(e) if attempt == 3 => {
                tracing::error!(error = %e, "buyer e-mail sent but not marked: a retry of this event after the lease could repeat it");
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause *= 4;
            }
        }
    }
}
