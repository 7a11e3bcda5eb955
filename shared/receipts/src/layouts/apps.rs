//! Phone screenshots: bank apps (label and value in columns, or stacked), wallets such as Yape
//! and Plin, and a bank app set to English.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use rand::Rng;

use super::{Case, Ctx, CurForm, Row};
use crate::lexicon;
use crate::sheet::{gap, key, n, t, text_of, Kind, Sheet};
use crate::values::{DateFmt, TimeFmt};
use crate::Field;

/// A phone screen's sheet and its base text height; sets the app's label style.
fn phone_sheet(c: &mut Ctx) -> (Sheet, f64) {
    c.case = match c.rng.random_range(0..10) {
        0 => Case::Upper,
        1 | 2 => Case::Title,
        3 => Case::Lower,
        _ => Case::Sentence,
    };
    c.accents = c.chance(0.8);
    c.colon = if c.chance(0.3) { ":" } else { "" };
    let sh = Sheet::new(c.uniform(0.05, 0.1), false, c.uniform(1.3, 1.9));
    (sh, c.uniform(0.042, 0.056))
}

/// The phone's status bar: the clock (a time that is not the payment's) and the battery.
fn status_bar(c: &mut Ctx, sh: &mut Sheet) {
    if c.chance(0.5) {
        let later = c.f.paid + chrono::TimeDelta::minutes(c.rng.random_range(1..180));
        let clock = later.format("%H:%M").to_string();
        let h = 0.036;
        sh.at(vec![n(clock)], sh.margin, h);
        let battery = format!(
            "{} {}%",
            c.pick(&["4G", "LTE", "5G", "Wi-Fi"]),
            c.rng.random_range(5..100)
        );
        let right = sh.right_edge();
        sh.right(vec![t(battery)], right, h);
        sh.line(h);
        sh.down(0.03);
    }
}

/// How a big amount shows its currency sign.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SignAt {
    /// In the same block: "S/ 799.00".
    Inline,
    /// Its own block, smaller, left of the figure.
    Beside,
    /// Its own block on the line above the figure.
    Above,
}

/// The amount printed big and alone, centred or at the left margin.
fn big_amount(c: &mut Ctx, sh: &mut Sheet, h: f64, sign_at: SignAt, centred: bool) {
    let sign = c.sign();
    let figure = c.amt.format(c.f.cents);
    let fig = vec![key(Field::Amount, Kind::Num, figure)];
    let sign_seg = key(Field::Currency, Kind::Sign, sign);
    match sign_at {
        SignAt::Inline => {
            let mut segs = vec![sign_seg, gap()];
            segs.extend(fig);
            if centred {
                sh.center(segs, h);
            } else {
                sh.at(segs, sh.margin, h);
            }
            sh.line(h);
        }
        SignAt::Beside => {
            let hs = h * c.uniform(0.45, 0.75);
            let hf = sh.fit(&fig, h, 0.7);
            let ws = sh.measure(sign, hs);
            let wf = sh.measure(&text_of(&fig), hf);
            let g = c.uniform(0.015, 0.05);
            let x = if centred {
                0.5 - (ws + g + wf) / 2.0
            } else {
                sh.margin
            };
            let y = sh.y;
            // The sign sits at the top of the figure (as apps draw it) or on its baseline.
            let ys = if c.chance(0.5) { y } else { y + hf - hs };
            sh.place(vec![sign_seg], x, ys, ws, hs);
            sh.place(fig, x + ws + g, y, wf, hf);
            sh.line(hf);
        }
        SignAt::Above => {
            let hs = h * c.uniform(0.4, 0.6);
            if centred {
                sh.center(vec![sign_seg], hs);
            } else {
                sh.at(vec![sign_seg], sh.margin, hs);
            }
            sh.down(hs * 1.2);
            if centred {
                sh.center(fig, h);
            } else {
                sh.at(fig, sh.margin, h);
            }
            sh.line(h);
        }
    }
}

fn random_sign_at(c: &mut Ctx, inline_p: f64) -> SignAt {
    if c.chance(inline_p) {
        SignAt::Inline
    } else if c.chance(0.7) {
        SignAt::Beside
    } else {
        SignAt::Above
    }
}

/// Distractor rows apps show.
fn app_extras(c: &mut Ctx, rows: &mut Vec<Row>, form: CurForm, p: f64) {
    let extras = [
        Ctx::account_row,
        Ctx::merchant_row,
        Ctx::payer_row,
        Ctx::reference_row,
        Ctx::service_row,
    ];
    for extra in extras {
        if c.chance(p) {
            let row = extra(c);
            rows.insert(c.rng.random_range(0..=rows.len()), row);
        }
    }
    if c.chance(p * 0.6) {
        let row = c.balance_row(form);
        rows.push(row);
    }
    if c.f.cents >= 100_000 && c.chance(p * 0.5) {
        let row = c.itf_row(form);
        rows.push(row);
    }
}

