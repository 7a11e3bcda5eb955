//! What receipts outside the fixtures print: English labels, values split across blocks, every
//! thousands separator, misread currency signs, and fields read with too little confidence.

use super::*;

fn fields(sheet: &Sheet) -> VoucherFields {
    extract(&sheet.lines()).fields
}

#[test]
fn a_field_read_with_too_little_confidence_has_no_value_and_says_why() {
    let sheet = Sheet::new()
        .text("CIP: 85131377", 0.08, 0.10)
        .text_with_confidence("Importe: S/ 150.00", 0.08, 0.15, 30.0);
    let e = extract(&sheet.lines());
    assert_eq!(e.fields.cip.as_deref(), Some("85131377"));
    assert_eq!(e.fields.amount, None, "a guess is never given");
    assert_eq!(e.field_confidence.amount, Some(300));
    assert_eq!(
        e.unread[&VoucherField::Amount],
        "read 150.00 with confidence 0.3, under 0.5"
    );
    // The currency printed with that amount is as unsure as it.
    assert_eq!(e.fields.currency, None);
}

#[test]
fn an_english_bank_app() {
    let sheet = Sheet::new()
        .text("Payment successful", 0.08, 0.05)
        .pair("Payment code", "42829570", 0.15)
        .pair("Transaction number", "064140616", 0.20)
        .pair("Amount", "US$ 1,250.00", 0.25)
        .pair("Available balance", "US$ 4,120.33", 0.30)
        .pair("Date", "Mar 20, 2026 3:42 PM", 0.35)
        .pair("Reference", "88451277", 0.40);
    let f = fields(&sheet);
    assert_eq!(f.cip.as_deref(), Some("42829570"));
    assert_eq!(f.operation_number.as_deref(), Some("064140616"));
    assert_eq!(f.amount.as_deref(), Some("1250.00"));
    assert_eq!(f.currency, Some(Currency::Usd));
    assert_eq!(f.paid_at.as_deref(), Some("2026-03-20T15:42:00-05:00"));
}

