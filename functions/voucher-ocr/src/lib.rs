//! `voucher-ocr`: reads the vouchers buyers upload.
//!
//! S3 `ObjectCreated` under `vouchers/{tenant_id}/{order_id}/{voucher_id}` → SQS → this function:
//! file checks (size, magic bytes, SHA-256, perceptual hash, editing-software metadata), OCR through
//! the [`cuadre_core::ocr::TextDetector`] port (Textract in Lambda), the core's extractor, the voucher
//! stored, and the voucher rules applied at once (`DUPLICATE_VOUCHER`, `VOUCHER_MISMATCH`,
//! `UNREADABLE_VOUCHER`, `SUSPECTED_TAMPERING`, and a gateway status lookup when no payment arrived).

pub mod adapters;
pub mod app;
pub mod event;
pub mod handler;
pub mod inspect;
pub mod ports;
mod start;

pub use adapters::S3Files;
pub use app::{App, Settings};
pub use handler::handle;
pub use ports::{FetchError, Fetched, Store, VoucherFiles};
