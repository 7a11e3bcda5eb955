//! Desktop pages: a web banking confirmation (a two-column table) and the e-mail receipt of a
//! PagoEfectivo payment (paragraphs mixed with fields).

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use rand::Rng;

use super::{Case, Ctx, CurForm, Row, TimeAt};
use crate::lexicon;
use crate::sheet::{key, n, t, text_of, Kind, Seg, Sheet};
use crate::values::{DateFmt, TimeFmt};
use crate::Field;

/// Lays `segs` out as a paragraph from `x`, wrapping words at the right margin; key values and
/// numbers are never split.
fn paragraph(sh: &mut Sheet, segs: Vec<Seg>, x: f64, h: f64) {
    let mut tokens: Vec<Seg> = Vec::new();
    for s in segs {
        if s.kind == Kind::Text && s.field.is_none() {
            for (i, word) in s.text.split(' ').enumerate() {
                if i > 0 {
                    tokens.push(t(" "));
                }
                if !word.is_empty() {
                    tokens.push(t(word));
                }
            }
        } else {
            tokens.push(s);
        }
    }
    let room = sh.right_edge() - x;
    let mut line: Vec<Seg> = Vec::new();
    for tok in tokens {
        let mut candidate = text_of(&line);
        candidate.push_str(&tok.text);
        let punctuation = tok.text.starts_with(['.', ',', ';', ':']);
        if sh.measure(candidate.trim_end(), h) > room && !line.is_empty() && !punctuation {
            flush(sh, &mut line, x, h);
            if tok.text == " " {
                continue;
            }
        }
        line.push(tok);
    }
    flush(sh, &mut line, x, h);
}

fn flush(sh: &mut Sheet, line: &mut Vec<Seg>, x: f64, h: f64) {
    while line.last().is_some_and(|s| s.text == " ") {
        line.pop();
    }
    if !line.is_empty() {
        sh.at(std::mem::take(line), x, h);
        sh.line(h);
    }
}

/// A two-column table row: label at `xl`, value left-aligned at `xv`, as two blocks.
fn table_row(c: &Ctx, sh: &mut Sheet, row: Row, xl: f64, xv: f64, h: f64) {
    let y = sh.y;
    let label = vec![t(format!("{}{}", row.label, c.colon))];
    let hl = sh.fit(&label, h, xv - xl - 0.02);
    sh.at(label, xl, hl);
    sh.y = y;
    if sh.fit(&row.value, h, sh.right_edge() - xv) < h * 0.9 {
        // Too long for the value column (a long date): the value wraps under its label.
        sh.line(h);
        sh.at(row.value, xl + 0.03, h);
    } else {
        sh.at(row.value, xv, h);
    }
    sh.line(h);
}

