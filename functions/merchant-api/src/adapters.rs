//! The real adapters behind [`crate::ports`]; none is this crate's own: DynamoDB, the S3 reports
//! bucket, the SQS merchant-notifications queue and SSM all come from `cuadre-aws`.

pub use cuadre_aws::{DynamoStore, S3Links, SqsMerchantEvents, SsmSecrets};
