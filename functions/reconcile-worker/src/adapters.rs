//! The worker's own port on AWS: S3 for the reports bucket. The queues' adapters are shared
//! ([`cuadre_aws::queue::SqsJobQueue`], [`cuadre_aws::SqsMerchantEvents`]).

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;

use crate::ports::{ObjectInfo, ObjectStore, SinkError};

fn s3_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> SinkError {
    SinkError(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
}

/// The reports bucket. It has Object Lock default retention, so every PUT carries a SHA-256 checksum.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Objects {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        S3Objects {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn list(
        &self,
        prefix: &str,
        token: Option<String>,
        max: i32,
    ) -> Result<(Vec<ObjectInfo>, Option<String>), SinkError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .max_keys(max.max(1))
            .send()
            .await
            .map_err(s3_error)?;
        let objects = out
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| {
                Some(ObjectInfo {
                    key: o.key?,
                    etag: o.e_tag.unwrap_or_default().trim_matches('"').to_string(),
                })
            })
            .collect();
        let next = if out.is_truncated == Some(true) {
            out.next_continuation_token
        } else {
            None
        };
        Ok((objects, next))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, SinkError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(s3_error)?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| SinkError(format!("reading {key}: {e}")))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), SinkError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(content_type)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(s3_error)?;
        Ok(())
    }
}
