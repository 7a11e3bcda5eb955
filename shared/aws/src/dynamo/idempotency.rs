//! Idempotency records (the Powertools protocol): one item per (tenant, key), claimed by a
//! conditional put, completed or abandoned by conditional writes, swept by DynamoDB's TTL.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use cuadre_core::records::IdempotencyStatus;
use cuadre_core::store::{IdempotencyStart, IdempotencyStore, StoreError};
use cuadre_core::{IdempotencyRecord, TenantId};

use super::error::conditional;
use super::item::{n, s, to_item, with_keys};
use super::keys::*;
use super::write::returned_size;
use super::DynamoStore;

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn start(
        &self,
        record: &IdempotencyRecord,
        now: i64,
    ) -> Result<IdempotencyStart, StoreError> {
        let pk = idempotency_pk(&record.tenant_id, &record.key);
        let mut item = with_keys(
            to_item(record)?,
            &[(PK, pk.clone()), (SK, IDEMPOTENCY_SK.to_string())],
        );
        item.insert(TTL.to_string(), n(record.expires_at));
        let names = HashMap::from([
            ("#exp".to_string(), "expires_at".to_string()),
            ("#st".to_string(), "status".to_string()),
            ("#until".to_string(), "in_progress_until".to_string()),
        ]);
        let values = HashMap::from([
            (":now".to_string(), n(now)),
            (":inprog".to_string(), s("IN_PROGRESS")),
        ]);
        // Ours when there is no live record: none, an expired one, or an abandoned IN_PROGRESS one.
        let claimed = self
            .put_if(
                item,
                "attribute_not_exists(PK) OR #exp < :now OR (#st = :inprog AND #until < :now)",
                names,
                values,
                "idempotency record",
            )
            .await;
        match claimed {
            Ok(()) => Ok(IdempotencyStart::Started),
            Err(StoreError::Conflict(_)) => {
                let existing: IdempotencyRecord = match self.get(pk, IDEMPOTENCY_SK).await? {
                    Some(record) => record,
                    None => {
                        return Err(StoreError::Conflict(
                            "idempotency record vanished; retry".into(),
                        ))
                    }
                };
                // The payload is checked on this path too: a reused key with another body is refused.
                if existing.payload_hash != record.payload_hash {
                    return Ok(IdempotencyStart::PayloadMismatch);
                }
                Ok(match (existing.status, existing.response) {
                    (IdempotencyStatus::Completed, Some(response)) => {
                        IdempotencyStart::Completed(response)
                    }
                    _ => IdempotencyStart::InProgress,
                })
            }
            Err(other) => Err(other),
        }
    }

    async fn complete(
        &self,
        tenant_id: &TenantId,
        key: &str,
        response: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let pk = idempotency_pk(tenant_id, key);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(super::item::key(pk, IDEMPOTENCY_SK)))
            .update_expression("SET #st = :done, #resp = :resp, #exp = :exp, #ttl = :exp")
            .condition_expression("#st = :inprog")
            .expression_attribute_names("#st", "status")
            .expression_attribute_names("#resp", "response")
            .expression_attribute_names("#exp", "expires_at")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":done", s("COMPLETED"))
            .expression_attribute_values(":inprog", s("IN_PROGRESS"))
            .expression_attribute_values(":resp", s(response))
            .expression_attribute_values(":exp", n(expires_at))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match self.billed(result)? {
            Some(_) => Ok(()),
            None => Err(StoreError::Conflict(format!(
                "idempotency key {key} is not in progress"
            ))),
        }
    }

    async fn abandon(&self, tenant_id: &TenantId, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(super::item::key(
                idempotency_pk(tenant_id, key),
                IDEMPOTENCY_SK,
            )))
            .condition_expression("#st = :inprog")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":inprog", s("IN_PROGRESS"))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        // Already completed or gone: nothing to forget.
        if let Some(out) = conditional(result)? {
            self.bill(returned_size(out.attributes.as_ref()));
        }
        Ok(())
    }
}
