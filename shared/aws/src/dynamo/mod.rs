//! The DynamoDB single-table adapter for the store ports of `cuadre-core`.
//!
//! Every state change is a conditional write; a lost race comes back as [`StoreError::Conflict`].
//! Items are (de)serialised with `serde_dynamo`; keys are laid out in [`keys`].

pub mod keys;
mod page;
pub mod size;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use cuadre_core::access::{ApiKeyRecord, PayLink};
use cuadre_core::records::IdempotencyStatus;
use cuadre_core::store::{
    ApiKeyStore, Created, ExceptionStore, IdempotencyStart, IdempotencyStore, OrderStore,
    PayLinkStore, PaymentEvents, PaymentOutbox, PaymentStore, StoreError, TenantStore,
    VoucherStore,
};
use cuadre_core::{
    Cip, ExceptionRecord, ExceptionStatus, IdempotencyRecord, OperationNumber, Order, OrderId,
    OrderStatus, Payment, Tenant, TenantId, Voucher,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use keys::*;

pub type Item = HashMap<String, AttributeValue>;

/// Write units spent by a store, summed by DynamoDB's billing rules (see [`size`]).
#[derive(Debug, Clone, Default)]
pub struct WriteMeter(Arc<AtomicU64>);

impl WriteMeter {
    pub fn units(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, units: u64) {
        self.0.fetch_add(units, Ordering::Relaxed);
    }
}

/// The store. Cheap to clone: the SDK client is shared.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    meter: WriteMeter,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    matches!(err.code(), Some("ConditionalCheckFailedException"))
}

fn unavailable<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

fn with_keys(mut item: Item, attrs: &[(&str, String)]) -> Item {
    for (name, value) in attrs {
        item.insert((*name).to_string(), s(value.clone()));
    }
    item
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            meter: WriteMeter::default(),
        }
    }

    pub fn meter(&self) -> &WriteMeter {
        &self.meter
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: &str) -> Item {
        HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Puts an item only if no item has its key; `Ok(false)` when one did.
    async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let units = size::write_units(size::item_size(&item));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => {
                self.meter.add(units);
                Ok(true)
            }
            // A refused conditional write still costs its units.
            Err(e) if is_condition_failure(&e) => {
                self.meter.add(units);
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Overwrites an item if `condition` holds; bills the larger of the old and new item.
    async fn put_if(
        &self,
        item: Item,
        condition: &str,
        names: HashMap<String, String>,
        values: Item,
        what: &str,
    ) -> Result<(), StoreError> {
        let new_size = size::item_size(&item);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            // DynamoDB refuses an empty map here; a condition may need no values.
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let old_size = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(new_size.max(old_size)));
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => {
                self.meter.add(size::write_units(new_size));
                Err(StoreError::Conflict(format!(
                    "{what} changed since it was read"
                )))
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Every item of a base-table partition whose sort key starts with `sk_prefix`, read strongly
    /// consistent (indexes cannot be): for checks that must see a write that just happened.
    async fn query_partition_consistent<T: DeserializeOwned>(
        &self,
        pk: String,
        sk_prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(pk.clone()))
                .expression_attribute_values(":sk", s(sk_prefix))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                out.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(next) => start = Some(next),
                None => return Ok(out),
            }
        }
    }

    async fn query_all<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        pk: String,
        sk_prefix: Option<(&str, &str)>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let (items, next) = self
                .query_page(index, pk_attr, pk.clone(), sk_prefix, start, None)
                .await?;
            for item in items {
                out.push(from_item(item)?);
            }
            match next {
                Some(n) => start = Some(n),
                None => return Ok(out),
            }
        }
    }

    async fn query_page(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        pk: String,
        sk_condition: Option<(&str, &str)>,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut names = HashMap::from([("#pk".to_string(), pk_attr.to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
        let mut expression = "#pk = :pk".to_string();
        if let Some((sk_attr, prefix)) = sk_condition {
            names.insert("#sk".to_string(), sk_attr.to_string());
            values.insert(":sk".to_string(), s(prefix));
            expression.push_str(" AND begins_with(#sk, :sk)");
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_string))
            .key_condition_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .set_exclusive_start_key(start)
            .set_limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// A page of a per-tenant listing on GSI2 with its sort key between `from` and `to`.
    async fn query_listing_between(
        &self,
        pk: String,
        from: String,
        to: String,
        start: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", GSI2PK)
            .expression_attribute_names("#sk", GSI2SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .set_exclusive_start_key(start)
            .limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    fn order_item(order: &Order) -> Result<Item, StoreError> {
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

    fn exception_item(record: &ExceptionRecord) -> Result<Item, StoreError> {
        let t = &record.tenant_id;
        let mut attrs = vec![
            (PK, exception_pk(t, &record.exception_id)),
            (SK, EXCEPTION_SK.to_string()),
            (GSI2PK, exceptions_list(t)),
            (
                GSI2SK,
                // Kind after status, so status and kind filters are key conditions (keys.rs).
                exception_listing_sk(record),
            ),
        ];
        if let Some(order) = &record.order_id {
            attrs.push((GSI1PK, order_exceptions(t, order)));
            attrs.push((GSI1SK, record.exception_id.clone()));
        }
        Ok(with_keys(to_item(record)?, &attrs))
    }

    /// Lists every tenant (for the scheduled dispatch), by query on an index, never a scan.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.query_all(Some(GSI2), GSI2PK, TENANTS_LIST.to_string(), None)
            .await
    }
}

impl DynamoStore {
    /// Replaces the item stored at `version` (a versioned record's next state); `Conflict` when
    /// another write got there first.
    async fn put_if_version(&self, item: Item, version: u64, what: &str) -> Result<(), StoreError> {
        let (names, values) = version_condition(version);
        self.put_if(item, "#v = :v", names, values, what).await
    }
}

fn version_condition(version: u64) -> (HashMap<String, String>, Item) {
    (
        HashMap::from([("#v".to_string(), "version".to_string())]),
        HashMap::from([(":v".to_string(), n(version))]),
    )
}

#[async_trait]
impl TenantStore for DynamoStore {
    async fn create_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        let item = with_keys(
            to_item(tenant)?,
            &[
                (PK, tenant_pk(&tenant.tenant_id)),
                (SK, TENANT_SK.to_string()),
                (GSI2PK, TENANTS_LIST.to_string()),
                (GSI2SK, tenant.tenant_id.to_string()),
            ],
        );
        if self.put_new(item).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "tenant {} already exists",
                tenant.tenant_id
            )))
        }
    }

    async fn get_tenant(&self, tenant_id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.get(tenant_pk(tenant_id), TENANT_SK)
            .await?
            .map(from_item)
            .transpose()
    }
}

