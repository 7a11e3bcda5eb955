//! Rows from geometry: undo the page's rotation, then group lines whose centres share a height.
//!
//! Coordinates are fractions of the page, not money, so float arithmetic is the right tool here.
#![allow(clippy::float_arithmetic)]

use std::cmp::Ordering;

use super::{OcrLine, Point};

/// Steeper than this a line is not taken as evidence of the page's rotation (a stamp, a logo).
const MAX_SKEW_RADIANS: f64 = 0.26; // ~15°

/// A line's box once the page's rotation is undone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    /// Index into the caller's lines.
    pub line: usize,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Placed {
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
    pub fn width(&self) -> f64 {
        self.right - self.left
    }
    pub fn centre_y(&self) -> f64 {
        (self.top + self.bottom) / 2.0
    }

    /// The horizontal stretch of the characters `from..to` of a line of `len` characters,
    /// assuming evenly wide characters.
    pub fn x_span_of_chars(&self, from: usize, to: usize, len: usize) -> (f64, f64) {
        if len == 0 {
            return (self.left, self.right);
        }
        let per_char = self.width() / len as f64;
        (
            self.left + per_char * from as f64,
            self.left + per_char * to.min(len) as f64,
        )
    }
}

/// The page's rotation in degrees (positive: text runs downhill to the right), estimated from the
/// lines' polygons; 0 when no line has one.
pub fn estimate_skew_degrees(lines: &[OcrLine]) -> f64 {
    skew_radians(lines).to_degrees()
}

/// Weighted median of the slopes of the lines' top and bottom edges: robust to a few odd lines.
fn skew_radians(lines: &[OcrLine]) -> f64 {
    let mut samples: Vec<(f64, f64)> = Vec::new();
    for line in lines {
        let Some([p0, p1, p2, p3]) = line.polygon else {
            continue;
        };
        for (a, b) in [(p0, p1), (p3, p2)] {
            let dx = b.x - a.x;
            let dy = b.y - a.y;
            if !(dx.is_finite() && dy.is_finite()) || dx <= 0.0 {
                continue;
            }
            let angle = dy.atan2(dx);
            if angle.abs() <= MAX_SKEW_RADIANS {
                samples.push((angle, dx));
            }
        }
    }
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let total: f64 = samples.iter().map(|s| s.1).sum();
    let mut seen = 0.0;
    for (angle, weight) in &samples {
        seen += weight;
        if seen * 2.0 >= total {
            return *angle;
        }
    }
    samples[samples.len() - 1].0
}

/// Rotates by `-angle` about the page's centre.
fn unrotate(p: Point, cos: f64, sin: f64) -> Point {
    let dx = p.x - 0.5;
    let dy = p.y - 0.5;
    Point {
        x: 0.5 + dx * cos + dy * sin,
        y: 0.5 - dx * sin + dy * cos,
    }
}

