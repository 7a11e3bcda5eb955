//! Orders: one item per order in its own partition (beside its vouchers and refunds), found by CIP
//! on GSI1 and listed by status and expiry on GSI2 (see [`keys`]).
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use cuadre_core::store::{OrderStore, StoreError};
use cuadre_core::{Cip, Order, OrderId, OrderStatus, TenantId};

use super::error::{changed, conditional};
use super::item::{from_item, from_items, key, s, to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::write::{returned_size, version_condition, Names, SAME_VERSION};
use super::{page, DynamoStore, Item};

/// An order is replaced only from the version and the status it was read at.
pub(super) const SAME_ORDER: &str = "#v = :v AND #st = :st";

/// The names and values of [`SAME_ORDER`] for `order` as it was read.
pub(super) fn same_order(order: &Order) -> (Names, Item) {
    let (mut names, mut values) = version_condition(order.version);
    names.insert("#st".into(), "status".into());
    values.insert(":st".into(), s(order.status.as_str()));
    (names, values)
}

pub(super) fn order_item(order: &Order) -> Result<Item, StoreError> {
    let t = &order.tenant_id;
    let mut attrs = vec![
        (PK, order_pk(t, &order.order_id)),
        (SK, ORDER_SK.to_string()),
        (GSI2PK, orders_list(t)),
        (
            GSI2SK,
            format!(
                "{}#{}#{}",
                order.status.as_str(),
                sortable(order.expires_at),
                order.order_id
            ),
        ),
    ];
    if let Some(cip) = &order.cip {
        attrs.push((GSI1PK, cip_pk(t, cip)));
        attrs.push((GSI1SK, ORDER_SK.to_string()));
    }
    Ok(with_keys(to_item(order)?, &attrs))
}

#[async_trait]
impl OrderStore for DynamoStore {
    async fn create_order(&self, order: &Order) -> Result<(), StoreError> {
        self.put_unique(order_item(order)?, || {
            format!("order {} already exists", order.order_id)
        })
        .await
    }

    async fn get_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<Order>, StoreError> {
        self.get(order_pk(tenant_id, order_id), ORDER_SK).await
    }

    async fn find_order_by_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Option<Order>, StoreError> {
        let by_cip = Partition::gsi1(cip_pk(tenant_id, cip)).prefixed(ORDER_SK);
        let (items, _) = self.query_page(&by_cip, None, None).await?;
        // The index is eventually consistent; re-read the base item for the current version.
        match items.into_iter().next() {
            Some(item) => {
                let order: Order = from_item(item)?;
                self.get_order(tenant_id, &order.order_id).await
            }
            None => Ok(None),
        }
    }

    async fn replace_order(&self, current: &Order, next: &Order) -> Result<Order, StoreError> {
        if current.tenant_id != next.tenant_id || current.order_id != next.order_id {
            return Err(StoreError::Conflict(
                "an order cannot change its tenant or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        let (names, values) = same_order(current);
        self.put_if(
            order_item(&stored)?,
            SAME_ORDER,
            names,
            values,
            &format!("order {}", current.order_id),
        )
        .await?;
        Ok(stored)
    }

    async fn discard_unissued_order(&self, current: &Order) -> Result<(), StoreError> {
        if current.is_issued() {
            return Err(StoreError::Conflict(
                "an issued order is never deleted".into(),
            ));
        }
        let (names, values) = version_condition(current.version);
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                order_pk(&current.tenant_id, &current.order_id),
                ORDER_SK,
            )))
            .condition_expression(SAME_VERSION)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match conditional(result)? {
            Some(out) => {
                self.bill(returned_size(out.attributes.as_ref()));
                Ok(())
            }
            None => Err(changed(&format!("order {}", current.order_id))),
        }
    }

    async fn transition_order(
        &self,
        current: &Order,
        to: OrderStatus,
    ) -> Result<Order, StoreError> {
        let status = current.status.transition(to)?;
        let next = Order {
            status,
            ..current.clone()
        };
        self.replace_order(current, &next).await
    }

    async fn list_orders_by_status(
        &self,
        tenant_id: &TenantId,
        status: OrderStatus,
        expiring_before: Option<DateTime<Utc>>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<Order>, Option<String>), StoreError> {
        let partition = orders_list(tenant_id);
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        let from = format!("{}#", status.as_str());
        // `$` sorts after `#`, so it closes the range after every order of the status.
        let to = match expiring_before {
            Some(t) => format!("{}#{}", status.as_str(), sortable(t)),
            None => format!("{}$", status.as_str()),
        };
        let (items, next) = self
            .listing_between(partition, from, to, start, limit)
            .await?;
        Ok((from_items(items)?, page::encode(next)?))
    }
}
