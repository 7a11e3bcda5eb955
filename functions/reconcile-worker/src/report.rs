//! The day's report of a tenant: `orders.csv`, `summary.json` and `report.xlsx` (an Orders sheet
//! and a Summary sheet with number and date formats an accountant opens directly).
//!
//! Amounts per order are in the order's currency (payments or lines in another currency are left
//! out of its sums and show up as `CURRENCY_MISMATCH` / `SETTLEMENT_MISMATCH` in its exceptions);
//! the summary's money is per currency, never added across currencies. IGV is 18 % of the fees,
//! rounded half away from zero to cents. Times are Lima's.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use cuadre_core::reconcile::{Outcome, SettlementLine, Summary};
use cuadre_core::time::{format_lima, lima};
use cuadre_core::{Currency, Order, OrderStatus, Payment, TenantId};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

pub const ORDERS_CSV: &str = "orders.csv";
pub const SUMMARY_JSON: &str = "summary.json";
pub const REPORT_XLSX: &str = "report.xlsx";

pub struct ReportInput<'a> {
    pub tenant_id: &'a TenantId,
    pub run_id: &'a str,
    pub as_of: DateTime<Utc>,
    pub business_date: NaiveDate,
    /// The issued orders, as the outcome's `index` points into.
    pub orders: &'a [&'a Order],
    pub payments: &'a [Payment],
    pub lines: &'a [SettlementLine],
    pub outcome: &'a Outcome<'a>,
}

/// One order's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub order_id: String,
    pub cip: String,
    pub status: OrderStatus,
    pub amount: Decimal,
    pub currency: Currency,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub payments: usize,
    pub operation_numbers: String,
    pub paid_amount: Decimal,
    pub paid_at: Option<DateTime<Utc>>,
    pub settlement_ids: String,
    pub settled_gross: Decimal,
    pub fee: Decimal,
    pub igv_on_fee: Decimal,
    pub net: Decimal,
    pub settled_at: Option<DateTime<Utc>>,
    pub exceptions: String,
}

