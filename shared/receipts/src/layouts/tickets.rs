//! Printed tickets, in a monospace font and capitals: an agent's thermal ticket (with or without
//! commission), an ATM slip, a bank teller's dot-matrix voucher and a shop's POS slip.

// Geometry is floats: coordinates are page fractions, not money.
#![allow(clippy::float_arithmetic)]

use rand::Rng;

use super::{Case, Ctx, CurForm, Row, TimeAt};
use crate::lexicon;
use crate::sheet::{gap, key, n, t, Kind, Seg, Sheet};
use crate::values::{DateFmt, TimeFmt};
use crate::Field;

/// The text height at which `cols` monospace characters fill the space between the margins.
fn mono_height(cols: usize, margin: f64) -> f64 {
    (1.0 - 2.0 * margin) / (cols as f64 * 0.602 * 2048.0 / 2384.0)
}

/// A ticket's sheet, its text height and its width in characters.
fn ticket_sheet(c: &mut Ctx) -> (Sheet, f64, usize) {
    c.case = Case::Upper;
    c.accents = c.chance(0.2);
    c.colon = if c.chance(0.85) { ":" } else { "" };
    let cols = c.rng.random_range(30..=42);
    let margin = c.uniform(0.03, 0.08);
    let lead = c.uniform(1.2, 1.7);
    (
        Sheet::new(margin, true, lead),
        mono_height(cols, margin),
        cols,
    )
}

/// A rule of dashes or equals signs across the ticket, sometimes.
fn rule(c: &mut Ctx, sh: &mut Sheet, h: f64, cols: usize) {
    if c.chance(0.55) {
        let ch = c.pick(&['-', '=', '*', '-']);
        sh.at(vec![t(ch.to_string().repeat(cols))], sh.margin, h);
        sh.line(h);
    }
}

/// The currency of a bare amount: a "MONEDA" row most of the time.
fn bare_currency(c: &mut Ctx, rows: &mut Vec<Row>, form: CurForm) {
    if matches!(form, CurForm::Bare) && c.chance(0.75) {
        let row = c.currency_row();
        rows.insert(c.rng.random_range(0..=rows.len()), row);
    }
}

/// Padding that aligns the colons of `rows`, sometimes.
fn padding(c: &mut Ctx, rows: &[Row]) -> Option<(usize, char)> {
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    match c.rng.random_range(0..3) {
        0 => Some((width, ' ')),
        1 => Some((width, '.')),
        _ => None,
    }
}

/// A ticket's date format (capitals; tickets favour numeric dates).
fn ticket_date(c: &mut Ctx) -> DateFmt {
    c.pick(&[
        DateFmt::DmySlash,
        DateFmt::DmySlash,
        DateFmt::DmySlashShort,
        DateFmt::DmyDash,
        DateFmt::DmyDot,
        DateFmt::YmdSlash,
        DateFmt::EsShort,
    ])
}

/// The header of an agent's ticket: agent, shop, address, RUC.
fn agent_header(c: &mut Ctx, sh: &mut Sheet, h: f64, cols: usize) {
    let agent = c.pick(lexicon::AGENTS);
    let big = h * c.uniform(1.0, 1.5);
    sh.center(vec![t(agent)], big);
    sh.line(big);
    if c.chance(0.8) {
        let shop = c.pick(lexicon::SHOPS);
        sh.center(vec![t(c.style(shop))], h);
        sh.line(h);
    }
    if c.chance(0.5) {
        let district = c.pick(lexicon::DISTRICTS);
        let street = c.rng.random_range(100..3000);
        sh.center(
            vec![t(format!("AV. LOS PROCERES {street} - {district}"))],
            h,
        );
        sh.line(h);
    }
    if c.chance(0.65) {
        let row = c.ruc_row();
        c.inline(sh, row, h, None);
    }
    rule(c, sh, h, cols);
    let title = c.pick(&[
        "PAGO DE SERVICIOS",
        "PAGOEFECTIVO",
        "PAGO PAGOEFECTIVO",
        "RECAUDACION",
    ]);
    sh.center(vec![t(title)], h);
    sh.line(h);
}

fn footer(c: &mut Ctx, sh: &mut Sheet, h: f64, cols: usize) {
    rule(c, sh, h, cols);
    let lines = [
        "CONSERVE SU VOUCHER",
        "GRACIAS POR SU PREFERENCIA",
        "VALIDO COMO CONSTANCIA DE PAGO",
        "CONSULTAS: (01) 311-9898",
    ];
    for line in lines {
        if c.chance(0.4) {
            sh.center(vec![t(c.style(line))], h);
            sh.line(h);
        }
    }
}

