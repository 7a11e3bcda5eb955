//! The labels receipts print before their values, on folded text (upper case, no accents).

use std::sync::LazyLock;

use regex::Regex;

use super::amounts::currency_marks;
use super::text::is_number_like;

/// What a label announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Label {
    /// `CIP`, `Código CIP`, `Código de pago`, `Código de usuario`…
    Cip,
    /// A bare `Código`: a CIP only when nothing more specific says so.
    CipGeneric,
    Operation,
    /// `Importe`, `Monto`, `Importe pagado`: the CIP's amount.
    Amount,
    /// `Total`: may include the agent's commission.
    Total,
    Commission,
    /// `Saldo disponible`: the account's balance after paying.
    Balance,
    /// The bank's `ITF` tax.
    Tax,
    PaidDate,
    /// Due or issue dates of the code, not of the payment.
    OtherDate,
    Time,
    Currency,
    Payer,
    /// Numbers that are none of ours: RUC, terminal, phone, agent, account, card…
    Other,
}

impl Label {
    /// Labels whose value is words, so a word after them does not make them a title.
    fn takes_words(self) -> bool {
        matches!(self, Label::Currency | Label::Payer)
    }

    fn is_date(self) -> bool {
        matches!(self, Label::PaidDate | Label::OtherDate | Label::Time)
    }
}

/// `Nro.`, `N°`, `Nº`, `Num.`, `Número`, `No.`
const NUM: &str = r"N(?:RO|UM|UMERO|O)?\s*[.°*]?\s*";
const COD: &str = r"COD(?:IGO)?\s*\.?\s*";

