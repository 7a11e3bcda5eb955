//! Secrets in SSM Parameter Store (SecureString, KMS-encrypted): gateway secret keys and the
//! merchants' notification signing secrets. Never in the table, never in a log.

use async_trait::async_trait;
use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_ssm::types::ParameterType;
use cuadre_core::store::{SecretStore, StoreError};

#[derive(Debug, Clone)]
pub struct SsmSecrets {
    client: aws_sdk_ssm::Client,
}

impl SsmSecrets {
    pub fn new(client: aws_sdk_ssm::Client) -> Self {
        SsmSecrets { client }
    }
}

#[async_trait]
impl SecretStore for SsmSecrets {
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }

    async fn get_secret(&self, name: &str) -> Result<Option<String>, StoreError> {
        match self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(out) => Ok(out.parameter.and_then(|p| p.value)),
            Err(e) if e.code() == Some("ParameterNotFound") => Ok(None),
            Err(e) => Err(StoreError::Unavailable(DisplayErrorContext(&e).to_string())),
        }
    }
}
