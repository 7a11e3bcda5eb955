//! Reads: strongly consistent gets of one item, and queries of one partition of the table or of
//! an index, a page at a time or to its end.

use std::collections::HashMap;

use cuadre_core::store::StoreError;
use serde::de::DeserializeOwned;

use super::error::unavailable;
use super::item::{from_item, from_items, key, s};
use super::keys::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK, PK, SK};
use super::{page, DynamoStore, Item};

/// What a query reads: one partition of the table or of an index, optionally only the items whose
/// sort key begins with a prefix.
pub(super) struct Partition<'a> {
    index: Option<&'static str>,
    pk_attr: &'static str,
    sk_attr: &'static str,
    pk: String,
    sk_prefix: Option<&'a str>,
}

impl<'a> Partition<'a> {
    /// A partition of the base table.
    pub(super) fn table(pk: String) -> Self {
        Self::of(None, PK, SK, pk)
    }

    /// A partition of GSI1 (lookups).
    pub(super) fn gsi1(pk: String) -> Self {
        Self::of(Some(GSI1), GSI1PK, GSI1SK, pk)
    }

    /// A partition of GSI2 (per-tenant listings).
    pub(super) fn gsi2(pk: String) -> Self {
        Self::of(Some(GSI2), GSI2PK, GSI2SK, pk)
    }

    fn of(
        index: Option<&'static str>,
        pk_attr: &'static str,
        sk_attr: &'static str,
        pk: String,
    ) -> Self {
        Partition {
            index,
            pk_attr,
            sk_attr,
            pk,
            sk_prefix: None,
        }
    }

    /// Only the items whose sort key begins with `prefix`.
    pub(super) fn prefixed(self, prefix: &'a str) -> Self {
        self.with_prefix(Some(prefix))
    }

    /// Only the items whose sort key begins with `prefix`, when there is one.
    pub(super) fn with_prefix(self, prefix: Option<&'a str>) -> Self {
        Partition {
            sk_prefix: prefix,
            ..self
        }
    }
}

impl DynamoStore {
    /// The item at a primary key, read strongly consistent.
    pub(super) async fn get_key(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// The item at `pk` / `sk`, read strongly consistent.
    pub(super) async fn get_item(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        self.get_key(key(pk, sk)).await
    }

    /// The value stored at `pk` / `sk`, read strongly consistent.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        self.get_item(pk, sk).await?.map(from_item).transpose()
    }

    /// One page of a partition, from `start` (a `LastEvaluatedKey`), with the key to go on from.
    pub(super) async fn query_page(
        &self,
        partition: &Partition<'_>,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        self.query(partition, start, limit, None).await
    }

    /// Every item of a partition (an index is eventually consistent).
    pub(super) async fn query_all<T: DeserializeOwned>(
        &self,
        partition: Partition<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.query_to_end(&partition, None).await
    }

    /// Every item of a base-table partition, read strongly consistent (indexes cannot be): for
    /// checks that must see a write that just happened.
    pub(super) async fn query_all_consistent<T: DeserializeOwned>(
        &self,
        partition: Partition<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.query_to_end(&partition, Some(true)).await
    }

    async fn query_to_end<T: DeserializeOwned>(
        &self,
        partition: &Partition<'_>,
        consistent: Option<bool>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let (items, next) = self.query(partition, start, None, consistent).await?;
            for item in items {
                out.push(from_item(item)?);
            }
            match next {
                Some(n) => start = Some(n),
                None => return Ok(out),
            }
        }
    }

    async fn query(
        &self,
        partition: &Partition<'_>,
        start: Option<Item>,
        limit: Option<i32>,
        consistent: Option<bool>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut names = HashMap::from([("#pk".to_string(), partition.pk_attr.to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), s(partition.pk.clone()))]);
        let mut expression = "#pk = :pk".to_string();
        if let Some(prefix) = partition.sk_prefix {
            names.insert("#sk".to_string(), partition.sk_attr.to_string());
            values.insert(":sk".to_string(), s(prefix));
            expression.push_str(" AND begins_with(#sk, :sk)");
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(partition.index.map(str::to_string))
            .key_condition_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .set_consistent_read(consistent)
            .set_exclusive_start_key(start)
            .set_limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// One page of a whole GSI2 listing, with a token checked against that listing.
    pub(super) async fn listing_page<T: DeserializeOwned>(
        &self,
        partition: String,
        page: Option<String>,
        limit: i32,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let start = page::decode(page.as_deref(), GSI2PK, &partition)?;
        let (items, next) = self
            .query_page(&Partition::gsi2(partition), start, Some(limit.max(1)))
            .await?;
        Ok((from_items(items)?, page::encode(next)?))
    }

    /// A page of a per-tenant listing on GSI2 with its sort key between `from` and `to`, in sort
    /// key order (or reversed, `newest_first`).
    pub(super) async fn listing_between(
        &self,
        pk: String,
        from: String,
        to: String,
        start: Option<Item>,
        limit: i32,
        newest_first: bool,
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
            .scan_index_forward(!newest_first)
            .set_exclusive_start_key(start)
            .limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }
}
