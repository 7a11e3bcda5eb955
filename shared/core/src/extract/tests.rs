//! Layouts and forms from docs/vouchers.md built from synthetic lines.
#![allow(clippy::float_arithmetic)] // building page geometry

use super::*;
use crate::money::Currency;

mod variation;

/// A receipt being drawn: lines placed on an upright page, optionally photographed at an angle.
#[derive(Default)]
pub(crate) struct Sheet {
    /// Text, left, top, width, height, OCR confidence.
    lines: Vec<(String, f64, f64, f64, f64, f64)>,
}

/// Rough width of a text in the 0.03-high type the sheets use.
fn text_width(text: &str, height: f64) -> f64 {
    text.chars().count() as f64 * height * 0.42
}

impl Sheet {
    pub fn new() -> Self {
        Sheet::default()
    }

    /// A line whose top-left corner is at (`left`, `top`), in type `height` high.
    pub fn text_sized(mut self, text: &str, left: f64, top: f64, height: f64) -> Self {
        let width = text_width(text, height);
        self.lines
            .push((text.to_string(), left, top, width, height, 95.0));
        self
    }

    /// A line in the usual type that the OCR read with `confidence` (0–100).
    pub fn text_with_confidence(
        mut self,
        text: &str,
        left: f64,
        top: f64,
        confidence: f64,
    ) -> Self {
        self = self.text(text, left, top);
        if let Some(last) = self.lines.last_mut() {
            last.5 = confidence;
        }
        self
    }

    pub fn text(self, text: &str, left: f64, top: f64) -> Self {
        self.text_sized(text, left, top, 0.03)
    }

    /// Label at the left and value at the right of row `top`.
    pub fn pair(self, label: &str, value: &str, top: f64) -> Self {
        self.text(label, 0.08, top).text(value, 0.55, top)
    }

    /// The lines, upright (polygons included, as Textract gives them).
    pub fn lines(&self) -> Vec<OcrLine> {
        self.rotated(0.0)
    }

    /// The lines of a photo of this sheet rotated by `degrees` about the page centre: polygons carry
    /// the angle, bounding boxes are the upright boxes around them.
    pub fn rotated(&self, degrees: f64) -> Vec<OcrLine> {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let turn = |x: f64, y: f64| {
            let (dx, dy) = (x - 0.5, y - 0.5);
            Point {
                x: 0.5 + dx * cos - dy * sin,
                y: 0.5 + dx * sin + dy * cos,
            }
        };
        self.lines
            .iter()
            .map(|(text, left, top, width, height, confidence)| {
                let (right, bottom) = (left + width, top + height);
                let polygon = [
                    turn(*left, *top),
                    turn(right, *top),
                    turn(right, bottom),
                    turn(*left, bottom),
                ];
                let xs = polygon.map(|p| p.x);
                let ys = polygon.map(|p| p.y);
                let min = |v: [f64; 4]| v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = |v: [f64; 4]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                OcrLine::new(
                    text.clone(),
                    *confidence,
                    BoundingBox {
                        left: min(xs),
                        top: min(ys),
                        width: max(xs) - min(xs),
                        height: max(ys) - min(ys),
                    },
                )
                .with_polygon(polygon)
            })
            .collect()
    }
}

