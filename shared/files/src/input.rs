//! The four canonical input files. Each file is cut into chunks of whole lines that two threads parse
//! from one queue; ids are copied into an arena (`Bump`) so the facts borrow compact strings instead
//! of whole file buffers.
//!
//! CSV quoting may hide a newline inside a field, so a CSV chunk boundary is only trusted when the
//! number of `"` before it is even (a newline inside quotes always follows an odd count); otherwise
//! the file is parsed again as one piece.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use bumpalo::Bump;
use chrono::{DateTime, Utc};
use csv::ByteRecord;
use cuadre_core::money::{parse_json_number, Currency};
use cuadre_core::order::OrderStatus;
use cuadre_core::reconcile::{
    Closure, OrderFact, PaymentFact, SettlementFact, SettlementLine, VoucherFact, VoucherRead,
};
use cuadre_core::{Cip, OperationNumber};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::FilesError;
use crate::fastjson;
use crate::text;

const BUFFER: usize = 1 << 20;

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

// ---------- chunks ----------

/// The lines of a file whose first byte lies in `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub start: u64,
    pub end: u64,
    /// `start` is known to begin a record (a file's first chunk), so nothing before it is skipped.
    pub aligned: bool,
}

impl Chunk {
    /// Cuts `from..len` into chunks of about `size` bytes; the last one runs to the end of the file.
    pub(crate) fn split(from: u64, len: u64, size: u64) -> Vec<Chunk> {
        let size = size.max(1);
        let count = len.saturating_sub(from).div_ceil(size).max(1);
        (0..count)
            .map(|i| Chunk {
                start: from + i * size,
                end: if i + 1 == count {
                    u64::MAX
                } else {
                    from + (i + 1) * size
                },
                aligned: i == 0,
            })
            .collect()
    }
}

/// Reads a chunk's whole lines into `buf` (reused between chunks, so its pages are touched once) and
/// returns the file offset of its first line and where that line starts in `buf`.
pub(crate) fn read_chunk(
    path: &Path,
    chunk: Chunk,
    buf: &mut Vec<u8>,
) -> Result<(u64, usize), FilesError> {
    buf.clear();
    let mut f = File::open(path).map_err(io_error(path))?;
    let from = chunk.start.saturating_sub(1);
    f.seek(SeekFrom::Start(from)).map_err(io_error(path))?;
    let want = chunk.end.saturating_sub(from);
    if chunk.end != u64::MAX {
        buf.reserve(usize::try_from(want).unwrap_or(0) + (64 << 10));
    }
    (&mut f)
        .take(want)
        .read_to_end(buf)
        .map_err(io_error(path))?;
    // The line that began before `start` belongs to the chunk before.
    let skip = if chunk.start == 0 || chunk.aligned {
        usize::from(chunk.start > 0)
    } else {
        match memchr::memchr(b'\n', buf) {
            Some(i) => i + 1,
            None => buf.len(),
        }
    };
    if skip >= buf.len() {
        buf.clear();
        return Ok((from + skip as u64, 0));
    }
    // Finish the last line, which may run past `end`.
    if buf.last() != Some(&b'\n') && chunk.end != u64::MAX {
        let mut piece = [0u8; 64 << 10];
        loop {
            let n = f.read(&mut piece).map_err(io_error(path))?;
            if n == 0 {
                break;
            }
            if let Some(i) = memchr::memchr(b'\n', &piece[..n]) {
                buf.extend_from_slice(&piece[..=i]);
                break;
            }
            buf.extend_from_slice(&piece[..n]);
        }
    }
    Ok((from + skip as u64, skip))
}

/// Newlines before byte `end`: only the error path needs to turn a chunk's line into the file's.
fn lines_before(path: &Path, end: u64) -> Result<u64, FilesError> {
    let mut f = File::open(path).map_err(io_error(path))?;
    let mut left = end;
    let mut count = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want]).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        count += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        left -= n as u64;
    }
    Ok(count)
}