fn buttons(c: &mut Ctx, sh: &mut Sheet, h: f64) {
    sh.down(0.04);
    for label in [
        "Compartir",
        "Descargar constancia",
        "Ir al inicio",
        "Volver a pagos",
    ] {
        if c.chance(0.35) {
            sh.center(c.words(label), h);
            sh.line(h);
        }
    }
}

/// Bank app screenshot: label at the left, value right-aligned in its own block on the same row.
pub(super) fn bank_app_columns(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h) = phone_sheet(c);
    status_bar(c, &mut sh);
    let bank = c.pick(lexicon::BANKS);
    sh.center(vec![t(bank)], h * 1.2);
    sh.line(h * 1.2);
    let title = c.label(lexicon::TITLES_ES);
    sh.center(vec![t(title)], h * 1.3);
    sh.line(h * 1.3);
    let big_top = c.chance(0.4);
    if big_top {
        let sign_at = random_sign_at(c, 0.6);
        let hb = h * c.uniform(1.6, 2.4);
        big_amount(c, &mut sh, hb, sign_at, true);
    }
    sh.down(0.03);
    let form = c.cur_form();
    let date = c.es_date();
    let time = c.es_time();
    let mut rows = c.key_rows(lexicon::AMOUNT_ES, form, date, time);
    if big_top && c.chance(0.5) {
        rows.retain(|r| !r.value.iter().any(|s| s.field == Some(Field::Amount)));
    } else if matches!(form, CurForm::Bare) && c.chance(0.8) {
        let row = c.currency_row();
        rows.push(row);
    }
    app_extras(c, &mut rows, form, 0.4);
    if c.chance(0.6) {
        c.shuffle(&mut rows);
    }
    let hl = h * c.uniform(0.85, 1.0);
    let split_sign = c.chance(0.3);
    for row in rows {
        let is_amount = row.value.iter().any(|s| s.field == Some(Field::Amount));
        if split_sign && is_amount && matches!(form, CurForm::Before(..)) {
            // "S/" and "150.00" as two blocks: the sign left-aligned in the value column.
            let label = vec![t(format!("{}{}", row.label, c.colon))];
            let mut value = row.value;
            let figure = value.split_off(value.len() - 1);
            value.retain(|s| s.kind != Kind::Gap);
            let y = sh.y;
            sh.at(label, sh.margin, hl);
            let right = sh.right_edge();
            sh.right(figure, right, h);
            sh.at(value, c.uniform(0.5, 0.62), h);
            sh.y = y;
            sh.line(h.max(hl));
        } else {
            c.pair(&mut sh, row, hl, h);
        }
    }
    buttons(c, &mut sh, h);
    let min_aspect = c.uniform(1.9, 2.2);
    (sh, min_aspect)
}

/// Bank app screenshot: title, the amount big and alone, then small labels with values under them.
pub(super) fn bank_app_stacked(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h) = phone_sheet(c);
    status_bar(c, &mut sh);
    let title = c.label(lexicon::TITLES_ES);
    sh.center(vec![t(title)], h * 1.3);
    sh.line(h * 1.3);
    let sign_at = random_sign_at(c, 0.55);
    let hb = h * c.uniform(1.7, 2.6);
    let centred = c.chance(0.8);
    big_amount(c, &mut sh, hb, sign_at, centred);
    let sub = c.pick(&[
        "Pago de servicio",
        "PagoEfectivo",
        "Pago a PagoEfectivo",
        "Pagos y recargas",
    ]);
    sh.center(c.words(sub), h);
    sh.line(h);
    // The date under the amount without a label, sometimes.
    let date = c.es_date();
    let time = c.es_time();
    let loose_date = c.chance(0.35);
    if loose_date {
        let joiner = c.pick(&[" ", " - ", " | ", ", "]);
        let v = c.paid_value(date, Some(time), joiner);
        sh.center(v, h * 0.9);
        sh.line(h);
    }
    sh.down(0.03);
    let mut rows = Vec::new();
    c.push_code_rows(&mut rows, Some(0.9));
    if !loose_date {
        let time_at = c.time_at();
        rows.extend(c.paid_rows(date, time, time_at));
    }
    let form = CurForm::Before(c.sign(), true);
    app_extras(c, &mut rows, form, 0.4);
    c.shuffle(&mut rows);
    let hl = h * c.uniform(0.65, 0.85);
    let x = sh.margin + c.uniform(0.0, 0.05);
    let value_first = c.chance(0.15);
    for row in rows {
        c.stacked(&mut sh, row, x, hl, h, value_first);
        sh.down(h * 0.3);
    }
    buttons(c, &mut sh, h);
    let min_aspect = c.uniform(1.9, 2.2);
    (sh, min_aspect)
}

