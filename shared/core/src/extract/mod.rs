//! Voucher text extraction (docs/vouchers.md): OCR lines with geometry in, fields out.
//!
//! The pipeline is pure: an OCR engine's output is turned into [`OcrLine`]s
//! ([`lines_from_textract_json`], [`lines_from_tesseract_tsv`]), then [`extract`] rebuilds the rows
//! of the receipt from geometry (undoing the page's rotation), finds the labels and their values,
//! and returns the fields with a confidence and the doubts it had.

mod amounts;
mod channel;
mod dates;
mod fields;
mod geometry;
mod labels;
mod pairing;
mod tesseract;
mod text;
mod textract;

#[cfg(test)]
mod tests;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::records::{FieldConfidence, UnreadFields, VoucherField, VoucherFields};

pub use geometry::estimate_skew_degrees;
pub use tesseract::lines_from_tesseract_tsv;
pub use textract::lines_from_textract_json;

/// A point on the page, as fractions of the page's width (`x`) and height (`y`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// An upright box on the page, as fractions of the page's width and height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// One line of text as an OCR engine read it.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    pub text: String,
    /// The engine's confidence, 0–100.
    pub confidence: f64,
    /// The upright box enclosing the line (on a rotated page it is larger than the text).
    pub bbox: BoundingBox,
    /// The line's own quadrilateral, clockwise from the text's top-left corner, when the engine gives it;
    /// it carries the page's rotation.
    pub polygon: Option<[Point; 4]>,
}

impl OcrLine {
    pub fn new(text: impl Into<String>, confidence: f64, bbox: BoundingBox) -> Self {
        OcrLine {
            text: text.into(),
            confidence,
            bbox,
            polygon: None,
        }
    }

    pub fn with_polygon(mut self, polygon: [Point; 4]) -> Self {
        self.polygon = Some(polygon);
        self
    }
}

/// What [`extract`] read from a voucher. Its JSON is docs/vouchers.md's output schema:
/// `{"cip":…,"operation_number":…,"amount":…,"currency":…,"paid_at":…,"payer_name":…,"channel":…,
/// "confidence":0.93,"warnings":[]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Extraction {
    #[serde(flatten)]
    pub fields: VoucherFields,
    /// 0–1000; written as a 0–1 number in JSON, kept integral here (as in [`crate::Voucher`]).
    #[serde(rename = "confidence", with = "confidence_json")]
    pub confidence_permille: u16,
    /// Each key field's confidence (0–1 in JSON, `null` where no candidate was found). A field under
    /// [`FIELD_THRESHOLD_PERMILLE`] has no value: the reader does not guess.
    #[serde(default, with = "field_confidence_json")]
    pub field_confidence: FieldConfidence,
    /// The key fields with no value, and why (`not found`, or read with too little confidence).
    #[serde(default)]
    pub unread: UnreadFields,
    /// Doubts a person should know about (`"several different amounts read; took the first"`…); why
    /// a key field has no value is in `unread`.
    pub warnings: Vec<String>,
}

impl Extraction {
    /// The confidence as the 0–1 number the JSON shows.
    pub fn confidence(&self) -> f64 {
        permille_to_unit(self.confidence_permille)
    }
}

pub(crate) fn permille_to_unit(permille: u16) -> f64 {
    Decimal::new(i64::from(permille), 3)
        .to_f64()
        .unwrap_or_default()
}

/// Confidence is a JSON number 0–1 with up to 3 decimals, converted through a decimal so no float
/// arithmetic is needed.
mod confidence_json {
    use super::*;

    pub fn serialize<S: Serializer>(permille: &u16, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(permille_to_unit(*permille))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        let unit = f64::deserialize(d)?;
        let out_of_range = || serde::de::Error::custom(format!("confidence {unit} is not in 0..1"));
        let decimal = Decimal::try_from(unit).map_err(|_| out_of_range())?;
        let permille = (decimal * Decimal::ONE_THOUSAND).round();
        permille
            .to_u16()
            .filter(|p| *p <= 1000)
            .ok_or_else(out_of_range)
    }
}

/// Per-field confidence in JSON: `{"cip":0.97,"amount":null,…}`, through decimals like `confidence`.
mod field_confidence_json {
    use std::collections::BTreeMap;

    use super::*;

    pub fn serialize<S: Serializer>(c: &FieldConfidence, s: S) -> Result<S::Ok, S::Error> {
        c.to_json().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FieldConfidence, D::Error> {
        #[derive(Deserialize)]
        struct Unit(#[serde(with = "super::confidence_json")] u16);
        let map: BTreeMap<VoucherField, Option<Unit>> = BTreeMap::deserialize(d)?;
        let mut out = FieldConfidence::default();
        for (field, unit) in map {
            out.set(field, unit.map(|u| u.0));
        }
        Ok(out)
    }
}

/// Under this confidence (per mille) a field's best candidate is not taken: the field is `null` and
/// `unread` says what was read and how sure the reader was.
pub const FIELD_THRESHOLD_PERMILLE: u16 = 500;

/// Why an OCR engine's output could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("not a Textract DetectDocumentText response: the file is not valid JSON ({0})")]
    TextractJson(#[source] serde_json::Error),
    #[error("not a Textract DetectDocumentText response: {0}")]
    NotDetectDocumentText(String),
    #[error("not Tesseract TSV output (`tesseract IMAGE stdout tsv`): {0}")]
    NotTesseractTsv(String),
    #[error("Tesseract TSV line {line}: {reason}")]
    BadTesseractRow { line: usize, reason: String },
}

/// Reads docs/vouchers.md's fields from the OCR lines of one voucher. The order of `lines` does not
/// matter: rows are rebuilt from geometry.
pub fn extract(lines: &[OcrLine]) -> Extraction {
    fields::extract_fields(lines)
}