#[test]
fn the_currency_sign_as_a_block_of_its_own() {
    // A wallet: the sign small at the left of the big figure, or on the line over it.
    let beside = Sheet::new()
        .text_sized("S/", 0.30, 0.10, 0.03)
        .text_sized("1'250.00", 0.40, 0.08, 0.06)
        .text("CIP: 85131377", 0.08, 0.25);
    let f = fields(&beside);
    assert_eq!(f.amount.as_deref(), Some("1250.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
    let over = Sheet::new()
        .text_sized("US$", 0.40, 0.05, 0.03)
        .text_sized("1 250.00", 0.40, 0.09, 0.06)
        .text("CIP: 85131377", 0.08, 0.25)
        .text("Yape: pagaste S/ 3.00 de comision", 0.08, 0.35);
    let f = fields(&over);
    assert_eq!(f.amount.as_deref(), Some("1250.00"));
    assert_eq!(
        f.currency,
        Some(Currency::Usd),
        "the sign over the figure wins"
    );
}

#[test]
fn misread_signs_and_separators() {
    for (amount, want) in [
        ("$/ 1.250,00", "1250.00"),
        ("5/ 1 250.00", "1250.00"),
        ("S/.1'250.00", "1250.00"),
        ("S/ 150", "150.00"),
    ] {
        let sheet = Sheet::new().text("CIP: 85131377", 0.08, 0.10).text(
            &format!("Importe: {amount}"),
            0.08,
            0.15,
        );
        let f = fields(&sheet);
        assert_eq!(f.amount.as_deref(), Some(want), "{amount}");
        assert_eq!(f.currency, Some(Currency::Pen), "{amount}");
    }
}

#[test]
fn a_due_date_printed_before_the_payment_date_is_not_it() {
    let sheet = Sheet::new()
        .text("Fecha de vencimiento: 30/11/2026 23:59", 0.08, 0.10)
        .text("Código CIP: 85131377", 0.08, 0.15)
        .text("Pedido #1001", 0.08, 0.20)
        .text(
            "Pagado el lunes, 2 de noviembre de 2026 a las 3:42 p. m.",
            0.08,
            0.25,
        )
        .text("Monto: $ 45.50", 0.08, 0.30)
        .text("Moneda: Dólares", 0.08, 0.35);
    let f = fields(&sheet);
    assert_eq!(f.paid_at.as_deref(), Some("2026-11-02T15:42:00-05:00"));
    assert_eq!(f.cip.as_deref(), Some("85131377"));
    assert_eq!(f.amount.as_deref(), Some("45.50"));
    assert_eq!(f.currency, Some(Currency::Usd));
}

#[test]
fn a_bank_tellers_header_row_carries_the_operation_number() {
    let sheet = Sheet::new()
        .text("BBVA", 0.03, 0.03)
        .text(
            "25-10-2025 19:18:14 OF.9656 CAJ.38 SEC:0220233500",
            0.03,
            0.12,
        )
        .text("CODIGO PAGOEFECTIVO: 705737206", 0.03, 0.34)
        .text("MONTO PAGADO.......: 11618.50", 0.03, 0.42)
        .text("TIPO DE MONEDA.....: NUEVOS SOLES", 0.03, 0.49)
        .text("Secuencia: 4521", 0.03, 0.56);
    let f = fields(&sheet);
    assert_eq!(f.operation_number.as_deref(), Some("0220233500"));
    assert_eq!(f.cip.as_deref(), Some("705737206"));
    assert_eq!(f.amount.as_deref(), Some("11618.50"));
    assert_eq!(f.paid_at.as_deref(), Some("2025-10-25T19:18:14-05:00"));
}

#[test]
fn an_agents_pago_cargo_total_ticket() {
    let sheet = Sheet::new()
        .text("PAGO", 0.20, 0.30)
        .text("PAGOEFECTIVO", 0.45, 0.30)
        .text("N° CIP........: 47971670", 0.05, 0.40)
        .text("PAGADO EL.....: 1 ABR. 2027 18:50", 0.05, 0.47)
        .text("PAGO..........: S/ 3,811.00", 0.05, 0.61)
        .text("CARGO.........: S/ 4.50", 0.05, 0.68)
        .text("TOTAL.........: S/ 3,815.50", 0.05, 0.75)
        .text("VALIDO COMO CONSTANCIA DE PAGO", 0.10, 0.85)
        .text("CONSULTAS: (01) 311-9898", 0.10, 0.89);
    let f = fields(&sheet);
    assert_eq!(
        f.amount.as_deref(),
        Some("3811.00"),
        "PAGO is the CIP's amount"
    );
    assert_eq!(f.currency, Some(Currency::Pen));
    // Without its own line the amount is the total less the agent's charge, never the phone.
    let sheet = Sheet::new()
        .text("N° CIP........: 47971670", 0.05, 0.40)
        .text("CARGO.........: S/ 4.50", 0.05, 0.68)
        .text("TOTAL.........: S/ 3,815.50", 0.05, 0.75)
        .text("VALIDO COMO CONSTANCIA DE PAGO", 0.10, 0.85)
        .text("CONSULTAS: (01) 311-9898", 0.10, 0.89);
    assert_eq!(fields(&sheet).amount.as_deref(), Some("3811.00"));
}

#[test]
fn an_e_mail_names_the_cip_in_a_sentence_and_its_sending_time_is_not_the_payment() {
    let sheet = Sheet::new()
        .text("Enviado: 01/10/2025 13:31", 0.05, 0.14)
        .text(
            "Te confirmamos que el pago de tu pedido #873968 en",
            0.05,
            0.34,
        )
        .text(
            "Moda Lima SAC se realizó con éxito con el código CIP",
            0.05,
            0.385,
        )
        .text(
            "68276993. A continuación el detalle de la operación.",
            0.05,
            0.43,
        )
        .text("Orden: #873968", 0.05, 0.49)
        .text("Total pagado: 2.240,07 Nuevos Soles", 0.05, 0.63)
        .text("Vencimiento: 2025-10-02 03:26", 0.05, 0.72)
        .text("Nro. de transacción: 818356010", 0.05, 0.80);
    let e = extract(&sheet.lines());
    assert_eq!(e.fields.cip.as_deref(), Some("68276993"));
    assert_eq!(e.fields.operation_number.as_deref(), Some("818356010"));
    assert_eq!(e.fields.amount.as_deref(), Some("2240.07"));
    assert_eq!(
        e.fields.paid_at, None,
        "sent and due times are not the payment's"
    );
    assert_eq!(e.unread[&VoucherField::PaidAt], "not found");
}

#[test]
fn a_bare_figure_under_its_sign() {
    let sheet = Sheet::new()
        .text_sized("S/", 0.47, 0.10, 0.03)
        .text_sized("1,805", 0.32, 0.14, 0.08)
        .text("cód. CIP", 0.08, 0.48)
        .text("585513497", 0.08, 0.50);
    let f = fields(&sheet);
    assert_eq!(f.amount.as_deref(), Some("1805.00"));
    assert_eq!(f.currency, Some(Currency::Pen));
    // With no sign anywhere near, a bare integer is nobody's amount.
    let sheet =
        Sheet::new()
            .text_sized("1,805", 0.32, 0.14, 0.08)
            .text("CIP: 585513497", 0.08, 0.48);
    assert_eq!(fields(&sheet).amount, None);
}

#[test]
fn clock_digits_read_as_letters_or_a_doubled_colon() {
    for (date, want) in [
        ("2025-08-09 B:46 AM", "2025-08-09T08:46:00-05:00"),
        ("06-OCT-2027 09::54", "2027-10-06T09:54:00-05:00"),
        ("10 de julio de 2027 09:lI", "2027-07-10T09:11:00-05:00"),
        ("27 de mayo de 2026 S:45 p. m.", "2026-05-27T17:45:00-05:00"),
    ] {
        let sheet = Sheet::new().text("CIP: 85131377", 0.08, 0.10).text(
            &format!("Fecha de pago: {date}"),
            0.08,
            0.15,
        );
        assert_eq!(fields(&sheet).paid_at.as_deref(), Some(want), "{date}");
    }
}
