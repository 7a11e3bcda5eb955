//! From rows of text to docs/vouchers.md's fields: find the labels, pair each with its value (same
//! line, next block of the row, the line below or above; that is `pairing.rs`), then pick among the
//! candidates (here).

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::amounts::{self, AmountFound};
use super::dates::{self, DateFound, TimeFound};
use super::labels::Label;
use super::pairing::{build_rows, lone_amount, pair_labels, Found, Page, Value};
use super::{channel, permille_to_unit, Extraction, OcrLine, FIELD_THRESHOLD_PERMILLE};
use crate::money::Currency;
use crate::records::{FieldConfidence, UnreadFields, VoucherField, VoucherFields};

/// Lima keeps UTC−5 all year.
const LIMA_OFFSET: &str = "-05:00";

/// What a receipt prints after the service's name tells the currency (`PAGOEFECTIVO DOLARES`).
static SERVICE_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"PAGO\s*EFECTIVO\s*(SOLES|DOLARES|PEN|USD)").expect("static regex")
});

struct Picked<T> {
    value: T,
    /// The OCR's confidence in what was read, scaled by the evidence for the pick (per mille).
    confidence: u16,
}

// How much each kind of evidence keeps of the OCR's confidence, per mille.
/// A bare `Código`: a CIP only when nothing more specific says so.
const GENERIC_LABEL: u16 = 850;
/// The same label with different values: the first is taken, with doubt.
const CONFLICT: u16 = 700;
/// The amount derived as the total less the commission.
const DERIVED: u16 = 900;
/// An amount printed alone (bank apps print it big on top), with a currency sign or cents.
const LONE_AMOUNT: u16 = 900;
const LONE_BARE_AMOUNT: u16 = 800;
/// A `Total` with no `Importe` beside it: it may include a commission the receipt does not show.
const PLAIN_TOTAL: u16 = 850;
/// A date no label claims, with a time next to it, or alone.
const UNLABELLED_DATE_TIME: u16 = 850;
const UNLABELLED_DATE: u16 = 750;
/// A date read month/day because day/month was impossible.
const SWAPPED_DATE: u16 = 800;
/// The currency named by the voucher's service line or its signs rather than by the amount.
const SERVICE_CURRENCY_EVIDENCE: u16 = 900;
const MARKS_CURRENCY: u16 = 850;
const MIXED_MARKS_CURRENCY: u16 = 550;

/// `confidence × evidence`, both per mille.
fn scale(confidence: u16, evidence: u16) -> u16 {
    (u32::from(confidence) * u32::from(evidence) / 1000) as u16
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
                Value::Id(id) => Some((id, scale(f.confidence, f.evidence))),
                _ => None,
            })
            .collect();
        if let Some((id, confidence)) = ids.first() {
            let mut evidence = if *label == Label::CipGeneric {
                GENERIC_LABEL
            } else {
                1000
            };
            if distinct_count(ids.iter().map(|i| i.0)) > 1 {
                warnings.push(format!("several different {what}s read; took the first"));
                evidence = scale(evidence, CONFLICT);
            }
            return Some(Picked {
                value: (*id).clone(),
                confidence: scale(*confidence, evidence),
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
        let mut evidence = f.evidence;
        if distinct_count(primary.iter().map(|p| p.0.value)) > 1 {
            warnings.push("several different amounts read; took the first".to_string());
            evidence = scale(evidence, CONFLICT);
        }
        let currency = amount.currency.or(f.label_currency);
        return Some((
            Picked {
                value: amount.value,
                confidence: scale(f.confidence, evidence),
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
                    confidence: scale(
                        tf.confidence.min(cf.confidence),
                        scale(tf.evidence.min(cf.evidence), DERIVED),
                    ),
                },
                total.currency.or(tf.label_currency),
            ));
        }
    }
    if let Some((amount, confidence)) = lone_amount(page) {
        let evidence = if amount.currency.is_some() {
            LONE_AMOUNT
        } else {
            LONE_BARE_AMOUNT
        };
        return Some((
            Picked {
                value: amount.value,
                confidence: scale(confidence, evidence),
            },
            amount.currency,
        ));
    }
    totals.first().map(|(total, tf)| {
        (
            Picked {
                value: total.value,
                confidence: scale(tf.confidence, scale(tf.evidence, PLAIN_TOTAL)),
            },
            total.currency.or(tf.label_currency),
        )
    })
}