/// Agent's thermal ticket: `LABEL: value` rows in capitals, RUC, terminal and agent code.
pub(super) fn agent_ticket(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h, cols) = ticket_sheet(c);
    agent_header(c, &mut sh, h, cols);
    let form = c.cur_form();
    let date = ticket_date(c);
    let time = c.pick(&[
        TimeFmt::H24,
        TimeFmt::H24Secs,
        TimeFmt::H24Secs,
        TimeFmt::Es12,
    ]);
    let mut rows = c.key_rows(lexicon::AMOUNT_ES, form, date, time);
    bare_currency(c, &mut rows, form);
    c.scatter_extras(
        &mut rows,
        &[
            Ctx::terminal_row,
            Ctx::agent_code_row,
            Ctx::sequence_row,
            Ctx::dni_row,
            Ctx::service_row,
            Ctx::phone_row,
        ],
    );
    let pad = padding(c, &rows);
    for row in rows {
        c.inline(&mut sh, row, h, pad);
    }
    footer(c, &mut sh, h, cols);
    (sh, 1.0)
}

/// Agent's ticket with IMPORTE, COMISION and a TOTAL that includes the commission.
pub(super) fn agent_commission(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h, cols) = ticket_sheet(c);
    agent_header(c, &mut sh, h, cols);
    let columns = c.chance(0.45);
    let mut rows = Vec::new();
    c.push_code_rows(&mut rows, Some(0.9));
    let date = ticket_date(c);
    let time = c.pick(&[TimeFmt::H24, TimeFmt::H24Secs, TimeFmt::Es12]);
    let time_at = if c.chance(0.7) {
        TimeAt::Joined(" ")
    } else {
        TimeAt::OwnRow
    };
    rows.extend(c.paid_rows(date, time, time_at));
    if c.chance(0.5) {
        let row = c.terminal_row();
        rows.push(row);
    }
    c.shuffle(&mut rows);
    let pad = padding(c, &rows);
    for row in rows {
        c.inline(&mut sh, row, h, pad);
    }
    rule(c, &mut sh, h, cols);
    let form = match c.cur_form() {
        CurForm::Bare => CurForm::Before(c.sign(), true),
        f => f,
    };
    let commission = c.rng.random_range(1..=10) * 50;
    let money = [
        (c.label(lexicon::AMOUNT_NET_ES), c.f.cents, true),
        (
            c.label(&["Comisión", "Comision agente", "Com.", "Cargo"]),
            commission,
            false,
        ),
        (
            c.label(&["Total", "Total pagado", "Total cobrado", "Total a pagar"]),
            c.f.cents + commission,
            false,
        ),
    ];
    for (label, cents, is_key) in money {
        let value = c.money(cents, form, is_key);
        let row = Row { label, value };
        if columns {
            c.pair(&mut sh, row, h, h);
        } else {
            c.inline(&mut sh, row, h, pad);
        }
    }
    footer(c, &mut sh, h, cols);
    (sh, 1.0)
}

