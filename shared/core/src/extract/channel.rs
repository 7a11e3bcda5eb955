//! The bank, wallet or agent network a voucher names.

use std::sync::LazyLock;

use regex::Regex;

/// Name printed (folded) → the name we report. Agent networks first: `AGENTE BCP` is not the bank's app.
const CHANNELS: [(&str, &str); 27] = [
    (r"AGENTE\s+BCP|BCP\s+AGENTE|AGENTE\s+VIABCP", "Agente BCP"),
    (
        r"AGENTE\s+BBVA|BBVA\s+AGENTE|AGENTE\s+EXPRESS",
        "Agente BBVA",
    ),
    (r"AGENTE\s+INTERBANK|INTERBANK\s+AGENTE", "Agente Interbank"),
    (r"AGENTE\s+MULTIRED|MULTIRED", "Agente Multired"),
    (
        r"CAJERO\s+EXPRESS|AGENTE\s+SCOTIABANK",
        "Cajero Express Scotiabank",
    ),
    (r"KASNET", "Kasnet"),
    (r"WESTERN\s+UNION", "Western Union"),
    (r"TAMBO", "Tambo"),
    (r"FULL\s*CARGA", "FullCarga"),
    (r"GLOBOKAS", "Globokas"),
    (r"YAPE\w*", "Yape"),
    (r"PLIN", "Plin"),
    (r"TUNKI", "Tunki"),
    (r"BCP|BANCO\s+DE\s+CREDITO|VIABCP", "BCP"),
    (r"BBVA(?:\s+CONTINENTAL)?", "BBVA"),
    (r"INTERBANK", "Interbank"),
    (r"SCOTIABANK|SCOTIA", "Scotiabank"),
    (
        r"BANCO\s+DE\s+LA\s+NACION|BANCO\s+NACION",
        "Banco de la Nación",
    ),
    (r"BANBIF", "BanBif"),
    (r"PICHINCHA", "Banco Pichincha"),
    (r"MIBANCO", "Mibanco"),
    (r"CAJA\s+AREQUIPA", "Caja Arequipa"),
    (r"CAJA\s+HUANCAYO", "Caja Huancayo"),
    (r"CAJA\s+PIURA", "Caja Piura"),
    (r"CAJA\s+CUSCO", "Caja Cusco"),
    (r"CAJA\s+TRUJILLO", "Caja Trujillo"),
    (r"CAJA\s+SULLANA", "Caja Sullana"),
];

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    CHANNELS
        .iter()
        .map(|(pattern, name)| {
            let regex = Regex::new(&format!(r"\b(?:{pattern})\b")).expect("static channel regex");
            (regex, *name)
        })
        .collect()
});

/// The channel a row names, if any (the most specific when it names several).
pub(crate) fn channel_in(folded_row: &str) -> Option<&'static str> {
    PATTERNS
        .iter()
        .find(|(regex, _)| regex.is_match(folded_row))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::fold;

    #[test]
    fn names() {
        for (text, want) in [
            ("BCP AGENTE", "Agente BCP"),
            ("AGENTE BCP", "Agente BCP"),
            ("Banca Móvil BCP", "BCP"),
            ("BBVA", "BBVA"),
            ("Interbank", "Interbank"),
            ("Scotiabank", "Scotiabank"),
            ("¡Yapeaste!", "Yape"),
            ("Yape", "Yape"),
            ("plin", "Plin"),
            ("KASNET", "Kasnet"),
            ("Western Union", "Western Union"),
            ("Tambo+", "Tambo"),
            ("Banco de la Nación", "Banco de la Nación"),
        ] {
            assert_eq!(channel_in(&fold(text)), Some(want), "{text}");
        }
        assert_eq!(channel_in("PAGOEFECTIVO"), None);
    }
}
