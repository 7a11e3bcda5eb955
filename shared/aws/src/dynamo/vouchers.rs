//! Vouchers: one item per voucher in its order's partition, found by image hash on GSI1 and listed
//! by upload time on GSI2; and the voucher operation index, a copy of a voucher under each
//! operation number it shows, for `DUPLICATE_VOUCHER` (see [`keys`]).
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cuadre_core::store::{Created, StoreError, VoucherReadStore, VoucherStore};
use cuadre_core::{OperationNumber, OrderId, TenantId, Voucher};

use super::error::unavailable;
use super::item::{from_items, s, to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::DynamoStore;

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
        self.create(item, voucher, "voucher").await
    }

    async fn vouchers_for_order(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
    ) -> Result<Vec<Voucher>, StoreError> {
        self.query_all(Partition::table(order_pk(tenant_id, order_id)).prefixed(VOUCHER_SK_PREFIX))
            .await
    }

    async fn vouchers_by_sha256(
        &self,
        tenant_id: &TenantId,
        sha256: &str,
    ) -> Result<Vec<Voucher>, StoreError> {
        self.query_all(Partition::gsi1(sha_lookup(tenant_id, sha256)))
            .await
    }
}

#[async_trait]
impl VoucherReadStore for DynamoStore {
    async fn get_voucher(
        &self,
        tenant_id: &TenantId,
        order_id: &OrderId,
        voucher_id: &str,
    ) -> Result<Option<Voucher>, StoreError> {
        self.get(order_pk(tenant_id, order_id), &voucher_sk(voucher_id))
            .await
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
            Partition::table(voucher_operation_pk(tenant_id, operation_number))
                .prefixed(VOUCHER_SK_PREFIX),
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
        from_items(out.items.unwrap_or_default())
    }
}