/// Turns the chunk-relative line of an input error into the file's line.
fn file_line<T>(path: &Path, first: u64, result: Result<T, FilesError>) -> Result<T, FilesError> {
    match result {
        Err(FilesError::Input {
            file,
            line,
            field,
            message,
        }) if first > 0 => Err(FilesError::Input {
            file,
            line: line + lines_before(path, first)?,
            field,
            message,
        }),
        other => other,
    }
}

/// Calls `each(line, offset, text)` for every line (without its `\n`/`\r\n`) of `bytes`.
fn lines<'a>(
    bytes: &'a [u8],
    mut each: impl FnMut(u64, usize, &'a [u8]) -> Result<(), FilesError>,
) -> Result<(), FilesError> {
    let mut pos = 0usize;
    let mut line = 0u64;
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let mut text = &bytes[pos..end];
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        line += 1;
        each(line, pos, text)?;
        pos = end + 1;
    }
    Ok(())
}

// ---------- CSV ----------

fn csv_reader<R: Read>(reader: R, capacity: usize) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(capacity)
        .from_reader(reader)
}

fn csv_error(file: &str, e: csv::Error) -> FilesError {
    let line = e.position().map_or(0, |p| p.line());
    let field = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => "record",
        csv::ErrorKind::Utf8 { .. } => "text",
        _ => "file",
    };
    FilesError::input(file, line, field, e)
}

/// Required column positions, optional ones, and the record width.
type Found<const N: usize> = ([usize; N], Vec<Option<usize>>, usize);

/// Where each named column sits; `N` required names, then optional ones.
fn columns<R: Read, const N: usize>(
    reader: &mut csv::Reader<R>,
    file: &str,
    required: [&str; N],
    optional: &[&str],
) -> Result<Found<N>, FilesError> {
    let headers = reader.byte_headers().map_err(|e| csv_error(file, e))?;
    let names: Vec<&[u8]> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(h)
            } else {
                h
            }
        })
        .collect();
    let find = |name: &str| -> Result<Option<usize>, FilesError> {
        let mut hits = names
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == name.as_bytes());
        let first = hits.next().map(|(i, _)| i);
        if hits.next().is_some() {
            return Err(FilesError::input(file, 1, name, "column appears twice"));
        }
        Ok(first)
    };
    let mut idx = [0usize; N];
    for (slot, name) in idx.iter_mut().zip(required) {
        *slot = find(name)?.ok_or_else(|| FilesError::input(file, 1, name, "missing column"))?;
    }
    let opt = optional.iter().map(|n| find(n)).collect::<Result<_, _>>()?;
    Ok((idx, opt, names.len()))
}

/// A CSV file's columns and where its records begin.
pub(crate) struct Layout<const N: usize> {
    required: [usize; N],
    optional: Vec<Option<usize>>,
    /// Every header name, in file order.
    names: Vec<String>,
    pub data_start: u64,
}

fn layout<const N: usize>(
    path: &Path,
    file: &str,
    required: [&str; N],
    optional: &[&str],
) -> Result<Layout<N>, FilesError> {
    let mut rdr = csv_reader(File::open(path).map_err(io_error(path))?, 64 << 10);
    let (required, optional, _) = columns(&mut rdr, file, required, optional)?;
    let names = rdr
        .byte_headers()
        .map_err(|e| csv_error(file, e))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    Ok(Layout {
        required,
        optional,
        names,
        data_start: rdr.position().byte(),
    })
}

