//! What the fuzz targets share: a cursor that turns the fuzzer's bytes into values (numbers that
//! include NaN, infinities and negatives; text that includes the characters whose case mappings
//! change their UTF-8 length), the OCR lines built from it, and the checks every extraction passes.
//!
//! The byte format of [`ocr_lines`] is what `fuzz/seeds/make-seeds` writes from the voucher
//! fixtures; keep the two in step.

use std::str::FromStr;

use cuadre_core::extract::{BoundingBox, Extraction, OcrLine, Point};
use cuadre_core::records::VoucherField;
use rust_decimal::Decimal;

/// Characters a byte that never appears in UTF-8 (0xF5–0xFF) stands for in [`Input::text`]: each
/// changes its length in bytes when lowered or uppercased, or is not what ASCII-minded code expects
/// (a combining mark, an emoji with a modifier, a non-ASCII space).
pub const SPECIALS: [&str; 11] = [
    "ß",        // uppercases to "SS"
    "İ",        // lowercases to "i̇" (3 bytes from 2)
    "\u{0301}", // combining acute accent
    "👍🏽",       // emoji + skin-tone modifier (8 bytes)
    "ﬁ",        // ligature: uppercases to "FI"
    "ǅ",        // titlecase digraph
    "\u{212A}", // KELVIN SIGN: lowercases to ASCII 'k' (1 byte from 3)
    "\u{2126}", // OHM SIGN: lowercases to 'ω' (2 bytes from 3)
    "ẞ",        // capital sharp s: lowercases to 'ß'
    "ı",        // dotless i: uppercases to ASCII 'I'
    "\u{00A0}", // no-break space
];

/// The fuzzer's bytes, read front to back; past the end every read gives zeros.
pub struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data, at: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.at >= self.data.len()
    }

    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.at.min(self.data.len());
        let end = self.at.saturating_add(n).min(self.data.len());
        self.at = self.at.saturating_add(n);
        &self.data[start..end]
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    pub fn i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        i64::from_le_bytes(b)
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.at.min(self.data.len());
        self.at = self.data.len();
        &self.data[start..]
    }

    /// A coordinate: usually a fraction of the page a little outside 0–1 (two bytes), sometimes
    /// NaN, ±∞, −0, the extremes, or any 8 bytes as an `f64`.
    pub fn coordinate(&mut self) -> f64 {
        match self.byte() {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -0.0,
            4 => f64::MAX,
            5 => f64::MIN_POSITIVE,
            6 => -1e300,
            7 => 1e-300,
            8 => f64::from_le_bytes(self.bytes(8).try_into().unwrap_or([0; 8])),
            9..=15 => -(f64::from(self.byte()) / 255.0),
            hi => {
                let steps = f64::from(u16::from(hi - 16) << 8 | u16::from(self.byte()));
                steps / COORDINATE_STEPS * 1.2 - 0.1
            }
        }
    }

    /// A string of up to 255 bytes of input (one length byte first), with [`SPECIALS`] for the
    /// bytes 0xF5–0xFF and U+FFFD for other invalid UTF-8.
    pub fn text(&mut self) -> String {
        let n = usize::from(self.byte());
        decode_text(self.bytes(n))
    }

    /// An optional [`Input::text`]: `None` when the flag byte is even.
    pub fn opt_text(&mut self) -> Option<String> {
        (self.byte() % 2 == 1).then(|| self.text())
    }
}

/// The number of steps of the two-byte coordinate form (first byte 16–255, second any).
pub const COORDINATE_STEPS: f64 = 240.0 * 256.0;

/// Input bytes as text: see [`Input::text`].
pub fn decode_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0xF5 {
            out.push_str(&String::from_utf8_lossy(&bytes[run_start..i]));
            out.push_str(SPECIALS[usize::from(b - 0xF5)]);
            run_start = i + 1;
        }
    }
    out.push_str(&String::from_utf8_lossy(&bytes[run_start..]));
    out
}

/// At most this many lines are built from one input (a voucher has a few dozen).
pub const MAX_LINES: usize = 96;

/// OCR lines from the input: per line a flag byte (bit 0: it has a polygon), the confidence and
/// the box's left, top, width and height as [`Input::coordinate`]s (the confidence times 100),
/// the polygon's four points when flagged, then the text.
pub fn ocr_lines(data: &[u8]) -> Vec<OcrLine> {
    let mut input = Input::new(data);
    let mut lines = Vec::new();
    while !input.is_empty() && lines.len() < MAX_LINES {
        let flags = input.byte();
        let confidence = input.coordinate() * 100.0;
        let bbox = BoundingBox {
            left: input.coordinate(),
            top: input.coordinate(),
            width: input.coordinate(),
            height: input.coordinate(),
        };
        let polygon = (flags & 1 == 1).then(|| {
            [(); 4].map(|_| Point {
                x: input.coordinate(),
                y: input.coordinate(),
            })
        });
        let text = input.text();
        lines.push(OcrLine {
            text,
            confidence,
            bbox,
            polygon,
        });
    }
    lines
}

/// What any extraction must be, whatever the lines: confidences in range, field values of their
/// documented shape, the JSON written and read back to the same value, and an output whose size
/// follows from the input's (no warning per pair of lines, no text repeated without end).
pub fn check_extraction(lines: &[OcrLine], ex: &Extraction) {
    assert!(ex.confidence_permille <= 1000, "{}", ex.confidence_permille);
    for field in VoucherField::ALL {
        if let Some(p) = ex.field_confidence.get(field) {
            assert!(p <= 1000, "{field:?} confidence {p}");
        }
    }
    let f = &ex.fields;
    if let Some(cip) = &f.cip {
        assert!(
            !cip.is_empty() && cip.bytes().all(|b| b.is_ascii_digit()),
            "cip {cip:?}"
        );
    }
    if let Some(amount) = &f.amount {
        let value = Decimal::from_str(amount).unwrap_or_else(|e| panic!("amount {amount:?}: {e}"));
        assert_eq!(value.scale(), 2, "amount {amount:?} has two decimals");
    }
    let json = serde_json::to_string(ex).expect("an extraction serialises");
    let back: Extraction = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("an extraction reads back from its JSON: {e}\n{json}"));
    assert_eq!(&back, ex, "JSON round trip\n{json}");

    let text_bytes: usize = lines.iter().map(|l| l.text.len()).sum();
    let budget = 16 * 1024 + 8 * text_bytes + 256 * lines.len();
    assert!(
        json.len() <= budget,
        "{} bytes of output for {} lines of {text_bytes} bytes",
        json.len(),
        lines.len()
    );
}

/// What an HTML parser gives back for text we escaped: NUL dropped (the escaper drops it), and
/// CR LF and lone CR as LF (the input stream's newline normalisation).
pub fn html_text(s: &str) -> String {
    s.replace('\0', "")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}
