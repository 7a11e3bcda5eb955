//! Reading request bodies: one JSON object, and the free texts in it.

use cuadre_lambda::problem::{FieldError, Problem};
use serde::de::DeserializeOwned;

/// A JSON object body (an empty one reads as `{}` when `empty_ok`); anything else is a 400.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8], empty_ok: bool) -> Result<T, Problem> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Problem::bad_request("the body is not UTF-8 JSON"))?;
    let text = if text.trim().is_empty() && empty_ok {
        "{}"
    } else {
        text
    };
    if !text.trim_start().starts_with('{') {
        return Err(Problem::bad_request("the body must be a JSON object"));
    }
    serde_json::from_str(text)
        .map_err(|e| Problem::bad_request(format!("the body is not the expected JSON: {e}")))
}

/// An optional free text: trimmed, empty means absent, at most `max` characters.
pub(crate) fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())?;
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters of text"),
        ));
        return None;
    }
    Some(text)
}
