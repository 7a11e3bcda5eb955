//! Chunks of whole lines: cutting a file, reading one chunk, and naming a line of the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::io_error;
use crate::error::FilesError;

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
pub(super) fn lines_before(path: &Path, end: u64) -> Result<u64, FilesError> {
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
pub(super) fn file_line<T>(
    path: &Path,
    first: u64,
    result: Result<T, FilesError>,
) -> Result<T, FilesError> {
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
pub(super) fn lines<'a>(
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
/// The line of the record at a file offset (for errors found after parsing, such as a repeated id).
pub(crate) fn line_at(path: &Path, offset: u64) -> Result<u64, FilesError> {
    Ok(lines_before(path, offset)? + 1)
}