/// ATM slip: a header table (FECHA HORA CAJERO [OPER]) with values in the row below, then rows.
pub(super) fn atm_slip(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h, cols) = ticket_sheet(c);
    let bank = c.pick(lexicon::BANKS).to_uppercase();
    sh.center(vec![t(bank)], h * 1.3);
    sh.line(h * 1.3);
    sh.center(vec![t(c.pick(&["CAJERO AUTOMATICO", "ATM", "CAJERO"]))], h);
    sh.line(h);
    rule(c, &mut sh, h, cols);
    let date = c.pick(&[DateFmt::DmySlashShort, DateFmt::DmySlash, DateFmt::DmyDot]);
    let time = c.pick(&[TimeFmt::H24, TimeFmt::H24Secs]);
    let mut table: Vec<(&str, Vec<Seg>)> = vec![
        ("FECHA", c.paid_value(date, None, "")),
        ("HORA", vec![c.time_seg(time)]),
        (c.pick(&["CAJERO", "ATM", "TERM"]), vec![n(c.digits(4))]),
    ];
    let op_in_table = c.chance(0.5);
    if op_in_table {
        table.push((c.pick(&["NRO.OPER", "OPERACION", "NRO OP"]), c.op_value()));
    }
    let width = (1.0 - 2.0 * sh.margin) / table.len() as f64;
    let y = sh.y;
    for (i, (label, value)) in table.into_iter().enumerate() {
        let x = sh.margin + width * i as f64;
        let lh = sh.fit(&[t(label)], h, width * 0.95);
        sh.y = y;
        sh.at(vec![t(label)], x, lh);
        sh.y = y + h * sh.lead;
        let vh = sh.fit(&value, h, width * 0.95);
        sh.at(value, x, vh);
    }
    sh.y = y + 2.0 * h * sh.lead;
    rule(c, &mut sh, h, cols);
    sh.at(
        vec![t(c.pick(&[
            "PAGO DE SERVICIOS",
            "PAGO PAGOEFECTIVO",
            "PAGOS",
        ]))],
        sh.margin,
        h,
    );
    sh.line(h);
    let mut rows = vec![c.service_row()];
    c.push_code_rows(&mut rows, (!op_in_table).then_some(0.85));
    let form = c.cur_form();
    let v = c.money(c.f.cents, form, true);
    rows.push(c.row(lexicon::AMOUNT_ES, v));
    bare_currency(c, &mut rows, form);
    if c.chance(0.6) {
        rows.push(c.card_row());
    }
    if c.chance(0.5) {
        rows.push(c.balance_row(form));
    }
    let pad = padding(c, &rows);
    for row in rows {
        c.inline(&mut sh, row, h, pad);
    }
    footer(c, &mut sh, h, cols);
    (sh, 1.0)
}

/// Bank teller's voucher: a first line crowded with several fields (date, time, office, teller,
/// operation), then the service, code and amount, cash tendered and change.
pub(super) fn bank_teller(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h, cols) = ticket_sheet(c);
    let bank = c.pick(lexicon::BANKS).to_uppercase();
    sh.at(vec![t(bank)], sh.margin, h * 1.2);
    sh.line(h * 1.2);
    let date = c.pick(&[DateFmt::DmySlash, DateFmt::DmySlashShort, DateFmt::DmyDash]);
    let time = c.pick(&[TimeFmt::H24, TimeFmt::H24Secs]);
    let mut first = c.paid_value(date, Some(time), " ");
    first.push(t(format!(" OF.{}", c.digits(4))));
    first.push(t(format!(" CAJ.{}", c.rng.random_range(1..40))));
    let op_first = c.chance(0.7);
    if op_first {
        first.push(t(format!(
            " {}",
            c.pick(&["OP:", "OPER.", "NRO.OP:", "SEC:"])
        )));
        first.extend(c.op_value());
    }
    sh.at(first, sh.margin, h);
    sh.line(h);
    rule(c, &mut sh, h, cols);
    sh.at(
        vec![t(c.pick(&[
            "PAGO DE SERVICIOS",
            "RECAUDACION",
            "PAGO A TERCEROS",
        ]))],
        sh.margin,
        h,
    );
    sh.line(h);
    let mut rows = vec![c.service_row()];
    c.push_code_rows(&mut rows, (!op_first).then_some(0.8));
    if c.chance(0.5) {
        rows.push(c.payer_row());
    }
    let form = match c.cur_form() {
        CurForm::After(_) => CurForm::Before(c.sign(), true),
        f => f,
    };
    let v = c.money(c.f.cents, form, true);
    rows.push(c.row(lexicon::AMOUNT_ES, v));
    bare_currency(c, &mut rows, form);
    if c.f.cents < 500_000 && c.chance(0.6) {
        let step = c.pick(&[1000, 5000, 10_000]);
        let tendered = (c.f.cents / step + 1) * step;
        let v = c.money(tendered, form, false);
        rows.push(c.row(&["Efectivo", "Recibido", "Pago con"], v));
        let v = c.money(tendered - c.f.cents, form, false);
        rows.push(c.row(&["Vuelto", "Cambio"], v));
    }
    let pad = padding(c, &rows);
    for row in rows {
        c.inline(&mut sh, row, h, pad);
    }
    footer(c, &mut sh, h, cols);
    (sh, 1.0)
}

