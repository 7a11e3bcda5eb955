//! Events cuadre tells a merchant about (`order.paid`, `order.expired`, `exception.opened`,
//! `exception.resolved`). Each has a stable id derived from the fact it reports, so a retried
//! delivery carries the same id and receivers can de-duplicate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rust_decimal::Decimal;

use crate::exception::{ExceptionKind, ExceptionRecord, ExceptionStatus};
use crate::ids::{Cip, OperationNumber, OrderId, TenantId};
use crate::money::{Currency, Money};
use crate::order::{Order, OrderStatus};
use crate::records::{sha256_hex, Payment, PaymentSource};
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

/// `order.paid`'s `data`: what was paid and the order it paid. Producers and consumers share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPaidData {
    pub order_id: OrderId,
    pub cip: Cip,
    pub operation_number: OperationNumber,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
    #[serde(with = "crate::time::serde_lima")]
    pub paid_at: DateTime<Utc>,
    pub source: PaymentSource,
    pub status: OrderStatus,
    #[serde(with = "rust_decimal::serde::str")]
    pub order_amount: Decimal,
    pub order_currency: Currency,
}

impl OrderPaidData {
    /// The amount paid, as money (`None` for an amount no payment can have).
    pub fn money(&self) -> Option<Money> {
        Money::new(self.amount, self.currency).ok()
    }
}

/// `order.expired`'s `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderExpiredData {
    pub order_id: OrderId,
    pub cip: Option<Cip>,
    pub status: OrderStatus,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
    #[serde(with = "crate::time::serde_lima")]
    pub expires_at: DateTime<Utc>,
}

/// An exception as the merchant sees it: the merchant API's answer, and the `data` of
/// `exception.opened` and `exception.resolved`. Every field is always present (`null` when unset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionData {
    pub exception_id: String,
    pub kind: ExceptionKind,
    pub status: ExceptionStatus,
    pub order_id: Option<OrderId>,
    pub cip: Option<Cip>,
    pub operation_number: Option<OperationNumber>,
    pub detail: String,
    #[serde(with = "crate::time::serde_lima")]
    pub opened_at: DateTime<Utc>,
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub acknowledged_note: Option<String>,
    #[serde(default)]
    pub resolved_by: Option<String>,
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The resolution's note.
    #[serde(default)]
    pub note: Option<String>,
}

impl ExceptionData {
    pub fn of(record: &ExceptionRecord) -> Self {
        ExceptionData {
            exception_id: record.exception_id.clone(),
            kind: record.kind,
            status: record.status,
            order_id: record.order_id.clone(),
            cip: record.cip.clone(),
            operation_number: record.operation_number.clone(),
            detail: record.detail.clone(),
            opened_at: record.opened_at,
            acknowledged_by: record.acknowledged_by.clone(),
            acknowledged_at: record.acknowledged_at,
            acknowledged_note: record.acknowledged_note.clone(),
            resolved_by: record.resolved_by.clone(),
            resolved_at: record.resolved_at,
            note: record.note.clone(),
        }
    }
}

/// A typed `data` that an event of its type carries.
pub trait EventData: Serialize + serde::de::DeserializeOwned {
    /// The event types whose `data` has this shape.
    const TYPES: &'static [EventType];
}

impl EventData for OrderPaidData {
    const TYPES: &'static [EventType] = &[EventType::OrderPaid];
}

impl EventData for OrderExpiredData {
    const TYPES: &'static [EventType] = &[EventType::OrderExpired];
}

impl EventData for ExceptionData {
    const TYPES: &'static [EventType] = &[EventType::ExceptionOpened, EventType::ExceptionResolved];
}

/// An event's `data` is not the shape its type promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("a {0} event does not carry this data")]
    OtherType(&'static str),
    #[error("{event_type} data: {reason}")]
    Shape {
        event_type: &'static str,
        reason: String,
    },
}

impl MerchantEvent {
    fn typed<D: EventData>(
        event_type: EventType,
        tenant_id: TenantId,
        fact_key: &str,
        occurred_at: DateTime<Utc>,
        data: &D,
    ) -> Self {
        debug_assert!(D::TYPES.contains(&event_type));
        // A struct of strings, decimals-as-strings and enums always serialises.
        let data = serde_json::to_value(data).unwrap_or(serde_json::Value::Null);
        MerchantEvent::new(event_type, tenant_id, fact_key, occurred_at, data)
    }

