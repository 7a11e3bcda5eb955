//! The page as rows of cells, and each label paired with its value: on its line, in the next block
//! of its row, or in the cell right below or above it.

use super::amounts::{self, AmountFound};
use super::dates::{self, DateFound, TimeFound};
use super::geometry::{self, Placed};
use super::labels::{self, Hit, Label};
use super::text::{self, clean_numbers, fold};
use super::OcrLine;
use crate::money::Currency;

/// A value in another block of the label's row.
const SAME_ROW_EVIDENCE: u16 = 950;
/// A value on the line under or over its label.
const NEIGHBOUR_EVIDENCE: u16 = 900;

/// Between two OCR lines of one row: wide enough that no number or date runs across it.
const CELL_GAP: &str = "   ";

/// One OCR line placed in its row.
pub(super) struct Cell {
    pub(super) place: Placed,
    /// Byte range in the row's folded (and cleaned) text.
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) confidence: u16,
}

pub(super) struct Row {
    /// Upper case, no accents; one char per char of `raw`.
    pub(super) folded: String,
    /// `folded` with OCR slips inside numbers undone; same byte offsets as `folded`.
    pub(super) cleaned: String,
    pub(super) raw: String,
    pub(super) cells: Vec<Cell>,
    pub(super) hits: Vec<Hit>,
}

impl Row {
    pub(super) fn cell_of(&self, byte: usize) -> usize {
        self.cells
            .iter()
            .position(|c| byte >= c.start && byte < c.end)
            .unwrap_or(self.cells.len() - 1)
    }

    /// The original text of a folded byte range (folded and raw have the same chars).
    pub(super) fn raw_slice(&self, start: usize, end: usize) -> String {
        let skip = self.folded[..start].chars().count();
        let take = self.folded[start..end].chars().count();
        self.raw.chars().skip(skip).take(take).collect()
    }
}

/// The OCR engine's 0–100 confidence in per mille.
#[allow(clippy::float_arithmetic)] // the engine reports a float; we keep integers from here on
pub(super) fn permille(confidence: f64) -> u16 {
    if confidence.is_finite() {
        (confidence.clamp(0.0, 100.0) * 10.0).round() as u16
    } else {
        0
    }
}