impl Sheet {
    /// What `tesseract IMG stdout tsv` prints for a photo of this sheet (1000×1400 px) rotated by
    /// `degrees`: upright pixel boxes around each word, one line per sheet line.
    pub fn tesseract_tsv(&self, degrees: f64) -> String {
        let (w, h) = (1000.0, 1400.0);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let turn = |x: f64, y: f64| {
            let (dx, dy) = (x * w - w / 2.0, y * h - h / 2.0);
            (w / 2.0 + dx * cos - dy * sin, h / 2.0 + dx * sin + dy * cos)
        };
        let mut tsv = String::from(
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n1\t1\t0\t0\t0\t0\t0\t0\t1000\t1400\t-1\t\n",
        );
        for (block, (text, left, top, width, height, _)) in self.lines.iter().enumerate() {
            let per_char = width / text.chars().count() as f64;
            let mut offset = 0usize;
            for (word_num, word) in text.split(' ').enumerate() {
                let n = word.chars().count();
                let (x0, x1) = (
                    left + per_char * offset as f64,
                    left + per_char * (offset + n) as f64,
                );
                offset += n + 1;
                let corners = [
                    turn(x0, *top),
                    turn(x1, *top),
                    turn(x1, top + height),
                    turn(x0, top + height),
                ];
                let min_x = corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
                let max_x = corners
                    .iter()
                    .map(|c| c.0)
                    .fold(f64::NEG_INFINITY, f64::max);
                let min_y = corners.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
                let max_y = corners
                    .iter()
                    .map(|c| c.1)
                    .fold(f64::NEG_INFINITY, f64::max);
                tsv.push_str(&format!(
                    "5\t1\t{}\t1\t1\t{}\t{}\t{}\t{}\t{}\t93.5\t{word}\n",
                    block + 1,
                    word_num + 1,
                    min_x.round(),
                    min_y.round(),
                    (max_x - min_x).round(),
                    (max_y - min_y).round(),
                ));
            }
        }
        tsv
    }
}

fn fields(sheet: &Sheet) -> VoucherFields {
    extract(&sheet.lines()).fields
}

/// One line at the top of an otherwise empty receipt.
fn one_line(text: &str) -> VoucherFields {
    fields(&Sheet::new().text(text, 0.1, 0.2))
}

fn agent_ticket() -> Sheet {
    Sheet::new()
        .text("BCP AGENTE", 0.08, 0.09)
        .text("CONSTANCIA DE PAGO", 0.08, 0.14)
        .text("FECHA: 20/03/2026 HORA: 10:28:19", 0.08, 0.23)
        .text("CIP: 85131377", 0.08, 0.275)
        .text("IMPORTE: S/ 1,056.05", 0.08, 0.32)
        .text("NRO OPERACION: 062498495", 0.08, 0.365)
        .text("TERMINAL: 69374", 0.08, 0.41)
        .text("RUC 20100047218", 0.08, 0.45)
}

#[test]
fn label_colon_value_on_one_line() {
    let f = fields(&agent_ticket());
    assert_eq!(f.cip.as_deref(), Some("85131377"));
    assert_eq!(f.operation_number.as_deref(), Some("062498495"));
    assert_eq!(f.amount.as_deref(), Some("1056.05"));
    assert_eq!(f.currency, Some(Currency::Pen));
    assert_eq!(f.paid_at.as_deref(), Some("2026-03-20T10:28:19-05:00"));
    assert_eq!(f.channel.as_deref(), Some("Agente BCP"));
}