fn cents(v: Decimal) -> Decimal {
    let mut r = v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

pub fn igv(fee: Decimal) -> Decimal {
    cents(fee * Decimal::new(18, 2))
}

pub fn rows(input: &ReportInput<'_>) -> Vec<OrderRow> {
    let mut payments: HashMap<&str, Vec<&Payment>> = HashMap::new();
    for p in input.payments {
        payments.entry(p.cip.as_str()).or_default().push(p);
    }
    let mut lines: HashMap<&str, Vec<&SettlementLine>> = HashMap::new();
    for l in input.lines {
        lines.entry(l.cip.as_str()).or_default().push(l);
    }
    let mut kinds: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &input.outcome.exceptions {
        if let Some(order) = f.order_id {
            kinds.entry(order).or_default().push(f.kind.as_str());
        }
    }
    input
        .outcome
        .orders
        .iter()
        .map(|o| {
            let order = input.orders[o.index];
            let currency = order.amount.currency();
            // Every code the order has had: its current one and the earlier ones.
            let codes = order.cips().map(|c| c.as_str());
            let mut paid: Vec<&Payment> = codes
                .clone()
                .flat_map(|c| payments.get(c).into_iter().flatten().copied())
                .collect();
            paid.sort_by(|a, b| {
                (a.paid_at, &a.operation_number).cmp(&(b.paid_at, &b.operation_number))
            });
            let mut settled: Vec<&SettlementLine> = codes
                .flat_map(|c| lines.get(c).into_iter().flatten().copied())
                .collect();
            settled.sort_by(|a, b| {
                (a.settled_at, &a.settlement_id).cmp(&(b.settled_at, &b.settlement_id))
            });
            let same: Vec<&&SettlementLine> =
                settled.iter().filter(|l| l.currency == currency).collect();
            let fee: Decimal = same.iter().map(|l| l.fee_amount).sum();
            OrderRow {
                order_id: o.order_id.to_string(),
                cip: o.cip.to_string(),
                status: o.status,
                amount: order.amount.amount(),
                currency,
                issued_at: order.issued_at,
                expires_at: order.expires_at,
                payments: paid.len(),
                operation_numbers: paid
                    .iter()
                    .map(|p| p.operation_number.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                paid_amount: cents(
                    paid.iter()
                        .filter(|p| p.amount.currency() == currency)
                        .map(|p| p.amount.amount())
                        .sum(),
                ),
                paid_at: paid.first().map(|p| p.paid_at),
                settlement_ids: settled
                    .iter()
                    .map(|l| l.settlement_id.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                settled_gross: cents(same.iter().map(|l| l.gross_amount).sum()),
                fee: cents(fee),
                igv_on_fee: igv(fee),
                net: cents(same.iter().map(|l| l.net_amount).sum()),
                settled_at: settled.first().map(|l| l.settled_at),
                exceptions: kinds
                    .get(o.order_id)
                    .map(|k| k.join(";"))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

const COLUMNS: [&str; 18] = [
    "order_id",
    "cip",
    "status",
    "amount",
    "currency",
    "issued_at",
    "expires_at",
    "payments",
    "operation_numbers",
    "paid_amount",
    "paid_at",
    "settlement_ids",
    "settled_gross",
    "fee",
    "igv_on_fee",
    "net",
    "settled_at",
    "exceptions",
];

pub fn orders_csv(rows: &[OrderRow]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(|e| e.to_string())?;
    let time = |t: Option<DateTime<Utc>>| t.map(format_lima).unwrap_or_default();
    for r in rows {
        w.write_record([
            r.order_id.clone(),
            r.cip.clone(),
            r.status.to_string(),
            r.amount.to_string(),
            r.currency.code().to_string(),
            format_lima(r.issued_at),
            format_lima(r.expires_at),
            r.payments.to_string(),
            r.operation_numbers.clone(),
            r.paid_amount.to_string(),
            time(r.paid_at),
            r.settlement_ids.clone(),
            r.settled_gross.to_string(),
            r.fee.to_string(),
            r.igv_on_fee.to_string(),
            r.net.to_string(),
            time(r.settled_at),
            r.exceptions.clone(),
        ])
        .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct SummaryFile<'a> {
    tenant_id: &'a TenantId,
    run_id: &'a str,
    business_date: String,
    as_of: String,
    #[serde(flatten)]
    summary: &'a Summary,
}

pub fn summary_json(input: &ReportInput<'_>) -> Result<Vec<u8>, String> {
    let file = SummaryFile {
        tenant_id: input.tenant_id,
        run_id: input.run_id,
        business_date: input.business_date.format("%Y-%m-%d").to_string(),
        as_of: format_lima(input.as_of),
        summary: &input.outcome.summary,
    };
    serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())
}

fn float(v: Decimal) -> f64 {
    v.to_f64().unwrap_or_default()
}

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&lima()).naive_local()
}

fn orders_sheet(sheet: &mut Worksheet, rows: &[OrderRow]) -> Result<(), XlsxError> {
    let header = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    sheet.set_name("Orders")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.order_id)?;
        sheet.write_string(row, 1, &r.cip)?;
        sheet.write_string(row, 2, r.status.as_str())?;
        sheet.write_number_with_format(row, 3, float(r.amount), &money)?;
        sheet.write_string(row, 4, r.currency.code())?;
        sheet.write_datetime_with_format(row, 5, local(r.issued_at), &when)?;
        sheet.write_datetime_with_format(row, 6, local(r.expires_at), &when)?;
        sheet.write_number(row, 7, r.payments as u32)?;
        sheet.write_string(row, 8, &r.operation_numbers)?;
        sheet.write_number_with_format(row, 9, float(r.paid_amount), &money)?;
        if let Some(t) = r.paid_at {
            sheet.write_datetime_with_format(row, 10, local(t), &when)?;
        }
        sheet.write_string(row, 11, &r.settlement_ids)?;
        sheet.write_number_with_format(row, 12, float(r.settled_gross), &money)?;
        sheet.write_number_with_format(row, 13, float(r.fee), &money)?;
        sheet.write_number_with_format(row, 14, float(r.igv_on_fee), &money)?;
        sheet.write_number_with_format(row, 15, float(r.net), &money)?;
        if let Some(t) = r.settled_at {
            sheet.write_datetime_with_format(row, 16, local(t), &when)?;
        }
        sheet.write_string(row, 17, &r.exceptions)?;
    }
    let widths: [f64; 18] = [
        16.0, 12.0, 10.0, 12.0, 9.0, 17.0, 17.0, 9.0, 18.0, 12.0, 17.0, 18.0, 13.0, 10.0, 11.0,
        12.0, 17.0, 30.0,
    ];
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    Ok(())
}

fn summary_sheet(sheet: &mut Worksheet, input: &ReportInput<'_>) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let summary = &input.outcome.summary;
    sheet.set_name("Summary")?;
    sheet.write_string_with_format(0, 0, "Tenant", &bold)?;
    sheet.write_string(0, 1, input.tenant_id.as_str())?;
    sheet.write_string_with_format(1, 0, "Business day (Lima)", &bold)?;
    sheet.write_datetime_with_format(1, 1, input.business_date, &day)?;
    sheet.write_string_with_format(2, 0, "As of (Lima)", &bold)?;
    sheet.write_datetime_with_format(2, 1, local(input.as_of), &when)?;
    sheet.write_string_with_format(3, 0, "Run", &bold)?;
    sheet.write_string(3, 1, input.run_id)?;

    let heads = [
        "Currency",
        "Expected",
        "Paid",
        "Settled gross",
        "Fees",
        "IGV 18% on fees",
        "Net",
        "Outstanding",
    ];
    let mut row = 5;
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &bold)?;
    }
    for (currency, t) in &summary.currencies {
        row += 1;
        sheet.write_string(row, 0, currency.code())?;
        for (c, v) in [
            t.expected,
            t.paid,
            t.settled_gross,
            t.fees,
            t.igv_on_fees,
            t.net,
            t.outstanding,
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_number_with_format(row, c as u16 + 1, float(v), &money)?;
        }
    }

    row += 2;
    sheet.write_string_with_format(row, 0, "Status", &bold)?;
    sheet.write_string_with_format(row, 1, "Orders", &bold)?;
    for (status, count) in &summary.statuses {
        row += 1;
        sheet.write_string(row, 0, status.as_str())?;
        sheet.write_number(row, 1, *count as u32)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "Exception", &bold)?;
    sheet.write_string_with_format(row, 1, "Count", &bold)?;
    for (kind, count) in &summary.exception_kinds {
        row += 1;
        sheet.write_string(row, 0, kind.as_str())?;
        sheet.write_number(row, 1, *count as u32)?;
    }
    sheet.set_column_width(0, 22)?;
    for c in 1..8u16 {
        sheet.set_column_width(c, 16)?;
    }
    Ok(())
}

pub fn report_xlsx(input: &ReportInput<'_>, rows: &[OrderRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    orders_sheet(book.add_worksheet(), rows)?;
    summary_sheet(book.add_worksheet(), input)?;
    book.save_to_buffer()
}

/// A report file: name, body and content type.
pub type ReportFile = (&'static str, Vec<u8>, &'static str);

/// The three files.
pub fn render(input: &ReportInput<'_>) -> Result<Vec<ReportFile>, String> {
    let rows = rows(input);
    Ok(vec![
        (ORDERS_CSV, orders_csv(&rows)?, "text/csv; charset=utf-8"),
        (SUMMARY_JSON, summary_json(input)?, "application/json"),
        (
            REPORT_XLSX,
            report_xlsx(input, &rows).map_err(|e| e.to_string())?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ])
}