/// Calls `each(line, offset, fields)` for every record of a chunk; returns how many `"` it holds.
/// Without any quote (or lone `\r`) a record is a line split at commas (the common case, and much
/// cheaper than the full CSV state machine), and the chunk's UTF-8 is checked once; otherwise the csv
/// crate reads it.
fn csv_records(
    bytes: &[u8],
    names: &[String],
    file: &str,
    mut each: impl FnMut(u64, usize, &[&str]) -> Result<(), FilesError>,
) -> Result<u64, FilesError> {
    let width = names.len();
    let wrong_width = |line: u64, found: usize| {
        FilesError::input(
            file,
            line,
            "record",
            format!("found {found} fields, the header has {width}"),
        )
    };
    let plain = memchr::memchr(b'"', bytes).is_none()
        && memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n'));
    if plain {
        // Lines before the first invalid byte are read as usual, so errors come in line order.
        let (text, invalid) = match std::str::from_utf8(bytes) {
            Ok(t) => (t, None),
            Err(e) => {
                let cut = memchr::memrchr(b'\n', &bytes[..e.valid_up_to()]).map_or(0, |i| i + 1);
                (
                    std::str::from_utf8(&bytes[..cut]).unwrap_or_default(),
                    Some(cut),
                )
            }
        };
        let mut fields: Vec<&str> = Vec::with_capacity(width);
        let mut line = 0u64;
        let mut at = 0usize;
        let raw = text.as_bytes();
        while at < raw.len() {
            line += 1;
            let start = at;
            let end = memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |i| at + i);
            at = end + 1;
            let mut stop = end;
            if stop > start && raw[stop - 1] == b'\r' {
                stop -= 1;
            }
            if stop == start {
                continue; // the csv crate skips empty lines too
            }
            // Commas and newlines are ASCII, so every cut falls between whole characters.
            fields.clear();
            let mut from = start;
            for (i, &c) in raw[start..stop].iter().enumerate() {
                if c == b',' {
                    fields.push(&text[from..start + i]);
                    from = start + i + 1;
                }
            }
            fields.push(&text[from..stop]);
            if fields.len() != width {
                return Err(wrong_width(line, fields.len()));
            }
            each(line, start, &fields)?;
        }
        if let Some(cut) = invalid {
            let end = memchr::memchr(b'\n', &bytes[cut..]).map_or(bytes.len(), |i| cut + i);
            let bad = bytes[cut..end]
                .split(|b| *b == b',')
                .position(|f| std::str::from_utf8(f).is_err())
                .and_then(|i| names.get(i))
                .map_or("record", String::as_str);
            return Err(FilesError::input(file, line + 1, bad, "not UTF-8 text"));
        }
        return Ok(0);
    }
    let quotes = memchr::memchr_iter(b'"', bytes).count() as u64;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(file, e))?
    {
        let (line, at) = rec
            .position()
            .map_or((0, 0), |p| (p.line(), p.byte() as usize));
        if rec.len() != width {
            return Err(wrong_width(line, rec.len()));
        }
        let mut fields = Vec::with_capacity(width);
        for (i, f) in rec.iter().enumerate() {
            let name = names.get(i).map_or("record", String::as_str);
            fields.push(
                std::str::from_utf8(f)
                    .map_err(|_| FilesError::input(file, line, name, "not UTF-8 text"))?,
            );
        }
        each(line, at, &fields)?;
    }
    Ok(quotes)
}

fn time_field(text: &str, file: &str, line: u64, name: &str) -> Result<DateTime<Utc>, FilesError> {
    text::parse_time(text).map_err(|e| FilesError::input(file, line, name, e))
}

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

/// The line of the record at a file offset (for errors found after parsing, such as a repeated id).
pub(crate) fn line_at(path: &Path, offset: u64) -> Result<u64, FilesError> {
    Ok(lines_before(path, offset)? + 1)
}

pub(crate) const SETTLEMENT_COLUMNS: [&str; 9] = [
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

// ---------- JSON lines ----------

/// Calls `each(line, text)` for every non-blank line of a JSON-lines chunk.
fn json_lines(
    bytes: &[u8],
    mut each: impl FnMut(u64, &[u8]) -> Result<(), FilesError>,
) -> Result<(), FilesError> {
    lines(bytes, |line, _, text| {
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        each(line, text)
    })
}

/// A serde error with the path of the field that failed (`notification.data.amount`); only computed on
/// the error path, so the fast path pays nothing for it.
fn json_error<'de, T: Deserialize<'de>>(file: &str, line: u64, bytes: &'de [u8]) -> FilesError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => FilesError::input(file, line, "json", "unexpected parse failure"),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let field = if inner.is_syntax() || inner.is_eof() || path == "." {
                "json".to_string()
            } else {
                path
            };
            FilesError::input(file, line, field, inner)
        }
    }
}