static PATTERNS: LazyLock<Vec<(Label, Regex)>> = LazyLock::new(|| {
    let table: Vec<(Label, String)> = vec![
        (
            Label::Cip,
            format!(
                r"{COD}(?:DE\s+)?PAGO\s*EFECTIVO|PAGO\s*EFECTIVO\s+(?:CODE|CIP)|{COD}(?:DE\s+)?PAGO(?:\s+CIP)?|{COD}(?:DE(?:L)?\s+)?USUARIO|{COD}CIP|{NUM}(?:DE(?:L)?\s+)?CIP|PAYMENT\s+CODE(?:\s+CIP)?|CIP\s+(?:CODE|NUMBER|NO\.?|#)|CIP"
            ),
        ),
        (Label::CipGeneric, "CODIGO|CODE".to_string()),
        (
            Label::Operation,
            format!(
                r"{COD}(?:DE\s+)?OPERACION|{NUM}(?:DE\s+)?(?:OPERACION|OPER|OPE|OP)|{NUM}(?:DE\s+)?TRANSACCION|(?:ID|{COD})(?:DE\s+)?TRANSACCION|TRANSACCION|OPERACION(?:\s+N(?:RO|UM|O)?\s*[.°*]?)?|{NUM}TRANS(?:ACC?)?\b\.?|TRANS(?:ACC?)?\b\.?(?:\s*{NUM})?|(?:TRANSACTION|OPERATION)(?:\s+(?:NUMBER|NO\b\.?|ID|#))?|TXN(?:\s+ID)?|OPER\b\.?|OP|SEC\b\.?\s*:"
            ),
        ),
        (
            Label::Total,
            r"(?:IMPORTE|MONTO)\s+TOTAL|TOTAL(?:\s+(?:PAGADO|A\s+PAGAR|COBRADO|CARGADO|DEBITADO|PAID|AMOUNT|CHARGED))?(?:\s+EN)?"
                .to_string(),
        ),
        (
            Label::Amount,
            r"(?:IMPORTE|MONTO)\s+(?:DEL?\s+)?SERVICIO|(?:IMPORTE|MONTO)(?:\s+(?:PAGADO|DEL?\s+PAGO|A\s+PAGAR|CIP|DE\s+LA\s+OPERACION|DE\s+OPERACION))?(?:\s+EN)?|(?:PAID\s+|PAYMENT\s+)?AMOUNT(?:\s+PAID)?|PAGO"
                .to_string(),
        ),
        (
            Label::Commission,
            r"COMISION(?:\s+(?:DEL\s+)?AGENTE)?|CARGO(?:\s+(?:POR\s+)?SERVICIO)?|COM\.?\s*:|(?:SERVICE\s+|AGENT\s+)?(?:FEE|COMMISSION)".to_string(),
        ),
        (
            Label::Balance,
            r"SALDO(?:\s+(?:DISPONIBLE|CONTABLE|ACTUAL|FINAL))?|(?:AVAILABLE\s+|CURRENT\s+)?BALANCE(?:\s+AVAILABLE)?".to_string(),
        ),
        (Label::Tax, "ITF".to_string()),
        (
            Label::OtherDate,
            r"FEC(?:HA)?\s*\.?\s*(?:DE\s+)?(?:VENCIMIENTO|VENC|VTO|EMISION|EXPIRACION|CADUCIDAD)|VENCIMIENTO|VENCE|EMISION|EXPIRA|CADUCA|VALIDO\s+HASTA|DUE\s+DATE|EXPIR(?:Y|ES|ATION)(?:\s+DATE)?|VALID\s+(?:UNTIL|THROUGH)|ISSUED?(?:\s+(?:DATE|ON))?|(?:EMITIDO|ENVIADO|GENERADO|CREADO)(?:\s+EL)?|FECHA\s+DE\s+(?:ENVIO|CREACION)|SENT(?:\s+ON)?"
                .to_string(),
        ),
        (
            Label::PaidDate,
            r"FECHA\s*(?:Y|/|&|-)\s*HORA(?:\s+(?:DE\s+)?(?:PAGO|OPERACION|TRANSACCION))?|FECHA\s+(?:DE\s+)?(?:LA\s+)?(?:PAGO|OPERACION|TRANSACCION|ABONO|CARGO)|PAGADO\s+EL|REALIZADO\s+EL|FECHA|FEC|DATE\s*(?:AND|&|/)\s*TIME|(?:PAYMENT|TRANSACTION|OPERATION)\s+DATE|PAID\s+ON|DATE"
                .to_string(),
        ),
        (
            Label::Time,
            r"HORA(?:\s+(?:DE\s+)?(?:PAGO|OPERACION|TRANSACCION))?|TIME".to_string(),
        ),
        (Label::Currency, "MONEDA|DIVISA|CURRENCY".to_string()),
        (
            Label::Payer,
            r"NOMBRE(?:\s+DEL?\s+(?:CLIENTE|PAGADOR|TITULAR|USUARIO))?|CLIENTE|TITULAR|PAGADOR|ORDENANTE|PAGADO\s+POR|REMITENTE|(?:CUSTOMER\s+|PAYER\s+)?NAME|CUSTOMER|PAYER|PAID\s+BY|(?:ACCOUNT\s+)?HOLDER"
                .to_string(),
        ),
        (
            Label::Other,
            format!(
                r"RUC|(?:ID\s+|{NUM})?TERMINAL|TERM|TELEFONO|TELF|TEL|CELULAR|CEL|MOVIL|{COD}(?:DE(?:L)?\s+)?AGENTE|(?:ID|NRO)\s+AGENTE|AGENTE|{NUM}(?:DE\s+)?(?:CUENTA|TARJETA)|CUENTA(?:\s+(?:DE\s+)?(?:CARGO|ORIGEN|ABONO|DESTINO))?|CTA|TARJETA|DNI|DOCUMENTO|LOTE|SERIE|SECUENCIA|SEQUENCE|CAJERO|EMPRESA|SERVICIO|COMERCIO|ESTABLECIMIENTO|SUCURSAL|OFICINA|DIRECCION|REFERENCE(?:\s+(?:NUMBER|NO))?|REFERENCIA|REF|{COD}(?:DE\s+)?AUTORIZACION|AUTORIZACION|TIPO\s+DE\s+(?:OPERACION|PAGO|CAMBIO|SERVICIO)|CONCEPTO|BENEFICIARIO|{NUM}(?:DE\s+)?(?:PEDIDO|ORDEN|TICKET|BOLETA|CAJA)|PEDIDO|ORDEN(?:\s+DE\s+COMPRA)?|TICKET|BOLETA|CAJA|(?:FROM\s+|TO\s+)?ACCOUNT(?:\s+(?:NUMBER|NO))?|CARD(?:\s+NUMBER)?|PHONE|MOBILE|ORDER(?:\s+(?:NUMBER|NO|ID|#))?|MERCHANT|STORE|BRANCH|AUTH(?:ORIZATION)?(?:\s+CODE)?|APPROVAL\s+CODE|BENEFICIARY|SERVICE|OF\b\.|CAJ\b\.|VUELTO|CAMBIO|EFECTIVO\s+RECIBIDO|RECIBIDO|CHANGE|CASH|EFECTIVO"
            ),
        ),
    ];
    table
        .into_iter()
        .map(|(label, pattern)| {
            let regex = Regex::new(&format!(r"\b(?:{pattern})")).expect("static label regex");
            (label, regex)
        })
        .collect()
});

