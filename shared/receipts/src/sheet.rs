//! The upright draft of a page: lines made of typed segments (so noise knows which parts are
//! numbers, currency signs or droppable spaces, and truth knows which parts print a key field),
//! placed by a cursor that flows down the page.
//!
//! Units: x and widths are fractions of the page width; y and heights are in the same unit (page
//! widths) until the page is finished and its height known.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use crate::Field;

/// What a segment of a line is, for the noise applied to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Words: OCR may drop accents.
    Text,
    /// A number, date or time: OCR may read a digit as a letter.
    Num,
    /// A currency sign: OCR may read `S/` as `5/` or `$/`.
    Sign,
    /// A space after a colon or a sign, which OCR may lose.
    Gap,
}

/// A piece of a line's text.
#[derive(Clone, Debug)]
pub(crate) struct Seg {
    pub text: String,
    pub kind: Kind,
    /// The key field this segment prints, if any.
    pub field: Option<Field>,
    /// The garbled text that replaces it when the field was deliberately damaged.
    pub damaged: Option<String>,
}

/// Plain words.
pub(crate) fn t(s: impl Into<String>) -> Seg {
    seg(s, Kind::Text, None)
}

/// A distractor number.
pub(crate) fn n(s: impl Into<String>) -> Seg {
    seg(s, Kind::Num, None)
}

/// A droppable space.
pub(crate) fn gap() -> Seg {
    seg(" ", Kind::Gap, None)
}

/// A segment printing `field`.
pub(crate) fn key(field: Field, kind: Kind, s: impl Into<String>) -> Seg {
    seg(s, kind, Some(field))
}

pub(crate) fn seg(s: impl Into<String>, kind: Kind, field: Option<Field>) -> Seg {
    Seg {
        text: s.into(),
        kind,
        field,
        damaged: None,
    }
}

/// The clean text of segments.
pub(crate) fn text_of(segs: &[Seg]) -> String {
    segs.iter().map(|s| s.text.as_str()).collect()
}

/// One placed line (one Textract LINE block).
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub segs: Vec<Seg>,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// A page being laid out.
pub(crate) struct Sheet {
    pub drafts: Vec<Draft>,
    /// The cursor: top of the next row, in page widths.
    pub y: f64,
    /// Left and right margin, in page widths.
    pub margin: f64,
    pub mono: bool,
    /// Line advance as a multiple of the text height.
    pub lead: f64,
}

impl Sheet {
    pub fn new(margin: f64, mono: bool, lead: f64) -> Sheet {
        Sheet {
            drafts: Vec::new(),
            y: margin,
            margin,
            mono,
            lead,
        }
    }

    /// The right edge of the text area.
    pub fn right_edge(&self) -> f64 {
        1.0 - self.margin
    }

    /// The estimated width of `text` drawn `h` high (DejaVu Sans or Sans Mono advances).
    pub fn measure(&self, text: &str, h: f64) -> f64 {
        // ab_glyph's pixel scale is ascent - descent = 2384 font units; an em is 2048.
        let em = 2048.0 / 2384.0 * h;
        if self.mono {
            text.chars().count() as f64 * 0.602 * em
        } else {
            text.chars().map(advance_em).sum::<f64>() * em * 1.02
        }
    }

    /// The height at most `h` at which `segs` fit in `room` page widths.
    pub fn fit(&self, segs: &[Seg], h: f64, room: f64) -> f64 {
        let w = self.measure(&text_of(segs), h);
        if w > room && w > 0.0 {
            h * room / w
        } else {
            h
        }
    }

    /// Places `segs` with their left edge at `x` on the cursor's row (shrunk to fit the margin).
    pub fn at(&mut self, segs: Vec<Seg>, x: f64, h: f64) -> usize {
        let h = self.fit(&segs, h, self.right_edge() - x);
        let width = self.measure(&text_of(&segs), h);
        self.place(segs, x, self.y, width, h)
    }

    /// Places `segs` with their right edge at `right` on the cursor's row.
    pub fn right(&mut self, segs: Vec<Seg>, right: f64, h: f64) -> usize {
        let h = self.fit(&segs, h, right - self.margin);
        let width = self.measure(&text_of(&segs), h);
        self.place(segs, right - width, self.y, width, h)
    }

    /// Places `segs` centred on the cursor's row.
    pub fn center(&mut self, segs: Vec<Seg>, h: f64) -> usize {
        let h = self.fit(&segs, h, self.right_edge() - self.margin);
        let width = self.measure(&text_of(&segs), h);
        self.place(segs, 0.5 - width / 2.0, self.y, width, h)
    }

    /// Places a line exactly; returns its index.
    pub fn place(&mut self, segs: Vec<Seg>, left: f64, top: f64, width: f64, height: f64) -> usize {
        if text_of(&segs).trim().is_empty() {
            return self.drafts.len();
        }
        self.drafts.push(Draft {
            segs,
            left,
            top,
            width,
            height,
        });
        self.drafts.len() - 1
    }

    /// Moves the cursor down one row of text `h` high.
    pub fn line(&mut self, h: f64) {
        self.y += h * self.lead;
    }

    /// Moves the cursor down by `dy` page widths.
    pub fn down(&mut self, dy: f64) {
        self.y += dy;
    }

    /// A label at the left margin and its value right-aligned at the right margin, bottoms
    /// aligned, both shrunk if they do not fit side by side; then the cursor moves down.
    pub fn pair(&mut self, label: Vec<Seg>, value: Vec<Seg>, hl: f64, hv: f64) {
        let room = self.right_edge() - self.margin;
        let wl = self.measure(&text_of(&label), hl);
        let wv = self.measure(&text_of(&value), hv);
        let need = wl + wv + 0.04;
        let k = if need > room { room / need } else { 1.0 };
        let (hl, hv) = (hl * k, hv * k);
        let hmax = hl.max(hv);
        let y = self.y;
        self.place(label, self.margin, y + hmax - hl, wl * k, hl);
        let right = self.right_edge();
        self.place(value, right - wv * k, y + hmax - hv, wv * k, hv);
        self.line(hmax);
    }

    /// The finished page: its lines and its aspect (height / width), at least `min_aspect`.
    pub fn finish(self, min_aspect: f64) -> (Vec<Draft>, f64) {
        let aspect = (self.y + self.margin).max(min_aspect);
        (self.drafts, aspect)
    }
}

/// Approximate advance widths of DejaVu Sans, in ems.
fn advance_em(c: char) -> f64 {
    match c {
        '0'..='9' | '$' | '_' | '?' => 0.636,
        ' ' | '.' | ',' | '\'' | 'i' | 'l' | 'j' | 'í' | 'I' | 'Í' | '|' | '!' | '¡' => 0.32,
        ':' | ';' | '/' | '\\' => 0.34,
        '-' | '(' | ')' | '[' | ']' | 'f' | 't' | 'r' => 0.4,
        '*' | '°' | 'º' | '"' => 0.5,
        'm' | 'M' | 'w' | '%' => 0.98,
        'W' => 1.0,
        '#' | '@' | '&' => 0.84,
        'A'..='Z' | 'Á' | 'É' | 'Ó' | 'Ú' | 'Ñ' => 0.72,
        _ => 0.62,
    }
}