/// Desktop web banking confirmation: a two-column table, long Spanish dates, account numbers,
/// masked cards, balance and ITF.
pub(super) fn web_banking(c: &mut Ctx) -> (Sheet, f64) {
    c.case = if c.chance(0.8) {
        Case::Sentence
    } else {
        Case::Title
    };
    c.accents = c.chance(0.85);
    c.colon = if c.chance(0.5) { ":" } else { "" };
    let mut sh = Sheet::new(c.uniform(0.04, 0.1), false, c.uniform(1.5, 2.1));
    let h = c.uniform(0.027, 0.033);
    let bank = c.pick(lexicon::BANKS);
    sh.at(
        vec![t(format!("{bank} | Banca por Internet"))],
        sh.margin,
        h * 1.3,
    );
    if c.chance(0.6) {
        let name = c.pick(lexicon::PAYERS);
        let right = sh.right_edge();
        sh.right(vec![t(format!("Hola, {name}"))], right, h * 0.9);
    }
    sh.line(h * 1.3);
    if c.chance(0.6) {
        sh.at(
            c.words("Inicio   Cuentas   Pagos y servicios   Transferencias   Tarjetas"),
            sh.margin,
            h * 0.9,
        );
        sh.line(h);
    }
    sh.down(h);
    let title = c.label(&[
        "Constancia de operación",
        "Pago de servicios - Confirmación",
        "Operación realizada con éxito",
        "Pago realizado",
    ]);
    sh.at(vec![t(title)], sh.margin + 0.05, h * 1.5);
    sh.line(h * 1.5);
    sh.down(h * 0.5);
    let form = match c.cur_form() {
        CurForm::Bare => CurForm::Before(c.sign(), true),
        f => f,
    };
    let long = c.chance(0.4);
    let mut rows = Vec::new();
    c.push_code_rows(&mut rows, Some(0.92));
    let v = c.money(c.f.cents, form, true);
    rows.push(c.row(lexicon::AMOUNT_ES, v));
    if long {
        // "lunes, 2 de noviembre de 2026 a las 3:42 p. m."
        let with_time = c.chance(0.85);
        let time = with_time.then_some(TimeFmt::Es12);
        let v = c.paid_value(DateFmt::EsWeekday, time, " a las ");
        rows.push(c.row(lexicon::DATE_ES, v));
    } else {
        let date = c.pick(&[
            DateFmt::DmySlash,
            DateFmt::DmySlash,
            DateFmt::DmyDash,
            DateFmt::EsLong,
        ]);
        let time = c.pick(&[TimeFmt::H24Secs, TimeFmt::H24, TimeFmt::Es12]);
        let time_at = c.pick(&[
            TimeAt::Joined(" "),
            TimeAt::Joined(" - "),
            TimeAt::OwnRow,
            TimeAt::Absent,
        ]);
        rows.extend(c.paid_rows(date, time, time_at));
    }
    rows.push(c.account_row());
    c.scatter_extras(
        &mut rows,
        &[
            Ctx::card_row,
            Ctx::service_row,
            Ctx::payer_row,
            Ctx::merchant_row,
        ],
    );
    if c.chance(0.6) {
        let row = c.itf_row(form);
        rows.push(row);
    }
    if c.chance(0.6) {
        let row = c.balance_row(form);
        rows.push(row);
    }
    let xl = sh.margin + c.uniform(0.03, 0.12);
    let xv = c.uniform(0.42, 0.52);
    for row in rows {
        table_row(c, &mut sh, row, xl, xv, h);
    }
    sh.down(h);
    let note = c.style(
        "Esta constancia es válida como comprobante de la operación realizada. \
         Para consultas llame a nuestra Banca Telefónica.",
    );
    let x = sh.margin;
    paragraph(&mut sh, vec![t(note)], x, h * 0.9);
    let min_aspect = c.uniform(0.56, 0.8);
    (sh, min_aspect)
}

