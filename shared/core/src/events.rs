//! Events cuadre tells a merchant about (`order.paid`, `order.expired`, `exception.opened`,
//! `exception.resolved`). Each has a stable id derived from the fact it reports, so a retried
//! delivery carries the same id and receivers can de-duplicate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::records::sha256_hex;

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
