//! Page geometry: turns a laid-out page into [`TextLine`]s in page fractions, and rotates boxes
//! about the page centre as a photo taken at an angle would.
//!
//! Rotation happens in pixel space (x in page widths, y in page widths times the aspect), so the
//! rotated polygons are those of the rendered image, whatever the page's aspect.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use crate::layouts::Page;
use crate::noise::Noisy;
use crate::sheet::text_of;
use crate::TextLine;

/// Smallest distance kept between any text and the page's edge, as a page fraction.
const EDGE: f64 = 0.005;

/// The point (`x`, `y`) of the upright page (fractions) after rotating the page by `angle_deg`
/// about its centre; positive angles run text downhill to the right.
pub(crate) fn rotate(x: f64, y: f64, aspect: f64, angle_deg: f64) -> (f64, f64) {
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    let dx = x - 0.5;
    let dy = (y - 0.5) * aspect;
    let rx = 0.5 + dx * cos - dy * sin;
    let ry = 0.5 + (dx * sin + dy * cos) / aspect;
    (rx, ry)
}

/// The corners of an upright box after rotation: top-left, top-right, bottom-right, bottom-left
/// of the text.
pub(crate) fn corners(
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    aspect: f64,
    angle_deg: f64,
) -> [(f64, f64); 4] {
    [
        rotate(left, top, aspect, angle_deg),
        rotate(left + width, top, aspect, angle_deg),
        rotate(left + width, top + height, aspect, angle_deg),
        rotate(left, top + height, aspect, angle_deg),
    ]
}

/// The page's lines in page fractions, shrunk about the centre (a photo taken from further away)
/// until every rotated line stays on the page.
pub(crate) fn place(page: &Page, texts: Vec<Noisy>, angle_deg: f64) -> Vec<TextLine> {
    let a = page.aspect;
    let boxes: Vec<[f64; 4]> = page
        .drafts
        .iter()
        .map(|d| [d.left, d.top / a, d.width, d.height / a])
        .collect();
    let scaled = |b: &[f64; 4], s: f64| {
        [
            0.5 + (b[0] - 0.5) * s,
            0.5 + (b[1] - 0.5) * s,
            b[2] * s,
            b[3] * s,
        ]
    };
    let fits = |s: f64| {
        boxes.iter().all(|b| {
            let [l, t, w, h] = scaled(b, s);
            corners(l, t, w, h, a, angle_deg)
                .iter()
                .all(|(x, y)| (EDGE..=1.0 - EDGE).contains(x) && (EDGE..=1.0 - EDGE).contains(y))
        })
    };
    let mut s = 1.0;
    for _ in 0..80 {
        if fits(s) {
            break;
        }
        s *= 0.97;
    }
    page.drafts
        .iter()
        .zip(boxes.iter())
        .zip(texts)
        .map(|((d, b), noisy)| {
            let [left, top, width, height] = scaled(b, s);
            let mut fields = Vec::new();
            for f in d.segs.iter().filter_map(|s| s.field) {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
            TextLine {
                text: noisy.text,
                clean: text_of(&d.segs),
                left,
                top,
                width,
                height,
                confidence: noisy.confidence,
                fields,
                damaged: noisy.damaged,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_angles_run_text_downhill_to_the_right() {
        let (x0, y0) = rotate(0.2, 0.5, 2.0, 5.0);
        let (x1, y1) = rotate(0.8, 0.5, 2.0, 5.0);
        assert!(x1 > x0 && y1 > y0);
        let (x, y) = rotate(0.5, 0.5, 2.0, 30.0);
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
    }

    #[test]
    fn rotation_is_aspect_aware() {
        // A quarter turn on a page twice as tall as wide: a point a quarter width right of the
        // centre lands a quarter width (an eighth of the height) below it.
        let (x, y) = rotate(0.75, 0.5, 2.0, 90.0);
        assert!((x - 0.5).abs() < 1e-12);
        assert!((y - 0.625).abs() < 1e-12);
    }
}