pub(super) fn build_rows(lines: &[OcrLine]) -> Vec<Row> {
    geometry::rows(lines)
        .into_iter()
        .map(|placed| {
            let mut folded = String::new();
            let mut raw = String::new();
            let mut cells = Vec::with_capacity(placed.len());
            for place in placed {
                if !cells.is_empty() {
                    folded.push_str(CELL_GAP);
                    raw.push_str(CELL_GAP);
                }
                let line = &lines[place.line];
                let start = folded.len();
                folded.push_str(&fold(&line.text));
                raw.push_str(&line.text);
                cells.push(Cell {
                    place,
                    start,
                    end: folded.len(),
                    confidence: permille(line.confidence),
                });
            }
            let ranges: Vec<(usize, usize)> = cells.iter().map(|c| (c.start, c.end)).collect();
            let hits = labels::find_labels(&folded, &ranges);
            Row {
                cleaned: clean_numbers(&folded),
                folded,
                raw,
                cells,
                hits,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Id(String),
    Amount(AmountFound),
    Date(DateFound, Option<TimeFound>),
    Time(TimeFound),
    Currency(Currency),
    Text(String),
}

/// A label paired with its value.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) label: Label,
    pub(super) value: Value,
    pub(super) row: usize,
    pub(super) confidence: u16,
    /// How well the pairing itself holds, per mille: the value on the label's own line is surest, in
    /// the next block of its row a little less, on the line below or above less again.
    pub(super) evidence: u16,
    /// A currency sign printed with the label (`TOTAL S/:`) when the number sits elsewhere.
    pub(super) label_currency: Option<Currency>,
}

/// A number of `min..=max` digits: the first such word, never a masked or RUC-shaped one.
pub(super) fn id_in(cleaned: &str, min: usize, max: usize, reject_phone: bool) -> Option<String> {
    cleaned.split_whitespace().find_map(|word| {
        let word = word.trim_matches(|c: char| ":#.,;()[]°'\"-=".contains(c));
        let digits_only = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
        let ruc_like = word.len() == 11
            && ["10", "15", "16", "17", "20"]
                .iter()
                .any(|p| word.starts_with(p));
        let mobile_like = reject_phone && word.len() == 9 && word.starts_with('9');
        (digits_only && (min..=max).contains(&word.len()) && !ruc_like && !mobile_like)
            .then(|| word.to_string())
    })
}

/// Dates and times hidden so their digits are not read as amounts.
pub(super) fn without_dates(cleaned: &str) -> String {
    let mut ranges: Vec<(usize, usize)> = dates::find_dates(cleaned)
        .iter()
        .map(|d| (d.start, d.end))
        .collect();
    ranges.extend(dates::find_times(cleaned).iter().map(|t| (t.start, t.end)));
    amounts::blank(cleaned, &ranges)
}

pub(super) fn payer_in(raw: &str) -> Option<String> {
    let name = raw
        .trim_matches(|c: char| !c.is_alphabetic())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let plausible = name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-' | ','));
    (letters >= 2 && plausible && name.chars().count() <= 80).then_some(name)
}

/// Reads what `label` announces from `cleaned` (and `raw` for names).
pub(super) fn value_for(label: Label, cleaned: &str, raw: &str) -> Option<Value> {
    match label {
        Label::Cip => id_in(cleaned, 5, 14, false).map(Value::Id),
        Label::CipGeneric => id_in(cleaned, 5, 14, true).map(Value::Id),
        Label::Operation => id_in(cleaned, 4, 14, false).map(Value::Id),
        Label::Amount | Label::Total | Label::Commission | Label::Balance | Label::Tax => {
            amounts::amount_in(&without_dates(cleaned)).map(Value::Amount)
        }
        Label::PaidDate | Label::OtherDate => {
            let date = *dates::find_dates(cleaned).first()?;
            let time = dates::find_times(cleaned)
                .into_iter()
                .find(|t| t.end <= date.start || t.start >= date.end);
            Some(Value::Date(date, time))
        }
        Label::Time => dates::find_times(cleaned).first().copied().map(Value::Time),
        Label::Currency => amounts::currency_marks(cleaned)
            .first()
            .map(|m| Value::Currency(m.currency)),
        Label::Payer => payer_in(raw).map(Value::Text),
        Label::Other => text::has_content(cleaned).then(|| Value::Text(String::new())),
    }
}

/// Where a label's value may sit when nothing follows it on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Below,
    Above,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) row: usize,
    pub(super) cell: usize,
    pub(super) gap: f64,
}

pub(super) struct Page {
    pub(super) rows: Vec<Row>,
    /// Byte ranges per row already taken by a label or a value.
    pub(super) claims: Vec<Vec<(usize, usize)>>,
}

impl Page {
    pub(super) fn claim(&mut self, row: usize, start: usize, end: usize) {
        self.claims[row].push((start, end));
    }

    pub(super) fn is_claimed(&self, row: usize, start: usize, end: usize) -> bool {
        self.claims[row].iter().any(|&(s, e)| s < end && start < e)
    }

    pub(super) fn unclaimed(&self, row: usize) -> String {
        amounts::blank(&self.rows[row].cleaned, &self.claims[row])
    }

