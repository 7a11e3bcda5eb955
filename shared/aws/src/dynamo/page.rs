//! Continuation tokens: DynamoDB's `LastEvaluatedKey` as opaque base64url JSON. A token is only
//! accepted for the partition it came from, so it cannot be replayed against another tenant.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cuadre_core::store::StoreError;

use super::error::corrupt;
use super::Item;

pub fn encode(key: Option<Item>) -> Result<Option<String>, StoreError> {
    let Some(key) = key else { return Ok(None) };
    let mut plain = BTreeMap::new();
    for (name, value) in key {
        match value {
            AttributeValue::S(text) => plain.insert(name, text),
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "key attribute {name} is not a string"
                )))
            }
        };
    }
    let json = serde_json::to_vec(&plain).map_err(corrupt)?;
    Ok(Some(URL_SAFE_NO_PAD.encode(json)))
}

/// Decodes a token and checks it belongs to `partition` (the value of `partition_attr`).
pub fn decode(
    token: Option<&str>,
    partition_attr: &str,
    partition: &str,
) -> Result<Option<Item>, StoreError> {
    let Some(token) = token else { return Ok(None) };
    let bad = || StoreError::BadPageToken;
    let json = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let plain: BTreeMap<String, String> = serde_json::from_slice(&json).map_err(|_| bad())?;
    if plain.get(partition_attr).map(String::as_str) != Some(partition) {
        return Err(bad());
    }
    Ok(Some(
        plain
            .into_iter()
            .map(|(k, v)| (k, AttributeValue::S(v)))
            .collect(),
    ))
}