/// Supermarket, pharmacy or convenience store POS slip where PagoEfectivo is one service line
/// ("PAGOEFECTIVO SOLES   150.00") and the amount is bare.
pub(super) fn store_pos(c: &mut Ctx) -> (Sheet, f64) {
    let (mut sh, h, cols) = ticket_sheet(c);
    let store = c.pick(lexicon::STORES);
    sh.center(vec![t(store)], h * 1.5);
    sh.line(h * 1.5);
    let ruc = c.ruc_row();
    sh.center(vec![t("RUC "), n(super::value_text(&ruc))], h);
    sh.line(h);
    let district = c.pick(lexicon::DISTRICTS);
    sh.center(
        vec![t(format!(
            "TDA {} - {district}",
            c.rng.random_range(100..999)
        ))],
        h,
    );
    sh.line(h);
    let mut head: Vec<Vec<Seg>> = vec![
        vec![
            t(c.label(&["Caja", "Caja Nro.", "POS"]) + ": "),
            n(format!("{:02}", c.rng.random_range(1..20))),
        ],
        vec![
            t(c.label(&["Cajero", "Cajera", "Vendedor"]) + ": "),
            n(c.digits(5)),
        ],
        vec![
            t(c.label(&["Ticket", "Nro. ticket", "Boleta"]) + ": "),
            n(format!("B{}-{}", c.digits(3), c.digits(8))),
        ],
    ];
    let date = c.pick(&[
        DateFmt::DmyDot,
        DateFmt::YmdSlash,
        DateFmt::DmySlash,
        DateFmt::DmyDash,
    ]);
    let time = c.pick(&[TimeFmt::H24, TimeFmt::H24Secs, TimeFmt::Es12]);
    let with_time = c.chance(0.9);
    let mut date_line = vec![t(c.label(&["Fecha", "Fecha/Hora", "Fec."]) + ": ")];
    date_line.extend(c.paid_value(date, with_time.then_some(time), "  "));
    head.insert(c.rng.random_range(0..=head.len()), date_line);
    for line in head {
        sh.at(line, sh.margin, h);
        sh.line(h);
    }
    rule(c, &mut sh, h, cols);
    let currency_by_name = c.chance(0.8);
    let word = if c.f.usd {
        c.pick(&["DOLARES", "DÓLARES", "USD", "DOLARES AMERICANOS"])
    } else {
        c.pick(&["SOLES", "SOLES", "PEN"])
    };
    let service: Vec<Seg> = if currency_by_name {
        vec![t("PAGOEFECTIVO "), key(Field::Currency, Kind::Text, word)]
    } else {
        vec![t(c.pick(&[
            "PAGOEFECTIVO",
            "PAGO EFECTIVO",
            "PAGO SERVICIO PAGOEFECTIVO",
        ]))]
    };
    let figure = c.money(c.f.cents, CurForm::Bare, true);
    sh.pair(service, figure, h, h);
    let mut rows = Vec::new();
    if c.chance(0.95) {
        let v = c.cip_value();
        rows.push(c.row(&["CIP", "Cod. pago", "Código CIP", "Codigo"], v));
    }
    if c.chance(0.85) {
        let v = c.op_value();
        rows.push(c.row(
            &["Nro. Operación", "Nro. Op.", "N° Operación", "Operación"],
            v,
        ));
    }
    let extras = [Ctx::reference_row, Ctx::order_row, Ctx::sequence_row];
    for extra in extras {
        if c.chance(0.5) {
            let row = extra(c);
            rows.push(row);
        }
    }
    c.shuffle(&mut rows);
    for row in rows {
        let mut segs = vec![t(format!("  {}{}", row.label, c.colon)), gap()];
        segs.extend(row.value);
        sh.at(segs, sh.margin, h);
        sh.line(h);
    }
    rule(c, &mut sh, h, cols);
    let total_form = if currency_by_name {
        CurForm::Bare
    } else {
        CurForm::Before(c.sign(), true)
    };
    let total = c.money(c.f.cents, total_form, true);
    sh.pair(
        vec![t(c.pick(&["TOTAL", "TOTAL A PAGAR", "IMPORTE TOTAL"]))],
        total,
        h * 1.2,
        h * 1.2,
    );
    if c.f.cents < 500_000 && c.chance(0.6) {
        let tendered = (c.f.cents / 5000 + 1) * 5000;
        let v = c.money(tendered, CurForm::Bare, false);
        sh.pair(vec![t("EFECTIVO")], v, h, h);
        let v = c.money(tendered - c.f.cents, CurForm::Bare, false);
        sh.pair(vec![t("VUELTO")], v, h, h);
    }
    footer(c, &mut sh, h, cols);
    (sh, 1.0)
}