/// An id sent as a JSON string or an integer (the gateway does both), as text.
fn id_text(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    let t = raw.get();
    if t.starts_with('"') {
        serde_json::from_str::<Cow<'_, str>>(t).map_err(|e| e.to_string())
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Cow::Borrowed(t))
    } else {
        Err(format!("{t} is not a string or an integer"))
    }
}

#[derive(Deserialize)]
struct PaymentLine<'a> {
    #[serde(borrow, default)]
    received_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    notification: Notification<'a>,
}

#[derive(Deserialize)]
struct Notification<'a> {
    #[serde(rename = "eventType", borrow, default)]
    event_type: Option<Cow<'a, str>>,
    #[serde(rename = "operationNumber", borrow)]
    operation_number: &'a RawValue,
    #[serde(borrow)]
    data: PaymentData<'a>,
}

#[derive(Deserialize)]
struct PaymentData<'a> {
    #[serde(borrow)]
    cip: &'a RawValue,
    #[serde(borrow)]
    currency: Cow<'a, str>,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(rename = "paymentDate", borrow, default)]
    payment_date: Option<Cow<'a, str>>,
}

#[derive(Default)]
pub(crate) struct Payments<'b> {
    pub facts: Vec<PaymentFact<'b>>,
    /// Notifications of another event type than `cip.paid`, left out.
    pub skipped: u64,
}

/// A payment line's fields as text, from the fast path or from serde.
struct PaymentText<'a> {
    received_at: Option<&'a str>,
    event_type: Option<&'a str>,
    operation_number: &'a str,
    cip: &'a str,
    currency: &'a str,
    /// The amount as `exact_json` reads it: a number's text or a string's content.
    amount: &'a str,
    payment_date: Option<&'a str>,
}

/// An id the fast path takes as it is: a plain string, or an integer written as digits.
fn fast_id(v: fastjson::Value<'_>) -> Option<&str> {
    match v {
        fastjson::Value::Str(s) => Some(s),
        fastjson::Value::Num(n) if n.bytes().all(|b| b.is_ascii_digit()) => Some(n),
        _ => None,
    }
}

/// `exact_json`'s reading of a raw amount: trimmed, a string's quotes dropped.
fn raw_amount(raw: &RawValue) -> &str {
    let t = raw.get().trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
}

fn fast_payment(line: &[u8]) -> Option<PaymentText<'_>> {
    use fastjson::{once, Value};
    let (mut received_at, mut event_type, mut op, mut cip) = (None, None, None, None);
    let (mut currency, mut amount, mut payment_date) = (None, None, None);
    let mut notification = None;
    let mut data = None;
    let mut scan = fastjson::Scan::new(line)?;
    scan.object(|key, s| match key {
        "received_at" => once(&mut received_at, s.value()?.opt_str().ok()?),
        "notification" => {
            once(&mut notification, ())?;
            s.object(|key, s| match key {
                "eventType" => once(&mut event_type, s.value()?.opt_str().ok()?),
                "operationNumber" => once(&mut op, fast_id(s.value()?)?),
                "data" => {
                    once(&mut data, ())?;
                    s.object(|key, s| match key {
                        "cip" => once(&mut cip, fast_id(s.value()?)?),
                        "currency" => once(&mut currency, s.value()?.opt_str().ok()??),
                        "amount" => match s.value()? {
                            Value::Str(t) | Value::Num(t) => once(&mut amount, t),
                            _ => None,
                        },
                        "paymentDate" => once(&mut payment_date, s.value()?.opt_str().ok()?),
                        _ => s.value().map(drop),
                    })
                }
                _ => s.value().map(drop),
            })
        }
        _ => s.value().map(drop),
    })?;
    scan.end()?;
    Some(PaymentText {
        received_at: received_at?,
        event_type: event_type.flatten(),
        operation_number: op?,
        cip: cip?,
        currency: currency?,
        amount: amount?,
        payment_date: payment_date.flatten(),
    })
}

