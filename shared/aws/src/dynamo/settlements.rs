//! Settlement lines (beside their CIP's payments, listed by settlement time on GSI2) and the
//! import markers of settlement files (see [`keys`]); with the rest of [`ReconcileStore`], whose
//! listings of tenants, orders, payments and vouchers are whole GSI2 partitions a page at a time.
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use cuadre_core::reconcile::SettlementLine;
use cuadre_core::store::{Created, ReconcileStore, SettlementFileImport, StoreError};
use cuadre_core::{Order, Payment, Tenant, TenantId, Voucher};

use super::item::{s, to_item, with_keys};
use super::keys::*;
use super::{DynamoStore, Item};

fn settlement_line_item(tenant_id: &TenantId, line: &SettlementLine) -> Result<Item, StoreError> {
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

fn settlement_file_item(marker: &SettlementFileImport) -> Result<Item, StoreError> {
    Ok(with_keys(
        to_item(marker)?,
        &[
            (
                PK,
                settlement_file_pk(&marker.tenant_id, &marker.object_key, &marker.etag),
            ),
            (SK, SETTLEMENT_FILE_SK.to_string()),
        ],
    ))
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
        self.create(
            settlement_line_item(tenant_id, line)?,
            line,
            "settlement line",
        )
        .await
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
        .await
    }

    async fn mark_settlement_file_imported(
        &self,
        marker: &SettlementFileImport,
    ) -> Result<Created<SettlementFileImport>, StoreError> {
        self.create(
            settlement_file_item(marker)?,
            marker,
            "settlement file marker",
        )
        .await
    }
}
