//! Items: attribute values, primary keys, and (de)serialisation with `serde_dynamo`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use cuadre_core::store::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::corrupt;
use super::keys::{PK, SK};
use super::Item;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(corrupt)
}

pub(super) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

pub(super) fn from_items<T: DeserializeOwned>(items: Vec<Item>) -> Result<Vec<T>, StoreError> {
    items.into_iter().map(from_item).collect()
}

/// The item with its key attributes (`PK`, `SK`, index keys) set to string values.
pub(super) fn with_keys(mut item: Item, attrs: &[(&str, String)]) -> Item {
    for (name, value) in attrs {
        item.insert((*name).to_string(), s(value.clone()));
    }
    item
}

/// The primary key of the item at `pk` / `sk`.
pub(super) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

/// The primary key of an item: its `PK` and `SK` attributes.
pub(super) fn key_of(item: &Item) -> Item {
    [PK, SK]
        .into_iter()
        .filter_map(|name| Some((name.to_string(), item.get(name)?.clone())))
        .collect()
}