/// E-mail receipt of a PagoEfectivo payment: paragraphs of text mixed with fields, the code's
/// due date printed before the payment date, the shop's order number, "Moneda: Dólares".
pub(super) fn email_confirmation(c: &mut Ctx) -> (Sheet, f64) {
    c.case = Case::Sentence;
    c.accents = c.chance(0.85);
    c.colon = ":";
    let mut sh = Sheet::new(c.uniform(0.05, 0.1), false, c.uniform(1.4, 1.9));
    let h = c.uniform(0.03, 0.038);
    let order_len = c.pick(&[4usize, 4, 5, 6]);
    let order = c.digits(order_len);
    let merchant = c.pick(lexicon::MERCHANTS);
    let payer = c.pick(lexicon::PAYERS);
    let first_name = payer.split(' ').next().unwrap_or(payer);
    sh.at(
        c.words("De: PagoEfectivo <notificaciones@pagoefectivo.pe>"),
        sh.margin,
        h * 0.85,
    );
    sh.line(h);
    let subject = c.pick(&[
        "Confirmación de pago",
        "Tu pago fue realizado",
        "Pago recibido",
    ]);
    sh.at(
        vec![
            t(c.style(&format!("Asunto: {subject} - Pedido #"))),
            n(order.clone()),
        ],
        sh.margin,
        h * 0.85,
    );
    sh.line(h);
    if c.chance(0.5) {
        let sent = c.f.paid + chrono::TimeDelta::minutes(c.rng.random_range(1..30));
        sh.at(
            vec![t("Enviado: "), n(sent.format("%d/%m/%Y %H:%M").to_string())],
            sh.margin,
            h * 0.85,
        );
        sh.line(h);
    }
    sh.down(h);
    let title = c.pick(&[
        "¡Gracias por tu pago!",
        "Pago confirmado",
        "Constancia de pago",
        "¡Tu pago se realizó con éxito!",
    ]);
    sh.center(vec![t(c.style(title))], h * 1.5);
    sh.line(h * 1.6);
    let x = sh.margin;
    paragraph(&mut sh, vec![t(format!("Hola {first_name},"))], x, h);
    let cip_in_prose = c.chance(0.4);
    let mut intro = vec![t(c.style(&format!(
        "Te confirmamos que el pago de tu pedido #{order} en {merchant} se realizó con éxito"
    )))];
    if cip_in_prose {
        intro.push(t(c.style(" con el código CIP ")));
        intro.extend(c.cip_value());
    }
    intro.push(t(". "));
    intro.push(t(c.style("A continuación el detalle de la operación.")));
    let x = sh.margin;
    paragraph(&mut sh, intro, x, h);
    sh.down(h * 0.5);
    let usd = c.f.usd;
    let form = if usd {
        match c.rng.random_range(0..3) {
            0 => CurForm::Before("$", true),
            1 => CurForm::Before("US$", true),
            _ => CurForm::Bare,
        }
    } else {
        c.cur_form()
    };
    let mut rows = Vec::new();
    if !cip_in_prose || c.chance(0.5) {
        let v = c.cip_value();
        rows.push(c.row(&["Código CIP", "CIP", "Código de pago", "Nro. CIP"], v));
    }
    let order_label = c.label(&["Pedido", "Nro. de pedido", "Orden"]);
    rows.push(Row {
        label: order_label,
        value: vec![n(format!("#{order}"))],
    });
    rows.push(c.row(&["Comercio", "Tienda", "Empresa"], vec![t(merchant)]));
    if c.chance(0.85) || usd {
        let word = if usd {
            c.pick(&["Dólares", "Dólares americanos", "USD"])
        } else {
            c.pick(&["Soles", "PEN"])
        };
        let word = c.style(word);
        rows.push(c.row(
            &["Moneda", "Moneda"],
            vec![key(Field::Currency, Kind::Text, word)],
        ));
    }
    let v = c.money(c.f.cents, form, true);
    rows.push(c.row(
        &["Monto", "Monto pagado", "Importe", "Total pagado", "Total"],
        v,
    ));
    let date = c.pick(&[
        DateFmt::DmySlash,
        DateFmt::EsLong,
        DateFmt::DmyDash,
        DateFmt::Iso,
        DateFmt::EsShort,
    ]);
    let time = c.pick(&[TimeFmt::H24, TimeFmt::H24Secs, TimeFmt::Es12]);
    // The code's issue and due dates come first, then the payment's.
    if c.chance(0.5) {
        rows.push(c.issue_row(date, Some(time)));
    }
    if c.chance(0.8) {
        rows.push(c.due_row(date, Some(TimeFmt::H24)));
    }
    if c.chance(0.93) {
        let time_at = if c.chance(0.85) {
            TimeAt::Joined(" ")
        } else {
            TimeAt::Absent
        };
        let v = c.paid_rows(date, time, time_at);
        rows.extend(v);
    }
    if c.chance(0.8) {
        let v = c.op_value();
        rows.push(c.row(
            &[
                "Nro. de operación",
                "Número de operación",
                "Código de operación",
                "Nro. de transacción",
            ],
            v,
        ));
    }
    if c.chance(0.5) {
        let channel = c.pick(&[
            "Agente BCP",
            "Banca móvil BBVA",
            "Yape",
            "Interbank",
            "Kasnet",
        ]);
        rows.push(c.row(&["Canal", "Medio de pago"], vec![t(channel)]));
    }
    let stacked = c.chance(0.3);
    let h2 = h * 0.95;
    for row in rows {
        if stacked {
            let x = sh.margin;
            c.stacked(&mut sh, row, x, h * 0.8, h2, false);
        } else {
            let mut segs = vec![t(format!("{}{} ", row.label, c.colon))];
            segs.extend(row.value);
            sh.at(segs, sh.margin, h2);
            sh.line(h2);
        }
    }
    sh.down(h);
    let footer = c.style(
        "Gracias por usar PagoEfectivo. Este es un correo automático, por favor no lo respondas. \
         Si tienes consultas escríbenos a ayuda@pagoefectivo.pe",
    );
    let x = sh.margin;
    paragraph(&mut sh, vec![t(footer)], x, h * 0.8);
    let min_aspect = c.uniform(1.1, 1.5);
    (sh, min_aspect)
}
