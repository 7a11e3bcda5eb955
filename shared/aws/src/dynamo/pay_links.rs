//! Pay links: a buyer's access to an order's pay page, found by the hash of the link's token
//! (before any tenant is known, see [`keys`]), with the voucher uploads granted through it.
//!
//! [`keys`]: super::keys

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use cuadre_core::access::PayLink;
use cuadre_core::store::{PayLinkStore, StoreError};

use super::item::{from_item, key, n, to_item, with_keys};
use super::keys::*;
use super::DynamoStore;

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
        self.put_unique(item, || "pay link exists".into()).await
    }

    async fn find_pay_link(&self, token_hash: &str) -> Result<Option<PayLink>, StoreError> {
        self.get(pay_link_pk(token_hash), PAY_LINK_SK).await
    }

    async fn grant_upload(&self, token_hash: &str, max: u32) -> Result<u32, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pay_link_pk(token_hash), PAY_LINK_SK)))
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
        match self.billed(result)? {
            Some(item) => Ok(from_item::<PayLink>(item)?.uploads_granted),
            None => Err(StoreError::Conflict("upload limit reached".into())),
        }
    }
}
