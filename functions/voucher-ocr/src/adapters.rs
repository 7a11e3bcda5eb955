//! The voucher files on AWS: S3, read with a size bound and hashed on the way through.

use async_trait::async_trait;
use aws_sdk_s3::error::DisplayErrorContext;
use sha2::{Digest, Sha256};

use crate::ports::{FetchError, Fetched, VoucherFiles};

/// The files in S3.
#[derive(Debug, Clone)]
pub struct S3Files(pub aws_sdk_s3::Client);

#[async_trait]
impl VoucherFiles for S3Files {
    async fn fetch(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Fetched, FetchError> {
        let result = self.0.get_object().bucket(bucket).key(key).send().await;
        let mut out = match result {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Ok(Fetched::Missing)
            }
            Err(e) => return Err(FetchError(DisplayErrorContext(&e).to_string())),
        };
        let declared = out
            .content_length()
            .and_then(|l| u64::try_from(l).ok())
            .unwrap_or(0);
        let mut bytes = Vec::with_capacity(usize::try_from(declared.min(max_bytes)).unwrap_or(0));
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut too_large = declared > max_bytes;
        while let Some(chunk) = out
            .body
            .try_next()
            .await
            .map_err(|e| FetchError(e.to_string()))?
        {
            size += chunk.len() as u64;
            if too_large || size > max_bytes {
                if !too_large {
                    hasher.update(&bytes);
                    bytes = Vec::new();
                    too_large = true;
                }
                hasher.update(&chunk);
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if too_large {
            return Ok(Fetched::TooLarge {
                size,
                sha256: hex::encode(hasher.finalize()),
            });
        }
        Ok(Fetched::Bytes(bytes))
    }
}
