//! `orders.csv`: the merchant's orders and their codes.

use std::path::Path;

use bumpalo::Bump;
use cuadre_core::order::OrderStatus;
use cuadre_core::reconcile::{Closure, OrderFact};

use super::chunks::{file_line, read_chunk, Chunk};
use super::csv_file::{csv_records, layout, time_field, Layout};
use crate::error::FilesError;
use crate::text;

#[derive(Default)]
pub(crate) struct Orders<'b> {
    pub facts: Vec<OrderFact<'b>>,
    /// The file offset each order starts at, to name its line in a later error.
    pub offsets: Vec<u64>,
}

pub(crate) const ORDER_COLUMNS: [&str; 6] = [
    "order_id",
    "cip",
    "amount",
    "currency",
    "issued_at",
    "expires_at",
];

/// `orders.csv`'s layout. An optional `status` column carries given statuses: `CANCELLED`/`REFUNDED`
/// are kept, any other valid status (or empty) is left for reconciliation to derive.
pub(crate) fn orders_layout(path: &Path, file: &str) -> Result<Layout<6>, FilesError> {
    layout(path, file, ORDER_COLUMNS, &["status"])
}

pub(crate) fn orders<'b>(
    path: &Path,
    file: &str,
    layout: &Layout<6>,
    chunk: Chunk,
    bump: &'b Bump,
    buf: &mut Vec<u8>,
    out: &mut Orders<'b>,
) -> Result<u64, FilesError> {
    let (first, skip) = read_chunk(path, chunk, buf)?;
    let bytes = &buf[skip..];
    let c = &layout.required;
    let status_col = layout.optional[0];
    let quotes = csv_records(bytes, &layout.names, file, |line, at, fields| {
        let f = |i: usize| -> Result<&str, FilesError> { Ok(fields[c[i]]) };
        let bad = |i: usize, e: &dyn ToString| {
            FilesError::input(file, line, ORDER_COLUMNS[i], e.to_string())
        };
        let order_id = text::order_id(f(0)?).map_err(|e| bad(0, &e))?;
        let cip = text::cip(f(1)?).map_err(|e| bad(1, &e))?;
        let currency = text::currency(f(3)?).map_err(|e| bad(3, &e))?;
        let amount = text::money(f(2)?, currency).map_err(|e| bad(2, &e))?;
        let issued_at = time_field(f(4)?, file, line, ORDER_COLUMNS[4])?;
        let expires_at = time_field(f(5)?, file, line, ORDER_COLUMNS[5])?;
        let closure = match status_col {
            Some(at) => {
                let s = fields[at].trim();
                if s.is_empty() {
                    None
                } else {
                    let st: OrderStatus = s
                        .parse()
                        .map_err(|e| FilesError::input(file, line, "status", e))?;
                    Closure::from_status(st)
                }
            }
            None => None,
        };
        out.facts.push(OrderFact {
            order_id: bump.alloc_str(order_id),
            cip: bump.alloc_str(cip),
            earlier_cips: &[],
            amount,
            issued_at,
            expires_at,
            closure,
        });
        out.offsets.push(first + at as u64);
        Ok(())
    });
    file_line(path, first, quotes)
}