    /// The cell right above or below the label that can hold its value: in the neighbouring row, under
    /// or over the label, close enough, without a label of its own, not taken, and readable as `label`.
    pub(super) fn neighbour(
        &self,
        row: usize,
        hit: &Hit,
        direction: Direction,
    ) -> Option<Candidate> {
        let other_row = match direction {
            Direction::Below => row.checked_add(1).filter(|r| *r < self.rows.len())?,
            Direction::Above => row.checked_sub(1)?,
        };
        let this = &self.rows[row];
        let label_cell = &this.cells[this.cell_of(hit.start)];
        let cell_text = &this.folded[label_cell.start..label_cell.end];
        let from = cell_text[..hit.start - label_cell.start].chars().count();
        let to = from + this.folded[hit.start..hit.end].chars().count();
        let span = label_cell
            .place
            .x_span_of_chars(from, to, cell_text.chars().count());
        let other = &self.rows[other_row];
        other
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                geometry::x_overlap(
                    span,
                    (c.place.left, c.place.right),
                    label_cell.place.height(),
                )
            })
            .filter(|(_, c)| {
                !other
                    .hits
                    .iter()
                    .any(|h| h.start >= c.start && h.start < c.end)
            })
            .filter(|(_, c)| !self.is_claimed(other_row, c.start, c.end))
            .map(|(i, c)| {
                let gap = match direction {
                    Direction::Below => geometry::gap_below(&label_cell.place, &c.place),
                    Direction::Above => geometry::gap_below(&c.place, &label_cell.place),
                };
                (i, c, gap)
            })
            .filter(|(_, c, gap)| geometry::gap_within(*gap, &label_cell.place, &c.place, 1.5))
            .filter(|(_, c, _)| {
                let cleaned = &other.cleaned[c.start..c.end];
                let raw = other.raw_slice(c.start, c.end);
                value_for(hit.label, cleaned, &raw).is_some()
            })
            .max_by(|a, b| {
                let sa = geometry::x_shared(span, (a.1.place.left, a.1.place.right));
                let sb = geometry::x_shared(span, (b.1.place.left, b.1.place.right));
                sa.total_cmp(&sb)
            })
            .map(|(cell, _, gap)| Candidate {
                row: other_row,
                cell,
                gap,
            })
    }

    /// Which neighbour is clearly nearer, if one is.
    pub(super) fn nearer(
        &self,
        row: usize,
        hit: &Hit,
        below: Candidate,
        above: Candidate,
    ) -> Option<Direction> {
        let this = &self.rows[row];
        let height = this.cells[this.cell_of(hit.start)].place.height();
        if geometry::clearly_smaller(below.gap, above.gap, height) {
            Some(Direction::Below)
        } else if geometry::clearly_smaller(above.gap, below.gap, height) {
            Some(Direction::Above)
        } else {
            None
        }
    }
}

pub(super) fn currency_of_marks(text: &str) -> Option<Currency> {
    amounts::currency_marks(text).first().map(|m| m.currency)
}

/// Pairs every label with its value.
pub(super) fn pair_labels(page: &mut Page) -> Vec<Found> {
    let mut found = Vec::new();
    let mut pending: Vec<(usize, Hit, Option<Currency>)> = Vec::new();
    for r in 0..page.rows.len() {
        let hits = page.rows[r].hits.clone();
        for (i, hit) in hits.iter().enumerate() {
            let row = &page.rows[r];
            let region_end = hits.get(i + 1).map_or(row.folded.len(), |next| next.start);
            let cleaned = &row.cleaned[hit.end..region_end];
            let label_currency = currency_of_marks(cleaned);
            let value = value_for(hit.label, cleaned, &row.raw_slice(hit.end, region_end));
            let empty = !text::has_content(cleaned);
            let confidence = row.cells[row.cell_of(hit.start)].confidence;
            let value_confidence =
                row.cells[row.cell_of(region_end.saturating_sub(1).max(hit.end))].confidence;
            let same_cell = row.cell_of(hit.start) == row.cell_of(region_end.saturating_sub(1));
            page.claim(r, hit.start, region_end);
            if let Some(value) = value {
                found.push(Found {
                    label: hit.label,
                    value,
                    row: r,
                    confidence: confidence.min(value_confidence),
                    evidence: if same_cell { 1000 } else { SAME_ROW_EVIDENCE },
                    label_currency,
                });
            } else if empty {
                pending.push((r, *hit, label_currency));
            }
        }
    }

    // Layouts put values either under or over their labels; where a label could take either,
    // follow what the unambiguous labels of this voucher do.
    let (mut below_votes, mut above_votes) = (0, 0);
    for (r, hit, _) in pending.iter().filter(|p| p.1.label != Label::Other) {
        let below = page.neighbour(*r, hit, Direction::Below);
        let above = page.neighbour(*r, hit, Direction::Above);
        let vote = match (below, above) {
            (Some(_), None) => Some(Direction::Below),
            (None, Some(_)) => Some(Direction::Above),
            (Some(b), Some(a)) => page.nearer(*r, hit, b, a),
            (None, None) => None,
        };
        match vote {
            Some(Direction::Below) => below_votes += 1,
            Some(Direction::Above) => above_votes += 1,
            None => {}
        }
    }
    let usual = if above_votes > below_votes {
        Direction::Above
    } else {
        Direction::Below
    };

    // Our labels choose first, then the others (RUC, terminal…) take what is left.
    pending.sort_by_key(|(r, hit, _)| (hit.label == Label::Other, *r, hit.start));
    for (r, hit, label_currency) in pending {
        let below = page.neighbour(r, &hit, Direction::Below);
        let above = page.neighbour(r, &hit, Direction::Above);
        let chosen = match (below, above) {
            (Some(b), None) => Some(b),
            (None, Some(a)) => Some(a),
            (Some(b), Some(a)) => match page.nearer(r, &hit, b, a).unwrap_or(usual) {
                Direction::Below => Some(b),
                Direction::Above => Some(a),
            },
            (None, None) => None,
        };
        let Some(chosen) = chosen else { continue };
        let row = &page.rows[chosen.row];
        let cell = &row.cells[chosen.cell];
        let (start, end) = (cell.start, cell.end);
        let value = value_for(
            hit.label,
            &row.cleaned[start..end],
            &row.raw_slice(start, end),
        );
        let label_row = &page.rows[r];
        let confidence = label_row.cells[label_row.cell_of(hit.start)]
            .confidence
            .min(cell.confidence);
        page.claim(chosen.row, start, end);
        if let Some(value) = value {
            found.push(Found {
                label: hit.label,
                value,
                row: chosen.row,
                confidence,
                evidence: NEIGHBOUR_EVIDENCE,
                label_currency,
            });
        }
    }
    found.sort_by_key(|f| f.row);
    found
}

