//! From rows of text to docs/vouchers.md's fields: find the labels, pair each with its value (same
//! line, next block of the row, the line below or above), then pick among the candidates.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::amounts::{self, AmountFound};
use super::dates::{self, DateFound, TimeFound};
use super::geometry::{self, Placed};
use super::labels::{self, Hit, Label};
use super::text::{self, clean_numbers, fold};
use super::{channel, Extraction, OcrLine};
use crate::money::Currency;
use crate::records::VoucherFields;

/// Between two OCR lines of one row: wide enough that no number or date runs across it.
const CELL_GAP: &str = "   ";

/// Lima keeps UTC−5 all year.
const LIMA_OFFSET: &str = "-05:00";

/// What a receipt prints after the service's name tells the currency (`PAGOEFECTIVO DOLARES`).
static SERVICE_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"PAGO\s*EFECTIVO\s*(SOLES|DOLARES|PEN|USD)").expect("static regex")
});

/// One OCR line placed in its row.
struct Cell {
    place: Placed,
    /// Byte range in the row's folded (and cleaned) text.
    start: usize,
    end: usize,
    confidence: u16,
}

struct Row {
    /// Upper case, no accents; one char per char of `raw`.
    folded: String,
    /// `folded` with OCR slips inside numbers undone; same byte offsets as `folded`.
    cleaned: String,
    raw: String,
    cells: Vec<Cell>,
    hits: Vec<Hit>,
}

impl Row {
    fn cell_of(&self, byte: usize) -> usize {
        self.cells
            .iter()
            .position(|c| byte >= c.start && byte < c.end)
            .unwrap_or(self.cells.len() - 1)
    }

    /// The original text of a folded byte range (folded and raw have the same chars).
    fn raw_slice(&self, start: usize, end: usize) -> String {
        let skip = self.folded[..start].chars().count();
        let take = self.folded[start..end].chars().count();
        self.raw.chars().skip(skip).take(take).collect()
    }
}

/// The OCR engine's 0–100 confidence in per mille.
#[allow(clippy::float_arithmetic)] // the engine reports a float; we keep integers from here on
fn permille(confidence: f64) -> u16 {
    if confidence.is_finite() {
        (confidence.clamp(0.0, 100.0) * 10.0).round() as u16
    } else {
        0
    }
}

