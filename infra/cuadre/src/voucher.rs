//! `cuadre voucher extract`: the voucher fields (docs/vouchers.md's schema) from a Textract
//! DetectDocumentText response, or from an image read by the local OCR (Tesseract).

use std::path::PathBuf;

use cuadre_core::extract::{extract, lines_from_textract_json, ExtractError, OcrLine};
use cuadre_core::ocr::{OcrError, StoredDocument, TextDetector};
use cuadre_ocr::TesseractDetector;

#[derive(Debug, clap::Args)]
pub struct VoucherArgs {
    #[command(subcommand)]
    command: VoucherCommand,
}

#[derive(Debug, clap::Subcommand)]
enum VoucherCommand {
    /// Print the fields read from a voucher as one JSON object.
    Extract {
        /// A Textract DetectDocumentText response (JSON).
        #[arg(long, conflicts_with = "image", required_unless_present = "image")]
        textract: Option<PathBuf>,
        /// A voucher photo or screenshot (JPEG or PNG), read with Tesseract.
        #[arg(long)]
        image: Option<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    NotAResponse { path: String, source: ExtractError },
    #[error("{path} is not a JPEG or PNG image")]
    NotAnImage { path: String },
    #[error("{path}: {source}")]
    Ocr { path: String, source: OcrError },
    #[error("cannot write the result: {0}")]
    Json(#[from] serde_json::Error),
}

pub async fn run(args: VoucherArgs) -> Result<(), VoucherError> {
    let VoucherCommand::Extract { textract, image } = args.command;
    let lines = match (textract, image) {
        (Some(path), _) => textract_lines(&path)?,
        (None, Some(path)) => image_lines(&path).await?,
        (None, None) => unreachable!("clap requires --textract or --image"),
    };
    outln!("{}", serde_json::to_string(&extract(&lines))?);
    Ok(())
}

fn read(path: &PathBuf) -> Result<Vec<u8>, VoucherError> {
    std::fs::read(path).map_err(|source| VoucherError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn textract_lines(path: &PathBuf) -> Result<Vec<OcrLine>, VoucherError> {
    let bytes = read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    lines_from_textract_json(&text).map_err(|source| VoucherError::NotAResponse {
        path: path.display().to_string(),
        source,
    })
}

async fn image_lines(path: &PathBuf) -> Result<Vec<OcrLine>, VoucherError> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    // A file that is not what it claims is refused before any OCR runs.
    let is_image =
        bytes.starts_with(&[0xFF, 0xD8, 0xFF]) || bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    if !is_image {
        return Err(VoucherError::NotAnImage { path: name });
    }
    let document = StoredDocument {
        bucket: "local",
        key: &name,
        bytes: &bytes,
    };
    TesseractDetector::new()
        .detect_text(document)
        .await
        .map_err(|source| VoucherError::Ocr {
            path: name.clone(),
            source,
        })
}
