//! Status-lookup markers: one per order, written by the voucher reader when a voucher says the
//! buyer paid but no payment has arrived, listed by due time on GSI2 and cleared by the reconcile
//! worker once it asked the gateway (see [`keys`]).
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use cuadre_core::store::{Created, StatusLookup, StatusLookupStore, StoreError};
use cuadre_core::{OrderId, TenantId};

use super::error::unavailable;
use super::item::{from_items, key, to_item, with_keys};
use super::keys::*;
use super::write::returned_size;
use super::{page, DynamoStore, Item};

fn status_lookup_item(lookup: &StatusLookup) -> Result<Item, StoreError> {
    let t = &lookup.tenant_id;
    Ok(with_keys(
        to_item(lookup)?,
        &[
            (PK, status_lookup_pk(t, &lookup.order_id)),
            (SK, STATUS_LOOKUP_SK.to_string()),
            (GSI2PK, status_lookups_list(t)),
            (
                GSI2SK,
                format!("{}#{}", sortable(lookup.due_at), lookup.order_id),
            ),
        ],
    ))
}

#[async_trait]
impl StatusLookupStore for DynamoStore {
    async fn schedule_status_lookup(
        &self,
        lookup: &StatusLookup,
    ) -> Result<Created<StatusLookup>, StoreError> {
        self.create(status_lookup_item(lookup)?, lookup, "status lookup")
            .await
    }

    async fn due_status_lookups(
        &self,
        tenant_id: &TenantId,
        due_by: DateTime<Utc>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<StatusLookup>, Option<String>), StoreError> {
        let partition = status_lookups_list(tenant_id);
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        // `$` sorts after `#`: the range closes after every marker due at `due_by` itself.
        let to = format!("{}$", sortable(due_by));
        let (items, next) = self
            .listing_between(partition, "0".to_string(), to, start, limit, false)
            .await?;
        Ok((from_items(items)?, page::encode(next)?))
    }

    async fn clear_status_lookup(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<(), StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                status_lookup_pk(tenant_id, order_id),
                STATUS_LOOKUP_SK,
            )))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        // Nothing deleted still bills one unit (`write_units` rounds up to at least one).
        self.bill(returned_size(out.attributes.as_ref()));
        Ok(())
    }
}
