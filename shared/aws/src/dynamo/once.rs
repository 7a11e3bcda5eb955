//! [`OnceStore`]: one marker item per (tenant, key), moved from `PENDING` (with a holder and a
//! lease) to `DONE` by conditional writes.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use cuadre_core::store::{OnceClaim, OnceStore, StoreError};
use cuadre_core::TenantId;

use super::error::conditional;
use super::item::{n, s, to_item, with_keys};
use super::keys::*;
use super::write::returned_size;
use super::{DynamoStore, Item};

const PENDING: &str = "PENDING";
const DONE: &str = "DONE";

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct OnceMarker {
    tenant_id: TenantId,
    key: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
    updated_at: i64,
}

fn marker_item(marker: &OnceMarker) -> Result<Item, StoreError> {
    Ok(with_keys(
        to_item(marker)?,
        &[
            (PK, once_pk(&marker.tenant_id, &marker.key)),
            (SK, ONCE_SK.to_string()),
        ],
    ))
}

#[async_trait]
impl OnceStore for DynamoStore {
    async fn claim_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        holder: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<OnceClaim, StoreError> {
        let item = marker_item(&OnceMarker {
            tenant_id: tenant_id.clone(),
            key: key.to_string(),
            status: PENDING.to_string(),
            holder: Some(holder.to_string()),
            lease_until: Some(lease_until),
            updated_at: now,
        })?;
        let names = HashMap::from([
            ("#st".to_string(), "status".to_string()),
            ("#until".to_string(), "lease_until".to_string()),
        ]);
        let values = HashMap::from([
            (":pending".to_string(), s(PENDING)),
            (":now".to_string(), n(now)),
        ]);
        // Ours when there is no marker, or a pending one whose holder's lease has run out.
        let claimed = self
            .put_if(
                item,
                "attribute_not_exists(PK) OR (#st = :pending AND #until < :now)",
                names,
                values,
                "once marker",
            )
            .await;
        match claimed {
            Ok(()) => Ok(OnceClaim::Claimed),
            Err(StoreError::Conflict(_)) => {
                match self
                    .get::<OnceMarker>(once_pk(tenant_id, key), ONCE_SK)
                    .await?
                {
                    Some(marker) => Ok(if marker.status == DONE {
                        OnceClaim::Done
                    } else {
                        OnceClaim::Held
                    }),
                    // Released between our write and our read: someone is on it; try later.
                    None => Ok(OnceClaim::Held),
                }
            }
            Err(other) => Err(other),
        }
    }

    async fn complete_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let item = marker_item(&OnceMarker {
            tenant_id: tenant_id.clone(),
            key: key.to_string(),
            status: DONE.to_string(),
            holder: None,
            lease_until: None,
            updated_at: now,
        })?;
        let result = self
            .put_if(
                item,
                "attribute_not_exists(PK) OR #st <> :done",
                HashMap::from([("#st".to_string(), "status".to_string())]),
                HashMap::from([(":done".to_string(), s(DONE))]),
                "once marker",
            )
            .await;
        match result {
            // Already done: the marker stays as first written.
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(other) => Err(other),
        }
    }

    async fn release_once(
        &self,
        tenant_id: &TenantId,
        key: &str,
        holder: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(super::item::key(once_pk(tenant_id, key), ONCE_SK)))
            .condition_expression("#st = :pending AND #holder = :holder")
            .expression_attribute_names("#st", "status")
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_values(":pending", s(PENDING))
            .expression_attribute_values(":holder", s(holder))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        // Done, gone, or claimed by another holder since: not ours to release.
        if let Some(out) = conditional(result)? {
            self.bill(returned_size(out.attributes.as_ref()));
        }
        Ok(())
    }
}