const WEEKDAYS: [&str; 7] = [
    "LUNES",
    "MARTES",
    "MIERCOLES",
    "JUEVES",
    "VIERNES",
    "SABADO",
    "DOMINGO",
];

/// A label found in a row's folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub label: Label,
    /// Byte range in the row's folded text.
    pub start: usize,
    pub end: usize,
}

/// The labels in one row's folded text, left to right, never overlapping (the longest wins where two
/// start together: `CODIGO DE OPERACION` is not `CODIGO`). `cells` are the byte ranges of the row's
/// separate OCR lines: a label that ends its line is a label whatever the next line says.
pub(crate) fn find_labels(folded: &str, cells: &[(usize, usize)]) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for (label, regex) in PATTERNS.iter() {
        for m in regex.find_iter(folded) {
            let hit = Hit {
                label: *label,
                start: m.start(),
                end: m.end(),
            };
            let cell_end = cells
                .iter()
                .find(|(s, e)| hit.start >= *s && hit.start < *e)
                .map_or(folded.len(), |c| c.1);
            let cell_start = cells
                .iter()
                .find(|(s, e)| hit.start >= *s && hit.start < *e)
                .map_or(0, |c| c.0);
            // `EFECTIVO` heads the cash a store took, but only where it starts its block (`PAGO
            // EFECTIVO` is the gateway's name).
            let cash_not_first = *label == Label::Other
                && &folded[hit.start..hit.end] == "EFECTIVO"
                && !folded[cell_start..hit.start].trim().is_empty();
            // A bare `PAGO` heads an amount only when a figure or a sign follows it in its row:
            // otherwise it is a title (`PAGO` / `PAGOEFECTIVO`, `Confirmación de pago - Pedido`).
            let bare = &folded[hit.start..hit.end] == "PAGO";
            if hit.end <= cell_end
                && !cash_not_first
                && stands_alone(folded, &hit)
                && introduces_value(folded, &hit, cell_end)
                && (!bare || figure_follows(&folded[hit.end..]))
                && !is_complement(folded, &hit, cell_start, cell_end)
            {
                hits.push(hit);
            }
        }
    }
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        match kept.last_mut() {
            Some(k) if hit.start < k.end => {}
            // `Código de pago (CIP)`: one label said twice.
            Some(k)
                if same_field(k.label, hit.label)
                    && folded[k.end..hit.start]
                        .chars()
                        .all(|c| c.is_whitespace() || "()-/:.".contains(c)) =>
            {
                k.end = hit.end;
            }
            _ => kept.push(hit),
        }
    }
    kept
}

/// The row goes on, past leaders and a colon, with a figure or a currency sign.
fn figure_follows(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '.', ':', '=', '-']);
    rest.starts_with(|c: char| c.is_ascii_digit()) || opens_with_sign(rest)
}

/// The text starts with a currency sign (`S/`, `US$`, `PEN`…), or with `5/`, OCR's `S/`.
fn opens_with_sign(text: &str) -> bool {
    text.starts_with("5/") || currency_marks(text).first().is_some_and(|m| m.start == 0)
}

fn same_field(a: Label, b: Label) -> bool {
    let cip = |l| matches!(l, Label::Cip | Label::CipGeneric);
    a == b || (cip(a) && cip(b))
}

/// `Detalle de la operación`, `Datos del cliente`: a label word as the complement of a short title,
/// with nothing after it on its line, heads a section and is no label; nor is one that ends a
/// sentence (`…el detalle de la operación.`). A longer line is prose that may go on with its value
/// on the next line (`…se realizó con éxito con el código CIP` / `68276993.`).
fn is_complement(folded: &str, hit: &Hit, cell_start: usize, cell_end: usize) -> bool {
    let before = folded[cell_start..hit.start].trim_end();
    let after = folded[hit.end..cell_end].trim();
    let last_word = before.rsplit(' ').next().unwrap_or("");
    let of_a_title = matches!(last_word, "DE" | "DEL" | "LA" | "EL" | "SU" | "TU");
    let words = before
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    let title = after.is_empty() && words <= 6;
    of_a_title && (title || after == ".")
}

