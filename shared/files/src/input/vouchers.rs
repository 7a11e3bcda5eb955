//! `vouchers.jsonl`: what OCR read from each upload, a fast path for the usual line and serde for
//! anything else.

use std::borrow::Cow;
use std::path::Path;

use bumpalo::Bump;
use cuadre_core::money::parse_json_number;
use cuadre_core::reconcile::{VoucherFact, VoucherRead};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::chunks::{file_line, read_chunk, Chunk};
use super::json_lines::{fast_id, id_text, json_error, json_lines, raw_amount};
use crate::error::FilesError;
use crate::{fastjson, text};

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
                unread: None,
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
    fn the_fast_path_takes_the_canonical_voucher_line() {
        let v = br#"{"voucher_id":"v1","order_id":"A-1","uploaded_at":"2026-11-20T12:30:00-05:00","sha256":"11","fields":{"cip":"100","operation_number":null,"amount":"150.00","currency":"PEN","paid_at":null}}"#;
        let t = fast_voucher(v).expect("fast path");
        assert_eq!(
            (t.cip, t.operation_number, t.amount),
            (Some("100"), None, Some("150.00"))
        );
    }
}
