//! Every word the pages show, in Spanish and English. Strings here are ours (static), never data;
//! the few sentences that carry data are functions and get already-escaped arguments.

use crate::Lang;

pub(crate) struct Texts {
    pub title_pay: &'static str,
    pub payment_to: &'static str,
    pub order: &'static str,
    pub other_lang_name: &'static str,
    pub other_lang_code: &'static str,
    pub code_heading: &'static str,
    pub copy: &'static str,
    pub amount_label: &'static str,
    pub amount_plain: &'static str,
    pub remaining: &'static str,
    pub cip_link: &'static str,
    pub new_tab: &'static str,
    pub how_heading: &'static str,
    pub agents_heading: &'static str,
    pub agents_body: &'static str,
    pub apps_heading: &'static str,
    pub apps_body: &'static str,
    pub counter_heading: &'static str,
    pub counter_body: &'static str,
    pub keep_voucher: &'static str,
    pub voucher_heading: &'static str,
    pub voucher_heading_optional: &'static str,
    pub voucher_intro: &'static str,
    pub voucher_label: &'static str,
    pub voucher_help: &'static str,
    pub voucher_submit: &'static str,
    pub progress_label: &'static str,
    pub noscript_upload: &'static str,
    pub paid_banner: &'static str,
    pub summary_heading: &'static str,
    pub js: JsTexts,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub error_retry: &'static str,
}

/// Messages the inline script shows; handed over as JS string literals.
pub(crate) struct JsTexts {
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub expired: &'static str,
    pub no_file: &'static str,
    pub wrong_type: &'static str,
    pub too_large: &'static str,
    pub empty: &'static str,
    pub preparing: &'static str,
    pub uploading: &'static str,
    pub success: &'static str,
    pub network: &'static str,
    pub failed: &'static str,
    pub failed_detail: &'static str,
}

impl JsTexts {
    pub fn pairs(&self) -> [(&'static str, &'static str); 13] {
        [
            ("copied", self.copied),
            ("copyFailed", self.copy_failed),
            ("expired", self.expired),
            ("noFile", self.no_file),
            ("wrongType", self.wrong_type),
            ("tooLarge", self.too_large),
            ("empty", self.empty),
            ("preparing", self.preparing),
            ("uploading", self.uploading),
            ("success", self.success),
            ("network", self.network),
            ("failed", self.failed),
            ("failedDetail", self.failed_detail),
        ]
    }
}

