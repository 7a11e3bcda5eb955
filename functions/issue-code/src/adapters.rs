//! The real adapters behind [`crate::ports`]; none is this crate's own: DynamoDB, S3 links and
//! SSM secrets come from `cuadre-aws`, the PagoEfectivo client from `cuadre-gateway`.

pub use cuadre_aws::{DynamoStore, S3Links, SsmSecrets};
pub use cuadre_gateway::{GatewayClient, GatewayConfig};
