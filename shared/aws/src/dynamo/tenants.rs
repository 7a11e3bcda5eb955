//! Tenants and their API keys. Tenants are listed by a query on GSI2, never a scan; an API key is
//! found by the hash of what the caller presents, before any tenant is known (see [`keys`]).
//!
//! [`keys`]: super::keys

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cuadre_core::access::ApiKeyRecord;
use cuadre_core::store::{ApiKeyStore, StoreError, TenantStore};
use cuadre_core::{Tenant, TenantId};

use super::item::{to_item, with_keys};
use super::keys::*;
use super::read::Partition;
use super::{DynamoStore, Item};

fn tenant_item(tenant: &Tenant) -> Result<Item, StoreError> {
    Ok(with_keys(
        to_item(tenant)?,
        &[
            (PK, tenant_pk(&tenant.tenant_id)),
            (SK, TENANT_SK.to_string()),
            (GSI2PK, TENANTS_LIST.to_string()),
            (GSI2SK, tenant.tenant_id.to_string()),
        ],
    ))
}

fn api_key_item(record: &ApiKeyRecord) -> Result<Item, StoreError> {
    Ok(with_keys(
        to_item(record)?,
        &[
            (PK, api_key_pk(&record.key_hash)),
            (SK, API_KEY_SK.to_string()),
            (GSI2PK, api_keys_list(&record.tenant_id)),
            (GSI2SK, record.key_id.clone()),
        ],
    ))
}

impl DynamoStore {
    /// Lists every tenant (for the scheduled dispatch), by query on an index, never a scan.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.query_all(Partition::gsi2(TENANTS_LIST.to_string()))
            .await
    }
}

#[async_trait]
impl TenantStore for DynamoStore {
    async fn create_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        self.put_unique(tenant_item(tenant)?, || {
            format!("tenant {} already exists", tenant.tenant_id)
        })
        .await
    }

    async fn replace_tenant(&self, current: &Tenant, next: &Tenant) -> Result<Tenant, StoreError> {
        if current.tenant_id != next.tenant_id {
            return Err(StoreError::Conflict("a tenant cannot change its id".into()));
        }
        let mut stored = next.clone();
        stored.version = current.version + 1;
        self.put_if_version(
            tenant_item(&stored)?,
            current.version,
            &format!("tenant {}", current.tenant_id),
        )
        .await?;
        Ok(stored)
    }

    async fn get_tenant(&self, tenant_id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.get(tenant_pk(tenant_id), TENANT_SK).await
    }
}

#[async_trait]
impl ApiKeyStore for DynamoStore {
    async fn create_api_key(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        self.put_unique(api_key_item(record)?, || {
            "an API key with this hash exists".into()
        })
        .await
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.get(api_key_pk(key_hash), API_KEY_SK).await
    }

    async fn list_api_keys(&self, tenant_id: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.query_all(Partition::gsi2(api_keys_list(tenant_id)))
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
        self.put_if(
            api_key_item(&next)?,
            "attribute_exists(PK) AND attribute_not_exists(#rev)",
            HashMap::from([("#rev".to_string(), "revoked_at".to_string())]),
            HashMap::new(),
            "API key",
        )
        .await?;
        Ok(next)
    }
}