/// Yape/Plin-like wallet: the amount huge at the top, the currency sign often its own block,
/// values above their labels in some seeds. Wallets pay in soles.
pub(super) fn wallet(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h) = phone_sheet(c);
    status_bar(c, &mut sh);
    let app = c.pick(lexicon::WALLETS);
    let title = match app {
        "Yape" => c.pick(&["¡Yapeaste!", "Yapeo exitoso", "¡Pago exitoso!"]),
        "Plin" => c.pick(&["¡Pago exitoso!", "Plineaste", "Transferencia exitosa"]),
        _ => c.pick(&["¡Pago exitoso!", "Pagaste", "Operación exitosa"]),
    };
    sh.center(vec![t(c.style(title))], h * 1.2);
    sh.line(h * 1.4);
    let sign_at = random_sign_at(c, 0.3);
    let hb = h * c.uniform(2.2, 3.2);
    big_amount(c, &mut sh, hb, sign_at, true);
    let dest = c.pick(&[
        "PagoEfectivo",
        "PAGOEFECTIVO",
        "PagoEfectivo - Pago de servicios",
    ]);
    sh.center(vec![t(dest)], h * 1.1);
    sh.line(h * 1.1);
    let date = c.pick(&[
        DateFmt::EsShort,
        DateFmt::EsShort,
        DateFmt::DmySlash,
        DateFmt::EsLong,
    ]);
    let time = c.pick(&[TimeFmt::Es12, TimeFmt::Es12, TimeFmt::H24]);
    let loose_date = c.chance(0.6);
    if loose_date {
        let joiner = c.pick(&[" ", " - ", " | ", " · "]);
        let v = c.paid_value(date, Some(time), joiner);
        sh.center(v, h * 0.85);
        sh.line(h);
    }
    sh.down(0.04);
    let mut rows = Vec::new();
    if c.chance(0.96) {
        let v = c.cip_value();
        rows.push(c.row(
            &["Código CIP", "Código de pago", "CIP", "Cód. CIP", "Código"],
            v,
        ));
    }
    if c.chance(0.92) {
        let v = c.op_value();
        rows.push(c.row(
            &[
                "Nro. de operación",
                "N° de operación",
                "Número de operación",
                "Operación",
            ],
            v,
        ));
    }
    if !loose_date {
        let time_at = c.time_at();
        rows.extend(c.paid_rows(date, time, time_at));
    }
    if c.chance(0.5) {
        let code = c.f.other_digits(c.rng, 3, false);
        rows.push(c.row(&["Código de seguridad", "Cód. de seguridad"], vec![n(code)]));
    }
    if c.chance(0.4) {
        let masked = format!("*** *** {}", c.digits(3));
        rows.push(c.row(&["Celular", "Nro. de celular", "Desde"], vec![n(masked)]));
    }
    if c.chance(0.3) {
        let row = c.payer_row();
        rows.push(row);
    }
    c.shuffle(&mut rows);
    let value_first = c.chance(0.45);
    let columns = !value_first && c.chance(0.4);
    let hl = h * c.uniform(0.7, 0.9);
    for row in rows {
        if columns {
            c.pair(&mut sh, row, hl, h);
        } else {
            let x = sh.margin;
            c.stacked(&mut sh, row, x, hl, h, value_first);
            sh.down(h * 0.4);
        }
    }
    let min_aspect = c.uniform(1.9, 2.2);
    (sh, min_aspect)
}

/// Bank app set to English: English labels, months and times, sometimes "Currency: Soles".
pub(super) fn bank_app_english(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h) = phone_sheet(c);
    c.en = true;
    c.accents = true;
    if c.case == Case::Lower {
        c.case = Case::Sentence;
    }
    status_bar(c, &mut sh);
    let bank = c.pick(lexicon::BANKS);
    sh.center(vec![t(bank)], h * 1.2);
    sh.line(h * 1.2);
    let title = c.label(lexicon::TITLES_EN);
    sh.center(vec![t(title)], h * 1.3);
    sh.line(h * 1.5);
    let form = match c.rng.random_range(0..10) {
        0..5 => CurForm::Before(c.sign(), true),
        5 => CurForm::Before(if c.f.usd { "$" } else { "S/" }, false),
        6 | 7 => CurForm::After(c.currency_word()),
        _ => CurForm::Bare,
    };
    let date = c.pick(&[
        DateFmt::EnMdy,
        DateFmt::EnDmy,
        DateFmt::EnLong,
        DateFmt::EnMonthLong,
        DateFmt::DmySlash,
    ]);
    let time = c.pick(&[TimeFmt::En12, TimeFmt::En12, TimeFmt::H24, TimeFmt::H24Secs]);
    let mut rows = c.key_rows(lexicon::AMOUNT_EN, form, date, time);
    if matches!(form, CurForm::Bare) && c.chance(0.85) {
        let row = c.currency_row();
        rows.push(row);
    }
    app_extras(c, &mut rows, form, 0.35);
    c.shuffle(&mut rows);
    let stacked = c.chance(0.4);
    let hl = h * c.uniform(0.7, 1.0);
    for row in rows {
        if stacked {
            let x = sh.margin;
            c.stacked(&mut sh, row, x, hl, h, false);
            sh.down(h * 0.3);
        } else {
            c.pair(&mut sh, row, hl, h);
        }
    }
    sh.down(0.04);
    for label in ["Share", "Download receipt", "Back to home"] {
        if c.chance(0.35) {
            sh.center(vec![t(label)], h);
            sh.line(h);
        }
    }
    let min_aspect = c.uniform(1.9, 2.2);
    (sh, min_aspect)
}
