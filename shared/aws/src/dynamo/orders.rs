//! Orders: one item per order in its own partition (beside its vouchers and refunds), found by CIP
//! on GSI1 and listed by status and expiry on GSI2 (see [`keys`]). Each earlier code of an order
//! (superseded, or learnt from a payment) has a small item in the order's partition that GSI1 also
//! finds by that CIP, written in the same transaction as the order that gains the code.
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::EventRecord;
use cuadre_core::store::{OrderStore, StoreError};
use cuadre_core::{Cip, Order, OrderId, OrderStatus, TenantId};

use super::error::changed;
use super::item::{from_items, key, s, to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::size;
use super::write::{version_condition, Names, SAME_VERSION};
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

/// The item that leads GSI1's lookup of an earlier code of `order` to the order.
fn earlier_cip_item(order: &Order, cip: &Cip) -> Item {
    let t = &order.tenant_id;
    let attrs = [
        (PK, order_pk(t, &order.order_id)),
        (SK, earlier_cip_sk(cip)),
        (GSI1PK, cip_pk(t, cip)),
        (GSI1SK, ORDER_SK.to_string()),
    ];
    with_keys(
        Item::from([("order_id".to_string(), s(order.order_id.as_str()))]),
        &attrs,
    )
}

impl DynamoStore {
    /// Writes `stored` under `condition`; with the lookup items of the earlier codes `before` did
    /// not have and the events the change owes, in one transaction (a code is never known to the
    /// order without its lookup, a change never made without its events).
    async fn write_order(
        &self,
        before: Option<&Order>,
        stored: &Order,
        condition: &str,
        names: Names,
        values: Item,
        events: &[EventRecord],
    ) -> Result<(), StoreError> {
        let what = format!("order {}", stored.order_id);
        let gained: Vec<&Cip> = stored
            .earlier_cips
            .iter()
            .filter(|c| before.is_none_or(|b| !b.earlier_cips.contains(c)))
            .collect();
        if gained.is_empty() {
            return self
                .put_announcing(order_item(stored)?, condition, names, values, events, &what)
                .await;
        }
        let item = order_item(stored)?;
        let mut units = size::write_units(size::item_size(&item));
        let mut writes = vec![self.transact_put(item, condition, names, values)?];
        for cip in gained {
            let lookup = earlier_cip_item(stored, cip);
            units += size::write_units(size::item_size(&lookup));
            writes.push(self.transact_put(
                lookup,
                "attribute_not_exists(PK)",
                Names::new(),
                Item::new(),
            )?);
        }
        let (puts, event_units) = self.event_puts(events)?;
        writes.extend(puts);
        units += event_units;
        self.transact(writes, units, &what).await
    }
}

#[async_trait]
impl OrderStore for DynamoStore {
    async fn create_order(&self, order: &Order) -> Result<(), StoreError> {
        if order.earlier_cips.is_empty() {
            return self
                .put_unique(order_item(order)?, || {
                    format!("order {} already exists", order.order_id)
                })
                .await;
        }
        self.write_order(
            None,
            order,
            "attribute_not_exists(PK)",
            Names::new(),
            Item::new(),
            &[],
        )
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
        // The order's own item when the CIP is its current code, else an earlier code's lookup.
        let by_cip = Partition::gsi1(cip_pk(tenant_id, cip)).prefixed(ORDER_SK);
        let (items, _) = self.query_page(&by_cip, None, None).await?;
        let Some(item) = items.into_iter().next() else {
            return Ok(None);
        };
        let order_id = item
            .get("order_id")
            .and_then(|v| v.as_s().ok())
            .and_then(|id| OrderId::parse(id).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("CIP {cip} leads to no order id")))?;
        // The index is eventually consistent; re-read the base item for the current version.
        self.get_order(tenant_id, &order_id).await
    }

    async fn replace_order_announcing(
        &self,
        current: &Order,
        next: &Order,
        events: &[EventRecord],
    ) -> Result<Order, StoreError> {
        if current.tenant_id != next.tenant_id || current.order_id != next.order_id {
            return Err(StoreError::Conflict(
                "an order cannot change its tenant or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        let (names, values) = same_order(current);
        self.write_order(Some(current), &stored, SAME_ORDER, names, values, events)
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
        match self.billed(result)? {
            Some(_) => Ok(()),
            None => Err(changed(&format!("order {}", current.order_id))),
        }
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
            .listing_between(partition, from, to, start, limit, false)
            .await?;
        Ok((from_items(items)?, page::encode(next)?))
    }
}
