//! The archive on AWS: S3. (Merchant events go through `cuadre_aws::SqsMerchantEvents`.)

use async_trait::async_trait;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;

use crate::ports::{Archive, ArchivedNotification, SinkError};

/// Raw notifications in the vouchers bucket. The bucket has Object Lock default retention, so S3
/// wants a checksum on every PUT: the SDK computes a SHA-256 one.
#[derive(Debug, Clone)]
pub struct S3Archive {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Archive {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        S3Archive {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl Archive for S3Archive {
    async fn put(&self, object: ArchivedNotification<'_>) -> Result<(), SinkError> {
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(object.key)
            .body(ByteStream::from(object.body.to_vec()))
            .content_type("application/json")
            .metadata("pe-signature", object.signature)
            .metadata(
                "received-at",
                cuadre_core::time::format_lima(object.received_at),
            )
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            // The key holds the body's hash: a replayed notification finds its first copy and
            // writes no second version (under Object Lock every version would be kept).
            .if_none_match("*")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("PreconditionFailed") => Ok(()),
            Err(e) => Err(SinkError(DisplayErrorContext(&e).to_string())),
        }
    }
}