fn place(index: usize, line: &OcrLine, cos: f64, sin: f64) -> Placed {
    let b = line.bbox;
    let corners = match line.polygon {
        Some(polygon) => polygon.map(|p| unrotate(p, cos, sin)),
        None => {
            // Only the upright box is known: keep its size, move its centre.
            let centre = unrotate(
                Point {
                    x: b.left + b.width / 2.0,
                    y: b.top + b.height / 2.0,
                },
                cos,
                sin,
            );
            let (hw, hh) = (b.width / 2.0, b.height / 2.0);
            [
                Point {
                    x: centre.x - hw,
                    y: centre.y - hh,
                },
                Point {
                    x: centre.x + hw,
                    y: centre.y + hh,
                },
                Point {
                    x: centre.x - hw,
                    y: centre.y + hh,
                },
                Point {
                    x: centre.x + hw,
                    y: centre.y - hh,
                },
            ]
        }
    };
    let xs = corners.map(|p| p.x);
    let ys = corners.map(|p| p.y);
    Placed {
        line: index,
        left: xs.iter().copied().fold(f64::INFINITY, f64::min),
        right: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        top: ys.iter().copied().fold(f64::INFINITY, f64::min),
        bottom: ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

fn usable(line: &OcrLine) -> bool {
    let b = line.bbox;
    [b.left, b.top, b.width, b.height]
        .iter()
        .all(|v| v.is_finite())
        && b.width > 0.0
        && b.height > 0.0
        && !line.text.trim().is_empty()
}

/// Rows of the page top to bottom, each left to right, after undoing the page's rotation.
/// Lines with no text or a degenerate box are dropped. The result does not depend on the order of `lines`.
pub(crate) fn rows(lines: &[OcrLine]) -> Vec<Vec<Placed>> {
    let angle = skew_radians(lines);
    let (sin, cos) = angle.sin_cos();
    let mut placed: Vec<Placed> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| usable(l))
        .map(|(i, l)| place(i, l, cos, sin))
        .collect();
    placed.sort_by(|a, b| reading_order(a, b, lines));

    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for p in placed {
        let target = rows
            .iter()
            .enumerate()
            .rev()
            .take(3)
            .filter(|(_, row)| fits_row(row, &p))
            .min_by(|(_, a), (_, b)| {
                let da = (row_centre(a) - p.centre_y()).abs();
                let db = (row_centre(b) - p.centre_y()).abs();
                da.total_cmp(&db)
            })
            .map(|(i, _)| i);
        match target {
            Some(i) => rows[i].push(p),
            None => rows.push(vec![p]),
        }
    }
    for row in &mut rows {
        row.sort_by(|a, b| reading_order_in_row(a, b, lines));
    }
    rows.sort_by(|a, b| row_centre(a).total_cmp(&row_centre(b)));
    rows
}

fn reading_order(a: &Placed, b: &Placed, lines: &[OcrLine]) -> Ordering {
    a.centre_y()
        .total_cmp(&b.centre_y())
        .then(a.left.total_cmp(&b.left))
        .then_with(|| lines[a.line].text.cmp(&lines[b.line].text))
}

fn reading_order_in_row(a: &Placed, b: &Placed, lines: &[OcrLine]) -> Ordering {
    a.left
        .total_cmp(&b.left)
        .then(a.centre_y().total_cmp(&b.centre_y()))
        .then_with(|| lines[a.line].text.cmp(&lines[b.line].text))
}

fn row_centre(row: &[Placed]) -> f64 {
    row.iter().map(Placed::centre_y).sum::<f64>() / row.len() as f64
}

/// A line joins a row when its centre is within half a (smaller) line height of the row's centre, or
/// when it lies almost wholly within the height of a row's line (big and small type aligned at the top),
/// and it does not sit on top of a line already there.
fn fits_row(row: &[Placed], p: &Placed) -> bool {
    let row_height = row.iter().map(Placed::height).fold(f64::INFINITY, f64::min);
    let tolerance = 0.5 * row_height.min(p.height());
    let centred = (row_centre(row) - p.centre_y()).abs() <= tolerance;
    let contained = row.iter().any(|q| {
        let shared = q.bottom.min(p.bottom) - q.top.max(p.top);
        shared >= 0.8 * q.height().min(p.height())
    });
    if !(centred || contained) {
        return false;
    }
    row.iter().all(|q| {
        let overlap = q.right.min(p.right) - q.left.max(p.left);
        overlap <= 0.3 * q.width().min(p.width())
    })
}

/// Whether two horizontal stretches overlap, allowing a slack of `slack`.
pub(crate) fn x_overlap(a: (f64, f64), b: (f64, f64), slack: f64) -> bool {
    a.0 - slack < b.1 && b.0 - slack < a.1
}

/// How much the two stretches share, negative when apart.
pub(crate) fn x_shared(a: (f64, f64), b: (f64, f64)) -> f64 {
    a.1.min(b.1) - a.0.max(b.0)
}

/// The empty space between a box and the one under it (negative when they overlap).
pub(crate) fn gap_below(upper: &Placed, lower: &Placed) -> f64 {
    lower.top - upper.bottom
}

/// Whether a vertical gap is small enough for two boxes to belong together: within `lines` line heights.
pub(crate) fn gap_within(gap: f64, a: &Placed, b: &Placed, lines: f64) -> bool {
    gap <= lines * a.height().max(b.height())
}

/// Whether gap `a` is clearly (by a fifth of a line height) smaller than gap `b`.
pub(crate) fn clearly_smaller(a: f64, b: f64, line_height: f64) -> bool {
    a + 0.2 * line_height < b
}

/// Whether box `a` ends at the left of where box `b` starts (a hair of overlap allowed).
pub(crate) fn ends_left_of(a: &Placed, b: &Placed) -> bool {
    a.right <= b.left + 0.01
}

/// Whether one box sits right over or under the other: at most one line height of `b` apart.
pub(crate) fn stacked(a: &Placed, b: &Placed) -> bool {
    (a.top - b.bottom).max(b.top - a.bottom).abs() <= b.height()
}
