//! What the handler needs from the world: the table (the core store ports it uses), the voucher
//! files, and the text detector (`cuadre_core::ocr::TextDetector`: Textract, or Tesseract locally).

use async_trait::async_trait;
use cuadre_core::store::{
    ExceptionStore, OrderStore, PaymentStore, StatusLookupStore, VoucherReadStore, VoucherStore,
};

cuadre_core::port_union!(
    /// Everything the handler reads and writes.
    pub trait Store: OrderStore
        + PaymentStore
        + VoucherStore
        + VoucherReadStore
        + ExceptionStore
        + StatusLookupStore
);

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
