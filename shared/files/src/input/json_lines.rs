//! JSON lines: the lines of a chunk, serde errors that name the field, and the id and amount
//! readings both JSON inputs share.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::chunks::lines;
use crate::error::FilesError;
use crate::fastjson;

/// Calls `each(line, text)` for every non-blank line of a JSON-lines chunk.
pub(super) fn json_lines(
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
pub(super) fn json_error<'de, T: Deserialize<'de>>(
    file: &str,
    line: u64,
    bytes: &'de [u8],
) -> FilesError {
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
pub(super) fn id_text(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    let t = raw.get();
    if t.starts_with('"') {
        serde_json::from_str::<Cow<'_, str>>(t).map_err(|e| e.to_string())
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Cow::Borrowed(t))
    } else {
        Err(format!("{t} is not a string or an integer"))
    }
}
/// An id the fast path takes as it is: a plain string, or an integer written as digits.
pub(super) fn fast_id(v: fastjson::Value<'_>) -> Option<&str> {
    match v {
        fastjson::Value::Str(s) => Some(s),
        fastjson::Value::Num(n) if n.bytes().all(|b| b.is_ascii_digit()) => Some(n),
        _ => None,
    }
}

/// `exact_json`'s reading of a raw amount: trimmed, a string's quotes dropped.
pub(super) fn raw_amount(raw: &RawValue) -> &str {
    let t = raw.get().trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
}