#[test]
fn json_is_the_schema_of_vouchers_md() {
    let e = extract(&agent_ticket().lines());
    let json = serde_json::to_value(&e).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "cip",
        "operation_number",
        "amount",
        "currency",
        "paid_at",
        "payer_name",
        "channel",
        "confidence",
        "field_confidence",
        "unread",
        "warnings",
    ];
    want.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, want);
    assert!(json["payer_name"].is_null());
    assert!(json["confidence"].as_f64().unwrap() > 0.8);
    assert_eq!(json["currency"], "PEN");
    assert_eq!(json["amount"], "1056.05");
    let text = serde_json::to_string(&e).unwrap();
    assert!(text.starts_with(r#"{"cip":"85131377","operation_number":"062498495","amount":"1056.05","currency":"PEN","paid_at":"2026-03-20T10:28:19-05:00","payer_name":null,"channel":"Agente BCP","confidence":0."#), "{text}");
    let confident = &json["field_confidence"];
    for field in ["cip", "operation_number", "amount", "currency", "paid_at"] {
        let c = confident[field].as_f64().unwrap();
        assert!(c > 0.8 && c <= 1.0, "{field}: {c}");
    }
    assert_eq!(json["unread"], serde_json::json!({}));
    let back: Extraction = serde_json::from_str(&text).unwrap();
    assert_eq!(back, e);
}

#[test]
fn nothing_readable_gives_nulls_and_warnings() {
    let e = extract(&[]);
    assert_eq!(e.fields, VoucherFields::default());
    assert_eq!(e.confidence_permille, 0);
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
    assert_eq!(e.unread.len(), 5);
    assert!(e.unread.values().all(|why| why == "not found"));
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.starts_with(r#"{"cip":null,"operation_number":null,"amount":null,"currency":null,"paid_at":null,"payer_name":null,"channel":null,"confidence":0.0,"field_confidence":{"amount":null,"cip":null,"currency":null,"operation_number":null,"paid_at":null},"unread":{"cip":"not found","#), "{json}");
}

#[test]
fn value_in_a_separate_block_at_the_right() {
    let sheet = Sheet::new()
        .text("¡Pago realizado!", 0.08, 0.09)
        .text_sized("S/ 675.50", 0.08, 0.13, 0.05)
        .pair("Empresa", "PAGOEFECTIVO", 0.23)
        .pair("Servicio", "PAGOEFECTIVO SOLES", 0.275)
        .pair("Código CIP", "42829570", 0.32)
        .pair("Nro. de operación", "064140616", 0.365)
        .pair("Fecha y hora", "15 feb. 2026 - 09:46 p. m.", 0.41)
        .pair("Cuenta de cargo", "0011-0674-18******81", 0.455);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("42829570"));
    assert_eq!(f.operation_number.as_deref(), Some("064140616"));
    assert_eq!(f.amount.as_deref(), Some("675.50"));
    assert_eq!(f.currency, Some(Currency::Pen));
    assert_eq!(f.paid_at.as_deref(), Some("2026-02-15T21:46:00-05:00"));
}

#[test]
fn value_on_the_line_below_its_label() {
    let sheet = Sheet::new()
        .text("Interbank", 0.08, 0.05)
        .text("Constancia de pago", 0.08, 0.10)
        .text("Código de pago", 0.08, 0.18)
        .text("12345678", 0.08, 0.215)
        .text("Número de operación", 0.08, 0.28)
        .text("000123", 0.08, 0.315)
        .text("Monto pagado", 0.08, 0.38)
        .text("S/ 150.00", 0.08, 0.415)
        .text("Fecha de pago", 0.08, 0.48)
        .text("25/11/2026 14:32", 0.08, 0.515)
        .text("Titular", 0.08, 0.58)
        .text("Juan Pérez Quispe", 0.08, 0.615);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("12345678"));
    assert_eq!(f.operation_number.as_deref(), Some("000123"));
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25T14:32:00-05:00"));
    assert_eq!(f.payer_name.as_deref(), Some("Juan Pérez Quispe"));
    assert_eq!(f.channel.as_deref(), Some("Interbank"));
}

#[test]
fn label_under_its_value() {
    // Wallet screens: the figure, then a caption saying what it is.
    let sheet = Sheet::new()
        .text("¡Yapeaste!", 0.3, 0.05)
        .text_sized("S/ 45.90", 0.3, 0.10, 0.05)
        .text("Monto pagado", 0.3, 0.155)
        .text("1234567", 0.3, 0.24)
        .text("Código CIP", 0.3, 0.275)
        .text("998877", 0.3, 0.34)
        .text("Nro. de operación", 0.3, 0.375)
        .text("03 dic. 2026 | 08:05 a. m.", 0.3, 0.44)
        .text("Fecha y hora", 0.3, 0.475);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("1234567"));
    assert_eq!(f.operation_number.as_deref(), Some("998877"));
    assert_eq!(f.amount.as_deref(), Some("45.90"));
    assert_eq!(f.paid_at.as_deref(), Some("2026-12-03T08:05:00-05:00"));
    assert_eq!(f.channel.as_deref(), Some("Yape"));
}

