//! The words real Peruvian receipts print: label synonyms for each field, in Spanish and English,
//! channel, shop and payer names, month and weekday names.

/// Spanish labels of the CIP (PagoEfectivo's payment code).
pub(crate) const CIP_ES: &[&str] = &[
    "CIP",
    "Código CIP",
    "Cod. CIP",
    "Cód. CIP",
    "Código de pago",
    "Cod. pago",
    "Código de usuario",
    "Código",
    "Nro. CIP",
    "N° CIP",
    "Código PagoEfectivo",
];

/// English labels of the CIP.
pub(crate) const CIP_EN: &[&str] = &[
    "Payment code",
    "CIP code",
    "CIP",
    "PagoEfectivo code",
    "Code",
];

/// Spanish labels of the operation number.
pub(crate) const OP_ES: &[&str] = &[
    "Nro. de operación",
    "N° de operación",
    "Nº de operación",
    "Número de operación",
    "Código de operación",
    "Cód. operación",
    "Operación",
    "Nro operacion",
    "Op",
    "Nro. Op.",
    "N° Op.",
    "Nro. de transacción",
    "Nro. Transacc.",
    "Trans.",
];

/// English labels of the operation number.
pub(crate) const OP_EN: &[&str] = &[
    "Transaction number",
    "Operation number",
    "Transaction ID",
    "Operation No.",
    "Transaction No.",
];

/// Spanish labels of the amount (never one that could mean "total with commission").
pub(crate) const AMOUNT_ES: &[&str] = &[
    "Importe",
    "Importe pagado",
    "Monto",
    "Monto pagado",
    "Total",
    "Total pagado",
    "Monto total",
];

/// Amount labels for receipts that also print a commission and a total.
pub(crate) const AMOUNT_NET_ES: &[&str] = &[
    "Importe",
    "Monto",
    "Importe pago",
    "Importe servicio",
    "Monto del servicio",
    "Pago",
];

/// English labels of the amount.
pub(crate) const AMOUNT_EN: &[&str] = &["Amount", "Amount paid", "Total", "Total paid"];

/// Spanish labels of the payment date.
pub(crate) const DATE_ES: &[&str] = &[
    "Fecha",
    "Fecha y hora",
    "Fecha pago",
    "Fecha de pago",
    "Fecha de operación",
    "Pagado el",
];

/// English labels of the payment date.
pub(crate) const DATE_EN: &[&str] = &["Date", "Date and time", "Payment date", "Paid on"];

/// Labels of the due date of the code, printed before the payment date in some receipts.
pub(crate) const DUE_ES: &[&str] = &[
    "Fecha de vencimiento",
    "Válido hasta",
    "Vence",
    "Fecha de expiración",
    "Vencimiento",
];

/// Labels of the code's issue date.
pub(crate) const ISSUE_ES: &[&str] = &["Fecha de emisión", "Emitido el", "Fecha de generación"];

/// Agents and their banks, as printed at the top of an agent ticket.
pub(crate) const AGENTS: &[&str] = &[
    "AGENTE BCP",
    "AGENTE INTERBANK",
    "AGENTE BBVA",
    "KASNET",
    "WESTERN UNION",
    "AGENTE SCOTIABANK",
    "AGENTE BANBIF",
    "FULLCARGA",
];

/// Banks whose apps and web banking pay PagoEfectivo codes.
pub(crate) const BANKS: &[&str] = &[
    "BCP",
    "Interbank",
    "BBVA",
    "Scotiabank",
    "BanBif",
    "Banco Pichincha",
    "Caja Arequipa",
    "Caja Huancayo",
];

/// Wallets.
pub(crate) const WALLETS: &[&str] = &["Yape", "Plin", "Tunki", "Bim", "Agora"];

/// Shops with a POS that sells PagoEfectivo payments.
pub(crate) const STORES: &[&str] = &[
    "TAMBO+",
    "OXXO",
    "MASS",
    "PLAZA VEA",
    "TOTTUS",
    "INKAFARMA",
    "MIFARMA",
    "LISTO!",
    "REPSOL",
    "METRO",
];

/// Bodegas and agent shop names.
pub(crate) const SHOPS: &[&str] = &[
    "BODEGA DON LUCHO",
    "MINIMARKET SAN JUAN",
    "BAZAR LA ECONOMICA",
    "FARMACIA SANTA ROSA",
    "LIBRERIA EL ESTUDIANTE",
    "BODEGA MI PERU",
    "INVERSIONES QUISPE E.I.R.L.",
    "MULTISERVICIOS ROSITA",
];

/// Merchants a buyer pays through PagoEfectivo.
pub(crate) const MERCHANTS: &[&str] = &[
    "Tienda Kallpa SAC",
    "Cusco Outdoor EIRL",
    "Andes Market",
    "Librería Amauta",
    "Moda Lima SAC",
    "Inka Tech Store",
    "Viajes Pachacamac",
    "Colegio San Martín",
];

/// Payers' names.
pub(crate) const PAYERS: &[&str] = &[
    "María Fernanda Quispe",
    "José Luis Huamán",
    "Rosa Elena Mamani",
    "Carlos Alberto Flores",
    "Lucía Vargas Rojas",
    "Jorge Chávez Ccori",
    "Ana Sofía Paredes",
    "Miguel Ángel Torres",
];

/// Peruvian districts, for agents' addresses.
pub(crate) const DISTRICTS: &[&str] = &[
    "SAN JUAN DE LURIGANCHO",
    "MIRAFLORES",
    "LOS OLIVOS",
    "SURQUILLO",
    "CHORRILLOS",
    "ATE",
    "CERCADO DE LIMA",
    "AREQUIPA",
    "TRUJILLO",
    "CUSCO",
];

/// Titles of a successful payment in apps.
pub(crate) const TITLES_ES: &[&str] = &[
    "Pago realizado",
    "¡Listo!",
    "Operación exitosa",
    "¡Pago exitoso!",
    "Constancia de pago",
    "Pagaste",
    "Pago de servicio",
];

/// English titles of a successful payment.
pub(crate) const TITLES_EN: &[&str] = &[
    "Payment successful",
    "Done!",
    "Payment completed",
    "Transaction receipt",
    "You paid",
];

pub(crate) const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

pub(crate) const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Monday first, as chrono numbers them.
pub(crate) const WEEKDAYS_ES: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];

/// `s` without Spanish accents (as thermal printers and careless OCR write it).
pub(crate) fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' | 'Ü' => 'U',
            'Ñ' => 'N',
            '¡' => '!',
            'º' | '°' => 'o',
            c => c,
        })
        .collect()
}

/// Words title case leaves in lower case (unless first).
const SMALL_WORDS: &[&str] = &[
    "de", "del", "el", "la", "y", "a", "en", "por", "con", "and", "of", "to", "on",
];

/// `s` in title case: every word capitalised except short connecting words.
pub(crate) fn title_case(s: &str) -> String {
    s.split(' ')
        .enumerate()
        .map(|(i, w)| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) if i == 0 || !SMALL_WORDS.contains(&w) => {
                    first.to_uppercase().chain(cs).collect::<String>()
                }
                _ => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_dropped_and_titles_capitalised() {
        assert_eq!(strip_accents("Número de operación"), "Numero de operacion");
        assert_eq!(strip_accents("N° CIP"), "No CIP");
        assert_eq!(title_case("número de operación"), "Número de Operación");
        assert_eq!(title_case("date and time"), "Date and Time");
        assert_eq!(title_case("cód. op"), "Cód. Op");
    }
}
