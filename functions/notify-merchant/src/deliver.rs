//! Posting one event to its merchant, through the outbox record the event was written with (see
//! `cuadre_core::events::outbox`): the record says whether it is due, a lease keeps two deliverers
//! (the queue's fast path and the sweeper) from posting it at once, and every attempt is recorded
//! with the schedule of the next.

use std::time::Instant;

use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::{DeliveryAttempt, DeliveryStatus, EventRecord};
use cuadre_core::events::MerchantEvent;
use cuadre_core::store::{Created, StoreError};
use cuadre_core::Tenant;

use crate::app::App;
use crate::handler::{store_failure, Failure, METRICS};
use crate::signing::{
    signature_header, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, USER_AGENT,
};

/// What one delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The endpoint took it (2xx) now.
    Delivered,
    /// Delivered before: nothing posted.
    AlreadyDelivered,
    /// Not due (its next attempt is later, or it failed for good): nothing posted.
    NotDue,
    /// Another deliverer holds it: nothing posted.
    Held,
    /// The tenant has no notification URL: recorded so, nothing posted.
    NoEndpoint,
    /// Posted and refused (or unanswered): the next attempt is due then.
    Retry(DateTime<Utc>),
    /// Posted and refused, and the retry window is spent: `failed`, re-sendable.
    GaveUp,
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The event's outbox record; one is written now for an event that came without one (a producer
/// that only queued it), so its delivery is recorded like any other.
async fn record_of(app: &App, event: &MerchantEvent) -> Result<EventRecord, Failure> {
    let stored = app
        .store
        .get_event(&event.tenant_id, &event.event_id)
        .await
        .map_err(|e| store_failure("reading the event", e))?;
    if let Some(record) = stored {
        return Ok(record);
    }
    match app
        .store
        .put_event(&EventRecord::new(event.clone(), app.now()))
        .await
        .map_err(|e| store_failure("recording the event", e))?
    {
        Created::New(record) | Created::AlreadyExisted(record) => Ok(record),
    }
}

/// Posts `event` to the tenant's endpoint if its record says it is due and no one holds it.
pub async fn post_to_merchant(
    app: &App,
    tenant: &Tenant,
    event: &MerchantEvent,
) -> Result<Delivery, Failure> {
    let record = record_of(app, event).await?;
    let now = app.now();
    if record.status == DeliveryStatus::Delivered {
        return Ok(Delivery::AlreadyDelivered);
    }
    if !record.is_due(now) {
        let held = record.lease_until.is_some_and(|l| l >= now);
        return Ok(if held {
            Delivery::Held
        } else {
            Delivery::NotDue
        });
    }
    let Some(url) = tenant
        .notification_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        tracing::info!("the tenant has no notification_url: nothing to post");
        return match app
            .store
            .replace_event(&record, &record.without_endpoint())
            .await
        {
            Ok(_) => Ok(Delivery::NoEndpoint),
            Err(StoreError::Conflict(_)) => Ok(Delivery::Held),
            Err(e) => Err(store_failure("recording the event", e)),
        };
    };
    let lease_until = now + app.settings.delivery_lease;
    let claimed = match app
        .store
        .replace_event(&record, &record.leased(lease_until))
        .await
    {
        Ok(claimed) => claimed,
        Err(StoreError::Conflict(_)) => return Ok(Delivery::Held),
        Err(e) => return Err(store_failure("claiming the event", e)),
    };

    let attempt = attempt(app, tenant, url, &claimed.event).await?;
    let next = claimed.after_attempt(attempt.clone(), &app.settings.delivery);
    let host = host_of(url);
    match attempt.status_code {
        Some(status) if attempt.succeeded() => {
            tracing::info!(status, host, "merchant notified");
            METRICS.event_delivered(&claimed.event);
        }
        status => {
            METRICS.event_failed(&claimed.event, status);
            tracing::warn!(
                status,
                host,
                error = attempt.error.as_deref().unwrap_or(""),
                "merchant endpoint did not take the event; next attempt {:?}",
                next.next_attempt_at
            );
        }
    }
    let next = record_attempt(app, claimed, next, attempt).await?;
    Ok(match (next.status, next.next_attempt_at) {
        (DeliveryStatus::Delivered, _) => Delivery::Delivered,
        (DeliveryStatus::Pending, Some(at)) => Delivery::Retry(at),
        _ => Delivery::GaveUp,
    })
}

/// Stores the record after an attempt. When the record changed meanwhile (a re-send), the attempt
/// is added to what is stored now, so no attempt (and no 2xx) is lost.
async fn record_attempt(
    app: &App,
    claimed: EventRecord,
    next: EventRecord,
    attempt: DeliveryAttempt,
) -> Result<EventRecord, Failure> {
    let (mut current, mut next) = (claimed, next);
    for _ in 0..3 {
        match app.store.replace_event(&current, &next).await {
            Ok(stored) => return Ok(stored),
            Err(StoreError::Conflict(_)) => {
                let Some(fresh) = app
                    .store
                    .get_event(&current.event.tenant_id, &current.event.event_id)
                    .await
                    .map_err(|e| store_failure("reading the event", e))?
                else {
                    return Err(Failure::Permanent("the event vanished".into()));
                };
                next = fresh.after_attempt(attempt.clone(), &app.settings.delivery);
                current = fresh;
            }
            // The lease lapses and the sweeper tries again (same event id: receivers de-duplicate).
            Err(e) => return Err(store_failure("recording the attempt", e)),
        }
    }
    Err(Failure::Transient(
        "the event kept changing while its attempt was recorded".into(),
    ))
}

/// One signed `POST`, timed; a tenant that cannot sign (no secret) is an unanswered attempt, so
/// the event waits for the merchant to fix it rather than being lost.
async fn attempt(
    app: &App,
    tenant: &Tenant,
    url: &str,
    event: &MerchantEvent,
) -> Result<DeliveryAttempt, Failure> {
    let now = app.now();
    let secret_refs = tenant.signing_secret_refs(now);
    if secret_refs.is_empty() {
        return Ok(DeliveryAttempt::unanswered(
            now,
            0,
            "the tenant has a notification_url but no notification secret".into(),
        ));
    }
    let mut secrets = Vec::with_capacity(secret_refs.len());
    for secret_ref in secret_refs {
        match app.secrets.get(secret_ref).await {
            Ok(secret) => secrets.push(secret),
            Err(StoreError::NotFound(_)) => {
                return Ok(DeliveryAttempt::unanswered(
                    now,
                    0,
                    "the tenant's notification secret is missing from SSM".into(),
                ))
            }
            // SSM may answer later: the lease lapses and the event is tried again.
            Err(other) => {
                return Err(Failure::Transient(format!(
                    "reading the notification secret: {other}"
                )))
            }
        }
    }
    let body = serde_json::to_vec(event)
        .map_err(|e| Failure::Permanent(format!("serialising the event: {e}")))?;
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", USER_AGENT.to_string()),
        (
            SIGNATURE_HEADER,
            signature_header(&secrets, now.timestamp(), &body),
        ),
        (EVENT_ID_HEADER, event.event_id.clone()),
        (EVENT_TYPE_HEADER, event.event_type.as_str().to_string()),
    ];
    let started = Instant::now();
    let answer = app.poster.post(url, &headers, body).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(match answer {
        Ok(answer) => DeliveryAttempt::answered(now, answer.status, latency_ms, &answer.body),
        Err(e) => DeliveryAttempt::unanswered(now, latency_ms, e.to_string()),
    })
}
