//! CSV: the reader, its errors, the header's columns and the records of a chunk.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use csv::ByteRecord;

use super::io_error;
use crate::error::FilesError;
use crate::text;

pub(super) fn csv_reader<R: Read>(reader: R, capacity: usize) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(capacity)
        .from_reader(reader)
}

pub(super) fn csv_error(file: &str, e: csv::Error) -> FilesError {
    let line = e.position().map_or(0, |p| p.line());
    let field = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => "record",
        csv::ErrorKind::Utf8 { .. } => "text",
        _ => "file",
    };
    FilesError::input(file, line, field, e)
}

/// Required column positions, optional ones, and the record width.
pub(super) type Found<const N: usize> = ([usize; N], Vec<Option<usize>>, usize);

/// Where each named column sits; `N` required names, then optional ones.
pub(super) fn columns<R: Read, const N: usize>(
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
    pub(super) required: [usize; N],
    pub(super) optional: Vec<Option<usize>>,
    /// Every header name, in file order.
    pub(super) names: Vec<String>,
    pub data_start: u64,
}

pub(super) fn layout<const N: usize>(
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
pub(super) fn csv_records(
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

pub(super) fn time_field(
    text: &str,
    file: &str,
    line: u64,
    name: &str,
) -> Result<DateTime<Utc>, FilesError> {
    text::parse_time(text).map_err(|e| FilesError::input(file, line, name, e))
}