#[test]
fn amount_alone_in_large_type_at_the_top() {
    let sheet = Sheet::new()
        .text_sized("US$ 1,250.00", 0.25, 0.08, 0.06)
        .text("Pago de servicios", 0.25, 0.16)
        .pair("CIP", "7654321", 0.22)
        .pair("Operación", "55512", 0.27)
        .pair("Fecha", "2026-11-25", 0.32);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("1250.00"));
    assert_eq!(f.currency, Some(Currency::Usd));
    assert_eq!(f.cip.as_deref(), Some("7654321"));
    assert_eq!(f.operation_number.as_deref(), Some("55512"));
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25"));
}

#[test]
fn two_fields_share_one_line() {
    let sheet = Sheet::new()
        .text("KASNET", 0.08, 0.05)
        .text("CIP:12345678", 0.08, 0.10)
        .text("OP:123456 FECHA:25/11/2026", 0.08, 0.15)
        .text("IMPORTE:S/150.00", 0.08, 0.20);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("12345678"));
    assert_eq!(f.operation_number.as_deref(), Some("123456"));
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25"));
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
    assert_eq!(f.channel.as_deref(), Some("Kasnet"));
}

fn columns_sheet() -> Sheet {
    Sheet::new()
        .text("¡Pago realizado!", 0.05, 0.10)
        .text("S/. 1,739.99", 0.05, 0.16)
        .pair("Servicio", "PAGOEFECTIVO SOLES", 0.30)
        .pair("Código CIP", "28754576", 0.345)
        .pair("Nro. de operación", "027139468", 0.39)
        .pair("Fecha y hora", "02 abr. 2026 - 03:17 p. m.", 0.435)
        .pair("Cuenta de cargo", "0011-0148-32******13", 0.48)
}

#[test]
fn rotated_five_degrees_values_sit_nearer_the_next_label() {
    let sheet = columns_sheet();
    for degrees in [-5.0, -3.0, 3.0, 5.0] {
        let lines = sheet.rotated(degrees);
        // At this angle the value at the right really is nearer the next row's label than its own.
        let skew = estimate_skew_degrees(&lines);
        assert!((skew - degrees).abs() < 0.2, "{degrees}: {skew}");
        let f = extract(&lines).fields;
        assert_eq!(f.cip.as_deref(), Some("28754576"), "{degrees}");
        assert_eq!(
            f.operation_number.as_deref(),
            Some("027139468"),
            "{degrees}"
        );
        assert_eq!(f.amount.as_deref(), Some("1739.99"), "{degrees}");
        assert_eq!(
            f.paid_at.as_deref(),
            Some("2026-04-02T15:17:00-05:00"),
            "{degrees}"
        );
    }
}

#[test]
fn rotated_sheet_without_undoing_rotation_would_mismatch() {
    // Guards the test above: the naive reading (by upright boxes) pairs the wrong rows.
    let lines = columns_sheet().rotated(5.0);
    let cip_label = lines.iter().find(|l| l.text == "Código CIP").unwrap();
    let cip_value = lines.iter().find(|l| l.text == "28754576").unwrap();
    let op_label = lines
        .iter()
        .find(|l| l.text == "Nro. de operación")
        .unwrap();
    let centre = |l: &OcrLine| l.bbox.top + l.bbox.height / 2.0;
    assert!(
        (centre(cip_value) - centre(op_label)).abs()
            < (centre(cip_value) - centre(cip_label)).abs()
    );
}

#[test]
fn commission_total_and_importe() {
    let sheet = Sheet::new()
        .text("KASNET", 0.08, 0.09)
        .text("PAGOEFECTIVO DOLARES", 0.08, 0.18)
        .text("CODIGO: 53692095", 0.08, 0.22)
        .pair("IMPORTE:", "1,625.99", 0.268)
        .pair("COMISION:", "1.50", 0.313)
        .pair("TOTAL US$:", "1,627.49", 0.36)
        .text("OPERACION: 34007503", 0.08, 0.41)
        .text("10/05/26 12:41", 0.08, 0.455);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("53692095"));
    assert_eq!(f.operation_number.as_deref(), Some("34007503"));
    assert_eq!(f.amount.as_deref(), Some("1625.99"));
    assert_eq!(f.currency, Some(Currency::Usd));
    assert_eq!(f.paid_at.as_deref(), Some("2026-05-10T12:41:00-05:00"));
}

