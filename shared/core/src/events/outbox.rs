//! The event outbox: every merchant event is stored (an [`EventRecord`]) in the same write as the
//! change that owes it, then delivered from there. The queue is only a fast path; a scheduled
//! sweeper delivers whatever is due (see [`EventStore::due_events`]).
//!
//! Delivery follows [`RetryPolicy`]: growing delays for 72 hours from the event's creation, every
//! attempt recorded ([`DeliveryAttempt`]); after the last the event is `failed` and stays
//! re-sendable ([`EventRecord::resent`]).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{EventType, MerchantEvent};
use crate::ids::{OrderId, TenantId};
use crate::store::{Created, StoreError};

/// Where an event's delivery to the merchant's endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet: due at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt of the retry window failed; re-sendable.
    Failed,
    /// The tenant had no notification URL when it was due; re-sendable once it has one.
    NoEndpoint,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::NoEndpoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::NoEndpoint => "no_endpoint",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The most of an endpoint's answer kept with an attempt.
pub const RESPONSE_EXCERPT_BYTES: usize = 512;

/// One try at posting an event to the merchant's endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    #[serde(with = "crate::time::serde_lima")]
    pub at: DateTime<Utc>,
    /// The HTTP status the endpoint answered; `None` when no answer came.
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    /// The first [`RESPONSE_EXCERPT_BYTES`] of the answer's body (cut at a character boundary).
    pub response: String,
    /// Why no answer came (connection refused, timeout…).
    #[serde(default)]
    pub error: Option<String>,
}

impl DeliveryAttempt {
    /// An attempt that got an answer; the body is cut to its first 512 bytes.
    pub fn answered(at: DateTime<Utc>, status_code: u16, latency_ms: u64, body: &[u8]) -> Self {
        DeliveryAttempt {
            at,
            status_code: Some(status_code),
            latency_ms,
            response: excerpt(body),
            error: None,
        }
    }

    /// An attempt that got no answer.
    pub fn unanswered(at: DateTime<Utc>, latency_ms: u64, error: String) -> Self {
        DeliveryAttempt {
            at,
            status_code: None,
            latency_ms,
            response: String::new(),
            error: Some(error.chars().take(RESPONSE_EXCERPT_BYTES).collect()),
        }
    }

    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// The first 512 bytes of `body` as text, never splitting a character.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(RESPONSE_EXCERPT_BYTES)]);
    let mut out = String::new();
    for c in text.chars() {
        if out.len() + c.len_utf8() > RESPONSE_EXCERPT_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// When to try again: `delays[n-1]` after the n-th failed attempt (the last repeats), never past
/// `window` from the event's creation; the attempt at the window's end is the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub delays: Vec<Duration>,
    pub window: Duration,
}

impl Default for RetryPolicy {
    /// 1 min, 5 min, 30 min, 2 h, 5 h, then every 10 h, for 72 h (like Stripe's three days).
    fn default() -> Self {
        RetryPolicy {
            delays: [1, 5, 30, 120, 300, 600]
                .into_iter()
                .map(Duration::minutes)
                .collect(),
            window: Duration::hours(72),
        }
    }
}

impl RetryPolicy {
    /// When the attempt after `failed` failed attempts is due, or `None` when the window is spent.
    pub fn next_attempt(
        &self,
        created_at: DateTime<Utc>,
        failed: usize,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let end = created_at + self.window;
        if now >= end {
            return None;
        }
        let delay = self
            .delays
            .get(failed.saturating_sub(1))
            .or(self.delays.last())
            .copied()
            .unwrap_or_else(|| Duration::minutes(5));
        Some((now + delay).min(end))
    }
}

/// A merchant event as the outbox keeps it: the event and its delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event: MerchantEvent,
    /// The order the event is about, when it names one (for the events API's filter).
    pub order_id: Option<OrderId>,
    pub status: DeliveryStatus,
    #[serde(with = "crate::time::serde_lima")]
    pub created_at: DateTime<Utc>,
    /// Where the current retry window starts: the creation, or the last re-send.
    #[serde(with = "crate::time::serde_lima")]
    pub retry_from: DateTime<Utc>,
    /// When a sweeper should try it (only while `pending`).
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// A deliverer holds it until then (it is posting it now).
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub lease_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub attempts: Vec<DeliveryAttempt>,
    #[serde(default)]
    pub version: u64,
}

