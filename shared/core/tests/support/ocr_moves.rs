//! What the OCR property tests do to a page's lines: shuffle their order, move and scale them.
//! Shared by the extractor's unit tests and the fixture tests; the parent module brings
//! `BoundingBox`, `OcrLine` and `Point` into scope.
#![allow(clippy::float_arithmetic)] // moving page geometry

use super::{BoundingBox, OcrLine, Point};

/// The lines in an order that comes from `seed` (Fisher–Yates with a small LCG).
pub fn shuffled(lines: &[OcrLine], seed: u64) -> Vec<OcrLine> {
    let mut shuffled = lines.to_vec();
    let mut state = seed;
    for i in (1..shuffled.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        shuffled.swap(i, j);
    }
    shuffled
}

/// The lines scaled by `scale` and then moved by (`dx`, `dy`), boxes and polygons alike.
pub fn moved(lines: &[OcrLine], dx: f64, dy: f64, scale: f64) -> Vec<OcrLine> {
    lines
        .iter()
        .map(|l| {
            let mut m = l.clone();
            m.bbox = BoundingBox {
                left: l.bbox.left * scale + dx,
                top: l.bbox.top * scale + dy,
                width: l.bbox.width * scale,
                height: l.bbox.height * scale,
            };
            m.polygon = l.polygon.map(|p| {
                p.map(|q| Point {
                    x: q.x * scale + dx,
                    y: q.y * scale + dy,
                })
            });
            m
        })
        .collect()
}