const ES: Texts = Texts {
    title_pay: "Paga con PagoEfectivo",
    payment_to: "Pago a",
    order: "Pedido",
    other_lang_name: "English",
    other_lang_code: "en",
    code_heading: "Tu código de pago (CIP)",
    copy: "Copiar código",
    amount_label: "Monto a pagar",
    amount_plain: "Monto",
    remaining: "Tiempo restante:",
    cip_link: "Ver el código y su código de barras en PagoEfectivo",
    new_tab: "(se abre en otra pestaña)",
    how_heading: "Dónde y cómo pagar",
    agents_heading: "En agentes y tiendas",
    agents_body: "Agentes BCP, BBVA, Interbank y Scotiabank, Kasnet, Western Union y Tambo+. \
        Di que vas a pagar a PagoEfectivo, da tu código CIP y paga en efectivo.",
    apps_heading: "En la app de tu banco o banca por internet",
    apps_body: "BCP, BBVA, Interbank, Scotiabank y otros bancos: entra a «Pagar servicios», \
        elige «PagoEfectivo» como empresa o servicio e ingresa tu código CIP.",
    counter_heading: "En ventanilla del banco",
    counter_body:
        "Paga en efectivo en la ventanilla indicando que es un pago a PagoEfectivo y tu código CIP.",
    keep_voucher: "Guarda tu comprobante de pago.",
    voucher_heading: "¿Ya pagaste? Envíanos tu comprobante",
    voucher_heading_optional: "Envíanos tu comprobante (opcional)",
    voucher_intro: "Sube una foto o captura de pantalla del comprobante que te dieron al pagar.",
    voucher_label: "Foto o PDF del comprobante",
    voucher_help: "JPG, PNG o PDF, hasta 10 MB.",
    voucher_submit: "Enviar comprobante",
    progress_label: "Progreso de la subida",
    noscript_upload: "Para enviar tu comprobante, activa JavaScript en tu navegador.",
    paid_banner: "Pago recibido. Este código ya fue pagado; no necesitas hacer nada más.",
    summary_heading: "Datos del código",
    js: JsTexts {
        copied: "¡Código copiado!",
        copy_failed: "No pudimos copiarlo. Mantén presionado el código para copiarlo.",
        expired: "vencido",
        no_file: "Elige una foto o un PDF de tu comprobante.",
        wrong_type: "Ese tipo de archivo no se acepta. Sube una foto JPG o PNG, o un PDF.",
        too_large:
            "El archivo pesa más de 10 MB. Sube una foto más liviana o una captura de pantalla.",
        empty: "El archivo está vacío. Elige otro.",
        preparing: "Preparando el envío…",
        uploading: "Enviando tu comprobante…",
        success: "Recibimos tu comprobante. ¡Gracias! Lo revisaremos junto con tu pago.",
        network: "No pudimos conectarnos. Revisa tu conexión a internet e inténtalo de nuevo.",
        failed: "No pudimos recibir tu comprobante. Inténtalo de nuevo en unos minutos.",
        failed_detail: "No pudimos recibir tu comprobante: ",
    },
    not_found_title: "No encontramos esta página",
    not_found_body: "El enlace no existe o ya no está disponible. Si necesitas pagar, \
        pide a la tienda un nuevo enlace de pago.",
    error_title: "Algo salió mal",
    error_body: "Tuvimos un problema de nuestro lado. Inténtalo de nuevo en unos minutos.",
    error_retry: "Volver a intentar",
};

const EN: Texts = Texts {
    title_pay: "Pay with PagoEfectivo",
    payment_to: "Payment to",
    order: "Order",
    other_lang_name: "Español",
    other_lang_code: "es",
    code_heading: "Your payment code (CIP)",
    copy: "Copy code",
    amount_label: "Amount to pay",
    amount_plain: "Amount",
    remaining: "Time left:",
    cip_link: "See the code and its barcode on PagoEfectivo",
    new_tab: "(opens in a new tab)",
    how_heading: "Where and how to pay",
    agents_heading: "At agents and stores",
    agents_body: "BCP, BBVA, Interbank and Scotiabank agents, Kasnet, Western Union and Tambo+. \
        Say you are paying PagoEfectivo, give your CIP code and pay in cash.",
    apps_heading: "In your bank's app or online banking",
    apps_body:
        "BCP, BBVA, Interbank, Scotiabank and other banks: go to \u{201c}Pay services\u{201d}, \
        choose \u{201c}PagoEfectivo\u{201d} as the company or service and enter your CIP code.",
    counter_heading: "At a bank counter",
    counter_body:
        "Pay in cash at the counter, saying it is a PagoEfectivo payment, and give your CIP code.",
    keep_voucher: "Keep your payment voucher.",
    voucher_heading: "Already paid? Send us your voucher",
    voucher_heading_optional: "Send us your voucher (optional)",
    voucher_intro: "Upload a photo or screenshot of the voucher you got when you paid.",
    voucher_label: "Photo or PDF of the voucher",
    voucher_help: "JPG, PNG or PDF, up to 10 MB.",
    voucher_submit: "Send voucher",
    progress_label: "Upload progress",
    noscript_upload: "To send your voucher, turn on JavaScript in your browser.",
    paid_banner: "Payment received. This code has been paid; there is nothing else you need to do.",
    summary_heading: "Code details",
    js: JsTexts {
        copied: "Code copied!",
        copy_failed: "We could not copy it. Press and hold the code to copy it.",
        expired: "expired",
        no_file: "Choose a photo or a PDF of your voucher.",
        wrong_type: "That file type is not accepted. Upload a JPG or PNG photo, or a PDF.",
        too_large: "The file is larger than 10 MB. Upload a smaller photo or a screenshot.",
        empty: "The file is empty. Choose another one.",
        preparing: "Getting ready to send…",
        uploading: "Sending your voucher…",
        success: "We received your voucher. Thank you! We will check it against your payment.",
        network: "We could not connect. Check your internet connection and try again.",
        failed: "We could not receive your voucher. Please try again in a few minutes.",
        failed_detail: "We could not receive your voucher: ",
    },
    not_found_title: "We could not find this page",
    not_found_body: "The link does not exist or is no longer available. If you need to pay, \
        ask the store for a new payment link.",
    error_title: "Something went wrong",
    error_body: "We had a problem on our side. Please try again in a few minutes.",
    error_retry: "Try again",
};

