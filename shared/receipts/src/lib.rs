//! A deterministic generator of varied Peruvian payment receipts ("vouchers"), used to measure the
//! voucher extractor.
//!
//! Every receipt is chosen from a seed: its family (an agent's thermal ticket, a bank app
//! screenshot, a Yape-like wallet, a web banking page, a shop's POS slip, an e-mail...), its
//! labels, field order, distractor numbers, formats of amounts and dates, text sizes, positions and
//! OCR noise. It comes with its [`Truth`]: what a careful human reads on it. The receipt can be
//! given to a reader as an Amazon Textract `DetectDocumentText` response ([`to_textract_json`]) or
//! as a PNG for Tesseract ([`render_png`]).
//!
//! The generator is written from what real receipts look like, independently of the extractor it
//! measures: it knows nothing of the extractor's rules.

mod geometry;
mod layouts;
mod lexicon;
mod noise;
mod render;
mod sheet;
mod textract;
mod values;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub use render::{render_png, RenderError};
pub use textract::to_textract_json;

/// Every receipt family [`generate`] draws from; [`generate_with`] accepts these names.
pub const LAYOUTS: &[&str] = layouts::FAMILIES;

/// One generated receipt: its lines of text as OCR would see them, and the truth they show.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The seed it was generated from.
    pub seed: u64,
    /// Its family, one of [`LAYOUTS`].
    pub layout: &'static str,
    /// OCR noise: 0 clean, 1 the usual OCR slips, 2 heavy (may damage one key field).
    pub noise: u8,
    /// Rotation of the page, in degrees; positive means text runs downhill to the right. Applied
    /// by [`to_textract_json`] and [`render_png`]; `lines` are upright.
    pub angle_deg: f64,
    /// The lines of text, upright (before rotation), in reading order. On a rotated receipt the
    /// layout was first shrunk about the page centre (a photo taken from further away) so that
    /// every rotated line stays on the page.
    pub lines: Vec<TextLine>,
    /// What the receipt legibly shows.
    pub truth: Truth,
    /// Page height divided by page width (a phone screenshot is about 2, a desktop page below 1).
    pub aspect: f64,
    /// Whether the receipt is printed in a monospace font (thermal and dot-matrix tickets).
    pub monospace: bool,
}

/// One line of text on the upright page. Coordinates are fractions of the page's width (`left`,
/// `width`) and height (`top`, `height`), as in Textract.
#[derive(Clone, Debug, PartialEq)]
pub struct TextLine {
    /// The text as OCR reads it: with the noise level's slips and any damage. Thermal tickets pad
    /// labels with runs of spaces; Textract's LINE text collapses them to one.
    pub text: String,
    /// The text as the layout printed it, before OCR slips and damage.
    pub clean: String,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    /// OCR confidence, 0-100.
    pub confidence: f64,
    /// The key fields whose values this line prints (the answer key, for diagnosing a reader's
    /// mistakes; never part of what a reader is given).
    pub fields: Vec<Field>,
    /// Whether a key field's value on this line was deliberately damaged beyond recovery.
    pub damaged: bool,
}

/// The kinds of value a line can print for [`Truth`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Cip,
    Operation,
    Amount,
    Currency,
    PaidDate,
    PaidTime,
}

/// What a receipt legibly shows. `None`: not printed, or printed but damaged beyond recovery; a
/// reader must answer null for it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Truth {
    /// The PagoEfectivo payment code (CIP), digits only.
    pub cip: Option<String>,
    /// The paying channel's operation (transaction) number, digits as printed (leading zeros kept).
    pub operation_number: Option<String>,
    /// The amount paid, without any commission: two decimals, no separators ("1250.00").
    pub amount: Option<String>,
    /// "PEN" or "USD".
    pub currency: Option<String>,
    /// When the payment was made: "2026-03-20T15:42:00-05:00" when a time is printed (seconds
    /// "00" when the receipt does not print them), else the date alone "2026-03-20".
    pub paid_at: Option<String>,
}

/// A receipt whose family and noise level are also chosen from the seed. Equal to
/// `generate_with(r.layout, r.noise, seed)`.
pub fn generate(seed: u64) -> Receipt {
    let mut pick = StdRng::seed_from_u64(seed ^ 0x5eed_fa41_17a0_0c3d);
    let layout = LAYOUTS[pick.random_range(0..LAYOUTS.len())];
    let noise = match pick.random_range(0..100) {
        0..35 => 0,
        35..75 => 1,
        _ => 2,
    };
    match generate_with(layout, noise, seed) {
        Some(r) => r,
        None => unreachable!("every name in LAYOUTS is a family"),
    }
}

/// A receipt of the family `layout` at noise level `noise` (levels above 2 count as 2); `None` for
/// a family not in [`LAYOUTS`].
pub fn generate_with(layout: &str, noise: u8, seed: u64) -> Option<Receipt> {
    let family = layouts::family(layout)?;
    let noise = noise.min(2);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut facts = values::Facts::random(&mut rng);
    let mut page = layouts::build(family, &mut facts, &mut rng);
    if noise >= 2 && rng.random_bool(0.13) {
        noise::damage(&mut page.drafts, &mut rng);
    }
    let texts = noise::apply(&page.drafts, noise, &mut rng);
    let truth = truth_of(&page, &facts);
    let angle_deg = if family == "rotated_photo" {
        if rng.random_bool(0.5) {
            rng.random_range(3.0..7.0)
        } else {
            rng.random_range(-7.0..-3.0)
        }
    } else if noise == 0 || rng.random_bool(0.5) {
        0.0
    } else {
        rng.random_range(-2.0..2.0)
    };
    let lines = geometry::place(&page, texts, angle_deg);
    Some(Receipt {
        seed,
        layout: family,
        noise,
        angle_deg,
        lines,
        truth,
        aspect: page.aspect,
        monospace: page.mono,
    })
}

/// The truth from what the page prints: a field is shown when a segment prints it undamaged.
fn truth_of(page: &layouts::Page, facts: &values::Facts) -> Truth {
    let shown = |f: Field| {
        page.drafts
            .iter()
            .flat_map(|d| &d.segs)
            .any(|s| s.field == Some(f) && s.damaged.is_none())
    };
    let paid_at = shown(Field::PaidDate).then(|| {
        if shown(Field::PaidTime) {
            let secs = if page.time_secs {
                facts.paid.format("%S").to_string()
            } else {
                "00".to_string()
            };
            format!("{}:{secs}-05:00", facts.paid.format("%Y-%m-%dT%H:%M"))
        } else {
            facts.paid.format("%Y-%m-%d").to_string()
        }
    });
    Truth {
        cip: shown(Field::Cip).then(|| facts.cip.clone()),
        operation_number: shown(Field::Operation).then(|| facts.op.clone()),
        amount: shown(Field::Amount).then(|| values::plain_amount(facts.cents)),
        currency: shown(Field::Currency).then(|| if facts.usd { "USD" } else { "PEN" }.to_string()),
        paid_at,
    }
}