#[test]
fn total_less_commission_when_no_importe() {
    let sheet = Sheet::new()
        .text("CIP: 1234567", 0.08, 0.10)
        .text("Comisión: S/ 1.00", 0.08, 0.15)
        .text("Total: S/ 151.00", 0.08, 0.20);
    let e = extract(&sheet.lines());
    assert_eq!(e.fields.amount.as_deref(), Some("150.00"));
    assert!(e.warnings.iter().any(|w| w.contains("commission")));
}

#[test]
fn balance_itf_and_commission_are_not_the_amount() {
    let sheet = Sheet::new()
        .text("BBVA", 0.08, 0.05)
        .text("Saldo disponible S/ 2,500.00", 0.08, 0.10)
        .text("ITF S/ 0.05", 0.08, 0.15)
        .text("Monto S/ 80.00", 0.08, 0.20)
        .text("Comisión S/ 1.00", 0.08, 0.25);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("80.00"));
    assert_eq!(f.channel.as_deref(), Some("BBVA"));
    let only_balance = Sheet::new().text("Saldo disponible S/ 2,500.00", 0.08, 0.10);
    assert_eq!(fields(&only_balance).amount, None);
}

#[test]
fn every_cip_label() {
    for label in [
        "CIP",
        "Código CIP",
        "Cod. CIP",
        "Código de pago",
        "Cod. pago",
        "Código de usuario",
        "Código",
        "CODIGO CIP",
        "Codigo de pago",
    ] {
        let f = one_line(&format!("{label}: 7654321"));
        assert_eq!(f.cip.as_deref(), Some("7654321"), "{label}");
        assert_eq!(f.operation_number, None, "{label}");
        let f = fields(&Sheet::new().pair(label, "7654321", 0.2));
        assert_eq!(f.cip.as_deref(), Some("7654321"), "{label} at the left");
    }
}

#[test]
fn every_operation_label() {
    for label in [
        "Nro. de operación",
        "N° de operación",
        "Nº de operación",
        "Número de operación",
        "Código de operación",
        "Operación",
        "Nro operacion",
        "Op",
        "OP.",
        "Nro. de transacción",
        "N° operación",
    ] {
        let f = one_line(&format!("{label}: 00123456"));
        assert_eq!(f.operation_number.as_deref(), Some("00123456"), "{label}");
        assert_eq!(f.cip, None, "{label}");
        let f = fields(&Sheet::new().pair(label, "00123456", 0.2));
        assert_eq!(
            f.operation_number.as_deref(),
            Some("00123456"),
            "{label} at the left"
        );
    }
}

#[test]
fn a_title_is_not_a_label() {
    let sheet = Sheet::new()
        .text("Operación realizada", 0.08, 0.05)
        .text("987654321", 0.08, 0.10)
        .text("CIP 1234567", 0.08, 0.15);
    let f = fields(&sheet);
    assert_eq!(f.operation_number, None);
    assert_eq!(f.cip.as_deref(), Some("1234567"));
}

