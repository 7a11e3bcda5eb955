//! Layouts met in real receipts: columns, stacked labels, large amounts, photographed pages.

use super::*;

#[test]
fn labels_over_values_in_two_columns() {
    let sheet = Sheet::new()
        .text("Scotiabank", 0.08, 0.04)
        .text("Fecha", 0.08, 0.10)
        .text("Nro. de operación", 0.55, 0.10)
        .text("25/11/2026 14:32", 0.08, 0.135)
        .text("123456", 0.55, 0.135)
        .text("CIP", 0.08, 0.20)
        .text("Importe", 0.55, 0.20)
        .text("1234567", 0.08, 0.235)
        .text("S/ 50.00", 0.55, 0.235);
    for degrees in [0.0, -4.0, 4.0] {
        let f = extract(&sheet.rotated(degrees)).fields;
        assert_eq!(f.cip.as_deref(), Some("1234567"), "{degrees}");
        assert_eq!(f.operation_number.as_deref(), Some("123456"), "{degrees}");
        assert_eq!(f.amount.as_deref(), Some("50.00"), "{degrees}");
        assert_eq!(
            f.paid_at.as_deref(),
            Some("2026-11-25T14:32:00-05:00"),
            "{degrees}"
        );
        assert_eq!(f.channel.as_deref(), Some("Scotiabank"), "{degrees}");
    }
}

#[test]
fn label_above_a_large_amount_and_a_time_on_the_next_line() {
    let sheet = Sheet::new()
        .text("Western Union", 0.08, 0.04)
        .text("Importe", 0.08, 0.10)
        .text_sized("S/ 150.00", 0.08, 0.135, 0.05)
        .pair("Código de pago", "7654321", 0.22)
        .pair("Fecha", "25 nov. 2026", 0.27)
        .text("02:32 p. m.", 0.55, 0.31)
        .pair("Operación", "0099887766", 0.36);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("150.00"));
    assert_eq!(f.cip.as_deref(), Some("7654321"));
    assert_eq!(f.operation_number.as_deref(), Some("0099887766"));
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25T14:32:00-05:00"));
    assert_eq!(f.channel.as_deref(), Some("Western Union"));
}

#[test]
fn a_section_title_does_not_take_the_number_under_it() {
    let sheet = Sheet::new()
        .text("Detalle de la operación", 0.08, 0.10)
        .text("20100047218", 0.08, 0.14)
        .text("987654", 0.08, 0.18)
        .text("CIP: 1234567", 0.08, 0.25);
    let f = fields(&sheet);
    assert_eq!(f.operation_number, None);
    assert_eq!(f.cip.as_deref(), Some("1234567"));
}

#[test]
fn written_out_date_with_time_in_words() {
    let f = one_line("Pagado el 25 de noviembre de 2026 a las 02:32 p. m.");
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25T14:32:00-05:00"));
}

#[test]
fn fields_in_separate_blocks_of_one_row() {
    let sheet = Sheet::new()
        .text("OP: 123456", 0.08, 0.10)
        .text("FECHA: 25/11/2026", 0.45, 0.10)
        .text("CIP: 7654321", 0.08, 0.15)
        .text("HORA: 14:32", 0.45, 0.15)
        .text("IMPORTE", 0.08, 0.20)
        .text("S/", 0.45, 0.20)
        .text("99.90", 0.55, 0.20);
    let f = fields(&sheet);
    assert_eq!(f.operation_number.as_deref(), Some("123456"));
    assert_eq!(f.cip.as_deref(), Some("7654321"));
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-25T14:32:00-05:00"));
    assert_eq!(f.amount.as_deref(), Some("99.90"));
    assert_eq!(f.currency, Some(Currency::Pen));
}

#[test]
fn payer_name_with_its_label() {
    let f = fields(&Sheet::new().text("Cliente: María Ñahui", 0.08, 0.10).text(
        "DNI: 12345678",
        0.08,
        0.15,
    ));
    assert_eq!(f.payer_name.as_deref(), Some("María Ñahui"));
    let f = fields(&Sheet::new().pair("Titular", "JUAN PEREZ", 0.10));
    assert_eq!(f.payer_name.as_deref(), Some("JUAN PEREZ"));
}

#[test]
fn a_lone_top_amount_read_with_five_for_s() {
    let sheet = Sheet::new()
        .text_sized("5/ 1,O50.00", 0.2, 0.08, 0.06)
        .pair("Código CIP", "7654321", 0.20);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("1050.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
}

#[test]
fn tesseract_page_photographed_at_an_angle() {
    let sheet = Sheet::new()
        .text("KASNET", 0.08, 0.09)
        .text("CODIGO: 6538995", 0.08, 0.24)
        .pair("IMPORTE:", "282.50", 0.285)
        .pair("COMISION:", "2.00", 0.33)
        .pair("TOTAL S/:", "284.50", 0.375)
        .text("OPERACION: 052135042", 0.08, 0.42)
        .text("20/02/26 22:01", 0.08, 0.465);
    for degrees in [-5.0, -2.9, 0.0, 2.9, 5.0] {
        let lines = lines_from_tesseract_tsv(&sheet.tesseract_tsv(degrees)).unwrap();
        let skew = estimate_skew_degrees(&lines);
        assert_eq!(skew == 0.0, degrees == 0.0, "{degrees}: {skew}");
        let f = extract(&lines).fields;
        assert_eq!(f.cip.as_deref(), Some("6538995"), "{degrees}");
        assert_eq!(f.amount.as_deref(), Some("282.50"), "{degrees}");
        assert_eq!(
            f.operation_number.as_deref(),
            Some("052135042"),
            "{degrees}"
        );
        assert_eq!(
            f.paid_at.as_deref(),
            Some("2026-02-20T22:01:00-05:00"),
            "{degrees}"
        );
        assert_eq!(f.channel.as_deref(), Some("Kasnet"), "{degrees}");
    }
}

#[test]
fn big_and_small_type_aligned_at_the_top_share_a_row() {
    let sheet = Sheet::new()
        .text_sized("Total pagado", 0.08, 0.20, 0.025)
        .text_sized("S/ 88.00", 0.55, 0.20, 0.05)
        .text_sized("CIP", 0.08, 0.27, 0.025)
        .text_sized("1234567", 0.55, 0.27, 0.025);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("88.00"));
    assert_eq!(f.cip.as_deref(), Some("1234567"));
}
