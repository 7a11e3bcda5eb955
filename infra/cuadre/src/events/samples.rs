//! A sample of every merchant event, built by the same constructors the producers use, so what
//! `cuadre events trigger` sends is what a merchant's endpoint will get.

use chrono::{DateTime, TimeDelta, Utc};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::refund::{Refund, RefundStatus};
use cuadre_core::{
    Cip, Currency, ExceptionKey, ExceptionKind, ExceptionRecord, Money, OperationNumber, Order,
    OrderId, OrderStatus, Payment, PaymentSource, TenantId,
};
use rust_decimal::Decimal;

fn sample_order(tenant: &TenantId, now: DateTime<Utc>, status: OrderStatus) -> Order {
    Order {
        tenant_id: tenant.clone(),
        order_id: OrderId::parse("SAMPLE-1001").expect("a valid order id"),
        cip: Some(Cip::parse("11546901").expect("a valid CIP")),
        amount: Money::new(Decimal::new(125_000, 2), Currency::Pen).expect("valid money"),
        status,
        issued_at: now - TimeDelta::hours(2),
        expires_at: now + TimeDelta::hours(22),
        cip_url: None,
        channel: None,
        concept: Some("Sample order".into()),
        buyer: None,
        pay_token: None,
        issuing_since: None,
        unknown_issue_attempts: 0,
        earlier_cips: Vec::new(),
        version: 1,
    }
}

fn sample_payment(order: &Order, now: DateTime<Utc>) -> Payment {
    Payment {
        tenant_id: order.tenant_id.clone(),
        cip: order.cip.clone().expect("the sample has a code"),
        operation_number: OperationNumber::parse("1253").expect("a valid operation number"),
        amount: order.amount,
        paid_at: now - TimeDelta::minutes(5),
        received_at: now,
        order_id: Some(order.order_id.clone()),
        source: PaymentSource::Notification,
        raw_ref: None,
        settled_as: None,
        reversed_at: None,
    }
}

fn sample_exception(tenant: &TenantId, order: &Order, now: DateTime<Utc>) -> ExceptionRecord {
    ExceptionRecord::open(
        tenant.clone(),
        ExceptionKey {
            kind: ExceptionKind::AmountMismatch,
            order_id: Some(order.order_id.clone()),
            cip: order.cip.clone(),
            operation_number: Some(OperationNumber::parse("1253").expect("valid")),
        },
        "paid S/ 1,200.00 of S/ 1,250.00 (sample)".into(),
        now,
    )
}

/// A sample event of `event_type` for `tenant`, as of `now`.
pub fn sample(event_type: EventType, tenant: &TenantId, now: DateTime<Utc>) -> MerchantEvent {
    let paid = sample_order(tenant, now, OrderStatus::Paid);
    let payment = sample_payment(&paid, now);
    let exception = sample_exception(tenant, &paid, now);
    let refund = Refund::request(
        tenant.clone(),
        paid.order_id.clone(),
        "rf_sample".into(),
        paid.amount,
        "buyer asked (sample)".into(),
        "api-key:sample".into(),
        now,
    );
    let moved = |to: OrderStatus| Order {
        status: to,
        ..paid.clone()
    };
    match event_type {
        EventType::OrderPaid => MerchantEvent::order_paid(&paid, &payment),
        EventType::OrderExpired => {
            let mut pending = sample_order(tenant, now, OrderStatus::Pending);
            pending.expires_at = now - TimeDelta::minutes(20);
            MerchantEvent::order_expired(&pending)
        }
        EventType::OrderSettled => MerchantEvent::order_changed(
            event_type,
            &paid,
            &moved(OrderStatus::Settled),
            Some(&payment.operation_number),
            now,
        ),
        EventType::OrderReversed => MerchantEvent::order_changed(
            event_type,
            &paid,
            &moved(OrderStatus::Pending),
            Some(&payment.operation_number),
            now,
        ),
        EventType::OrderRefunded => MerchantEvent::order_changed(
            event_type,
            &paid,
            &moved(OrderStatus::Refunded),
            None,
            now,
        ),
        EventType::RefundUpdated => {
            let paid_out = refund
                .moved_to(RefundStatus::PaidOut, None, now)
                .unwrap_or(refund);
            MerchantEvent::refund_updated(&paid_out)
        }
        EventType::ExceptionOpened => MerchantEvent::exception_opened(&exception),
        EventType::ExceptionAcknowledged => {
            let acknowledged = exception
                .acknowledge("ana@example.pe".into(), Some("looking".into()), now)
                .unwrap_or(exception);
            MerchantEvent::exception_acknowledged(&acknowledged)
        }
        EventType::ExceptionResolved => {
            let resolved = exception
                .resolve(
                    "ana@example.pe".into(),
                    "refunded the difference".into(),
                    now,
                )
                .unwrap_or(exception);
            MerchantEvent::exception_resolved(&resolved)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_sample_of_its_type_whose_payload_reads_back() {
        let tenant = TenantId::parse("acme").unwrap();
        let now = Utc::now();
        for event_type in EventType::ALL {
            let event = sample(event_type, &tenant, now);
            assert_eq!(event.event_type, event_type);
            assert!(event.event_id.starts_with("evt_"));
            let again: MerchantEvent =
                serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
            assert_eq!(again.event_type, event_type);
        }
        let refunded = sample(EventType::RefundUpdated, &tenant, now);
        assert_eq!(refunded.data["status"], "PAID_OUT");
        let resolved = sample(EventType::ExceptionResolved, &tenant, now);
        assert_eq!(resolved.data["status"], "RESOLVED");
    }
}