/// The amount printed alone, largest and highest (bank apps put it on top, in big type). A figure
/// whose currency sign is a block of its own (at its left, or just over or under it) takes that sign.
pub(super) fn lone_amount(page: &Page) -> Option<(AmountFound, u16)> {
    let mut best: Option<(AmountFound, &Cell, usize)> = None;
    for (r, row) in page.rows.iter().enumerate() {
        for cell in &row.cells {
            if page.is_claimed(r, cell.start, cell.end) {
                continue;
            }
            let Some(mut amount) =
                amounts::lone_figure(&without_dates(&row.cleaned[cell.start..cell.end]))
            else {
                continue;
            };
            if amount.currency.is_none() {
                amount.currency = page.sign_beside(r, cell);
            }
            if amount.currency.is_none() && !amount.has_cents {
                continue;
            }
            let better = match &best {
                None => true,
                Some((b, b_cell, _)) => {
                    (amount.currency.is_some(), cell.place.height())
                        .partial_cmp(&(b.currency.is_some(), b_cell.place.height()))
                        == Some(std::cmp::Ordering::Greater)
                }
            };
            if better {
                best = Some((amount, cell, r));
            }
        }
    }
    best.map(|(a, c, _)| (a, c.confidence))
}

/// A cell that holds nothing but a currency sign (`S/`, `US$`).
fn only_a_sign(cleaned: &str) -> Option<Currency> {
    match amounts::currency_marks(cleaned).as_slice() {
        [mark] if !text::has_content(cleaned) => Some(mark.currency),
        _ => None,
    }
}

impl Page {
    /// The currency sign printed as its own block next to `cell` of row `r`: the block at its left
    /// in the row, or a block over or under it that shares its width.
    pub(super) fn sign_beside(&self, r: usize, cell: &Cell) -> Option<Currency> {
        let row = &self.rows[r];
        let left = row
            .cells
            .iter()
            .filter(|c| geometry::ends_left_of(&c.place, &cell.place))
            .max_by(|a, b| a.place.right.total_cmp(&b.place.right));
        if let Some(sign) = left.and_then(|c| only_a_sign(&row.cleaned[c.start..c.end])) {
            return Some(sign);
        }
        let span = (cell.place.left, cell.place.right);
        [r.checked_sub(1), r.checked_add(1)]
            .into_iter()
            .flatten()
            .filter_map(|o| self.rows.get(o))
            .flat_map(|o| o.cells.iter().map(move |c| (o, c)))
            .filter(|(_, c)| {
                geometry::x_overlap(span, (c.place.left, c.place.right), 0.0)
                    && geometry::stacked(&c.place, &cell.place)
            })
            .find_map(|(o, c)| only_a_sign(&o.cleaned[c.start..c.end]))
    }
}