#[test]
fn every_amount_label_and_form() {
    for label in [
        "Importe",
        "Importe pagado",
        "Monto",
        "Monto pagado",
        "Total",
    ] {
        for (written, want) in [
            ("S/ 150.00", "150.00"),
            ("S/. 1,250.00", "1250.00"),
            ("S/ 1.250,00", "1250.00"),
            ("S/ 150", "150.00"),
            ("PEN 150.00", "150.00"),
            ("150.00 Soles", "150.00"),
        ] {
            let f = one_line(&format!("{label}: {written}"));
            assert_eq!(f.amount.as_deref(), Some(want), "{label}: {written}");
            assert_eq!(f.currency, Some(Currency::Pen), "{label}: {written}");
        }
        for written in ["US$ 150.00", "$ 150.00", "USD 150.00", "150.00 Dólares"] {
            let f = one_line(&format!("{label}: {written}"));
            assert_eq!(f.amount.as_deref(), Some("150.00"), "{label}: {written}");
            assert_eq!(f.currency, Some(Currency::Usd), "{label}: {written}");
        }
    }
}

#[test]
fn currency_on_its_own_line_or_in_the_service_name() {
    let sheet =
        Sheet::new()
            .text("Importe: 320.00", 0.08, 0.10)
            .text("Moneda: Dólares", 0.08, 0.15);
    assert_eq!(fields(&sheet).currency, Some(Currency::Usd));
    let sheet =
        Sheet::new()
            .text("PAGOEFECTIVO DOLARES", 0.08, 0.05)
            .text("Importe: 320.00", 0.08, 0.10);
    assert_eq!(fields(&sheet).currency, Some(Currency::Usd));
    let sheet =
        Sheet::new()
            .text("PAGOEFECTIVO SOLES", 0.08, 0.05)
            .text("Importe: 320.00", 0.08, 0.10);
    assert_eq!(fields(&sheet).currency, Some(Currency::Pen));
    let e = extract(&Sheet::new().text("Importe: 320.00", 0.08, 0.10).lines());
    assert_eq!(e.fields.currency, None, "no currency shown: none assumed");
    assert_eq!(e.unread[&VoucherField::Currency], "not found");
}

#[test]
fn every_date_label_and_form() {
    for label in [
        "Fecha",
        "Fecha y hora",
        "Fecha pago",
        "Fecha de pago",
        "Pagado el",
    ] {
        for (written, want) in [
            ("25/11/2026", "2026-11-25"),
            ("25/11/26", "2026-11-25"),
            ("25-11-2026", "2026-11-25"),
            ("25 nov. 2026", "2026-11-25"),
            ("25 noviembre 2026", "2026-11-25"),
            ("2026-11-25", "2026-11-25"),
            ("25/11/2026 14:32", "2026-11-25T14:32:00-05:00"),
            ("25/11/2026 14:32:10", "2026-11-25T14:32:10-05:00"),
            ("25 nov. 2026 02:32 p. m.", "2026-11-25T14:32:00-05:00"),
            ("25 nov. 2026 - 02:32 PM", "2026-11-25T14:32:00-05:00"),
            ("25 set. 2026 09:01 a. m.", "2026-09-25T09:01:00-05:00"),
            ("25 sep 2026", "2026-09-25"),
        ] {
            let f = one_line(&format!("{label}: {written}"));
            assert_eq!(f.paid_at.as_deref(), Some(want), "{label}: {written}");
        }
    }
}

#[test]
fn due_and_issue_dates_are_not_the_payment_date() {
    let sheet = Sheet::new()
        .text("Fecha de emisión: 20/11/2026", 0.08, 0.05)
        .text("Fecha vencimiento: 30/11/2026", 0.08, 0.10)
        .text("Fecha: 25/11/2026", 0.08, 0.15)
        .text("Hora: 14:32", 0.08, 0.20);
    assert_eq!(
        fields(&sheet).paid_at.as_deref(),
        Some("2026-11-25T14:32:00-05:00")
    );

    // Without a labelled payment date, an unlabelled one still beats the due date.
    let sheet = Sheet::new()
        .text("Fecha vencimiento: 30/11/2026", 0.08, 0.10)
        .text("25/11/26 22:01", 0.08, 0.20);
    assert_eq!(
        fields(&sheet).paid_at.as_deref(),
        Some("2026-11-25T22:01:00-05:00")
    );

    let sheet = Sheet::new().pair("Fecha de vencimiento", "30/11/2026", 0.10);
    assert_eq!(fields(&sheet).paid_at, None);
}