/// Not part of a longer word (`SUBTOTAL`, `OPERACIONES`, `CIPS`).
fn stands_alone(folded: &str, hit: &Hit) -> bool {
    let before = folded[..hit.start].chars().next_back();
    let after = folded[hit.end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphabetic)
}

/// A label is followed by its value, a colon, a currency sign, or nothing more on its line; a word
/// after it makes it a title (`Operación realizada`).
fn introduces_value(folded: &str, hit: &Hit, cell_end: usize) -> bool {
    let rest = folded[hit.end..cell_end].trim_start();
    let Some(first) = rest.chars().next() else {
        return true;
    };
    if first.is_ascii_digit()
        || matches!(
            first,
            ':' | '.' | '#' | '-' | '=' | '(' | ')' | '°' | '/' | ',' | '|' | '*'
        )
    {
        return true;
    }
    if hit.label.takes_words() {
        return true;
    }
    if opens_with_sign(rest) {
        return true;
    }
    let word: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
    if is_number_like(&word) {
        return true;
    }
    // `Paid on Mar 20, 2026`, `Fecha: Miércoles 25 nov.`: a date that starts with a word.
    hit.label.is_date()
        && (WEEKDAYS.contains(&word.as_str())
            || super::dates::find_dates(rest)
                .first()
                .is_some_and(|d| d.start == 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::fold;

    fn labels(text: &str) -> Vec<Label> {
        let folded = fold(text);
        find_labels(&folded, &[(0, folded.len())])
            .iter()
            .map(|h| h.label)
            .collect()
    }

    #[test]
    fn cip_labels() {
        for text in [
            "CIP: 1234567",
            "Código CIP: 1234567",
            "Cod. CIP 1234567",
            "Código de pago: 1234567",
            "Cod. pago: 1234567",
            "Código de usuario 1234567",
            "Nro. CIP: 1234567",
        ] {
            assert_eq!(labels(text), vec![Label::Cip], "{text}");
        }
        assert_eq!(labels("Código: 1234567"), vec![Label::CipGeneric]);
        assert_eq!(labels("Codigo 1234567"), vec![Label::CipGeneric]);
    }

    #[test]
    fn operation_labels() {
        for text in [
            "Nro. de operación: 123456",
            "N° de operación: 123456",
            "Nº de operacion 123456",
            "Número de operación 123456",
            "Código de operación: 123456",
            "Operación: 123456",
            "Nro operacion 123456",
            "OP:123456",
            "Op. 123456",
            "Nro. de transacción: 123456",
            "NRO OPERACION: 123456",
            "Operación N° 123456",
        ] {
            assert_eq!(labels(text), vec![Label::Operation], "{text}");
        }
    }

    #[test]
    fn a_label_said_twice_is_one_label() {
        let folded = fold("Código de pago (CIP): 1234567");
        let hits = find_labels(&folded, &[(0, folded.len())]);
        assert_eq!(hits.len(), 1);
        assert_eq!(&folded[hits[0].end..], "): 1234567");
    }

    #[test]
    fn titles_are_not_labels() {
        assert!(labels("Detalle de la operación").is_empty());
        assert!(labels("Datos del cliente").is_empty());
        assert!(labels("Operación realizada").is_empty());
        assert!(labels("¡Operación exitosa!").is_empty());
        assert!(labels("Código de servicio").is_empty());
        assert!(labels("AGENTE BCP").is_empty());
        assert!(labels("SUBTOTAL 5.00").is_empty());
        assert!(labels("PAGO EFECTIVO").is_empty());
        assert!(labels("VALIDO COMO CONSTANCIA DE PAGO").is_empty());
        assert!(labels("A continuación el detalle de la operación.").is_empty());
        assert!(labels("PAGO DE SERVICIOS").is_empty());
        assert!(labels("Confirmación de pago - Pedido ++4960").is_empty());
        // A title's complement in a long line is prose whose value may follow on the next line.
        assert_eq!(
            labels("Moda Lima SAC se realizó con éxito con el código CIP"),
            vec![Label::Cip]
        );
    }

    #[test]
    fn amount_labels() {
        for text in [
            "Importe: S/ 1.00",
            "Importe pagado S/ 1.00",
            "Monto 1.00",
            "Monto pagado: 1.00",
            "IMPORTE:S/150.00",
            "IMPORTE 5/ 150.00",
        ] {
            assert_eq!(labels(text), vec![Label::Amount], "{text}");
        }
        assert_eq!(labels("Total: S/ 1.00"), vec![Label::Total]);
        assert_eq!(labels("TOTAL S/:"), vec![Label::Total]);
        assert_eq!(labels("TOTAL US$:"), vec![Label::Total]);
        assert_eq!(labels("Monto total S/ 1.00"), vec![Label::Total]);
        assert_eq!(labels("Comisión: 1.00"), vec![Label::Commission]);
        assert_eq!(labels("Saldo disponible S/ 1.00"), vec![Label::Balance]);
        assert_eq!(labels("ITF S/ 0.05"), vec![Label::Tax]);
    }

    #[test]
    fn date_labels() {
        for text in [
            "Fecha: 25/11/2026",
            "Fecha y hora 25/11/2026",
            "Fecha pago: 25/11/2026",
            "Fecha de pago 25/11/2026",
            "Pagado el 25 nov. 2026",
            "Fecha: Miércoles 25 nov. 2026",
        ] {
            assert_eq!(labels(text), vec![Label::PaidDate], "{text}");
        }
        for text in [
            "Fecha vencimiento: 30/11/2026",
            "Fecha de vencimiento 30/11/2026",
            "Fecha de emisión: 20/11/2026",
            "Fec. venc. 30/11/2026",
        ] {
            assert_eq!(labels(text), vec![Label::OtherDate], "{text}");
        }
    }

    #[test]
    fn two_fields_on_one_line() {
        assert_eq!(
            labels("OP:123456 FECHA:25/11/2026"),
            vec![Label::Operation, Label::PaidDate]
        );
        assert_eq!(
            labels("FECHA: 20/03/2026 HORA: 10:28:19"),
            vec![Label::PaidDate, Label::Time]
        );
    }

    #[test]
    fn english_labels() {
        for (text, want) in [
            ("Payment code: 1234567", Label::Cip),
            ("Código PagoEfectivo 1234567", Label::Cip),
            ("IMPORTE SERVICIO: S/ 1.00", Label::Amount),
            ("COM.: S/ 2.50", Label::Commission),
            ("CIP code 1234567", Label::Cip),
            ("CIP number: 1234567", Label::Cip),
            ("Code: 1234567", Label::CipGeneric),
            ("Transaction number: 123456", Label::Operation),
            ("Transaction ID 123456", Label::Operation),
            ("Operation No. 123456", Label::Operation),
            ("Nro. Trans. 123456", Label::Operation),
            ("Amount: S/ 1.00", Label::Amount),
            ("Amount paid S/ 1.00", Label::Amount),
            ("Total paid: S/ 1.00", Label::Total),
            ("Fee: 1.00", Label::Commission),
            ("Available balance S/ 1.00", Label::Balance),
            ("Date: Mar 20, 2026", Label::PaidDate),
            ("Date and time: Mar 20, 2026", Label::PaidDate),
            ("Payment date 20/03/2026", Label::PaidDate),
            ("Due date: 30/03/2026", Label::OtherDate),
            ("Valid until 30/03/2026", Label::OtherDate),
            ("Time: 3:42 PM", Label::Time),
            ("Currency: US Dollars", Label::Currency),
            ("Reference: 884512", Label::Other),
            ("Order #1001", Label::Other),
            ("Nro. de pedido: 1001", Label::Other),
            ("Account number 193-1234", Label::Other),
            ("OPER.495937583", Label::Operation),
            ("PagoEfectivo code 760813736", Label::Cip),
            ("EFECTIVO 100.00", Label::Other),
            ("VUELTO 33.46", Label::Other),
            ("SEC:0220233500", Label::Operation),
            ("Secuencia: 4521", Label::Other),
            ("PAGO..........: S/ 3,811.00", Label::Amount),
            ("CARGO: S/ 4.50", Label::Commission),
            ("Enviado: 01/10/2025 13:31", Label::OtherDate),
            ("Emitido el 30/09/2025 14:49", Label::OtherDate),
            ("Sent on Mar 20, 2026", Label::OtherDate),
        ] {
            assert_eq!(labels(text), vec![want], "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_ours_have_labels() {
        for text in [
            "RUC 20100047218",
            "TERMINAL: 69374",
            "Teléfono: 987654321",
            "Cod. agente 12345",
            "Cuenta de cargo 0011-0584-73******26",
            "Tarjeta ****1234",
        ] {
            assert_eq!(labels(text), vec![Label::Other], "{text}");
        }
    }
}