    /// The event's `data` read as the type its `type` promises.
    pub fn payload<D: EventData>(&self) -> Result<D, PayloadError> {
        if !D::TYPES.contains(&self.event_type) {
            return Err(PayloadError::OtherType(self.event_type.as_str()));
        }
        serde_json::from_value(self.data.clone()).map_err(|e| PayloadError::Shape {
            event_type: self.event_type.as_str(),
            reason: e.to_string(),
        })
    }
}

/// The events every producer sends, built in one place so `data` has one shape per type.
impl MerchantEvent {
    /// `order.paid`: what was paid (amount, operation number, time, source) and the order it paid.
    /// Keyed by CIP and operation number, so the webhook's event and a status lookup's or a
    /// settlement's event for the same payment are one event.
    pub fn order_paid(order: &Order, payment: &Payment) -> Self {
        let data = OrderPaidData {
            order_id: order.order_id.clone(),
            cip: payment.cip.clone(),
            operation_number: payment.operation_number.clone(),
            amount: payment.amount.amount(),
            currency: payment.amount.currency(),
            paid_at: payment.paid_at,
            source: payment.source,
            status: order.status,
            order_amount: order.amount.amount(),
            order_currency: order.amount.currency(),
        };
        MerchantEvent::typed(
            EventType::OrderPaid,
            order.tenant_id.clone(),
            &format!("{}/{}", payment.cip, payment.operation_number),
            payment.paid_at,
            &data,
        )
    }

    /// `order.expired`: the code's expiry passed unpaid.
    pub fn order_expired(order: &Order) -> Self {
        let data = OrderExpiredData {
            order_id: order.order_id.clone(),
            cip: order.cip.clone(),
            status: crate::order::OrderStatus::Expired,
            amount: order.amount.amount(),
            currency: order.amount.currency(),
            expires_at: order.expires_at,
        };
        MerchantEvent::typed(
            EventType::OrderExpired,
            order.tenant_id.clone(),
            &format!("{}/{}", order.order_id, format_lima(order.expires_at)),
            order.expires_at,
            &data,
        )
    }

    /// `exception.opened`, keyed by the exception's stable id.
    pub fn exception_opened(record: &ExceptionRecord) -> Self {
        MerchantEvent::typed(
            EventType::ExceptionOpened,
            record.tenant_id.clone(),
            &record.exception_id,
            record.opened_at,
            &ExceptionData::of(record),
        )
    }

    /// `exception.resolved`: who resolved it, when and with what note; keyed by the exception's
    /// stable id (a resolution is final), so a repeated delivery keeps its id.
    pub fn exception_resolved(record: &ExceptionRecord) -> Self {
        MerchantEvent::typed(
            EventType::ExceptionResolved,
            record.tenant_id.clone(),
            &record.exception_id,
            record.resolved_at.unwrap_or(record.opened_at),
            &ExceptionData::of(record),
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

    #[test]
    fn typed_data_round_trips_and_refuses_another_type() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap();
        let record = ExceptionRecord::open(
            TenantId::parse("acme").unwrap(),
            crate::ExceptionKey {
                kind: ExceptionKind::AmountMismatch,
                order_id: Some(OrderId::parse("A-1").unwrap()),
                cip: None,
                operation_number: None,
            },
            "short".into(),
            at,
        );
        let opened = MerchantEvent::exception_opened(&record);
        let data: ExceptionData = opened.payload().unwrap();
        assert_eq!(data, ExceptionData::of(&record));
        assert_eq!(opened.data["kind"], "AMOUNT_MISMATCH");
        assert!(opened.data["resolved_by"].is_null());
        assert_eq!(
            opened.payload::<OrderPaidData>(),
            Err(PayloadError::OtherType("exception.opened"))
        );
        let mut bad = opened.clone();
        bad.data["opened_at"] = serde_json::json!("yesterday");
        assert!(matches!(
            bad.payload::<ExceptionData>(),
            Err(PayloadError::Shape { .. })
        ));
    }
}