pub(crate) fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

// Sentences with data in them. `expires_on`, `expired_on` and `exact_amount` return HTML and take
// already-escaped arguments; the banners return plain text (raw merchant name in, escape the result).

/// `Este código vence el 27/11/2026 a las 14:32 (hora de Lima).`
pub(crate) fn expires_on(lang: Lang, date: &str, time: &str) -> String {
    match lang {
        Lang::Es => format!("Este código vence el {date} a las {time} (hora de Lima)."),
        Lang::En => format!("This code expires on {date} at {time} (Lima time)."),
    }
}

pub(crate) fn expired_on(lang: Lang, date: &str, time: &str) -> String {
    match lang {
        Lang::Es => format!("Venció el {date} a las {time} (hora de Lima)."),
        Lang::En => format!("It expired on {date} at {time} (Lima time)."),
    }
}

pub(crate) fn exact_amount(lang: Lang, amount: &str) -> String {
    match lang {
        Lang::Es => format!(
            "El monto debe ser exacto: <strong>{amount}</strong>. No se aceptan pagos parciales."
        ),
        Lang::En => {
            format!("The amount must be exact: <strong>{amount}</strong>. Partial payments are not accepted.")
        }
    }
}

/// Shown when the code expired (now, or already when the page was built) and was never
/// confirmed paid.
pub(crate) fn lapsed_banner(lang: Lang, merchant: &str) -> String {
    match lang {
        Lang::Es => format!(
            "El plazo para pagar este código venció y ya no se puede pagar. Si ya pagaste, \
             envíanos tu comprobante; si no, contacta a {merchant} para obtener un nuevo código."
        ),
        Lang::En => format!(
            "The time to pay this code has run out and it can no longer be paid. If you already \
             paid, send us your voucher; if not, contact {merchant} for a new code."
        ),
    }
}

pub(crate) fn expired_banner(lang: Lang, merchant: &str) -> String {
    match lang {
        Lang::Es => format!(
            "Este código venció y ya no se puede pagar. Contacta a {merchant} para obtener un nuevo código."
        ),
        Lang::En => {
            format!("This code has expired and can no longer be paid. Contact {merchant} for a new code.")
        }
    }
}

/// "Cancelled" here is our order state (the code was withdrawn). Careful: in PagoEfectivo's own
/// Spanish "cancelado" means *paid*, so the Spanish page says "anulado".
pub(crate) fn cancelled_banner(lang: Lang, merchant: &str) -> String {
    match lang {
        Lang::Es => format!(
            "Este código fue anulado y ya no se puede pagar. Contacta a {merchant} si necesitas pagar tu pedido."
        ),
        Lang::En => format!(
            "This code was withdrawn and can no longer be paid. Contact {merchant} if you still need to pay your order."
        ),
    }
}

pub(crate) fn vouchers_received(lang: Lang, count: u32) -> String {
    match (lang, count) {
        (Lang::Es, 1) => "Ya recibimos 1 comprobante para este pedido.".to_string(),
        (Lang::Es, n) => format!("Ya recibimos {n} comprobantes para este pedido."),
        (Lang::En, 1) => "We have already received 1 voucher for this order.".to_string(),
        (Lang::En, n) => format!("We have already received {n} vouchers for this order."),
    }
}
