//! The real adapters behind [`crate::ports`]; none is this crate's own: DynamoDB and the S3
//! vouchers bucket's presigned links come from `cuadre-aws`.

pub use cuadre_aws::{DynamoStore, S3Links};
