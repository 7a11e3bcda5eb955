//! Adapters from cuadre's ports (in `cuadre-core`) to AWS: the DynamoDB single table, S3, SQS.

pub mod config;
pub mod dynamo;
pub mod events;
pub mod links;
pub mod queue;
pub mod secrets;
pub mod sqs;
pub mod textract;

pub use config::{lambda_sdk_config, load_sdk_config, AwsContext, AwsEndpoint};
pub use dynamo::{DynamoStore, WriteMeter};
pub use events::SqsMerchantEvents;
pub use links::S3Links;
pub use secrets::SsmSecrets;
pub use textract::TextractDetector;
