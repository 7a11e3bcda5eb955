//! `cuadre voucher extract`: the voucher fields (vouchers.md's schema) from a Textract
//! DetectDocumentText response.

use std::path::PathBuf;

use cuadre_core::extract::{extract, lines_from_textract_json, ExtractError};

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
        #[arg(long)]
        textract: PathBuf,
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
    #[error("cannot write the result: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn run(args: VoucherArgs) -> Result<(), VoucherError> {
    match args.command {
        VoucherCommand::Extract { textract } => {
            let path = textract.display().to_string();
            let text = std::fs::read_to_string(&textract).map_err(|source| VoucherError::Read {
                path: path.clone(),
                source,
            })?;
            let lines = lines_from_textract_json(&text)
                .map_err(|source| VoucherError::NotAResponse { path, source })?;
            outln!("{}", serde_json::to_string(&extract(&lines))?);
            Ok(())
        }
    }
}
