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
use super::{channel, Extraction, OcrLine};
use crate::money::Currency;
use crate::records::VoucherFields;

/// Lima keeps UTC−5 all year.
const LIMA_OFFSET: &str = "-05:00";

/// What a receipt prints after the service's name tells the currency (`PAGOEFECTIVO DOLARES`).
static SERVICE_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"PAGO\s*EFECTIVO\s*(SOLES|DOLARES|PEN|USD)").expect("static regex")
});

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
