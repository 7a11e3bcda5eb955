//! Events cuadre tells a merchant about ([`EventType`]). Each has a stable id derived from the fact
//! it reports, so a retried delivery carries the same id and receivers can de-duplicate. Every
//! event is kept in the outbox ([`outbox`]) by the write that owes it.

pub mod outbox;

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
    #[serde(rename = "order.settled")]
    OrderSettled,
    #[serde(rename = "order.reversed")]
    OrderReversed,
    #[serde(rename = "order.refunded")]
    OrderRefunded,
    #[serde(rename = "refund.updated")]
    RefundUpdated,
    #[serde(rename = "exception.opened")]
    ExceptionOpened,
    #[serde(rename = "exception.acknowledged")]
    ExceptionAcknowledged,
    #[serde(rename = "exception.resolved")]
    ExceptionResolved,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::OrderPaid,
        EventType::OrderExpired,
        EventType::OrderSettled,
        EventType::OrderReversed,
        EventType::OrderRefunded,
        EventType::RefundUpdated,
        EventType::ExceptionOpened,
        EventType::ExceptionAcknowledged,
        EventType::ExceptionResolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderPaid => "order.paid",
            EventType::OrderExpired => "order.expired",
            EventType::OrderSettled => "order.settled",
            EventType::OrderReversed => "order.reversed",
            EventType::OrderRefunded => "order.refunded",
            EventType::RefundUpdated => "refund.updated",
            EventType::ExceptionOpened => "exception.opened",
            EventType::ExceptionAcknowledged => "exception.acknowledged",
            EventType::ExceptionResolved => "exception.resolved",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
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

/// `data` of `order.settled`, `order.reversed` and `order.refunded`: the order after the move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChangedData {
    pub order_id: OrderId,
    pub cip: Option<Cip>,
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
    /// The payment the move is about (the reversed one for `order.reversed`), when there is one.
    #[serde(default)]
    pub operation_number: Option<OperationNumber>,
    #[serde(with = "crate::time::serde_lima")]
    pub changed_at: DateTime<Utc>,
}

/// A refund as the merchant sees it: the merchant API's answer and `refund.updated`'s `data`.
/// Every field is always present (`null` when unset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundData {
    pub refund_id: String,
    pub order_id: OrderId,
    pub status: crate::refund::RefundStatus,
    /// In the order's currency, as a decimal string.
    pub amount: String,
    pub currency: Currency,
    pub reason: String,
    #[serde(with = "crate::time::serde_lima")]
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub paid_out_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::serde_lima::option")]
    pub failed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: Option<String>,
}

impl RefundData {
    pub fn of(r: &crate::refund::Refund) -> Self {
        RefundData {
            refund_id: r.refund_id.clone(),
            order_id: r.order_id.clone(),
            status: r.status,
            amount: r.amount.amount_string(),
            currency: r.amount.currency(),
            reason: r.reason.clone(),
            requested_at: r.requested_at,
            requested_by: r.requested_by.clone(),
            paid_out_at: r.paid_out_at,
            completed_at: r.completed_at,
            failed_at: r.failed_at,
            note: r.note.clone(),
        }
    }
}

/// An exception as the merchant sees it: the merchant API's answer, and the `data` of
/// `exception.opened`, `exception.acknowledged` and `exception.resolved`. Every field is always present (`null` when unset).
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

impl EventData for OrderChangedData {
    const TYPES: &'static [EventType] = &[
        EventType::OrderSettled,
        EventType::OrderReversed,
        EventType::OrderRefunded,
    ];
}

impl EventData for RefundData {
    const TYPES: &'static [EventType] = &[EventType::RefundUpdated];
}

impl EventData for ExceptionData {
    const TYPES: &'static [EventType] = &[
        EventType::ExceptionOpened,
        EventType::ExceptionAcknowledged,
        EventType::ExceptionResolved,
    ];
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
            // The version it expires from: an order revived (extended, reversed) and expired
            // again owes a new event.
            &format!(
                "{}/{}/v{}",
                order.order_id,
                format_lima(order.expires_at),
                order.version
            ),
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

    /// `exception.acknowledged`: who is looking at it; once per exception.
    pub fn exception_acknowledged(record: &ExceptionRecord) -> Self {
        MerchantEvent::typed(
            EventType::ExceptionAcknowledged,
            record.tenant_id.clone(),
            &record.exception_id,
            record.acknowledged_at.unwrap_or(record.opened_at),
            &ExceptionData::of(record),
        )
    }

    /// What an exception's write owes the merchant: `exception.opened` when it is new, then one
    /// event per status it reaches. The store writes it in the same transaction as the record.
    pub fn owed_by_exception(
        before: Option<&ExceptionRecord>,
        after: &ExceptionRecord,
    ) -> Option<MerchantEvent> {
        match (before.map(|b| b.status), after.status) {
            (None, _) => Some(MerchantEvent::exception_opened(after)),
            (Some(b), a) if b == a => None,
            (_, ExceptionStatus::Acknowledged) => {
                Some(MerchantEvent::exception_acknowledged(after))
            }
            (_, ExceptionStatus::Resolved) => Some(MerchantEvent::exception_resolved(after)),
            (_, ExceptionStatus::Open) => None,
        }
    }

    /// `order.settled`, `order.reversed` or `order.refunded` for an order that moved from
    /// `before`'s status to `after`'s (`payment` names the payment the move is about).
    pub fn order_changed(
        event_type: EventType,
        before: &Order,
        after: &Order,
        payment: Option<&OperationNumber>,
        at: DateTime<Utc>,
    ) -> Self {
        let data = OrderChangedData {
            order_id: after.order_id.clone(),
            cip: after.cip.clone(),
            status: after.status,
            previous_status: before.status,
            amount: after.amount.amount(),
            currency: after.amount.currency(),
            operation_number: payment.cloned(),
            changed_at: at,
        };
        // A payment is reversed once; other moves are keyed by the version they start from (an
        // order may be settled again after a reversal and a new payment).
        let fact = match (event_type, payment) {
            (EventType::OrderReversed, Some(op)) => format!("{}/{}", after.order_id, op),
            _ => format!("{}/v{}", after.order_id, before.version),
        };
        MerchantEvent::typed(event_type, after.tenant_id.clone(), &fact, at, &data)
    }

    /// What a refund's write owes: its `refund.updated`, and `order.refunded` when the write also
    /// moved the order (`order_move`: the order before and after).
    pub fn owed_by_refund(
        refund: &crate::refund::Refund,
        order_move: Option<(&Order, &Order)>,
    ) -> Vec<MerchantEvent> {
        let updated = MerchantEvent::refund_updated(refund);
        let at = updated.occurred_at;
        let mut owed = vec![updated];
        if let Some((before, after)) = order_move {
            owed.push(MerchantEvent::order_changed(
                EventType::OrderRefunded,
                before,
                after,
                None,
                at,
            ));
        }
        owed
    }

    /// `refund.updated`: the refund as it now stands; one per status it reaches, at the time it
    /// reached it.
    pub fn refund_updated(refund: &crate::refund::Refund) -> Self {
        let at = refund
            .completed_at
            .or(refund.failed_at)
            .or(refund.paid_out_at)
            .unwrap_or(refund.requested_at);
        MerchantEvent::typed(
            EventType::RefundUpdated,
            refund.tenant_id.clone(),
            &format!(
                "{}/{}/{}",
                refund.order_id,
                refund.refund_id,
                refund.status.as_str()
            ),
            at,
            &RefundData::of(refund),
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
