//! Events cuadre tells a merchant about (`order.paid`, `order.expired`, `exception.opened`,
//! `exception.resolved`). Each has a stable id derived from the fact it reports, so a retried
//! delivery carries the same id and receivers can de-duplicate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exception::ExceptionRecord;
use crate::ids::TenantId;
use crate::order::Order;
use crate::records::{sha256_hex, Payment};
use crate::time::format_lima;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "order.paid")]
    OrderPaid,
    #[serde(rename = "order.expired")]
    OrderExpired,
    #[serde(rename = "exception.opened")]
    ExceptionOpened,
    #[serde(rename = "exception.resolved")]
    ExceptionResolved,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderPaid => "order.paid",
            EventType::OrderExpired => "order.expired",
            EventType::ExceptionOpened => "exception.opened",
            EventType::ExceptionResolved => "exception.resolved",
        }
    }
}

/// One event for one merchant, as queued and as posted (the JSON body the merchant receives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantEvent {
    /// `evt_` + 32 hex characters, stable for the fact reported.
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub tenant_id: TenantId,
    #[serde(with = "crate::time::serde_lima")]
    pub occurred_at: DateTime<Utc>,
    /// The order, payment or exception the event is about, as the API shows it.
    pub data: serde_json::Value,
}

impl MerchantEvent {
    /// `fact_key` names the fact (e.g. `cip/operation` for a payment, the exception id): the same
    /// fact always gives the same event id.
    pub fn new(
        event_type: EventType,
        tenant_id: TenantId,
        fact_key: &str,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> Self {
        let digest =
            sha256_hex(format!("{}|{}|{}", tenant_id, event_type.as_str(), fact_key).as_bytes());
        MerchantEvent {
            event_id: format!("evt_{}", &digest[..32]),
            event_type,
            tenant_id,
            occurred_at,
            data,
        }
    }
}

/// The events every producer sends, built in one place so `data` has one shape per type.
impl MerchantEvent {
    /// `order.paid`: what was paid (amount, operation number, time, source) and the order it paid.
    /// Keyed by CIP and operation number, so the webhook's event and a status lookup's or a
    /// settlement's event for the same payment are one event.
    pub fn order_paid(order: &Order, payment: &Payment) -> Self {
        MerchantEvent::new(
            EventType::OrderPaid,
            order.tenant_id.clone(),
            &format!("{}/{}", payment.cip, payment.operation_number),
            payment.paid_at,
            serde_json::json!({
                "order_id": order.order_id,
                "cip": payment.cip,
                "operation_number": payment.operation_number,
                "amount": payment.amount.amount_string(),
                "currency": payment.amount.currency(),
                "paid_at": format_lima(payment.paid_at),
                "source": payment.source,
                "status": order.status,
                "order_amount": order.amount.amount_string(),
                "order_currency": order.amount.currency(),
            }),
        )
    }

    /// `order.expired`: the code's expiry passed unpaid.
    pub fn order_expired(order: &Order) -> Self {
        MerchantEvent::new(
            EventType::OrderExpired,
            order.tenant_id.clone(),
            &format!("{}/{}", order.order_id, format_lima(order.expires_at)),
            order.expires_at,
            serde_json::json!({
                "order_id": order.order_id,
                "cip": order.cip,
                "status": crate::order::OrderStatus::Expired,
                "amount": order.amount.amount_string(),
                "currency": order.amount.currency(),
                "expires_at": format_lima(order.expires_at),
            }),
        )
    }

    /// `exception.opened`, keyed by the exception's stable id.
    pub fn exception_opened(record: &ExceptionRecord) -> Self {
        MerchantEvent::new(
            EventType::ExceptionOpened,
            record.tenant_id.clone(),
            &record.exception_id,
            record.opened_at,
            serde_json::json!({
                "exception_id": record.exception_id,
                "kind": record.kind,
                "order_id": record.order_id,
                "cip": record.cip,
                "operation_number": record.operation_number,
                "detail": record.detail,
                "status": record.status,
                "opened_at": format_lima(record.opened_at),
            }),
        )
    }
}

/// The events did not all reach the queue (always worth a retry: receivers de-duplicate by
/// `event_id`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventSinkError(pub String);

/// Where merchant events go: the notifications queue, one message per event (its JSON).
#[async_trait::async_trait]
pub trait MerchantEventSink: Send + Sync {
    /// Sends every event or fails (a partial failure is a failure: the caller sends them all
    /// again).
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn same_fact_same_id_and_wire_names() {
        let t = TenantId::parse("acme").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap();
        let a = MerchantEvent::new(
            EventType::OrderPaid,
            t.clone(),
            "123/1253",
            at,
            serde_json::json!({}),
        );
        let b = MerchantEvent::new(
            EventType::OrderPaid,
            t.clone(),
            "123/1253",
            at + chrono::Duration::hours(1),
            serde_json::json!({"x": 1}),
        );
        let c = MerchantEvent::new(
            EventType::OrderPaid,
            t,
            "123/9999",
            at,
            serde_json::json!({}),
        );
        assert_eq!(a.event_id, b.event_id);
        assert_ne!(a.event_id, c.event_id);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["type"], "order.paid");
        assert!(json["event_id"].as_str().unwrap().starts_with("evt_"));
    }
}
