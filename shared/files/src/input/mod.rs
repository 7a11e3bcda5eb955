//! The four canonical input files. Each file is cut into chunks of whole lines that two threads parse
//! from one queue; ids are copied into an arena (`Bump`) so the facts borrow compact strings instead
//! of whole file buffers.
//!
//! CSV quoting may hide a newline inside a field, so a CSV chunk boundary is only trusted when the
//! number of `"` before it is even (a newline inside quotes always follows an odd count); otherwise
//! the file is parsed again as one piece.
//!
//! One file per kind of input (`orders`, `payments`, `settlements`, `vouchers`), over the chunk
//! reading of `chunks`, the CSV helpers of `csv_file` and the JSON-lines helpers of `json_lines`.

mod chunks;
mod csv_file;
mod json_lines;
mod orders;
mod payments;
mod settlements;
mod vouchers;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::FilesError;

pub(crate) use chunks::{line_at, Chunk};
pub(crate) use csv_file::Layout;
pub(crate) use orders::{orders, orders_layout, Orders};
pub(crate) use payments::{payments, Payments};
pub use settlements::{parse_settlements, SETTLEMENT_COLUMNS};
pub(crate) use settlements::{settlements, settlements_layout};
pub(crate) use vouchers::vouchers;

/// Counts records read over all files and tells the caller after every chunk.
pub(crate) struct Progress<'p> {
    done: AtomicU64,
    report: &'p (dyn Fn(u64) + Sync),
}

impl<'p> Progress<'p> {
    pub(crate) fn new(report: &'p (dyn Fn(u64) + Sync)) -> Self {
        Progress {
            done: AtomicU64::new(0),
            report,
        }
    }

    pub(crate) fn add(&self, n: u64) {
        if n > 0 {
            let total = self.done.fetch_add(n, Ordering::Relaxed) + n;
            (self.report)(total);
        }
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> FilesError + '_ {
    move |e| FilesError::io(path, e)
}
