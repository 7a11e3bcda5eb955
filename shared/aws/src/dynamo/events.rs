//! The event outbox: one item per merchant event, in its own partition; while pending it sits in a
//! sparse GSI1 partition of its tenant by when it is due (the sweeper's query), and GSI2 lists a
//! tenant's events by creation time (see [`keys`]). Writes that owe events add [`event_put`]s to
//! their own transaction.
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::{DeliveryStatus, EventFilter, EventRecord, EventStore};
use cuadre_core::store::{Created, StoreError};
use cuadre_core::TenantId;

use super::error::unavailable;
use super::item::{from_item, from_items, s, to_item, with_keys};
use super::keys::*;
use super::write::Names;
use super::{page, size, DynamoStore, Item};

pub(super) fn event_item(record: &EventRecord) -> Result<Item, StoreError> {
    let t = record.tenant_id();
    let id = record.event_id();
    let mut attrs = vec![
        (PK, event_pk(t, id)),
        (SK, EVENT_SK.to_string()),
        (GSI2PK, events_list(t)),
        (GSI2SK, format!("{}#{id}", sortable(record.created_at))),
    ];
    if let (DeliveryStatus::Pending, Some(due)) = (record.status, record.next_attempt_at) {
        attrs.push((GSI1PK, events_due(t)));
        attrs.push((GSI1SK, format!("{}#{id}", sortable(due))));
    }
    Ok(with_keys(to_item(record)?, &attrs))
}

impl DynamoStore {
    /// The transaction puts of `events`, each only if its id is new, and their write units.
    pub(super) fn event_puts(
        &self,
        events: &[EventRecord],
    ) -> Result<(Vec<TransactWriteItem>, u64), StoreError> {
        let mut puts = Vec::with_capacity(events.len());
        let mut units = 0;
        for record in events {
            let item = event_item(record)?;
            units += size::write_units(size::item_size(&item));
            puts.push(self.transact_put(
                item,
                "attribute_not_exists(PK)",
                Names::new(),
                Item::new(),
            )?);
        }
        Ok((puts, units))
    }

    /// Puts `item` under `condition` together with `events`: one conditional put when there are
    /// none, else one transaction (billed double).
    pub(super) async fn put_announcing(
        &self,
        item: Item,
        condition: &str,
        names: Names,
        values: Item,
        events: &[EventRecord],
        what: &str,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return self.put_if(item, condition, names, values, what).await;
        }
        let mut units = size::write_units(size::item_size(&item));
        let mut writes = vec![self.transact_put(item, condition, names, values)?];
        let (puts, event_units) = self.event_puts(events)?;
        writes.extend(puts);
        units += event_units;
        self.transact(writes, units, what).await
    }
}

#[async_trait]
impl EventStore for DynamoStore {
    async fn put_event(&self, record: &EventRecord) -> Result<Created<EventRecord>, StoreError> {
        self.create(event_item(record)?, record, "event").await
    }

    async fn get_event(
        &self,
        tenant_id: &TenantId,
        event_id: &str,
    ) -> Result<Option<EventRecord>, StoreError> {
        self.get(event_pk(tenant_id, event_id), EVENT_SK).await
    }

    async fn replace_event(
        &self,
        current: &EventRecord,
        next: &EventRecord,
    ) -> Result<EventRecord, StoreError> {
        if current.tenant_id() != next.tenant_id() || current.event_id() != next.event_id() {
            return Err(StoreError::Conflict(
                "an event cannot change its tenant or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        self.put_if_version(
            event_item(&stored)?,
            current.version,
            &format!("event {}", current.event_id()),
        )
        .await?;
        Ok(stored)
    }

    async fn due_events(
        &self,
        tenant_id: &TenantId,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<EventRecord>, StoreError> {
        // `~` sorts after every event id character, so the bound includes everything due at `now`.
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk AND #sk <= :due")
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_names("#sk", GSI1SK)
            .expression_attribute_values(":pk", s(events_due(tenant_id)))
            .expression_attribute_values(":due", s(format!("{}#~", sortable(now))))
            .limit(limit.max(1))
            .send()
            .await
            .map_err(unavailable)?;
        // The index lags the table: each is read again where a deliverer claims it.
        from_items(out.items.unwrap_or_default())
    }

    async fn list_events(
        &self,
        tenant_id: &TenantId,
        filter: &EventFilter,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<EventRecord>, Option<String>), StoreError> {
        let partition = events_list(tenant_id);
        let mut start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        let limit = usize::try_from(limit.max(1)).unwrap_or(1);
        // DynamoDB refuses an empty string; every sort key starts with a year.
        let from = filter.from.map(sortable).unwrap_or_else(|| "0".to_string());
        // `~` sorts after `#` and every digit: the open end of the range.
        let to = filter.to.map(sortable).unwrap_or_else(|| "~".to_string());
        let mut out = Vec::new();
        // Filters other than time are applied to what the key range returns; a page stops at
        // `limit` matches or after a bounded number of reads (the token goes on from there).
        for _ in 0..8 {
            let want = i32::try_from(limit - out.len()).unwrap_or(1).max(1);
            let (items, next) = self
                .listing_between(
                    partition.clone(),
                    from.clone(),
                    to.clone(),
                    start.take(),
                    want,
                    true,
                )
                .await?;
            for item in items {
                let record: EventRecord = from_item(item)?;
                if filter.matches(&record) {
                    out.push(record);
                }
            }
            match next {
                Some(key) if out.len() < limit => start = Some(key),
                next => return Ok((out, page::encode(next)?)),
            }
        }
        Ok((out, page::encode(start)?))
    }
}
