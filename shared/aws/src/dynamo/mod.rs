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
    PayLinkStore, PaymentStore, StoreError, TenantStore, VoucherStore,
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
                format!(
                    "{}#{}#{}",
                    record.status.as_str(),
                    sortable(record.opened_at),
                    record.exception_id
                ),
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
        let (names, values) = version_condition(current.version);
        self.put_if(
            Self::exception_item(&stored)?,
            "#v = :v",
            names,
            values,
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
