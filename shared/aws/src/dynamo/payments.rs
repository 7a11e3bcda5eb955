//! Payments: one item per (CIP, operation number) in the CIP's partition, listed by payment time
//! on GSI2 (see [`keys`]). Their merchant events' outbox marker is in [`outbox`](super::outbox).
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use cuadre_core::reconcile::SettlementLine;
use cuadre_core::store::{Created, PaymentStore, StoreError};
use cuadre_core::time::format_lima;
use cuadre_core::{Cip, OperationNumber, Payment, TenantId};

use super::error::changed;
use super::item::{from_item, key, s, to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::{DynamoStore, Item};

pub(super) fn payment_item(payment: &Payment) -> Result<Item, StoreError> {
    let t = &payment.tenant_id;
    Ok(with_keys(
        to_item(payment)?,
        &[
            (PK, cip_pk(t, &payment.cip)),
            (SK, payment_sk(&payment.operation_number)),
            (GSI2PK, payments_list(t)),
            (
                GSI2SK,
                format!(
                    "{}#{}#{}",
                    sortable(payment.paid_at),
                    payment.cip,
                    payment.operation_number
                ),
            ),
        ],
    ))
}

impl DynamoStore {
    /// Sets a string attribute of a stored payment that is not set yet: the payment as it is
    /// now, or `None` when the attribute was set already (or no such payment is stored).
    async fn set_once(
        &self,
        payment: &Payment,
        attribute: &str,
        value: String,
    ) -> Result<Option<Item>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                cip_pk(&payment.tenant_id, &payment.cip),
                &payment_sk(&payment.operation_number),
            )))
            .update_expression("SET #attr = :value")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(#attr)")
            .expression_attribute_names("#attr", attribute)
            .expression_attribute_values(":value", s(value))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        self.billed(result)
    }
}

#[async_trait]
impl PaymentStore for DynamoStore {
    async fn record_payment(&self, payment: &Payment) -> Result<Created<Payment>, StoreError> {
        self.create(payment_item(payment)?, payment, "payment")
            .await
    }

    async fn settlement_lines_of(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Vec<SettlementLine>, StoreError> {
        let prefix = settlement_lines_prefix(operation_number);
        self.query_all_consistent(Partition::table(cip_pk(tenant_id, cip)).prefixed(&prefix))
            .await
    }

    async fn reverse_payment(
        &self,
        payment: &Payment,
        at: DateTime<Utc>,
    ) -> Result<Created<Payment>, StoreError> {
        let t = &payment.tenant_id;
        match self
            .set_once(payment, "reversed_at", format_lima(at))
            .await?
        {
            Some(item) => Ok(Created::New(from_item(item)?)),
            None => match self
                .get_payment(t, &payment.cip, &payment.operation_number)
                .await?
            {
                Some(stored) if stored.reversed_at.is_some() => Ok(Created::AlreadyExisted(stored)),
                _ => Err(StoreError::NotFound(format!(
                    "payment {} of CIP {}",
                    payment.operation_number, payment.cip
                ))),
            },
        }
    }

    async fn payments_for_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError> {
        self.query_all(Partition::table(cip_pk(tenant_id, cip)).prefixed(PAYMENT_SK_PREFIX))
            .await
    }

    async fn get_payment(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<Payment>, StoreError> {
        self.get(cip_pk(tenant_id, cip), &payment_sk(operation_number))
            .await
    }

    async fn adopt_operation_number(
        &self,
        payment: &Payment,
        real: &OperationNumber,
    ) -> Result<Payment, StoreError> {
        match self
            .set_once(payment, "settled_as", real.as_str().to_string())
            .await?
        {
            Some(item) => from_item(item),
            None => Err(changed(&format!(
                "payment {} of CIP {} already adopted an operation number",
                payment.operation_number, payment.cip
            ))),
        }
    }
}
