//! The handler's dependencies, all behind traits so the same handler runs in Lambda, in the local
//! platform and in tests.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::error::DisplayErrorContext;
use chrono::{DateTime, Duration, Utc};
use cuadre_core::ocr::TextDetector;
use cuadre_core::store::{
    ExceptionStore, OrderStore, PaymentStore, StatusLookupStore, VoucherReadStore, VoucherStore,
};
use sha2::{Digest, Sha256};

/// Everything the handler reads and writes.
pub trait Store:
    OrderStore + PaymentStore + VoucherStore + VoucherReadStore + ExceptionStore + StatusLookupStore
{
}

impl<T> Store for T where
    T: OrderStore
        + PaymentStore
        + VoucherStore
        + VoucherReadStore
        + ExceptionStore
        + StatusLookupStore
{
}

/// A stored voucher file, read with a size bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Bytes(Vec<u8>),
    /// Bigger than allowed: not kept in memory, only hashed on the way through.
    TooLarge {
        size: u64,
        sha256: String,
    },
    /// Gone (deleted before we read it): nothing to read.
    Missing,
}

#[derive(Debug, thiserror::Error)]
#[error("reading the voucher file failed: {0}")]
pub struct FetchError(pub String);

#[async_trait]
pub trait VoucherFiles: Send + Sync {
    async fn fetch(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Fetched, FetchError>;
}

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

/// Tunables, with the defaults of reconciliation.md.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long after a voucher the gateway is asked about its code when no payment arrived.
    pub voucher_grace: Duration,
    /// Textract's limit for synchronous calls.
    pub max_bytes: u64,
    /// How far back, and how many, of the tenant's vouchers a new image is compared with.
    pub near_duplicate_window: Duration,
    pub near_duplicate_limit: i32,
    /// Bits (of 256) within which two pictures count as the same picture.
    pub near_duplicate_bits: u32,
    /// Records of one batch handled at once.
    pub concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            voucher_grace: Duration::hours(2),
            max_bytes: 10 * 1024 * 1024,
            near_duplicate_window: Duration::days(30),
            near_duplicate_limit: 200,
            near_duplicate_bits: 12,
            concurrency: 4,
        }
    }
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub files: Arc<dyn VoucherFiles>,
    pub detector: Arc<dyn TextDetector>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
