//! The ports on AWS: the shared adapters, DynamoDB for the tenant index and SQS for the jobs
//! queue (the worker sends its continuation jobs through the same one).

pub use cuadre_aws::queue::SqsJobQueue;
pub use cuadre_aws::DynamoStore;