/// `payments.jsonl`: gateway notifications as received.
pub(crate) fn payments<'b>(
    path: &Path,
    file: &str,
    chunk: Chunk,
    bump: &'b Bump,
    buf: &mut Vec<u8>,
    out: &mut Payments<'b>,
) -> Result<(), FilesError> {
    let (first, skip) = read_chunk(path, chunk, buf)?;
    let bytes = &buf[skip..];
    let result = json_lines(bytes, |line, bytes| {
        let bad = |f: &str, e: &dyn ToString| FilesError::input(file, line, f, e.to_string());
        let mut take = |t: &PaymentText<'_>| -> Result<(), FilesError> {
            if t.event_type.is_some_and(|e| e != "cip.paid") {
                out.skipped += 1;
                return Ok(());
            }
            let op = text::operation_number(t.operation_number)
                .map_err(|e| bad("notification.operationNumber", &e))?;
            let cip = text::cip(t.cip).map_err(|e| bad("notification.data.cip", &e))?;
            let currency =
                text::currency(t.currency).map_err(|e| bad("notification.data.currency", &e))?;
            let amount = parse_json_number(t.amount)
                .and_then(|a| cuadre_core::Money::new(a, currency))
                .map_err(|e| bad("notification.data.amount", &e))?;
            let received_at = t
                .received_at
                .map(|t| text::parse_time(t).map_err(|e| bad("received_at", &e)))
                .transpose()?;
            let payment_date = t
                .payment_date
                .map(|t| text::parse_time(t).map_err(|e| bad("notification.data.paymentDate", &e)))
                .transpose()?;
            let paid_at = payment_date.or(received_at).ok_or_else(|| {
                bad(
                    "notification.data.paymentDate",
                    &"neither paymentDate nor received_at is given",
                )
            })?;
            out.facts.push(PaymentFact {
                cip: bump.alloc_str(cip),
                operation_number: bump.alloc_str(op),
                amount,
                paid_at,
            });
            Ok(())
        };
        if let Some(t) = fast_payment(bytes) {
            return take(&t);
        }
        let p: PaymentLine<'_> = serde_json::from_slice(bytes)
            .map_err(|_| json_error::<PaymentLine<'_>>(file, line, bytes))?;
        let n = &p.notification;
        let op =
            id_text(n.operation_number).map_err(|e| bad("notification.operationNumber", &e))?;
        let cip = id_text(n.data.cip).map_err(|e| bad("notification.data.cip", &e))?;
        take(&PaymentText {
            received_at: p.received_at.as_deref(),
            event_type: n.event_type.as_deref(),
            operation_number: &op,
            cip: &cip,
            currency: &n.data.currency,
            amount: raw_amount(n.data.amount),
            payment_date: n.data.payment_date.as_deref(),
        })
    });
    file_line(path, first, result)
}

#[derive(Deserialize)]
struct VoucherLine<'a> {
    #[serde(borrow)]
    voucher_id: Cow<'a, str>,
    #[serde(borrow)]
    order_id: Cow<'a, str>,
    #[serde(borrow)]
    uploaded_at: Cow<'a, str>,
    #[serde(borrow)]
    sha256: Cow<'a, str>,
    #[serde(borrow)]
    fields: VoucherFieldsLine<'a>,
    #[serde(borrow, default)]
    perceptual_hash: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tampering_signals: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct VoucherFieldsLine<'a> {
    #[serde(borrow, default)]
    cip: Option<&'a RawValue>,
    #[serde(borrow, default)]
    operation_number: Option<&'a RawValue>,
    #[serde(borrow, default)]
    amount: Option<&'a RawValue>,
    #[serde(borrow, default)]
    currency: Option<Cow<'a, str>>,
}

/// `vouchers.jsonl`: what OCR read from each upload. Besides the canonical fields it accepts
/// `perceptual_hash` and `tampering_signals` (a list of texts) for `SUSPECTED_TAMPERING`.
/// A voucher line's fields as text, from the fast path or from serde.
struct VoucherText<'a> {
    voucher_id: &'a str,
    order_id: &'a str,
    uploaded_at: &'a str,
    sha256: &'a str,
    cip: Option<&'a str>,
    operation_number: Option<&'a str>,
    amount: Option<&'a str>,
    currency: Option<&'a str>,
    perceptual_hash: Option<&'a str>,
    tampering: Option<String>,
}

