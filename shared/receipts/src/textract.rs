//! The receipt as an Amazon Textract `DetectDocumentText` response: one PAGE block, a LINE block
//! per text line and WORD blocks for its words, with rotated polygons and the upright boxes that
//! enclose them. Block order is shuffled: geometry, not list order, is the contract.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::geometry::corners;
use crate::Receipt;

/// The Textract JSON of `r` (deterministic: the same receipt gives the same bytes).
pub fn to_textract_json(r: &Receipt) -> String {
    let mut rng = StdRng::seed_from_u64(r.seed ^ 0x7465_7874_7261_6374);
    let mut blocks = Vec::new();
    let mut line_ids = Vec::new();
    for line in &r.lines {
        let line_id = uuid(&mut rng);
        line_ids.push(Value::String(line_id.clone()));
        let chars: Vec<char> = line.text.chars().collect();
        let n = chars.len().max(1) as f64;
        let mut word_ids = Vec::new();
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    let text: String = chars[s..i].iter().collect();
                    let left = line.left + line.width * s as f64 / n;
                    let width = line.width * (i - s) as f64 / n;
                    let confidence =
                        (line.confidence + rng.random_range(-1.5..1.5)).clamp(0.0, 100.0);
                    let id = uuid(&mut rng);
                    word_ids.push(Value::String(id.clone()));
                    words.push(text.clone());
                    blocks.push(json!({
                        "BlockType": "WORD",
                        "Id": id,
                        "Text": text,
                        "TextType": "PRINTED",
                        "Confidence": confidence,
                        "Geometry": geometry(left, line.top, width, line.height, r),
                    }));
                    start = None;
                }
                _ => {}
            }
        }
        blocks.push(json!({
            "BlockType": "LINE",
            "Id": line_id,
            "Text": words.join(" "),
            "Confidence": line.confidence,
            "Geometry": geometry(line.left, line.top, line.width, line.height, r),
            "Relationships": [{"Type": "CHILD", "Ids": word_ids}],
        }));
    }
    blocks.push(json!({
        "BlockType": "PAGE",
        "Id": uuid(&mut rng),
        "Geometry": {
            "BoundingBox": {"Width": 1.0, "Height": 1.0, "Left": 0.0, "Top": 0.0},
            "Polygon": [
                {"X": 0.0, "Y": 0.0}, {"X": 1.0, "Y": 0.0}, {"X": 1.0, "Y": 1.0}, {"X": 0.0, "Y": 1.0}
            ],
        },
        "Relationships": [{"Type": "CHILD", "Ids": line_ids}],
    }));
    blocks.shuffle(&mut rng);
    json!({
        "DocumentMetadata": {"Pages": 1},
        "Blocks": blocks,
        "DetectDocumentTextModelVersion": "1.0",
    })
    .to_string()
}

/// Textract's `Geometry` of an upright box once the page is rotated.
fn geometry(left: f64, top: f64, width: f64, height: f64, r: &Receipt) -> Value {
    let pts = corners(left, top, width, height, r.aspect, r.angle_deg);
    let min_x = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let max_x = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let min_y = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_y = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    json!({
        "BoundingBox": {"Width": max_x - min_x, "Height": max_y - min_y, "Left": min_x, "Top": min_y},
        "Polygon": pts.iter().map(|(x, y)| json!({"X": x, "Y": y})).collect::<Vec<_>>(),
    })
}

/// A uuid-like (version 4 shaped) id from the receipt's own random stream.
fn uuid(rng: &mut StdRng) -> String {
    let v: u128 = rng.random();
    let hex = format!("{v:032x}");
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][usize::from(hex.as_bytes()[16] % 4)],
        &hex[17..20],
        &hex[20..32]
    )
}