#[test]
fn numbers_that_are_not_cip_nor_operation() {
    let sheet = Sheet::new()
        .text("RUC 20100047218", 0.08, 0.05)
        .text("TERMINAL: 69374", 0.08, 0.10)
        .text("Teléfono: 987654321", 0.08, 0.15)
        .text("Cod. agente: 445566", 0.08, 0.20)
        .text("Tarjeta: ****1234", 0.08, 0.25)
        .pair("Cuenta de cargo", "0011-0584-73******26", 0.30);
    let f = fields(&sheet);
    assert_eq!(f.cip, None);
    assert_eq!(f.operation_number, None);
    // A RUC-shaped number is never a CIP, even after a CIP label.
    assert_eq!(one_line("Código: 20100047218").cip, None);
}

#[test]
fn ocr_noise() {
    // accents dropped
    let f = one_line("Numero de operacion: 123456");
    assert_eq!(f.operation_number.as_deref(), Some("123456"));
    // S/ read as 5/
    let f = one_line("IMPORTE: 5/ 150.00");
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
    // letters inside numbers
    let f = one_line("CIP: 85l3I37B");
    assert_eq!(f.cip.as_deref(), Some("85131378"));
    let f = one_line("IMPORTE: S/ 1,O56.O5");
    assert_eq!(f.amount.as_deref(), Some("1056.05"));
    let f = one_line("Fecha: 2S/11/2O26");
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25"));
    // lost space after a colon or a currency sign
    let f = one_line("IMPORTE:S/150.00");
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    let f = one_line("MONTO:US$99.90");
    assert_eq!(f.amount.as_deref(), Some("99.90"));
    assert_eq!(f.currency, Some(Currency::Usd));
    let f = one_line("IMPORTE:5/150.00");
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
}

#[test]
fn tesseract_lines_feed_the_same_extractor() {
    let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1000\t1400\t-1\t
5\t1\t1\t1\t1\t1\t80\t100\t120\t40\t95\tCIP:
5\t1\t1\t1\t1\t2\t210\t100\t160\t40\t93\t8513l377
5\t1\t2\t1\t1\t1\t80\t160\t180\t40\t90\tIMPORTE
5\t1\t3\t1\t1\t1\t600\t162\t160\t40\t91\tS/150.00
5\t1\t4\t1\t1\t1\t80\t220\t180\t40\t90\tOPERACION:
5\t1\t4\t1\t1\t2\t270\t220\t180\t40\t90\t062498495
";
    let lines = lines_from_tesseract_tsv(tsv).unwrap();
    let f = extract(&lines).fields;
    assert_eq!(f.cip.as_deref(), Some("85131377"));
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.operation_number.as_deref(), Some("062498495"));
}

/// Shared with the fixture tests (`tests/extract_fixtures.rs`).
#[path = "../../tests/support/ocr_moves.rs"]
mod ocr_moves;

mod props {
    use super::ocr_moves::{moved, shuffled};
    use super::*;
    use proptest::prelude::*;

    fn sheets() -> Vec<Sheet> {
        vec![agent_ticket(), columns_sheet()]
    }

    proptest! {
        #[test]
        fn block_order_does_not_matter(which in 0usize..2, seed in any::<u64>(), degrees in -5.0f64..5.0) {
            let sheet = &sheets()[which];
            let lines = sheet.rotated(degrees);
            let shuffled = shuffled(&lines, seed);
            prop_assert_eq!(extract(&shuffled), extract(&lines));
        }

        #[test]
        fn small_translation_and_scale_do_not_matter(
            which in 0usize..2, dx in -0.05f64..0.05, dy in -0.05f64..0.05, scale in 0.9f64..1.1,
        ) {
            let lines = sheets()[which].lines();
            let moved = moved(&lines, dx, dy, scale);
            prop_assert_eq!(extract(&moved).fields, extract(&lines).fields);
        }
    }
}

mod layouts;