/// An id OCR may not have read (`null`).
fn fast_opt_id(v: fastjson::Value<'_>) -> Option<Option<&str>> {
    match v {
        fastjson::Value::Null => Some(None),
        other => fast_id(other).map(Some),
    }
}

fn fast_voucher(line: &[u8]) -> Option<VoucherText<'_>> {
    use fastjson::{once, Value};
    let (mut voucher_id, mut order_id, mut uploaded_at, mut sha256) = (None, None, None, None);
    let (mut cip, mut op, mut amount, mut currency) = (None, None, None, None);
    let (mut fields, mut perceptual_hash) = (None, None);
    let mut scan = fastjson::Scan::new(line)?;
    scan.object(|key, s| match key {
        "voucher_id" => once(&mut voucher_id, s.value()?.opt_str().ok()??),
        "order_id" => once(&mut order_id, s.value()?.opt_str().ok()??),
        "uploaded_at" => once(&mut uploaded_at, s.value()?.opt_str().ok()??),
        "sha256" => once(&mut sha256, s.value()?.opt_str().ok()??),
        "perceptual_hash" => once(&mut perceptual_hash, s.value()?.opt_str().ok()?),
        // Rare, and a list: left to serde.
        "tampering_signals" => match s.value()? {
            Value::Null => Some(()),
            _ => None,
        },
        "fields" => {
            once(&mut fields, ())?;
            s.object(|key, s| match key {
                "cip" => once(&mut cip, fast_opt_id(s.value()?)?),
                "operation_number" => once(&mut op, fast_opt_id(s.value()?)?),
                "amount" => match s.value()? {
                    Value::Str(t) | Value::Num(t) => once(&mut amount, Some(t)),
                    Value::Null => once(&mut amount, None),
                    Value::Other => None,
                },
                "currency" => once(&mut currency, s.value()?.opt_str().ok()?),
                _ => s.value().map(drop),
            })
        }
        _ => s.value().map(drop),
    })?;
    scan.end()?;
    fields?;
    Some(VoucherText {
        voucher_id: voucher_id?,
        order_id: order_id?,
        uploaded_at: uploaded_at?,
        sha256: sha256?,
        cip: cip.flatten(),
        operation_number: op.flatten(),
        amount: amount.flatten(),
        currency: currency.flatten(),
        perceptual_hash: perceptual_hash.flatten(),
        tampering: None,
    })
}

