//! Presigned S3 links: browser uploads of vouchers that S3 itself checks (type, exact length,
//! SHA-256 and `If-None-Match: *` are signed into the link, so each link writes once), and
//! short-lived downloads for merchants.

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
            // Single use: S3 refuses a PUT onto a key that exists (412), and the condition is a
            // signed header, so a replayed link writes no second version and starts no second OCR.
            .if_none_match("*")
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

/// Listing by prefix (e.g. `reports/{tenant}/{date}/`), following S3's continuation tokens.
#[async_trait]
impl cuadre_core::store::ObjectListing for S3Links {
    async fn list_objects(
        &self,
        prefix: &str,
        max: usize,
    ) -> Result<Vec<cuadre_core::store::StoredObject>, StoreError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
            for object in page.contents() {
                if out.len() >= max {
                    return Ok(out);
                }
                let Some(key) = object.key() else { continue };
                out.push(cuadre_core::store::StoredObject {
                    key: key.to_string(),
                    size: object
                        .size()
                        .and_then(|s| u64::try_from(s).ok())
                        .unwrap_or(0),
                    last_modified: object
                        .last_modified()
                        .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())),
                });
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) && out.len() < max => {
                    token = Some(next.to_string())
                }
                _ => return Ok(out),
            }
        }
    }
}
