//! Every way a file run can fail, each saying where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// Bad input: the file, its 1-based line, and the field (or `header`, `record`, `json`).
    #[error("{file}:{line}: {field}: {message}")]
    Input {
        file: String,
        line: u64,
        field: String,
        message: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bad option value (`--settlement-lag 3x`, `--high-value EUR=1`).
    #[error("{0}")]
    Option(String),
}

impl FilesError {
    pub(crate) fn input(
        file: &str,
        line: u64,
        field: impl Into<String>,
        message: impl ToString,
    ) -> FilesError {
        FilesError::Input {
            file: file.to_string(),
            line,
            field: field.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> FilesError {
        FilesError::Io {
            path: path.into(),
            source,
        }
    }
}
