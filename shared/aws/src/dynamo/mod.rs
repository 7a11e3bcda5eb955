//! The DynamoDB single-table adapter for the store ports of `cuadre-core`.
//!
//! Every state change is a conditional write; a lost race comes back as [`StoreError::Conflict`].
//! Items are (de)serialised with `serde_dynamo`; keys are laid out in [`keys`].
//!
//! One module per kind of item, each implementing the ports that own it, over a small shared core:
//! `item` (attribute values, keys, (de)serialisation), `error` (the SDK's errors as the store's),
//! `write` (conditional writes and their billing), `read` (gets and partition queries) and
//! `page` (continuation tokens).
//!
//! [`StoreError::Conflict`]: cuadre_core::store::StoreError::Conflict

mod error;
mod item;
pub mod keys;
mod page;
mod read;
pub mod size;
mod write;

mod events;
mod exceptions;
mod idempotency;
mod once;
mod orders;
mod outbox;
mod pay_links;
mod payments;
mod refunds;
mod settlements;
mod status_lookups;
mod tenants;
mod vouchers;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

pub use size::WriteMeter;

pub type Item = HashMap<String, AttributeValue>;

/// The store. Cheap to clone: the SDK client is shared.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    meter: WriteMeter,
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
}