#[async_trait]
impl OrderStore for DynamoStore {
    async fn create_order(&self, order: &Order) -> Result<(), StoreError> {
        if self.put_new(Self::order_item(order)?).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "order {} already exists",
                order.order_id
            )))
        }
    }

    async fn get_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<Order>, StoreError> {
        self.get(order_pk(tenant_id, order_id), ORDER_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    async fn find_order_by_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Option<Order>, StoreError> {
        let (items, _) = self
            .query_page(
                Some(GSI1),
                GSI1PK,
                cip_pk(tenant_id, cip),
                Some((GSI1SK, ORDER_SK)),
                None,
                None,
            )
            .await?;
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
        let (mut names, mut values) = version_condition(current.version);
        names.insert("#st".into(), "status".into());
        values.insert(":st".into(), s(current.status.as_str()));
        self.put_if(
            Self::order_item(&stored)?,
            "#v = :v AND #st = :st",
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
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                order_pk(&current.tenant_id, &current.order_id),
                ORDER_SK,
            )))
            .condition_expression("#v = :v")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(current.version))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let before = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(before));
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => Err(StoreError::Conflict(format!(
                "order {} changed since it was read",
                current.order_id
            ))),
            Err(e) => Err(unavailable(e)),
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
            .query_listing_between(partition, from, to, start, limit)
            .await?;
        let orders = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<Order>, _>>()?;
        Ok((orders, page::encode(next)?))
    }
}

#[async_trait]
impl PaymentStore for DynamoStore {
    async fn record_payment(&self, payment: &Payment) -> Result<Created<Payment>, StoreError> {
        let t = &payment.tenant_id;
        let item = with_keys(
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
        );
        if self.put_new(item).await? {
            return Ok(Created::New(payment.clone()));
        }
        match self
            .get_payment(t, &payment.cip, &payment.operation_number)
            .await?
        {
            Some(existing) => Ok(Created::AlreadyExisted(existing)),
            None => Err(StoreError::Conflict(
                "payment vanished after a conflicting write".into(),
            )),
        }
    }