/// The currency the voucher states when the amount carries none: `Moneda:`, the service's name,
/// then the signs printed anywhere (the most frequent).
fn document_currency(found: &[Found], page: &Page) -> Option<Picked<Currency>> {
    let stated = found.iter().find_map(|f| match (f.label, &f.value) {
        (Label::Currency, Value::Currency(c)) => Some(Picked {
            value: *c,
            confidence: scale(f.confidence, f.evidence),
        }),
        _ => None,
    });
    if stated.is_some() {
        return stated;
    }
    let service = page.rows.iter().find_map(|row| {
        SERVICE_CURRENCY
            .captures(&row.folded)
            .and_then(|c| c.get(1))
            .map(|m| Picked {
                value: match m.as_str() {
                    "SOLES" | "PEN" => Currency::Pen,
                    _ => Currency::Usd,
                },
                confidence: scale(
                    row.cells[row.cell_of(m.start())].confidence,
                    SERVICE_CURRENCY_EVIDENCE,
                ),
            })
    });
    if service.is_some() {
        return service;
    }
    let marks: Vec<(Currency, u16)> = page
        .rows
        .iter()
        .flat_map(|row| {
            amounts::currency_marks(&row.cleaned)
                .into_iter()
                .map(|m| (m.currency, row.cells[row.cell_of(m.start)].confidence))
        })
        .collect();
    let pen = marks.iter().filter(|c| c.0 == Currency::Pen).count();
    let usd = marks.len() - pen;
    let evidence = if pen == 0 || usd == 0 {
        MARKS_CURRENCY
    } else {
        MIXED_MARKS_CURRENCY
    };
    let pick = |currency: Currency| {
        let ocr = marks
            .iter()
            .filter(|m| m.0 == currency)
            .map(|m| m.1)
            .max()
            .unwrap_or_default();
        Picked {
            value: currency,
            confidence: scale(ocr, evidence),
        }
    };
    match pen.cmp(&usd) {
        std::cmp::Ordering::Greater => Some(pick(Currency::Pen)),
        std::cmp::Ordering::Less => Some(pick(Currency::Usd)),
        std::cmp::Ordering::Equal => marks.first().map(|m| pick(m.0)),
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
            Value::Date(d, t) => Some((d, t, f.row, scale(f.confidence, f.evidence))),
            _ => None,
        })
        .collect();
    let mut evidence = 1000;
    if distinct_count(labelled.iter().map(|l| l.0.date)) > 1 {
        warnings.push("several different payment dates read; took the first".to_string());
        evidence = CONFLICT;
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
                    let evidence = if time.is_some() {
                        UNLABELLED_DATE_TIME
                    } else {
                        UNLABELLED_DATE
                    };
                    let ocr = row.cells[row.cell_of(d.start)].confidence;
                    unlabelled.push((d, time, r, scale(ocr, evidence)));
                }
            }
            let chosen = unlabelled
                .iter()
                .find(|u| u.1.is_some())
                .or_else(|| unlabelled.first())
                .copied()?;
            if distinct_count(unlabelled.iter().map(|u| u.0.date)) > 1 {
                warnings.push("several dates without a label; took one with a time".to_string());
                evidence = CONFLICT;
            }
            chosen
        }
    };
    if date.swapped {
        warnings.push("date read as month/day".to_string());
        evidence = scale(evidence, SWAPPED_DATE);
    }
    let confidence = scale(confidence, evidence);
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
    // An amount too doubtful to keep does not vouch for its sign: the document's evidence does.
    let currency = match &amount {
        Some((a, Some(own))) if a.confidence >= FIELD_THRESHOLD_PERMILLE => {
            if let Some(other) = stated_currency.as_ref().filter(|c| c.value != *own) {
                warnings.push(format!(
                    "amount is in {own} but the voucher also names {}",
                    other.value
                ));
            }
            Some(Picked {
                value: *own,
                confidence: a.confidence,
            })
        }
        _ => stated_currency,
    };

    let doubts = warnings.len();
    let mut kept = Kept::default();
    let cip = kept.take(VoucherField::Cip, cip, |v| v.clone());
    let operation = kept.take(VoucherField::OperationNumber, operation, |v| v.clone());
    let amount = kept.take(VoucherField::Amount, amount.map(|(p, _)| p), |v| {
        v.to_string()
    });
    let currency = kept.take(VoucherField::Currency, currency, |c| c.code().to_string());
    let paid_at = kept.take(VoucherField::PaidAt, paid_at, |v| v.clone());
    let confidence_permille = overall_confidence(&kept.confident, doubts);

    let fields = VoucherFields {
        cip,
        operation_number: operation,
        amount: amount.map(|a| a.to_string()),
        currency,
        paid_at,
        payer_name: pick_payer(&found),
        channel: pick_channel(&page),
    };
    Extraction {
        fields,
        confidence_permille,
        field_confidence: kept.confidence,
        unread: kept.unread,
        warnings,
    }
}

/// The key fields as they are kept: a pick above the threshold keeps its value, one under it
/// keeps only its confidence and the reason it was left out.
#[derive(Default)]
struct Kept {
    confidence: FieldConfidence,
    unread: UnreadFields,
    /// The confidences of the fields kept.
    confident: Vec<u16>,
}

impl Kept {
    fn take<T>(
        &mut self,
        field: VoucherField,
        picked: Option<Picked<T>>,
        shown: impl Fn(&T) -> String,
    ) -> Option<T> {
        let Some(p) = picked else {
            self.unread.insert(field, "not found".to_string());
            return None;
        };
        self.confidence.set(field, Some(p.confidence));
        if p.confidence < FIELD_THRESHOLD_PERMILLE {
            self.unread.insert(
                field,
                format!(
                    "read {} with confidence {}, under {}",
                    shown(&p.value),
                    permille_to_unit(p.confidence),
                    permille_to_unit(FIELD_THRESHOLD_PERMILLE)
                ),
            );
            return None;
        }
        self.confident.push(p.confidence);
        Some(p.value)
    }
}

/// The mean confidence of the key fields kept, scaled by how many of the five were kept (all five:
/// full), less 5 points per doubt.
fn overall_confidence(kept: &[u16], doubts: usize) -> u16 {
    if kept.is_empty() {
        return 0;
    }
    let mean = kept.iter().map(|c| u32::from(*c)).sum::<u32>() / kept.len() as u32;
    let coverage = 5 + kept.len().min(5) as u32;
    let scaled = mean * coverage / 10;
    let penalty = 50 * doubts as u32;
    scaled.saturating_sub(penalty).min(1000) as u16
}
