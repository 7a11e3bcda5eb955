//! Reading and validating the merchant's request bodies, with one error per field: `create`
//! (`POST`), its `buyer`, and the `expiry` a `POST` or `PATCH` asks for.

mod buyer;
mod create;
mod expiry;

use cuadre_lambda::problem::FieldError;
use serde_json::Value;

pub use buyer::DOCUMENT_TYPES;
pub use create::{parse_create, CreateCode, CHANNELS};
pub use expiry::{parse_extend, Expiry};

/// Why the body was refused: unreadable (400) or invalid fields (422).
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    Malformed(String),
    Invalid(Vec<FieldError>),
}

fn text<'a>(v: Option<&'a Value>, field: &str, errors: &mut Vec<FieldError>) -> Option<&'a str> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

fn required<'a>(
    v: Option<&'a Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let value = text(v, field, errors);
    if value.is_none() && !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError::new(field, "is required"));
    }
    value
}

fn max_len(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = value?.trim();
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    (!v.is_empty()).then(|| v.to_string())
}

/// Maps the gateway's field names to ours, so a 422 names what the merchant sent.
pub fn our_field(gateway_field: &str) -> &'static str {
    match gateway_field {
        "amount" => "amount",
        "currency" => "currency",
        "transactionCode" => "order_id",
        "dateExpiry" => "expires_at",
        "paymentConcept" => "concept",
        "userEmail" => "buyer.email",
        "userName" => "buyer.name",
        "userLastName" => "buyer.last_name",
        "userPhone" => "buyer.phone",
        "userCodeCountry" => "buyer.phone_country_code",
        "userDocumentType" => "buyer.document_type",
        "userDocumentNumber" => "buyer.document_number",
        _ => "request",
    }
}