    async fn payments_for_cip(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError> {
        self.query_all(
            None,
            PK,
            cip_pk(tenant_id, cip),
            Some((SK, PAYMENT_SK_PREFIX)),
        )
        .await
    }

    async fn get_payment(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<Payment>, StoreError> {
        self.get(cip_pk(tenant_id, cip), &payment_sk(operation_number))
            .await?
            .map(from_item)
            .transpose()
    }
}

/// The payment item's outbox marker: present (with its lease) while the payment's events are unsent.
const EVENTS_PENDING: &str = "events_pending";
const EVENTS_LEASE_UNTIL: &str = "events_lease_until";

fn payment_item(payment: &Payment) -> Result<Item, StoreError> {
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

#[async_trait]
impl PaymentOutbox for DynamoStore {
    async fn record_payment_pending(
        &self,
        payment: &Payment,
        lease_until: DateTime<Utc>,
    ) -> Result<(Created<Payment>, PaymentEvents), StoreError> {
        let t = &payment.tenant_id;
        let mut item = with_keys(
            payment_item(payment)?,
            &[
                (GSI1PK, pending_events_list(t)),
                (
                    GSI1SK,
                    format!(
                        "{}#{}#{}",
                        sortable(payment.received_at),
                        payment.cip,
                        payment.operation_number
                    ),
                ),
            ],
        );
        item.insert(EVENTS_PENDING.to_string(), AttributeValue::Bool(true));
        item.insert(
            EVENTS_LEASE_UNTIL.to_string(),
            n(lease_until.timestamp_millis()),
        );
        if self.put_new(item).await? {
            return Ok((
                Created::New(payment.clone()),
                PaymentEvents::Pending { lease_until },
            ));
        }
        match self
            .get(
                cip_pk(t, &payment.cip),
                &payment_sk(&payment.operation_number),
            )
            .await?
        {
            Some(existing) => {
                let events = payment_events_of(&existing);
                Ok((Created::AlreadyExisted(from_item(existing)?), events))
            }
            None => Err(StoreError::Conflict(
                "payment vanished after a conflicting write".into(),
            )),
        }
    }

    async fn payment_events(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
        operation_number: &OperationNumber,
    ) -> Result<Option<PaymentEvents>, StoreError> {
        Ok(self
            .get(cip_pk(tenant_id, cip), &payment_sk(operation_number))
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
            .set_key(Some(Self::key(
                cip_pk(tenant_id, cip),
                &payment_sk(operation_number),
            )))
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
        match result {
            Ok(out) => {
                let after = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(after));
                Ok(true)
            }
            Err(e) if is_condition_failure(&e) => {
                // A refused conditional write is billed too (1 unit: a payment item is < 1 KB).
                self.meter.add(1);
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
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
            .set_key(Some(Self::key(
                cip_pk(tenant_id, cip),
                &payment_sk(operation_number),
            )))
            .update_expression("REMOVE #pending, #lease, #gpk, #gsk")
            .condition_expression("attribute_exists(#pending)")
            .expression_attribute_names("#pending", EVENTS_PENDING)
            .expression_attribute_names("#lease", EVENTS_LEASE_UNTIL)
            .expression_attribute_names("#gpk", GSI1PK)
            .expression_attribute_names("#gsk", GSI1SK)
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let before = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(before));
                Ok(())
            }
            // Already sent (by another holder): nothing to clear.
            Err(e) if is_condition_failure(&e) => {
                self.meter.add(1);
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn payments_for_cip_consistent(
        &self,
        tenant_id: &TenantId,
        cip: &Cip,
    ) -> Result<Vec<Payment>, StoreError> {
        self.query_partition_consistent(cip_pk(tenant_id, cip), PAYMENT_SK_PREFIX)
            .await
    }

    async fn payments_with_pending_events(
        &self,
        tenant_id: &TenantId,
        limit: i32,
    ) -> Result<Vec<Payment>, StoreError> {
        let (items, _) = self
            .query_page(
                Some(GSI1),
                GSI1PK,
                pending_events_list(tenant_id),
                None,
                None,
                Some(limit),
            )
            .await?;
        items.into_iter().map(from_item).collect()
    }
}

#[async_trait]
impl VoucherStore for DynamoStore {
    async fn put_voucher(&self, voucher: &Voucher) -> Result<Created<Voucher>, StoreError> {
        let t = &voucher.tenant_id;
        let item = with_keys(
            to_item(voucher)?,
            &[
                (PK, order_pk(t, &voucher.order_id)),
                (SK, voucher_sk(&voucher.voucher_id)),
                (GSI1PK, sha_lookup(t, &voucher.sha256)),
                (GSI1SK, voucher_sk(&voucher.voucher_id)),
                (GSI2PK, vouchers_list(t)),
                (
                    GSI2SK,
                    format!("{}#{}", sortable(voucher.uploaded_at), voucher.voucher_id),
                ),
            ],
        );
        if self.put_new(item).await? {
            return Ok(Created::New(voucher.clone()));
        }
        match self
            .get(
                order_pk(t, &voucher.order_id),
                &voucher_sk(&voucher.voucher_id),
            )
            .await?
        {
            Some(existing) => Ok(Created::AlreadyExisted(from_item(existing)?)),
            None => Err(StoreError::Conflict(
                "voucher vanished after a conflicting write".into(),
            )),
        }
    }

    async fn vouchers_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<Voucher>, StoreError> {
        self.query_all(
            None,
            PK,
            order_pk(tenant_id, order_id),
            Some((SK, VOUCHER_SK_PREFIX)),
        )
        .await
    }

    async fn vouchers_by_sha256(
        &self,
        tenant_id: &TenantId,
        sha256: &str,
    ) -> Result<Vec<Voucher>, StoreError> {
        self.query_all(Some(GSI1), GSI1PK, sha_lookup(tenant_id, sha256), None)
            .await
    }
}

#[async_trait]
impl ExceptionStore for DynamoStore {
    async fn raise_exception(
        &self,
        record: &ExceptionRecord,
    ) -> Result<Created<ExceptionRecord>, StoreError> {
        if self.put_new(Self::exception_item(record)?).await? {
            return Ok(Created::New(record.clone()));
        }
        match self
            .get_exception(&record.tenant_id, &record.exception_id)
            .await?
        {
            Some(existing) => Ok(Created::AlreadyExisted(existing)),
            None => Err(StoreError::Conflict(
                "exception vanished after a conflicting write".into(),
            )),
        }
    }

    async fn get_exception(
        &self,
        tenant_id: &TenantId,
        exception_id: &str,
    ) -> Result<Option<ExceptionRecord>, StoreError> {
        self.get(exception_pk(tenant_id, exception_id), EXCEPTION_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    async fn exceptions_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<ExceptionRecord>, StoreError> {
        self.query_all(
            Some(GSI1),
            GSI1PK,
            order_exceptions(tenant_id, order_id),
            None,
        )
        .await
    }

    async fn list_exceptions(
        &self,
        tenant_id: &TenantId,
        status: Option<ExceptionStatus>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
        let partition = exceptions_list(tenant_id);
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        let prefix = status.map(|s| format!("{}#", s.as_str()));
        let (items, next) = self
            .query_page(
                Some(GSI2),
                GSI2PK,
                partition,
                prefix.as_deref().map(|p| (GSI2SK, p)),
                start,
                Some(limit),
            )
            .await?;
        let records = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<ExceptionRecord>, _>>()?;
        Ok((records, page::encode(next)?))
    }

    async fn update_exception(
        &self,
        current: &ExceptionRecord,
        next: &ExceptionRecord,
    ) -> Result<ExceptionRecord, StoreError> {
        if current.tenant_id != next.tenant_id || current.exception_id != next.exception_id {
            return Err(StoreError::Conflict(
                "an exception cannot change its tenant or id".into(),
            ));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        self.put_if_version(
            Self::exception_item(&stored)?,
            current.version,
            &format!("exception {}", current.exception_id),
        )
        .await?;
        Ok(stored)
    }
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn start(
        &self,
        record: &IdempotencyRecord,
        now: i64,
    ) -> Result<IdempotencyStart, StoreError> {
        let pk = idempotency_pk(&record.tenant_id, &record.key);
        let item = with_keys(
            to_item(record)?,
            &[(PK, pk.clone()), (SK, IDEMPOTENCY_SK.to_string())],
        );
        let mut item = item;
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
                    Some(item) => from_item(item)?,
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
            .set_key(Some(Self::key(pk, IDEMPOTENCY_SK)))
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
        match result {
            Ok(out) => {
                let after = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(after));
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => Err(StoreError::Conflict(format!(
                "idempotency key {key} is not in progress"
            ))),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn abandon(&self, tenant_id: &TenantId, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                idempotency_pk(tenant_id, key),
                IDEMPOTENCY_SK,
            )))
            .condition_expression("#st = :inprog")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":inprog", s("IN_PROGRESS"))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let before = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                self.meter.add(size::write_units(before));
                Ok(())
            }
            // Already completed or gone: nothing to forget.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl ApiKeyStore for DynamoStore {
    async fn create_api_key(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let item = with_keys(
            to_item(record)?,
            &[
                (PK, api_key_pk(&record.key_hash)),
                (SK, API_KEY_SK.to_string()),
                (GSI2PK, api_keys_list(&record.tenant_id)),
                (GSI2SK, record.key_id.clone()),
            ],
        );
        if self.put_new(item).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(
                "an API key with this hash exists".into(),
            ))
        }
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.get(api_key_pk(key_hash), API_KEY_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    async fn list_api_keys(&self, tenant_id: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.query_all(Some(GSI2), GSI2PK, api_keys_list(tenant_id), None)
            .await
    }

    async fn revoke_api_key(
        &self,
        tenant_id: &TenantId,
        key_id: &str,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError> {
        let keys = self.list_api_keys(tenant_id).await?;
        let current = keys
            .into_iter()
            .find(|k| k.key_id == key_id)
            .ok_or_else(|| StoreError::NotFound(format!("API key {key_id}")))?;
        if current.revoked_at.is_some() {
            return Ok(current);
        }
        let next = ApiKeyRecord {
            revoked_at: Some(at),
            ..current.clone()
        };
        let item = with_keys(
            to_item(&next)?,
            &[
                (PK, api_key_pk(&next.key_hash)),
                (SK, API_KEY_SK.to_string()),
                (GSI2PK, api_keys_list(tenant_id)),
                (GSI2SK, next.key_id.clone()),
            ],
        );
        self.put_if(
            item,
            "attribute_exists(PK) AND attribute_not_exists(#rev)",
            HashMap::from([("#rev".to_string(), "revoked_at".to_string())]),
            HashMap::new(),
            "API key",
        )
        .await?;
        Ok(next)
    }
}

#[async_trait]
impl PayLinkStore for DynamoStore {
    async fn create_pay_link(&self, link: &PayLink) -> Result<(), StoreError> {
        let item = with_keys(
            to_item(link)?,
            &[
                (PK, pay_link_pk(&link.token_hash)),
                (SK, PAY_LINK_SK.to_string()),
            ],
        );
        if self.put_new(item).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("pay link exists".into()))
        }
    }

    async fn find_pay_link(&self, token_hash: &str) -> Result<Option<PayLink>, StoreError> {
        self.get(pay_link_pk(token_hash), PAY_LINK_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    async fn grant_upload(&self, token_hash: &str, max: u32) -> Result<u32, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pay_link_pk(token_hash), PAY_LINK_SK)))
            .update_expression("SET #n = if_not_exists(#n, :zero) + :one")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(#n) OR #n < :max)",
            )
            .expression_attribute_names("#n", "uploads_granted")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                self.meter.add(size::write_units(size::item_size(&item)));
                let link: PayLink = from_item(item)?;
                Ok(link.uploads_granted)
            }
            Err(e) if is_condition_failure(&e) => {
                Err(StoreError::Conflict("upload limit reached".into()))
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl cuadre_core::store::VoucherReadStore for DynamoStore {
    async fn get_voucher(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
        voucher_id: &str,
    ) -> Result<Option<Voucher>, StoreError> {
        self.get(order_pk(tenant_id, order_id), &voucher_sk(voucher_id))
            .await?
            .map(from_item)
            .transpose()
    }

    async fn index_voucher_operation(
        &self,
        voucher: &Voucher,
        operation_number: &OperationNumber,
    ) -> Result<(), StoreError> {
        let item = with_keys(
            to_item(voucher)?,
            &[
                (
                    PK,
                    voucher_operation_pk(&voucher.tenant_id, operation_number),
                ),
                (SK, voucher_sk(&voucher.voucher_id)),
            ],
        );
        // Already indexed (a redelivered event) is the same fact.
        self.put_new(item).await.map(|_| ())
    }

    async fn vouchers_by_operation_number(
        &self,
        tenant_id: &TenantId,
        operation_number: &OperationNumber,
    ) -> Result<Vec<Voucher>, StoreError> {
        self.query_all(
            None,
            PK,
            voucher_operation_pk(tenant_id, operation_number),
            Some((SK, VOUCHER_SK_PREFIX)),
        )
        .await
    }

    async fn recent_vouchers(
        &self,
        tenant_id: &TenantId,
        since: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<Voucher>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("#pk = :pk AND #sk >= :since")
            .expression_attribute_names("#pk", GSI2PK)
            .expression_attribute_names("#sk", GSI2SK)
            .expression_attribute_values(":pk", s(vouchers_list(tenant_id)))
            .expression_attribute_values(":since", s(sortable(since)))
            .scan_index_forward(false)
            .limit(limit.max(1))
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
    }
}

impl DynamoStore {
    fn status_lookup_item(lookup: &cuadre_core::store::StatusLookup) -> Result<Item, StoreError> {
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
}

#[async_trait]
impl cuadre_core::store::StatusLookupStore for DynamoStore {
    async fn schedule_status_lookup(
        &self,
        lookup: &cuadre_core::store::StatusLookup,
    ) -> Result<Created<cuadre_core::store::StatusLookup>, StoreError> {
        if self.put_new(Self::status_lookup_item(lookup)?).await? {
            return Ok(Created::New(lookup.clone()));
        }
        match self
            .get(
                status_lookup_pk(&lookup.tenant_id, &lookup.order_id),
                STATUS_LOOKUP_SK,
            )
            .await?
        {
            Some(existing) => Ok(Created::AlreadyExisted(from_item(existing)?)),
            None => Err(StoreError::Conflict(
                "status lookup vanished after a conflicting write".into(),
            )),
        }
    }

    async fn due_status_lookups(
        &self,
        tenant_id: &TenantId,
        due_by: DateTime<Utc>,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<cuadre_core::store::StatusLookup>, Option<String>), StoreError> {
        let partition = status_lookups_list(tenant_id);
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        // `$` sorts after `#`: the range closes after every marker due at `due_by` itself.
        let to = format!("{}$", sortable(due_by));
        let (items, next) = self
            .query_listing_between(partition, "0".to_string(), to, start, limit)
            .await?;
        let lookups = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((lookups, page::encode(next)?))
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
            .set_key(Some(Self::key(
                status_lookup_pk(tenant_id, order_id),
                STATUS_LOOKUP_SK,
            )))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        let before = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
        self.meter.add(size::write_units(before.max(1)));
        Ok(())
    }
}

/// [`OnceStore`](cuadre_core::store::OnceStore): one marker item per (tenant, key), moved from
/// `PENDING` (with a holder and a lease) to `DONE` by conditional writes.
mod once {
    use super::*;
    use cuadre_core::store::{OnceClaim, OnceStore};

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
                    match self.get(once_pk(tenant_id, key), ONCE_SK).await? {
                        Some(item) => {
                            let marker: OnceMarker = from_item(item)?;
                            Ok(if marker.status == DONE {
                                OnceClaim::Done
                            } else {
                                OnceClaim::Held
                            })
                        }
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
                .set_key(Some(Self::key(once_pk(tenant_id, key), ONCE_SK)))
                .condition_expression("#st = :pending AND #holder = :holder")
                .expression_attribute_names("#st", "status")
                .expression_attribute_names("#holder", "holder")
                .expression_attribute_values(":pending", s(PENDING))
                .expression_attribute_values(":holder", s(holder))
                .return_values(ReturnValue::AllOld)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let before = out.attributes.as_ref().map(size::item_size).unwrap_or(0);
                    self.meter.add(size::write_units(before.max(1)));
                    Ok(())
                }
                // Done, gone, or claimed by another holder since: not ours to release.
                Err(e) if is_condition_failure(&e) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}

/// [`ReconcileStore`](cuadre_core::store::ReconcileStore): the per-tenant listings on GSI2, the
/// settlement lines and the settlement-file import markers (see [`keys`]).
mod reconcile {
    use super::*;
    use cuadre_core::reconcile::SettlementLine;
    use cuadre_core::store::{ReconcileStore, SettlementFileImport};

    impl DynamoStore {
        /// One page of a whole GSI2 partition, with a token checked against that partition.
        async fn listing_page<T: DeserializeOwned>(
            &self,
            partition: String,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<T>, Option<String>), StoreError> {
            let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
            let (items, next) = self
                .query_page(
                    Some(GSI2),
                    GSI2PK,
                    partition,
                    None,
                    start,
                    Some(limit.max(1)),
                )
                .await?;
            let values = items
                .into_iter()
                .map(from_item)
                .collect::<Result<Vec<T>, _>>()?;
            Ok((values, page::encode(next)?))
        }
    }

    fn settlement_line_item(
        tenant_id: &TenantId,
        line: &SettlementLine,
    ) -> Result<Item, StoreError> {
        let mut item = with_keys(
            to_item(line)?,
            &[
                (PK, cip_pk(tenant_id, &line.cip)),
                (
                    SK,
                    settlement_line_sk(&line.operation_number, &line.settlement_id),
                ),
                (GSI2PK, settlements_list(tenant_id)),
                (
                    GSI2SK,
                    format!(
                        "{}#{}#{}#{}",
                        sortable(line.settled_at),
                        line.cip,
                        line.operation_number,
                        line.settlement_id
                    ),
                ),
            ],
        );
        item.insert("tenant_id".to_string(), s(tenant_id.as_str()));
        Ok(item)
    }

    #[async_trait]
    impl ReconcileStore for DynamoStore {
        async fn list_tenant_ids(
            &self,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<TenantId>, Option<String>), StoreError> {
            let (tenants, next): (Vec<Tenant>, _) = self
                .listing_page(TENANTS_LIST.to_string(), page, limit)
                .await?;
            Ok((tenants.into_iter().map(|t| t.tenant_id).collect(), next))
        }

        async fn list_orders(
            &self,
            tenant_id: &TenantId,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<Order>, Option<String>), StoreError> {
            self.listing_page(orders_list(tenant_id), page, limit).await
        }

        async fn list_payments(
            &self,
            tenant_id: &TenantId,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<Payment>, Option<String>), StoreError> {
            self.listing_page(payments_list(tenant_id), page, limit)
                .await
        }

        async fn list_vouchers(
            &self,
            tenant_id: &TenantId,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<Voucher>, Option<String>), StoreError> {
            self.listing_page(vouchers_list(tenant_id), page, limit)
                .await
        }

        async fn record_settlement_line(
            &self,
            tenant_id: &TenantId,
            line: &SettlementLine,
        ) -> Result<Created<SettlementLine>, StoreError> {
            if self.put_new(settlement_line_item(tenant_id, line)?).await? {
                return Ok(Created::New(line.clone()));
            }
            match self
                .get(
                    cip_pk(tenant_id, &line.cip),
                    &settlement_line_sk(&line.operation_number, &line.settlement_id),
                )
                .await?
            {
                Some(existing) => Ok(Created::AlreadyExisted(from_item(existing)?)),
                None => Err(StoreError::Conflict(
                    "settlement line vanished after a conflicting write".into(),
                )),
            }
        }

        async fn list_settlement_lines(
            &self,
            tenant_id: &TenantId,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<SettlementLine>, Option<String>), StoreError> {
            self.listing_page(settlements_list(tenant_id), page, limit)
                .await
        }

        async fn settlement_file_import(
            &self,
            tenant_id: &TenantId,
            object_key: &str,
            etag: &str,
        ) -> Result<Option<SettlementFileImport>, StoreError> {
            self.get(
                settlement_file_pk(tenant_id, object_key, etag),
                SETTLEMENT_FILE_SK,
            )
            .await?
            .map(from_item)
            .transpose()
        }

        async fn mark_settlement_file_imported(
            &self,
            marker: &SettlementFileImport,
        ) -> Result<Created<SettlementFileImport>, StoreError> {
            let pk = settlement_file_pk(&marker.tenant_id, &marker.object_key, &marker.etag);
            let item = with_keys(
                to_item(marker)?,
                &[(PK, pk.clone()), (SK, SETTLEMENT_FILE_SK.to_string())],
            );
            if self.put_new(item).await? {
                return Ok(Created::New(marker.clone()));
            }
            match self.get(pk, SETTLEMENT_FILE_SK).await? {
                Some(existing) => Ok(Created::AlreadyExisted(from_item(existing)?)),
                None => Err(StoreError::Conflict(
                    "settlement file marker vanished after a conflicting write".into(),
                )),
            }
        }
    }
}

/// The merchant API's reads and writes: exceptions by status and kind (key conditions on GSI2,
/// see [`keys::exception_listing_sk`]) and refunds in their order's partition.
mod merchant_api {
    use super::*;
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use cuadre_core::exception::ExceptionKind;
    use cuadre_core::refund::{Refund, RefundStatus};
    use cuadre_core::store::{ExceptionListing, RefundStore};

    /// The statuses a kind-only listing walks through, in order.
    const STATUSES: [ExceptionStatus; 3] = [
        ExceptionStatus::Open,
        ExceptionStatus::Acknowledged,
        ExceptionStatus::Resolved,
    ];

    /// A kind-only listing's position: which status it is in and DynamoDB's token inside it.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct KindCursor {
        status: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    }

    fn encode_cursor(cursor: &KindCursor) -> Result<String, StoreError> {
        let json = serde_json::to_vec(cursor).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(json))
    }

    fn decode_cursor(token: &str) -> Result<KindCursor, StoreError> {
        let json = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| StoreError::BadPageToken)?;
        let cursor: KindCursor =
            serde_json::from_slice(&json).map_err(|_| StoreError::BadPageToken)?;
        if cursor.status >= STATUSES.len() {
            return Err(StoreError::BadPageToken);
        }
        Ok(cursor)
    }

    fn records(items: Vec<Item>) -> Result<Vec<ExceptionRecord>, StoreError> {
        items.into_iter().map(from_item).collect()
    }

    impl DynamoStore {
        /// One page of the exception listing whose sort key begins with `prefix` (all when `None`).
        async fn exceptions_page(
            &self,
            tenant_id: &TenantId,
            prefix: Option<String>,
            page: Option<&str>,
            limit: i32,
        ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
            let partition = exceptions_list(tenant_id);
            let start = page::decode(page, GSI2PK, &partition)?;
            if let (Some(start), Some(prefix)) = (&start, &prefix) {
                // A token of this partition but of another filter would start outside the range.
                let in_range = matches!(start.get(GSI2SK), Some(AttributeValue::S(sk)) if sk.starts_with(prefix.as_str()));
                if !in_range {
                    return Err(StoreError::BadPageToken);
                }
            }
            let (items, next) = self
                .query_page(
                    Some(GSI2),
                    GSI2PK,
                    partition,
                    prefix.as_deref().map(|p| (GSI2SK, p)),
                    start,
                    Some(limit),
                )
                .await?;
            Ok((records(items)?, page::encode(next)?))
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

        /// Runs a transaction of conditional writes; a refused condition (or a concurrent
        /// transaction on the same items) is a `Conflict`. Transactional writes bill double.
        async fn transact(
            &self,
            items: Vec<TransactWriteItem>,
            units: u64,
            what: &str,
        ) -> Result<(), StoreError> {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            self.meter.add(2 * units);
            match result {
                Ok(_) => Ok(()),
                Err(e)
                    if matches!(
                        e.code(),
                        Some("TransactionCanceledException" | "TransactionConflictException")
                    ) =>
                {
                    Err(StoreError::Conflict(format!(
                        "{what} changed since it was read"
                    )))
                }
                Err(e) => Err(unavailable(e)),
            }
        }

        fn build<T, E: std::fmt::Display>(built: Result<T, E>) -> Result<T, StoreError> {
            built.map_err(|e| StoreError::Corrupt(e.to_string()))
        }
    }

    #[async_trait]
    impl ExceptionListing for DynamoStore {
        async fn list_exceptions_filtered(
            &self,
            tenant_id: &TenantId,
            status: Option<ExceptionStatus>,
            kind: Option<ExceptionKind>,
            page: Option<String>,
            limit: i32,
        ) -> Result<(Vec<ExceptionRecord>, Option<String>), StoreError> {
            let limit = limit.max(1);
            let Some(kind) = kind else {
                let prefix = status.map(|s| format!("{}#", s.as_str()));
                return self
                    .exceptions_page(tenant_id, prefix, page.as_deref(), limit)
                    .await;
            };
            let by_kind = |s: ExceptionStatus| format!("{}#{}#", s.as_str(), kind.as_str());
            if let Some(status) = status {
                return self
                    .exceptions_page(tenant_id, Some(by_kind(status)), page.as_deref(), limit)
                    .await;
            }
            // Kind alone: one key range per status, walked in order; the token says which range.
            let mut cursor = match page.as_deref() {
                Some(token) => decode_cursor(token)?,
                None => KindCursor {
                    status: 0,
                    key: None,
                },
            };
            let mut out = Vec::new();
            loop {
                let remaining = limit - i32::try_from(out.len()).unwrap_or(limit);
                let (mut found, next) = self
                    .exceptions_page(
                        tenant_id,
                        Some(by_kind(STATUSES[cursor.status])),
                        cursor.key.as_deref(),
                        remaining,
                    )
                    .await?;
                out.append(&mut found);
                if let Some(key) = next {
                    cursor.key = Some(key);
                    return Ok((out, Some(encode_cursor(&cursor)?)));
                }
                cursor = KindCursor {
                    status: cursor.status + 1,
                    key: None,
                };
                if cursor.status >= STATUSES.len() {
                    return Ok((out, None));
                }
                if out.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                    return Ok((out, Some(encode_cursor(&cursor)?)));
                }
            }
        }
    }

    #[async_trait]
    impl RefundStore for DynamoStore {
        async fn request_refund(
            &self,
            order: &Order,
            refund: &Refund,
        ) -> Result<Order, StoreError> {
            if order.tenant_id != refund.tenant_id || order.order_id != refund.order_id {
                return Err(StoreError::Conflict(
                    "a refund belongs to its own order".into(),
                ));
            }
            let claimed = Order {
                version: order.version + 1,
                ..order.clone()
            };
            let claim = Self::build(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(Self::key(
                        order_pk(&order.tenant_id, &order.order_id),
                        ORDER_SK,
                    )))
                    .update_expression("SET #v = :next")
                    .condition_expression("#v = :v AND #st = :st")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_names("#st", "status")
                    .expression_attribute_values(":v", n(order.version))
                    .expression_attribute_values(":next", n(claimed.version))
                    .expression_attribute_values(":st", s(order.status.as_str()))
                    .build(),
            )?;
            let item = Self::refund_item(refund)?;
            let units = size::write_units(size::item_size(&item))
                + size::write_units(size::item_size(&Self::order_item(&claimed)?));
            let put = Self::build(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(PK)")
                    .build(),
            )?;
            self.transact(
                vec![
                    TransactWriteItem::builder().update(claim).build(),
                    TransactWriteItem::builder().put(put).build(),
                ],
                units,
                &format!("order {}", order.order_id),
            )
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
                .await?
                .map(from_item)
                .transpose()
        }

        async fn refunds_for_order(
            &self,
            tenant_id: &TenantId,
            order_id: &OrderId,
        ) -> Result<Vec<Refund>, StoreError> {
            self.query_partition_consistent(order_pk(tenant_id, order_id), REFUND_SK_PREFIX)
                .await
        }

        async fn update_refund(
            &self,
            current: &Refund,
            next: &Refund,
        ) -> Result<Refund, StoreError> {
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
            self.put_if_version(
                Self::refund_item(&stored)?,
                current.version,
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
            let refund_item = Self::refund_item(&stored)?;
            let order_item = Self::order_item(&refunded)?;
            let units = size::write_units(size::item_size(&refund_item))
                + size::write_units(size::item_size(&order_item));
            let refund_put = Self::build(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(refund_item))
                    .condition_expression("#v = :v")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":v", n(current.version))
                    .build(),
            )?;
            let order_put = Self::build(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(order_item))
                    .condition_expression("#v = :v AND #st = :st")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_names("#st", "status")
                    .expression_attribute_values(":v", n(order.version))
                    .expression_attribute_values(":st", s(order.status.as_str()))
                    .build(),
            )?;
            self.transact(
                vec![
                    TransactWriteItem::builder().put(refund_put).build(),
                    TransactWriteItem::builder().put(order_put).build(),
                ],
                units,
                &format!("refund {} or order {}", current.refund_id, order.order_id),
            )
            .await?;
            Ok((stored, refunded))
        }
    }
}
