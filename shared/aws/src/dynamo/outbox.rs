//! The payment's follow-up marker: a payment item written before its follow-up (the order's move,
//! the exceptions, each written with its events in the event outbox) carries a marker with a lease
//! for the request running it, so a repeated notification waits for it or takes it over. A
//! follow-up no repeat came for is finished by the next reconciliation run, which moves the order
//! and raises the exceptions (with their events) from the payment itself.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use cuadre_core::store::{Created, PaymentEvents, PaymentOutbox, StoreError};
use cuadre_core::{Cip, OperationNumber, Payment, TenantId};

use super::item::{from_item, key, n};
use super::keys::*;
use super::payments::payment_item;
use super::read::Partition;
use super::{DynamoStore, Item};

/// The payment item's outbox marker: present (with its lease) while the payment's events are unsent.
const EVENTS_PENDING: &str = "events_pending";
const EVENTS_LEASE_UNTIL: &str = "events_lease_until";

fn payment_events_of(item: &Item) -> PaymentEvents {
    let pending = matches!(item.get(EVENTS_PENDING), Some(AttributeValue::Bool(true)));
    if !pending {
        return PaymentEvents::Sent;
    }
    let lease_until = match item.get(EVENTS_LEASE_UNTIL) {
        Some(AttributeValue::N(ms)) => ms
            .parse::<i64>()
            .ok()
            .and_then(DateTime::<Utc>::from_timestamp_millis),
        _ => None,
    };
    PaymentEvents::Pending {
        // A marker without a readable lease is free to take.
        lease_until: lease_until.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    }
}

/// The key of the payment item of (CIP, operation number).
fn payment_key(tenant_id: &TenantId, cip: &Cip, operation_number: &OperationNumber) -> Item {
    key(cip_pk(tenant_id, cip), &payment_sk(operation_number))
}

#[async_trait]
impl PaymentOutbox for DynamoStore {
    async fn record_payment_pending(
        &self,
        payment: &Payment,
        lease_until: DateTime<Utc>,
    ) -> Result<(Created<Payment>, PaymentEvents), StoreError> {
        let mut item = payment_item(payment)?;
        item.insert(EVENTS_PENDING.to_string(), AttributeValue::Bool(true));
        item.insert(
            EVENTS_LEASE_UNTIL.to_string(),
            n(lease_until.timestamp_millis()),
        );
        match self.put_new_or_read(item, "payment").await? {
            None => Ok((
                Created::New(payment.clone()),
                PaymentEvents::Pending { lease_until },
            )),
            Some(existing) => {
                let events = payment_events_of(&existing);
                Ok((Created::AlreadyExisted(from_item(existing)?), events))
            }
        }
    }

    async fn payment_events(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<PaymentEvents>, StoreError> {
        Ok(self
            .get_key(payment_key(tenant_id, cip, operation_number))
            .await?
            .as_ref()
            .map(payment_events_of))
    }

    async fn claim_payment_events(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(payment_key(tenant_id, cip, operation_number)))
            .update_expression("SET #lease = :until")
            .condition_expression("#pending = :yes AND #lease < :now")
            .expression_attribute_names("#pending", EVENTS_PENDING)
            .expression_attribute_names("#lease", EVENTS_LEASE_UNTIL)
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":until", n(lease_until.timestamp_millis()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        // A refused conditional write is billed too (1 unit: a payment item is < 1 KB).
        Ok(self.billed(result)?.is_some())
    }

    async fn mark_payment_events_sent(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(payment_key(tenant_id, cip, operation_number)))
            .update_expression("REMOVE #pending, #lease")
            .condition_expression("attribute_exists(#pending)")
            .expression_attribute_names("#pending", EVENTS_PENDING)
            .expression_attribute_names("#lease", EVENTS_LEASE_UNTIL)
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        // Refused when already sent (by another holder): nothing to clear.
        self.billed(result)?;
        Ok(())
    }

    async fn payments_for_cip_consistent(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError> {
        self.query_all_consistent(
            Partition::table(cip_pk(tenant_id, cip)).prefixed(PAYMENT_SK_PREFIX),
        )
        .await
    }
}
