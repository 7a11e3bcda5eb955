//! The local OCR adapter: the [`TextDetector`] port on Tesseract (`tesseract FILE stdout -l spa tsv`,
//! Debian's `tesseract-ocr` + `tesseract-ocr-spa`), so the local platform reads vouchers with the
//! same extractor as production.
//!
//! Tesseract reads images only. A PDF is refused ([`OcrError::UnsupportedDocument`]) rather than
//! rasterised: production's Textract reads single-page PDFs itself, and the local platform has no
//! business carrying a PDF renderer for the rare voucher sent as one.

pub mod render;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use cuadre_core::extract::{lines_from_tesseract_tsv, OcrLine};
use cuadre_core::ocr::{OcrError, StoredDocument, TextDetector};
use tokio::process::Command;

/// Runs the `tesseract` program on the voucher's bytes.
#[derive(Debug, Clone)]
pub struct TesseractDetector {
    program: PathBuf,
    language: String,
    timeout: Duration,
}

impl Default for TesseractDetector {
    fn default() -> Self {
        TesseractDetector {
            program: PathBuf::from("tesseract"),
            language: "spa".to_string(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl TesseractDetector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Another `tesseract` binary than the one on `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Tesseract's language code(s), e.g. `spa` or `spa+eng`.
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The image formats Tesseract (Leptonica) reads that vouchers come in.
fn image_extension(bytes: &[u8]) -> Result<&'static str, OcrError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("jpg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Ok("png")
    } else if bytes.starts_with(b"%PDF-") {
        Err(OcrError::UnsupportedDocument(
            "PDF vouchers are not read by the local OCR (Tesseract reads images only)".into(),
        ))
    } else {
        Err(OcrError::UnsupportedDocument(
            "not a JPEG or PNG image".into(),
        ))
    }
}

#[async_trait]
impl TextDetector for TesseractDetector {
    async fn detect_text(&self, document: StoredDocument<'_>) -> Result<Vec<OcrLine>, OcrError> {
        let extension = image_extension(document.bytes)?;
        let other = |message: String| OcrError::Other {
            message,
            retryable: false,
        };
        let file = tempfile::Builder::new()
            .prefix("voucher-")
            .suffix(&format!(".{extension}"))
            .tempfile()
            .map_err(|e| other(format!("cannot create a temporary file: {e}")))?;
        tokio::fs::write(file.path(), document.bytes)
            .await
            .map_err(|e| other(format!("cannot write the temporary file: {e}")))?;
        let run = Command::new(&self.program)
            .arg(file.path())
            .arg("stdout")
            .args(["-l", &self.language])
            .arg("tsv")
            // One thread per image: Debian's build runs OpenMP threads that, with several vouchers
            // read at once on a small machine, fight each other (about 3x slower on 2 cores).
            .env("OMP_THREAD_LIMIT", "1")
            .kill_on_drop(true)
            .output();
        let output = match tokio::time::timeout(self.timeout, run).await {
            Err(_) => {
                return Err(OcrError::Other {
                    message: format!("tesseract took longer than {:?}", self.timeout),
                    retryable: true,
                })
            }
            Ok(Err(e)) => {
                return Err(other(format!(
                    "cannot run {} (install tesseract-ocr and tesseract-ocr-spa): {e}",
                    self.program.display()
                )))
            }
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // Leptonica's words for a file it cannot decode.
            if stderr.contains("Error in pix") || stderr.contains("Unsupported image type") {
                return Err(OcrError::UnsupportedDocument(
                    "the image could not be decoded".into(),
                ));
            }
            return Err(other(format!(
                "tesseract exited with {}: {}",
                output.status,
                stderr.lines().last().unwrap_or_default()
            )));
        }
        let tsv = String::from_utf8_lossy(&output.stdout);
        lines_from_tesseract_tsv(&tsv).map_err(|e| other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_pdf_and_unknown_files_without_running_tesseract() {
        let detector = TesseractDetector::new().with_program("/nonexistent/tesseract");
        for bytes in [&b"%PDF-1.7\n..."[..], &b"GIF89a"[..]] {
            let err = detector
                .detect_text(StoredDocument {
                    bucket: "b",
                    key: "k",
                    bytes,
                })
                .await
                .unwrap_err();
            assert!(matches!(err, OcrError::UnsupportedDocument(_)), "{err}");
            assert!(!err.is_retryable());
        }
    }

    #[tokio::test]
    async fn a_missing_program_is_a_clear_error() {
        let err = TesseractDetector::new()
            .with_program("/nonexistent/tesseract")
            .detect_text(StoredDocument {
                bucket: "b",
                key: "k",
                bytes: &[0x89, b'P', b'N', b'G', 0, 0],
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("tesseract-ocr"), "{err}");
    }
}
