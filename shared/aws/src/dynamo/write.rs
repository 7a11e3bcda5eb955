//! Conditional writes and their billing: a put of a new item, a conditional overwrite (and the
//! versioned replace built on it), and transactions. A refused condition still costs its write
//! units (see [`size`]).

use std::collections::HashMap;
use std::fmt::Display;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};
use cuadre_core::store::{Created, StoreError};
use serde::de::DeserializeOwned;

use super::error::{changed, conditional, corrupt, unavailable};
use super::item::{from_item, key_of, n};
use super::{size, DynamoStore, Item};

/// An expression's attribute-name placeholders.
pub(super) type Names = HashMap<String, String>;

/// A versioned record is replaced (or deleted) only at the version it was read at.
pub(super) const SAME_VERSION: &str = "#v = :v";

/// The names and values of [`SAME_VERSION`] for a record read at `version`.
pub(super) fn version_condition(version: u64) -> (Names, Item) {
    (
        HashMap::from([("#v".to_string(), "version".to_string())]),
        HashMap::from([(":v".to_string(), n(version))]),
    )
}

/// Bytes of the item a write returned (`ReturnValues`); none when it returned nothing.
pub(super) fn returned_size(item: Option<&Item>) -> usize {
    item.map(size::item_size).unwrap_or(0)
}

/// A request the SDK's builder refused to build.
pub(super) fn build<T, E: Display>(built: Result<T, E>) -> Result<T, StoreError> {
    built.map_err(corrupt)
}

/// A conditional update's or delete's output: the item it returned (`ReturnValues`).
pub(super) trait Returned {
    fn into_item(self) -> Item;
}

impl Returned for UpdateItemOutput {
    fn into_item(self) -> Item {
        self.attributes.unwrap_or_default()
    }
}

impl Returned for DeleteItemOutput {
    fn into_item(self) -> Item {
        self.attributes.unwrap_or_default()
    }
}

impl DynamoStore {
    /// Bills a write of an item of `bytes` bytes.
    pub(super) fn bill(&self, bytes: usize) {
        self.meter.add(size::write_units(bytes));
    }

    /// A conditional update or delete of a small item (under 1 KB): `Some(item)` as it returned it,
    /// billed by its size, when carried out; `None`, billed one unit, when its condition refused it.
    pub(super) fn billed<O, E, R>(
        &self,
        result: Result<O, SdkError<E, R>>,
    ) -> Result<Option<Item>, StoreError>
    where
        O: Returned,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        Ok(match conditional(result)? {
            Some(out) => {
                let item = out.into_item();
                self.bill(size::item_size(&item));
                Some(item)
            }
            None => {
                self.meter.add(1);
                None
            }
        })
    }

    /// Puts an item only if no item has its key; `Ok(false)` when one did.
    pub(super) async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let bytes = size::within_budget(&item)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        let written = conditional(result)?.is_some();
        // A refused conditional write still costs its units.
        self.bill(bytes);
        Ok(written)
    }

    /// Puts an item that must be new; `Conflict` with the message `taken` gives when its key is
    /// in use.
    pub(super) async fn put_unique(
        &self,
        item: Item,
        taken: impl FnOnce() -> String,
    ) -> Result<(), StoreError> {
        if self.put_new(item).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(taken()))
        }
    }

    /// Puts an item only if no item has its key; `None` when it was written, else the item stored
    /// at its key (a redelivered fact finds what was first written).
    pub(super) async fn put_new_or_read(
        &self,
        item: Item,
        what: &str,
    ) -> Result<Option<Item>, StoreError> {
        let key = key_of(&item);
        if self.put_new(item).await? {
            return Ok(None);
        }
        match self.get_key(key).await? {
            Some(existing) => Ok(Some(existing)),
            None => Err(StoreError::Conflict(format!(
                "{what} vanished after a conflicting write"
            ))),
        }
    }

    /// Records `value` (stored as `item`) once: `New` when it was written, else `AlreadyExisted`
    /// with the value first written at its key.
    pub(super) async fn create<T: Clone + DeserializeOwned>(
        &self,
        item: Item,
        value: &T,
        what: &str,
    ) -> Result<Created<T>, StoreError> {
        Ok(match self.put_new_or_read(item, what).await? {
            None => Created::New(value.clone()),
            Some(existing) => Created::AlreadyExisted(from_item(existing)?),
        })
    }

    /// Overwrites an item if `condition` holds; bills the larger of the old and new item.
    pub(super) async fn put_if(
        &self,
        item: Item,
        condition: &str,
        names: Names,
        values: Item,
        what: &str,
    ) -> Result<(), StoreError> {
        let new_size = size::within_budget(&item)?;
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
        match conditional(result)? {
            Some(out) => {
                let old_size = returned_size(out.attributes.as_ref());
                self.bill(new_size.max(old_size));
                Ok(())
            }
            None => {
                self.bill(new_size);
                Err(changed(what))
            }
        }
    }

    /// Replaces the item stored at `version` (a versioned record's next state); `Conflict` when
    /// another write got there first.
    pub(super) async fn put_if_version(
        &self,
        item: Item,
        version: u64,
        what: &str,
    ) -> Result<(), StoreError> {
        let (names, values) = version_condition(version);
        self.put_if(item, SAME_VERSION, names, values, what).await
    }

    /// A put of a transaction, conditional on `condition` (names and values may be empty).
    pub(super) fn transact_put(
        &self,
        item: Item,
        condition: &str,
        names: Names,
        values: Item,
    ) -> Result<TransactWriteItem, StoreError> {
        size::within_budget(&item)?;
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                // DynamoDB refuses empty maps here.
                .set_expression_attribute_names((!names.is_empty()).then_some(names))
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Runs a transaction of conditional writes; a refused condition (or a concurrent
    /// transaction on the same items) is a `Conflict`. Transactional writes bill double.
    pub(super) async fn transact(
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
                Err(changed(what))
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}
