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
