//! The buyer a code is issued for, as PagoEfectivo needs them.

use cuadre_core::Buyer;
use cuadre_lambda::problem::FieldError;
use serde_json::Value;

use super::{max_len, required, text};

pub const DOCUMENT_TYPES: [&str; 5] = ["DNI", "PAR", "PAS", "LMI", "NAN"];

pub(super) fn parse_buyer(v: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<Buyer> {
    let obj = match v {
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "buyer",
                "is required (email and phone at least)",
            ));
            return None;
        }
        Some(_) => {
            errors.push(FieldError::new("buyer", "must be an object"));
            return None;
        }
    };
    let get = |k: &str| obj.get(k);
    let before = errors.len();
    let email = required(get("email"), "buyer.email", errors).map(str::trim);
    if let Some(e) = email {
        let plausible = e.chars().count() <= 100
            && e.split_once('@')
                .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
            && !e.contains(char::is_whitespace);
        if !plausible {
            errors.push(FieldError::new(
                "buyer.email",
                "must be an email address of at most 100 characters",
            ));
        }
    }
    let phone = required(get("phone"), "buyer.phone", errors).map(str::trim);
    if let Some(p) = phone {
        if p.is_empty() || p.len() > 15 || !p.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new("buyer.phone", "must be 1–15 digits"));
        }
    }
    let code = text(
        get("phone_country_code"),
        "buyer.phone_country_code",
        errors,
    )
    .unwrap_or("+51")
    .trim();
    let code_ok = code.len() >= 2
        && code.len() <= 5
        && code.starts_with('+')
        && code[1..].bytes().all(|b| b.is_ascii_digit());
    if !code_ok {
        errors.push(FieldError::new(
            "buyer.phone_country_code",
            "must look like +51",
        ));
    }
    let name = max_len(
        text(get("name"), "buyer.name", errors),
        "buyer.name",
        30,
        errors,
    );
    let last_name = max_len(
        text(get("last_name"), "buyer.last_name", errors),
        "buyer.last_name",
        30,
        errors,
    );
    let document_type =
        text(get("document_type"), "buyer.document_type", errors).map(str::to_ascii_uppercase);
    if let Some(t) = &document_type {
        if !DOCUMENT_TYPES.contains(&t.as_str()) {
            errors.push(FieldError::new(
                "buyer.document_type",
                format!(
                    "must be one of {} (PagoEfectivo takes no CE or RUC)",
                    DOCUMENT_TYPES.join(", ")
                ),
            ));
        }
    }
    let document_number =
        text(get("document_number"), "buyer.document_number", errors).map(str::trim);
    if let Some(n) = document_number {
        if n.is_empty() || n.len() > 14 || !n.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new(
                "buyer.document_number",
                "must be 1–14 digits",
            ));
        }
        if document_type.as_deref() == Some("DNI") && n.len() != 8 {
            errors.push(FieldError::new(
                "buyer.document_number",
                "a DNI has 8 digits",
            ));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Buyer {
        email: email?.to_string(),
        name,
        last_name,
        phone: phone?.to_string(),
        phone_country_code: code.to_string(),
        document_type,
        document_number: document_number.map(str::to_string),
    })
}
