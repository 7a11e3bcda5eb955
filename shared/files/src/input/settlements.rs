//! `settlements.csv`: PagoEfectivo's settlement report, for the offline run and for the worker's
//! importer.

use std::io::Read;
use std::path::Path;

use bumpalo::Bump;
use chrono::{DateTime, Utc};
use csv::ByteRecord;
use cuadre_core::money::Currency;
use cuadre_core::reconcile::{SettlementFact, SettlementLine};
use cuadre_core::{Cip, OperationNumber};
use rust_decimal::Decimal;

use super::chunks::{file_line, read_chunk, Chunk};
use super::csv_file::{columns, csv_error, csv_reader, csv_records, layout, time_field, Layout};
use crate::error::FilesError;
use crate::text;

const BUFFER: usize = 1 << 20;

/// The canonical settlement file's columns, in the order its header names them.
pub const SETTLEMENT_COLUMNS: [&str; 9] = [
    "settlement_id",
    "cip",
    "operation_number",
    "gross_amount",
    "fee_amount",
    "net_amount",
    "currency",
    "paid_at",
    "settled_at",
];

/// One settlement record, borrowed from the CSV record.
struct SettlementRow<'r> {
    settlement_id: &'r str,
    cip: &'r str,
    operation_number: &'r str,
    gross: Decimal,
    fee: Decimal,
    net: Decimal,
    currency: Currency,
    paid_at: DateTime<Utc>,
    settled_at: DateTime<Utc>,
}

fn settlement_row<'r>(
    fields: &[&'r str],
    c: &[usize; 9],
    file: &str,
    line: u64,
) -> Result<SettlementRow<'r>, FilesError> {
    let f = |i: usize| -> Result<&'r str, FilesError> { Ok(fields[c[i]]) };
    let bad = |i: usize, e: &dyn ToString| {
        FilesError::input(file, line, SETTLEMENT_COLUMNS[i], e.to_string())
    };
    let settlement_id = f(0)?.trim();
    if settlement_id.is_empty() {
        return Err(bad(0, &"settlement_id is empty"));
    }
    Ok(SettlementRow {
        settlement_id,
        cip: text::cip(f(1)?).map_err(|e| bad(1, &e))?,
        operation_number: text::operation_number(f(2)?).map_err(|e| bad(2, &e))?,
        gross: text::decimal(f(3)?).map_err(|e| bad(3, &e))?,
        fee: text::decimal(f(4)?).map_err(|e| bad(4, &e))?,
        net: text::decimal(f(5)?).map_err(|e| bad(5, &e))?,
        currency: text::currency(f(6)?).map_err(|e| bad(6, &e))?,
        paid_at: time_field(f(7)?, file, line, SETTLEMENT_COLUMNS[7])?,
        settled_at: time_field(f(8)?, file, line, SETTLEMENT_COLUMNS[8])?,
    })
}

pub(crate) fn settlements_layout(path: &Path, file: &str) -> Result<Layout<9>, FilesError> {
    layout(path, file, SETTLEMENT_COLUMNS, &[])
}

/// `settlements.csv` for the offline run.
pub(crate) fn settlements<'b>(
    path: &Path,
    file: &str,
    layout: &Layout<9>,
    chunk: Chunk,
    bump: &'b Bump,
    buf: &mut Vec<u8>,
    out: &mut Vec<SettlementFact<'b>>,
) -> Result<u64, FilesError> {
    let (first, skip) = read_chunk(path, chunk, buf)?;
    let bytes = &buf[skip..];
    let quotes = csv_records(bytes, &layout.names, file, |line, _, fields| {
        let r = settlement_row(fields, &layout.required, file, line)?;
        out.push(SettlementFact {
            settlement_id: bump.alloc_str(r.settlement_id),
            cip: bump.alloc_str(r.cip),
            operation_number: bump.alloc_str(r.operation_number),
            gross: r.gross,
            fee: r.fee,
            net: r.net,
            currency: r.currency,
            paid_at: r.paid_at,
            settled_at: r.settled_at,
        });
        Ok(())
    });
    file_line(path, first, quotes)
}

/// Parses a settlement report in the canonical `settlements.csv` form into owned lines
/// (what the worker imports from S3). `file_name` is only used to name the file in errors.
pub fn parse_settlements<R: Read>(
    reader: R,
    file_name: &str,
) -> Result<Vec<SettlementLine>, FilesError> {
    let mut rdr = csv_reader(reader, BUFFER);
    let (c, _, width) = columns(&mut rdr, file_name, SETTLEMENT_COLUMNS, &[])?;
    let mut out = Vec::new();
    let mut rec = ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(file_name, e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() != width {
            let msg = format!("found {} fields, the header has {width}", rec.len());
            return Err(FilesError::input(file_name, line, "record", msg));
        }
        let mut fields = Vec::with_capacity(width);
        for (i, f) in rec.iter().enumerate() {
            fields.push(std::str::from_utf8(f).map_err(|_| {
                let name = SETTLEMENT_COLUMNS
                    .iter()
                    .zip(c)
                    .find(|(_, at)| *at == i)
                    .map_or("record", |(n, _)| *n);
                FilesError::input(file_name, line, name, "not UTF-8 text")
            })?);
        }
        let r = settlement_row(&fields, &c, file_name, line)?;
        let id_error = |i: usize, e: cuadre_core::IdError| {
            FilesError::input(file_name, line, SETTLEMENT_COLUMNS[i], e)
        };
        out.push(SettlementLine {
            settlement_id: r.settlement_id.to_string(),
            cip: Cip::parse(r.cip).map_err(|e| id_error(1, e))?,
            operation_number: OperationNumber::parse(r.operation_number)
                .map_err(|e| id_error(2, e))?,
            gross_amount: r.gross,
            fee_amount: r.fee,
            net_amount: r.net,
            currency: r.currency,
            paid_at: r.paid_at,
            settled_at: r.settled_at,
        });
    }
    Ok(out)
}