impl EventRecord {
    /// A new event, due at once.
    pub fn new(event: MerchantEvent, now: DateTime<Utc>) -> Self {
        let order_id = event
            .data
            .get("order_id")
            .and_then(|v| v.as_str())
            .and_then(|s| OrderId::parse(s).ok());
        EventRecord {
            event,
            order_id,
            status: DeliveryStatus::Pending,
            created_at: now,
            retry_from: now,
            next_attempt_at: Some(now),
            lease_until: None,
            attempts: Vec::new(),
            version: 0,
        }
    }

    /// A new event, created (and due) when it occurred: for writes stamped with their own time
    /// (an exception's opening, a refund's step).
    pub fn occurred(event: MerchantEvent) -> Self {
        let at = event.occurred_at;
        EventRecord::new(event, at)
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.event.tenant_id
    }

    pub fn event_id(&self) -> &str {
        &self.event.event_id
    }

    /// Pending, due, and held by no one.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.status == DeliveryStatus::Pending
            && self.next_attempt_at.is_some_and(|t| t <= now)
            && self.lease_until.is_none_or(|l| l < now)
    }

    /// The record held by a deliverer until `until`.
    pub fn leased(&self, until: DateTime<Utc>) -> Self {
        EventRecord {
            lease_until: Some(until),
            ..self.clone()
        }
    }

    /// The record after `attempt`: delivered on a 2xx, else pending until the next try, or failed
    /// when the policy's window is spent.
    pub fn after_attempt(&self, attempt: DeliveryAttempt, policy: &RetryPolicy) -> Self {
        let mut next = self.clone();
        let at = attempt.at;
        let ok = attempt.succeeded();
        next.attempts.push(attempt);
        next.lease_until = None;
        if ok {
            next.status = DeliveryStatus::Delivered;
            next.next_attempt_at = None;
            return next;
        }
        // Failures of this window only: a re-sent event starts its delays again.
        let failed = next
            .attempts
            .iter()
            .rev()
            .take_while(|a| !a.succeeded() && a.at >= self.retry_from)
            .count();
        match policy.next_attempt(self.retry_from, failed, at) {
            Some(t) => {
                next.status = DeliveryStatus::Pending;
                next.next_attempt_at = Some(t);
            }
            None => {
                next.status = DeliveryStatus::Failed;
                next.next_attempt_at = None;
            }
        }
        next
    }

    /// The record when it was due but the tenant has no endpoint to post to.
    pub fn without_endpoint(&self) -> Self {
        EventRecord {
            status: DeliveryStatus::NoEndpoint,
            next_attempt_at: None,
            lease_until: None,
            ..self.clone()
        }
    }

    /// Sent again on request: pending and due at `now`, with a fresh retry window; the attempts
    /// so far are kept, and a deliverer posting it now keeps its lease (no second post at once).
    pub fn resent(&self, now: DateTime<Utc>) -> Self {
        EventRecord {
            status: DeliveryStatus::Pending,
            next_attempt_at: Some(now),
            lease_until: self.lease_until.filter(|l| *l >= now),
            retry_from: now,
            ..self.clone()
        }
    }
}

/// What `GET /v1/events` may filter on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub event_type: Option<EventType>,
    pub order_id: Option<OrderId>,
    pub status: Option<DeliveryStatus>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
}

impl EventFilter {
    pub fn matches(&self, record: &EventRecord) -> bool {
        self.event_type.is_none_or(|t| record.event.event_type == t)
            && self
                .order_id
                .as_ref()
                .is_none_or(|o| record.order_id.as_ref() == Some(o))
            && self.status.is_none_or(|s| record.status == s)
            && self.from.is_none_or(|f| record.created_at >= f)
            && self.to.is_none_or(|t| record.created_at < t)
    }
}

