//! Refunds: one item per refund in its order's partition (see [`keys`]). Requesting and
//! completing a refund write its order in the same transaction (see [`RefundStore`]).
//!
//! [`keys`]: super::keys

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::MerchantEvent;
use cuadre_core::refund::{Refund, RefundStatus};
use cuadre_core::store::{RefundStore, StoreError};
use cuadre_core::{Order, OrderId, OrderStatus, TenantId};

use super::item::{key, n, to_item, with_keys};
use super::keys::*;
use super::orders::{order_item, same_order, SAME_ORDER};
use super::read::Partition;
use super::write::{build, version_condition, SAME_VERSION};
use super::{size, DynamoStore, Item};

/// The outbox records of what a refund's write owes (`MerchantEvent::owed_by_refund`).
fn owed(refund: &Refund, order_move: Option<(&Order, &Order)>) -> Vec<EventRecord> {
    MerchantEvent::owed_by_refund(refund, order_move)
        .into_iter()
        .map(EventRecord::occurred)
        .collect()
}

fn refund_item(refund: &Refund) -> Result<Item, StoreError> {
    Ok(with_keys(
        to_item(refund)?,
        &[
            (PK, order_pk(&refund.tenant_id, &refund.order_id)),
            (SK, refund_sk(&refund.refund_id)),
        ],
    ))
}

#[async_trait]
impl RefundStore for DynamoStore {
    async fn request_refund(&self, order: &Order, refund: &Refund) -> Result<Order, StoreError> {
        if order.tenant_id != refund.tenant_id || order.order_id != refund.order_id {
            return Err(StoreError::Conflict(
                "a refund belongs to its own order".into(),
            ));
        }
        let claimed = Order {
            version: order.version + 1,
            ..order.clone()
        };
        let (names, mut values) = same_order(order);
        values.insert(":next".to_string(), n(claimed.version));
        let claim = build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(
                    order_pk(&order.tenant_id, &order.order_id),
                    ORDER_SK,
                )))
                .update_expression("SET #v = :next")
                .condition_expression(SAME_ORDER)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .build(),
        )?;
        let item = refund_item(refund)?;
        let mut units = size::write_units(size::item_size(&item))
            + size::write_units(size::item_size(&order_item(&claimed)?));
        let put = self.transact_put(
            item,
            "attribute_not_exists(PK)",
            HashMap::new(),
            HashMap::new(),
        )?;
        let (events, event_units) = self.event_puts(&owed(refund, None))?;
        units += event_units;
        let mut writes = vec![TransactWriteItem::builder().update(claim).build(), put];
        writes.extend(events);
        self.transact(writes, units, &format!("order {}", order.order_id))
            .await?;
        Ok(claimed)
    }

    async fn get_refund(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
        refund_id: &str,
    ) -> Result<Option<Refund>, StoreError> {
        self.get(order_pk(tenant_id, order_id), &refund_sk(refund_id))
            .await
    }

    async fn refunds_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<Refund>, StoreError> {
        self.query_all_consistent(
            Partition::table(order_pk(tenant_id, order_id)).prefixed(REFUND_SK_PREFIX),
        )
        .await
    }

    async fn update_refund(&self, current: &Refund, next: &Refund) -> Result<Refund, StoreError> {
        if current.tenant_id != next.tenant_id
            || current.order_id != next.order_id
            || current.refund_id != next.refund_id
        {
            return Err(StoreError::Conflict(
                "a refund cannot change its tenant, order or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        let owed = if stored.status != current.status {
            owed(&stored, None)
        } else {
            Vec::new()
        };
        let (names, values) = version_condition(current.version);
        self.put_announcing(
            refund_item(&stored)?,
            SAME_VERSION,
            names,
            values,
            &owed,
            &format!("refund {}", current.refund_id),
        )
        .await?;
        Ok(stored)
    }

    async fn complete_refund(
        &self,
        current: &Refund,
        next: &Refund,
        order: &Order,
    ) -> Result<(Refund, Order), StoreError> {
        if current.refund_id != next.refund_id
            || next.status != RefundStatus::Completed
            || order.tenant_id != current.tenant_id
            || order.order_id != current.order_id
        {
            return Err(StoreError::Conflict(
                "only a refund of this order can complete it".into(),
            ));
        }
        let refunded = Order {
            status: order.status.transition(OrderStatus::Refunded)?,
            version: order.version + 1,
            ..order.clone()
        };
        let mut stored = next.clone();
        stored.version = current.version + 1;
        let refund_item = refund_item(&stored)?;
        let order_item = order_item(&refunded)?;
        let units = size::write_units(size::item_size(&refund_item))
            + size::write_units(size::item_size(&order_item));
        let (refund_names, refund_values) = version_condition(current.version);
        let refund_put =
            self.transact_put(refund_item, SAME_VERSION, refund_names, refund_values)?;
        let (order_names, order_values) = same_order(order);
        let order_put = self.transact_put(order_item, SAME_ORDER, order_names, order_values)?;
        let (events, event_units) = self.event_puts(&owed(&stored, Some((order, &refunded))))?;
        let mut writes = vec![refund_put, order_put];
        writes.extend(events);
        self.transact(
            writes,
            units + event_units,
            &format!("refund {} or order {}", current.refund_id, order.order_id),
        )
        .await?;
        Ok((stored, refunded))
    }
}
