//! The OCR port: turns a stored voucher into OCR lines with geometry, which [`crate::extract::extract`]
//! reads. Production reads with Amazon Textract (by S3 reference); the local platform with Tesseract
//! (on the bytes). Both adapters see the same [`StoredDocument`] and take what they need from it.

use async_trait::async_trait;

use crate::extract::OcrLine;

/// A voucher file as stored: where it is and what it holds.
#[derive(Debug, Clone, Copy)]
pub struct StoredDocument<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// The file's bytes, already read (and checked to be a JPEG, PNG or PDF) by the caller.
    pub bytes: &'a [u8],
}

/// Why an OCR engine gave no lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// The engine refused for load (after the adapter's own bounded retries): try again later.
    #[error("OCR engine throttled: {0}")]
    Throttled(String),
    /// The engine cannot read this file (format, size, corrupt content): retrying will not help.
    #[error("unsupported document: {0}")]
    UnsupportedDocument(String),
    /// Anything else; `retryable` says whether the same call may succeed later.
    #[error("OCR failed: {message}")]
    Other { message: String, retryable: bool },
}

impl OcrError {
    /// Whether the message should stay on its queue for another try.
    pub fn is_retryable(&self) -> bool {
        match self {
            OcrError::Throttled(_) => true,
            OcrError::UnsupportedDocument(_) => false,
            OcrError::Other { retryable, .. } => *retryable,
        }
    }
}

/// Reads the text lines of one stored voucher.
#[async_trait]
pub trait TextDetector: Send + Sync {
    async fn detect_text(&self, document: StoredDocument<'_>) -> Result<Vec<OcrLine>, OcrError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_and_transient_failures_are_retried() {
        assert!(OcrError::Throttled("slow down".into()).is_retryable());
        assert!(!OcrError::UnsupportedDocument("gif".into()).is_retryable());
        let other = |retryable| OcrError::Other {
            message: "x".into(),
            retryable,
        };
        assert!(other(true).is_retryable());
        assert!(!other(false).is_retryable());
    }
}