fn build_rows(lines: &[OcrLine]) -> Vec<Row> {
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
enum Value {
    Id(String),
    Amount(AmountFound),
    Date(DateFound, Option<TimeFound>),
    Time(TimeFound),
    Currency(Currency),
    Text(String),
}

/// A label paired with its value.
#[derive(Debug, Clone)]
struct Found {
    label: Label,
    value: Value,
    row: usize,
    confidence: u16,
    /// A currency sign printed with the label (`TOTAL S/:`) when the number sits elsewhere.
    label_currency: Option<Currency>,
}

/// A number of `min..=max` digits: the first such word, never a masked or RUC-shaped one.
fn id_in(cleaned: &str, min: usize, max: usize, reject_phone: bool) -> Option<String> {
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
fn without_dates(cleaned: &str) -> String {
    let mut ranges: Vec<(usize, usize)> = dates::find_dates(cleaned)
        .iter()
        .map(|d| (d.start, d.end))
        .collect();
    ranges.extend(dates::find_times(cleaned).iter().map(|t| (t.start, t.end)));
    amounts::blank(cleaned, &ranges)
}

fn payer_in(raw: &str) -> Option<String> {
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
fn value_for(label: Label, cleaned: &str, raw: &str) -> Option<Value> {
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
enum Direction {
    Below,
    Above,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    row: usize,
    cell: usize,
    gap: f64,
}

struct Page {
    rows: Vec<Row>,
    /// Byte ranges per row already taken by a label or a value.
    claims: Vec<Vec<(usize, usize)>>,
}

impl Page {
    fn claim(&mut self, row: usize, start: usize, end: usize) {
        self.claims[row].push((start, end));
    }

    fn is_claimed(&self, row: usize, start: usize, end: usize) -> bool {
        self.claims[row].iter().any(|&(s, e)| s < end && start < e)
    }

    fn unclaimed(&self, row: usize) -> String {
        amounts::blank(&self.rows[row].cleaned, &self.claims[row])
    }

    /// The cell right above or below the label that can hold its value: in the neighbouring row, under
    /// or over the label, close enough, without a label of its own, not taken, and readable as `label`.
    fn neighbour(&self, row: usize, hit: &Hit, direction: Direction) -> Option<Candidate> {
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
    fn nearer(
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

fn currency_of_marks(text: &str) -> Option<Currency> {
    amounts::currency_marks(text).first().map(|m| m.currency)
}

/// Pairs every label with its value.
fn pair_labels(page: &mut Page) -> Vec<Found> {
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
            page.claim(r, hit.start, region_end);
            if let Some(value) = value {
                found.push(Found {
                    label: hit.label,
                    value,
                    row: r,
                    confidence: confidence.min(value_confidence),
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
                label_currency,
            });
        }
    }
    found.sort_by_key(|f| f.row);
    found
}

/// The amount printed alone, largest and highest (bank apps put it on top, in big type).
fn lone_amount(page: &Page) -> Option<(AmountFound, u16)> {
    let mut best: Option<(AmountFound, &Cell)> = None;
    for (r, row) in page.rows.iter().enumerate() {
        for cell in &row.cells {
            if page.is_claimed(r, cell.start, cell.end) {
                continue;
            }
            let Some(amount) =
                amounts::lone_amount(&without_dates(&row.cleaned[cell.start..cell.end]))
            else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((b, b_cell)) => {
                    (amount.currency.is_some(), cell.place.height())
                        .partial_cmp(&(b.currency.is_some(), b_cell.place.height()))
                        == Some(std::cmp::Ordering::Greater)
                }
            };
            if better {
                best = Some((amount, cell));
            }
        }
    }
    best.map(|(a, c)| (a, c.confidence))
}

struct Picked<T> {
    value: T,
    confidence: u16,
}

fn distinct_count<T: PartialEq>(values: impl Iterator<Item = T>) -> usize {
    let mut seen: Vec<T> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.len()
}

fn pick_id(
    found: &[Found],
    labels_in_order: &[Label],
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<Picked<String>> {
    for label in labels_in_order {
        let ids: Vec<(&String, u16)> = found
            .iter()
            .filter(|f| f.label == *label)
            .filter_map(|f| match &f.value {
                Value::Id(id) => Some((id, f.confidence)),
                _ => None,
            })
            .collect();
        if let Some((id, confidence)) = ids.first() {
            if distinct_count(ids.iter().map(|i| i.0)) > 1 {
                warnings.push(format!("several different {what}s read; took the first"));
            }
            return Some(Picked {
                value: (*id).clone(),
                confidence: *confidence,
            });
        }
    }
    None
}

fn amounts_labelled(found: &[Found], label: Label) -> Vec<(AmountFound, &Found)> {
    found
        .iter()
        .filter(|f| f.label == label)
        .filter_map(|f| match f.value {
            Value::Amount(a) => Some((a, f)),
            _ => None,
        })
        .collect()
}

/// The CIP's amount: `Importe`/`Monto` first; a `Total` that includes a `Comisión` less that
/// commission; the figure printed alone on top; a plain `Total`.
fn pick_amount(
    found: &[Found],
    page: &Page,
    warnings: &mut Vec<String>,
) -> Option<(Picked<Decimal>, Option<Currency>)> {
    let primary = amounts_labelled(found, Label::Amount);
    if let Some((amount, f)) = primary.first() {
        if distinct_count(primary.iter().map(|p| p.0.value)) > 1 {
            warnings.push("several different amounts read; took the first".to_string());
        }
        let currency = amount.currency.or(f.label_currency);
        return Some((
            Picked {
                value: amount.value,
                confidence: f.confidence,
            },
            currency,
        ));
    }
    let totals = amounts_labelled(found, Label::Total);
    let commissions = amounts_labelled(found, Label::Commission);
    if let (Some((total, tf)), Some((commission, cf))) = (totals.first(), commissions.first()) {
        if total.value > commission.value {
            warnings.push("amount taken as the total less the agent's commission".to_string());
            return Some((
                Picked {
                    value: total.value - commission.value,
                    confidence: tf.confidence.min(cf.confidence),
                },
                total.currency.or(tf.label_currency),
            ));
        }
    }
    if let Some((amount, confidence)) = lone_amount(page) {
        return Some((
            Picked {
                value: amount.value,
                confidence,
            },
            amount.currency,
        ));
    }
    totals.first().map(|(total, tf)| {
        (
            Picked {
                value: total.value,
                confidence: tf.confidence,
            },
            total.currency.or(tf.label_currency),
        )
    })
}

/// The currency the voucher states when the amount carries none: `Moneda:`, the service's name,
/// then the signs printed anywhere (the most frequent).
fn document_currency(found: &[Found], page: &Page) -> Option<Currency> {
    let stated = found.iter().find_map(|f| match (f.label, &f.value) {
        (Label::Currency, Value::Currency(c)) => Some(*c),
        _ => None,
    });
    if stated.is_some() {
        return stated;
    }
    let service = page.rows.iter().find_map(|row| {
        SERVICE_CURRENCY
            .captures(&row.folded)
            .and_then(|c| c.get(1))
            .map(|m| match m.as_str() {
                "SOLES" | "PEN" => Currency::Pen,
                _ => Currency::Usd,
            })
    });
    if service.is_some() {
        return service;
    }
    let marks: Vec<Currency> = page
        .rows
        .iter()
        .flat_map(|row| amounts::currency_marks(&row.cleaned))
        .map(|m| m.currency)
        .collect();
    let pen = marks.iter().filter(|c| **c == Currency::Pen).count();
    let usd = marks.len() - pen;
    match pen.cmp(&usd) {
        std::cmp::Ordering::Greater => Some(Currency::Pen),
        std::cmp::Ordering::Less => Some(Currency::Usd),
        std::cmp::Ordering::Equal => marks.first().copied(),
    }
}

/// The payment's date (and time): labelled `Fecha`/`Pagado el`…, else a date no label claims.
fn pick_paid_at(
    found: &[Found],
    page: &Page,
    warnings: &mut Vec<String>,
) -> Option<Picked<String>> {
    let labelled: Vec<(DateFound, Option<TimeFound>, usize, u16)> = found
        .iter()
        .filter(|f| f.label == Label::PaidDate)
        .filter_map(|f| match f.value {
            Value::Date(d, t) => Some((d, t, f.row, f.confidence)),
            _ => None,
        })
        .collect();
    if distinct_count(labelled.iter().map(|l| l.0.date)) > 1 {
        warnings.push("several different payment dates read; took the first".to_string());
    }
    let (date, mut time, row, confidence) = match labelled.first() {
        Some(first) => *first,
        None => {
            let mut unlabelled: Vec<(DateFound, Option<TimeFound>, usize, u16)> = Vec::new();
            for r in 0..page.rows.len() {
                let free = page.unclaimed(r);
                for d in dates::find_dates(&free) {
                    let time = dates::find_times(&free)
                        .into_iter()
                        .find(|t| t.end <= d.start || t.start >= d.end);
                    let row = &page.rows[r];
                    unlabelled.push((d, time, r, row.cells[row.cell_of(d.start)].confidence));
                }
            }
            let chosen = unlabelled
                .iter()
                .find(|u| u.1.is_some())
                .or_else(|| unlabelled.first())
                .copied()?;
            if distinct_count(unlabelled.iter().map(|u| u.0.date)) > 1 {
                warnings.push("several dates without a label; took one with a time".to_string());
            }
            chosen
        }
    };
    if date.swapped {
        warnings.push("date read as month/day".to_string());
    }
    if time.is_none() {
        time = found
            .iter()
            .filter_map(|f| match f.value {
                Value::Time(t) => Some((t, f.row)),
                _ => None,
            })
            .min_by_key(|(_, r)| r.abs_diff(row))
            .map(|(t, _)| t);
    }
    if time.is_none() {
        // A time beside the date or on the line right under or over it.
        let nearby = [Some(row), row.checked_add(1), row.checked_sub(1)];
        time = nearby
            .into_iter()
            .flatten()
            .filter(|r| *r < page.rows.len())
            .find_map(|r| dates::find_times(&page.unclaimed(r)).first().copied());
    }
    let day = date.date.format("%Y-%m-%d");
    let value = match time {
        Some(t) => format!("{day}T{}{LIMA_OFFSET}", t.time.format("%H:%M:%S")),
        None => day.to_string(),
    };
    Some(Picked { value, confidence })
}

fn pick_payer(found: &[Found]) -> Option<String> {
    found.iter().find_map(|f| match (&f.label, &f.value) {
        (Label::Payer, Value::Text(name)) => Some(name.clone()),
        _ => None,
    })
}

fn pick_channel(page: &Page) -> Option<String> {
    page.rows
        .iter()
        .find_map(|row| channel::channel_in(&row.folded))
        .map(str::to_string)
}

pub(crate) fn extract_fields(lines: &[OcrLine]) -> Extraction {
    let rows = build_rows(lines);
    let claims = vec![Vec::new(); rows.len()];
    let mut page = Page { rows, claims };
    let found = pair_labels(&mut page);
    let mut warnings = Vec::new();

    let cip = pick_id(
        &found,
        &[Label::Cip, Label::CipGeneric],
        "CIP",
        &mut warnings,
    );
    let operation = pick_id(
        &found,
        &[Label::Operation],
        "operation number",
        &mut warnings,
    );
    if let (Some(c), Some(o)) = (&cip, &operation) {
        if c.value == o.value {
            warnings.push("CIP and operation number are the same number".to_string());
        }
    }
    let amount = pick_amount(&found, &page, &mut warnings);
    let paid_at = pick_paid_at(&found, &page, &mut warnings);

    let stated_currency = document_currency(&found, &page);
    let mut currency_assumed = false;
    let currency = match &amount {
        Some((_, Some(own))) => {
            if let Some(other) = stated_currency.filter(|c| c != own) {
                warnings.push(format!(
                    "amount is in {own} but the voucher also names {other}"
                ));
            }
            Some(*own)
        }
        Some((_, None)) => stated_currency.or_else(|| {
            currency_assumed = true;
            warnings.push("currency not shown: assumed PEN".to_string());
            Some(Currency::Pen)
        }),
        None => stated_currency,
    };

    let doubts = warnings.len();
    let core_confidences: Vec<u16> = [
        cip.as_ref().map(|p| p.confidence),
        operation.as_ref().map(|p| p.confidence),
        amount.as_ref().map(|a| a.0.confidence),
        paid_at.as_ref().map(|p| p.confidence),
    ]
    .into_iter()
    .flatten()
    .collect();
    let found_count = core_confidences.len() + usize::from(currency.is_some() && !currency_assumed);
    for (missing, what) in [
        (cip.is_none(), "no CIP found"),
        (operation.is_none(), "no operation number found"),
        (amount.is_none(), "no amount found"),
        (paid_at.is_none(), "no payment date found"),
    ] {
        if missing {
            warnings.push(what.to_string());
        }
    }
    let confidence_permille = overall_confidence(&core_confidences, found_count, doubts);

    let fields = VoucherFields {
        cip: cip.map(|p| p.value),
        operation_number: operation.map(|p| p.value),
        amount: amount.map(|(p, _)| p.value.to_string()),
        currency,
        paid_at: paid_at.map(|p| p.value),
        payer_name: pick_payer(&found),
        channel: pick_channel(&page),
    };
    Extraction {
        fields,
        confidence_permille,
        warnings,
    }
}

/// The OCR confidence of what we used, scaled by how much of the voucher we could read
/// (5 of cip, operation, amount, currency, date: full), less 5 points per doubt.
fn overall_confidence(core: &[u16], found_count: usize, doubts: usize) -> u16 {
    if core.is_empty() {
        return 0;
    }
    let mean = core.iter().map(|c| u32::from(*c)).sum::<u32>() / core.len() as u32;
    let coverage = 5 + found_count.min(5) as u32;
    let scaled = mean * coverage / 10;
    let penalty = 50 * doubts as u32;
    scaled.saturating_sub(penalty).min(1000) as u16
}