/// `vouchers.jsonl`: what OCR read from each upload. Besides the canonical fields it accepts
/// `perceptual_hash` and `tampering_signals` (a list of texts) for `SUSPECTED_TAMPERING`.
pub(crate) fn vouchers<'b>(
    path: &Path,
    file: &str,
    chunk: Chunk,
    bump: &'b Bump,
    buf: &mut Vec<u8>,
    out: &mut Vec<VoucherFact<'b>>,
) -> Result<(), FilesError> {
    let (first, skip) = read_chunk(path, chunk, buf)?;
    let bytes = &buf[skip..];
    let result = json_lines(bytes, |line, bytes| {
        let bad = |f: &str, e: &dyn ToString| FilesError::input(file, line, f, e.to_string());
        let mut take = |v: &VoucherText<'_>| -> Result<(), FilesError> {
            let voucher_id = v.voucher_id.trim();
            if voucher_id.is_empty() {
                return Err(bad("voucher_id", &"voucher_id is empty"));
            }
            let order_id = text::order_id(v.order_id).map_err(|e| bad("order_id", &e))?;
            let uploaded_at =
                text::parse_time(v.uploaded_at).map_err(|e| bad("uploaded_at", &e))?;
            let sha = v.sha256.trim();
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("sha256", &"not 64 hexadecimal digits"));
            }
            let sha256: &str = if sha.bytes().any(|b| b.is_ascii_uppercase()) {
                bump.alloc_str(&sha.to_ascii_lowercase())
            } else {
                bump.alloc_str(sha)
            };
            let cip = match v.cip {
                Some(t) => Some(&*bump.alloc_str(text::cip(t).map_err(|e| bad("fields.cip", &e))?)),
                None => None,
            };
            let operation_number = match v.operation_number {
                Some(t) => Some(&*bump.alloc_str(
                    text::operation_number(t).map_err(|e| bad("fields.operation_number", &e))?,
                )),
                None => None,
            };
            let amount = v
                .amount
                .map(|a| parse_json_number(a).map_err(|e| bad("fields.amount", &e)))
                .transpose()?;
            let currency = v
                .currency
                .map(|c| text::currency(c).map_err(|e| bad("fields.currency", &e)))
                .transpose()?;
            out.push(VoucherFact {
                voucher_id: bump.alloc_str(voucher_id),
                order_id: bump.alloc_str(order_id),
                uploaded_at,
                sha256,
                read: VoucherRead {
                    cip,
                    operation_number,
                    amount,
                    currency,
                },
                perceptual_hash: v.perceptual_hash.map(|p| &*bump.alloc_str(p)),
                tampering: v.tampering.as_deref().map(|t| &*bump.alloc_str(t)),
            });
            Ok(())
        };
        if let Some(v) = fast_voucher(bytes) {
            return take(&v);
        }
        let v: VoucherLine<'_> = serde_json::from_slice(bytes)
            .map_err(|_| json_error::<VoucherLine<'_>>(file, line, bytes))?;
        let f = &v.fields;
        let read_id = |raw: Option<&RawValue>, name: &str| -> Result<Option<String>, FilesError> {
            match raw {
                Some(r) if r.get() != "null" => id_text(r)
                    .map(|t| Some(t.into_owned()))
                    .map_err(|e| bad(name, &e)),
                _ => Ok(None),
            }
        };
        let cip = read_id(f.cip, "fields.cip")?;
        let op = read_id(f.operation_number, "fields.operation_number")?;
        take(&VoucherText {
            voucher_id: &v.voucher_id,
            order_id: &v.order_id,
            uploaded_at: &v.uploaded_at,
            sha256: &v.sha256,
            cip: cip.as_deref(),
            operation_number: op.as_deref(),
            amount: f.amount.filter(|r| r.get() != "null").map(raw_amount),
            currency: f.currency.as_deref(),
            perceptual_hash: v.perceptual_hash.as_deref(),
            tampering: v
                .tampering_signals
                .as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| s.join("; ")),
        })
    });
    file_line(path, first, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_paths_take_the_canonical_lines() {
        let p = br#"{"received_at":"2026-11-20T10:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05,"paymentDate":"2026-11-20T09:59:40-05:00"}}}"#;
        let t = fast_payment(p).expect("fast path");
        assert_eq!(
            (t.cip, t.operation_number, t.amount),
            ("11546901", "1253", "22.05")
        );
        assert_eq!(t.payment_date, Some("2026-11-20T09:59:40-05:00"));
        let v = br#"{"voucher_id":"v1","order_id":"A-1","uploaded_at":"2026-11-20T12:30:00-05:00","sha256":"11","fields":{"cip":"100","operation_number":null,"amount":"150.00","currency":"PEN","paid_at":null}}"#;
        let t = fast_voucher(v).expect("fast path");
        assert_eq!(
            (t.cip, t.operation_number, t.amount),
            (Some("100"), None, Some("150.00"))
        );
        // What the fast path leaves to serde.
        assert!(fast_payment(&p[..p.len() - 1]).is_none());
        let escaped = String::from_utf8(p.to_vec())
            .unwrap()
            .replace("1253", "12\\u0033");
        assert!(fast_payment(escaped.as_bytes()).is_none());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// The serde path's reading of a line, in the fast path's terms (owned, for comparing).
        fn serde_payment(line: &[u8]) -> Option<Vec<Option<String>>> {
            let p: PaymentLine<'_> = serde_json::from_slice(line).ok()?;
            let n = &p.notification;
            Some(vec![
                p.received_at.as_deref().map(str::to_string),
                n.event_type.as_deref().map(str::to_string),
                id_text(n.operation_number).ok().map(|c| c.into_owned()),
                id_text(n.data.cip).ok().map(|c| c.into_owned()),
                Some(n.data.currency.to_string()),
                Some(raw_amount(n.data.amount).to_string()),
                n.data.payment_date.as_deref().map(str::to_string),
            ])
        }

        fn fast(line: &[u8]) -> Option<Vec<Option<String>>> {
            let t = fast_payment(line)?;
            Some(vec![
                t.received_at.map(str::to_string),
                t.event_type.map(str::to_string),
                Some(t.operation_number.to_string()),
                Some(t.cip.to_string()),
                Some(t.currency.to_string()),
                Some(t.amount.to_string()),
                t.payment_date.map(str::to_string),
            ])
        }

        /// A field: mostly one of the usual values, sometimes something the fast path must refuse.
        fn field(
            key: &'static str,
            usual: &'static [&'static str],
        ) -> impl Strategy<Value = Vec<String>> {
            let odd = prop_oneof![
                Just("null"),
                Just("true"),
                Just("01"),
                Just("\"a\\\"b\""),
                Just("\"\\u0031\""),
                Just("[1,\"x\"]"),
                Just("{\"k\":[]}"),
                Just("-0.5e2"),
            ];
            (
                proptest::sample::select(usual),
                odd,
                0..20u8,
                proptest::sample::select(&[" ", "", "\t"][..]),
            )
                .prop_map(move |(good, bad, roll, ws)| {
                    let v = if roll < 16 { good } else { bad };
                    let one = format!("\"{key}\"{ws}:{ws}{v}");
                    match roll {
                        0 => vec![],                 // missing
                        1 => vec![one.clone(), one], // repeated
                        _ => vec![one],
                    }
                })
        }

        fn object(parts: Vec<Vec<String>>) -> impl Strategy<Value = String> {
            let mut flat: Vec<String> = parts.into_iter().flatten().collect();
            flat.push("\"extra\":{\"x\":[1,2,{\"y\":null}]}".to_string());
            Just(flat)
                .prop_shuffle()
                .prop_map(|p| format!("{{{}}}", p.join(",")))
        }

        fn line() -> impl Strategy<Value = String> {
            let data = (
                field("cip", &["\"11546901\"", "11546901", "\"0012\""]),
                field("currency", &["\"PEN\"", "\"USD\""]),
                field("amount", &["22.05", "\"22.05\"", "150", "1.5e2"]),
                field("paymentDate", &["\"2026-11-20T09:59:40-05:00\"", "null"]),
            )
                .prop_flat_map(|(a, b, c, d)| object(vec![a, b, c, d]));
            (
                data,
                field("eventType", &["\"cip.paid\"", "\"cip.expired\"", "null"]),
                field("operationNumber", &["\"1253\"", "1253"]),
                field("received_at", &["\"2026-11-20T10:00:03-05:00\"", "null"]),
            )
                .prop_flat_map(|(data, e, o, r)| {
                    let mut n = vec![e, o];
                    n.push(vec![format!("\"data\":{data}")]);
                    object(n).prop_flat_map(move |n| {
                        object(vec![r.clone(), vec![format!("\"notification\": {n}")]])
                    })
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]
            /// Whenever the fast path answers, serde reads the same line the same way.
            #[test]
            fn the_fast_payment_path_agrees_with_serde(text in line()) {
                if let Some(f) = fast(text.as_bytes()) {
                    prop_assert_eq!(Some(f), serde_payment(text.as_bytes()), "{}", text);
                }
            }
        }

        #[test]
        fn the_generator_lines_take_the_fast_path() {
            let p = br#"{"received_at":"2026-11-20T10:00:03-05:00","notification":{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":11546901,"currency":"PEN","amount":22.05}}}"#;
            assert_eq!(fast(p), serde_payment(p));
            assert!(fast(p).is_some());
        }
    }
}