/// The outbox. Writes that owe events (an order's move, an exception raised or changed, a refund)
/// put their [`EventRecord`]s in their own transaction; these methods serve delivery and the API.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores events owed by no other write (a reversal archived, a test event); an id already
    /// stored is left as it is.
    async fn put_event(&self, record: &EventRecord) -> Result<Created<EventRecord>, StoreError>;
    async fn get_event(
        &self,
        tenant_id: &TenantId,
        event_id: &str,
    ) -> Result<Option<EventRecord>, StoreError>;
    /// Writes `next` if the stored record is still at `current.version`; bumps the version.
    async fn replace_event(
        &self,
        current: &EventRecord,
        next: &EventRecord,
    ) -> Result<EventRecord, StoreError>;
    /// Pending events due at `now` (oldest due first), at most `limit`.
    async fn due_events(
        &self,
        tenant_id: &TenantId,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<EventRecord>, StoreError>;
    /// The tenant's events, newest first, that match `filter`; at most `limit` per page.
    async fn list_events(
        &self,
        tenant_id: &TenantId,
        filter: &EventFilter,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<EventRecord>, Option<String>), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(at: DateTime<Utc>) -> EventRecord {
        let event = MerchantEvent::new(
            EventType::OrderPaid,
            TenantId::parse("acme").unwrap(),
            "1/2",
            at,
            serde_json::json!({"order_id": "A-1"}),
        );
        EventRecord::new(event, at)
    }

    fn failed(at: DateTime<Utc>, code: u16) -> DeliveryAttempt {
        DeliveryAttempt::answered(at, code, 12, b"down")
    }

    #[test]
    fn retries_grow_for_72_hours_then_fail() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let policy = RetryPolicy::default();
        let mut r = record(t0);
        assert_eq!(r.order_id.as_ref().unwrap().as_str(), "A-1");
        assert!(r.is_due(t0));
        let mut gaps = Vec::new();
        let mut now = t0;
        while r.status == DeliveryStatus::Pending {
            r = r.after_attempt(failed(now, 503), &policy);
            if let Some(next) = r.next_attempt_at {
                gaps.push((next - now).num_minutes());
                now = next;
            }
        }
        assert_eq!(r.status, DeliveryStatus::Failed);
        assert_eq!(&gaps[..6], &[1, 5, 30, 120, 300, 600]);
        assert!(gaps.windows(2).all(|w| w[0] <= w[1] || w[1] < 600));
        // The last attempt is at the window's end, not later.
        assert_eq!(r.attempts.last().unwrap().at, t0 + Duration::hours(72));
        assert_eq!(r.attempts.len(), gaps.len() + 1);
        let again = r.resent(now + Duration::hours(1));
        assert!(again.is_due(now + Duration::hours(1)));
        assert_eq!(again.attempts.len(), r.attempts.len());
        // A fresh window: the next failure is retried after the first delay again.
        let retried = again.after_attempt(failed(now + Duration::hours(1), 500), &policy);
        assert_eq!(retried.status, DeliveryStatus::Pending);
        assert_eq!(
            retried.next_attempt_at,
            Some(now + Duration::hours(1) + Duration::minutes(1))
        );
        // A live lease survives a re-send.
        let held = r.leased(now + Duration::seconds(30)).resent(now);
        assert!(!held.is_due(now));
    }

    #[test]
    fn a_2xx_delivers_and_a_lease_hides_it() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let r = record(t0);
        let held = r.leased(t0 + Duration::seconds(60));
        assert!(!held.is_due(t0 + Duration::seconds(30)));
        assert!(held.is_due(t0 + Duration::seconds(61)));
        let done = held.after_attempt(
            DeliveryAttempt::answered(t0, 204, 5, b""),
            &RetryPolicy::default(),
        );
        assert_eq!(done.status, DeliveryStatus::Delivered);
        assert!(!done.is_due(t0 + Duration::days(9)));
        assert_eq!(done.lease_until, None);
    }

    #[test]
    fn an_answer_is_cut_at_512_bytes_on_a_character() {
        let body = "ñ".repeat(400); // 800 bytes
        let a = DeliveryAttempt::answered(Utc::now(), 500, 1, body.as_bytes());
        assert!(a.response.len() <= RESPONSE_EXCERPT_BYTES);
        assert_eq!(a.response.len(), 512);
        assert!(a.response.chars().all(|c| c == 'ñ'));
    }

    #[test]
    fn the_filter_reads_every_field() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let r = record(t0);
        assert!(EventFilter::default().matches(&r));
        let mut f = EventFilter {
            event_type: Some(EventType::OrderPaid),
            order_id: Some(OrderId::parse("A-1").unwrap()),
            status: Some(DeliveryStatus::Pending),
            from: Some(t0),
            to: Some(t0 + Duration::seconds(1)),
        };
        assert!(f.matches(&r));
        f.to = Some(t0);
        assert!(!f.matches(&r));
        f.to = None;
        f.status = Some(DeliveryStatus::Failed);
        assert!(!f.matches(&r));
        assert_eq!(
            DeliveryStatus::parse("no_endpoint"),
            Some(DeliveryStatus::NoEndpoint)
        );
    }
}
