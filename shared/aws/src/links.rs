//! Presigned S3 links: browser uploads of vouchers that S3 itself checks (type, exact length and
//! SHA-256 are signed into the link), and short-lived downloads for merchants.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::ChecksumAlgorithm;
use chrono::{DateTime, Utc};
use cuadre_core::store::{ObjectLinks, PresignedUpload, StoreError, UploadTerms};

#[derive(Debug, Clone)]
pub struct S3Links {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Links {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        S3Links {
            client,
            bucket: bucket.into(),
        }
    }
}

fn presigning(secs: u64) -> Result<PresigningConfig, StoreError> {
    PresigningConfig::expires_in(Duration::from_secs(secs))
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl ObjectLinks for S3Links {
    async fn presign_upload(
        &self,
        terms: &UploadTerms,
        now: DateTime<Utc>,
    ) -> Result<PresignedUpload, StoreError> {
        let length = i64::try_from(terms.content_length)
            .map_err(|_| StoreError::Corrupt("length".into()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&terms.key)
            .content_type(&terms.content_type)
            .content_length(length)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(&terms.checksum_sha256)
            .presigned(presigning(terms.valid_for_secs)?)
            .await
            .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        let headers = request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Ok(PresignedUpload {
            url: request.uri().to_string(),
            method: request.method().to_string(),
            headers,
            expires_at: now + chrono::Duration::seconds(terms.valid_for_secs as i64),
        })
    }

    async fn presign_download(&self, key: &str, valid_for_secs: u64) -> Result<String, StoreError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning(valid_for_secs)?)
            .await
            .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        Ok(request.uri().to_string())
    }
}
