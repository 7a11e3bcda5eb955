//! `POST /v1/cips`: the gateway's field rules, faults, and the issued code.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cuadre_core::money::{exact_json, validate_amount, Currency};
use cuadre_gateway::json::decimal_number;
use cuadre_gateway::{CipStatus, FieldError};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;

use super::{
    answer, bad_value, caller, invalid, object, parse_contract_time, required, text_field,
    JsonObject, OK_MESSAGE,
};
use crate::{CipRecord, SandboxState};

/// A creation request that passed validation.
#[derive(Debug)]
struct ValidCip {
    currency: Currency,
    amount: Decimal,
    transaction_code: String,
    date_expiry: Option<DateTime<Utc>>,
    payment_concept: Option<String>,
    user_email: String,
}

const DOCUMENT_TYPES: [&str; 5] = ["DNI", "PAR", "PAS", "LMI", "NAN"];

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The gateway's field rules; every refused field is reported, not only the first.
fn validate_create(obj: &JsonObject, now: DateTime<Utc>) -> Result<ValidCip, Vec<FieldError>> {
    let mut errors = Vec::new();

    // A text field: required or not, with a rule on its value.
    let mut text = |name: &str, is_required: bool, rule: &dyn Fn(&str) -> bool| -> Option<String> {
        text_field(obj, name, is_required, rule, &mut errors)
    };
    let max = |n: usize| move |s: &str| s.chars().count() <= n;

    let currency = text("currency", true, &|s| s.parse::<Currency>().is_ok())
        .and_then(|s| s.parse::<Currency>().ok());
    let transaction_code = text("transactionCode", true, &max(36));
    let date_expiry = text("dateExpiry", false, &|s| {
        parse_contract_time(s).is_some_and(|t| t > now)
    })
    .and_then(|s| parse_contract_time(&s));
    let payment_concept = text("paymentConcept", false, &max(50));
    text("additionalData", false, &max(200));
    text("adminEmail", false, &|s| {
        s.chars().count() <= 100 && looks_like_email(s)
    });
    let user_email = text("userEmail", true, &|s| {
        s.chars().count() <= 100 && looks_like_email(s)
    });
    text("userId", false, &max(100));
    text("userName", false, &max(30));
    text("userLastName", false, &max(30));
    text("userUbigeo", false, &|s| s.len() == 6 && all_digits(s));
    text("userCountry", false, &max(20));
    text("userDocumentType", false, &|s| DOCUMENT_TYPES.contains(&s));
    text("userDocumentNumber", false, &|s| {
        s.len() <= 14 && all_digits(s)
    });
    text("userPhone", true, &|s| s.len() <= 15 && all_digits(s));
    text("userCodeCountry", true, &|s| {
        s.strip_prefix('+')
            .is_some_and(|d| d.len() <= 4 && all_digits(d))
    });

    // `amount`: a number (a numeric string is tolerated, as some integrations send one).
    let amount = match obj.get("amount") {
        None => {
            errors.push(required("amount"));
            None
        }
        Some(raw) if raw.get().trim() == "null" || raw.get().trim() == "\"\"" => {
            errors.push(required("amount"));
            None
        }
        Some(raw) => match exact_json::decimal_from_raw(raw)
            .ok()
            .and_then(|d| validate_amount(d).ok())
        {
            Some(d) => Some(d),
            None => {
                errors.push(bad_value("amount"));
                None
            }
        },
    };

    match (currency, amount, transaction_code, user_email) {
        (Some(currency), Some(amount), Some(transaction_code), Some(user_email))
            if errors.is_empty() =>
        {
            Ok(ValidCip {
                currency,
                amount,
                transaction_code,
                date_expiry,
                payment_concept,
                user_email,
            })
        }
        _ => Err(errors),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssuedCipBody {
    cip: u64,
    currency: Currency,
    amount: Box<RawValue>,
    transaction_code: String,
    date_expiry: String,
    cip_url: String,
}

pub(crate) async fn create_cip(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Detached, so a client that hangs up (timeout) does not stop the creation: like the real
    // gateway, the CIP then exists although the caller never learned its number.
    tokio::spawn(create_cip_detached(state, headers, body))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn create_cip_detached(state: SandboxState, headers: HeaderMap, body: Bytes) -> Response {
    let id_service = match caller(&state, &headers) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let (fail, delay) = {
        let mut data = state.data();
        data.stats.cip_requests += 1;
        let f = &mut data.faults;
        let fail = f.fail_next_creates > 0;
        if fail {
            f.fail_next_creates -= 1;
        }
        let delay = (!fail && f.delay_next_creates > 0).then(|| {
            f.delay_next_creates -= 1;
            std::time::Duration::from_millis(f.delay_ms)
        });
        (fail, delay)
    };
    if fail {
        return answer::<()>(
            StatusCode::INTERNAL_SERVER_ERROR,
            "166".into(),
            "Error interno del servicio.",
            None,
        );
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let Some(obj) = object(&body) else {
        return invalid(Vec::new());
    };
    let now = Utc::now();
    let valid = match validate_create(&obj, now) {
        Ok(v) => v,
        Err(errors) => return invalid(errors),
    };
    let base = state.public_url();
    let mut data = state.data();
    let max_amount = data.merchants.get(&id_service).and_then(|m| m.max_amount);
    if max_amount.is_some_and(|max| valid.amount > max) {
        return answer::<()>(
            StatusCode::BAD_REQUEST,
            "511".into(),
            "El monto excede el máximo permitido para el servicio.",
            None,
        );
    }
    let cip = data.next_cip;
    data.next_cip += 1;
    let guid = uuid::Uuid::new_v4().to_string().to_uppercase();
    let date_expiry = valid.date_expiry.unwrap_or_else(|| {
        now + chrono::Duration::from_std(state.inner.config.default_expiry)
            .unwrap_or(chrono::Duration::days(1))
    });
    let record = CipRecord {
        cip,
        id_service,
        guid: guid.clone(),
        currency: valid.currency,
        amount: valid.amount,
        transaction_code: valid.transaction_code,
        date_expiry,
        created_at: now,
        status: CipStatus::Pending,
        payment_concept: valid.payment_concept,
        user_email: valid.user_email,
        payments: Vec::new(),
    };
    let body = IssuedCipBody {
        cip,
        currency: record.currency,
        amount: decimal_number(record.amount),
        transaction_code: record.transaction_code.clone(),
        date_expiry: cuadre_core::time::format_lima(date_expiry),
        cip_url: format!("{base}/cip/{guid}.html"),
    };
    data.guids.insert(guid, cip);
    data.cips.insert(cip, record);
    data.stats.cips_issued += 1;
    drop(data);
    // As in the contract's example, this answer's code is a number.
    answer(StatusCode::CREATED, 100.into(), OK_MESSAGE, Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: &str) -> JsonObject {
        serde_json::from_str(json).unwrap()
    }

    const GOOD: &str = r#"{"currency":"PEN","amount":22.05,"transactionCode":"ORD-1","userEmail":"a@b.pe","userPhone":"987654321","userCodeCountry":"+51"}"#;

    #[test]
    fn a_minimal_request_passes() {
        let v = validate_create(&obj(GOOD), Utc::now()).unwrap();
        assert_eq!(v.amount.to_string(), "22.05");
        assert_eq!(v.currency, Currency::Pen);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate_create(
            &obj(r#"{"currency":"EUR","amount":1.005,"userEmail":"nope","userPhone":"98x","userDocumentType":"CE","paymentConcept":"012345678901234567890123456789012345678901234567890","dateExpiry":"2020-01-01T00:00:00Z"}"#),
            Utc::now(),
        )
        .unwrap_err();
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        for expected in [
            ("currency", "113"),
            ("amount", "113"),
            ("transactionCode", "112"),
            ("userEmail", "113"),
            ("userPhone", "113"),
            ("userCodeCountry", "112"),
            ("userDocumentType", "113"),
            ("paymentConcept", "113"),
            ("dateExpiry", "113"),
        ] {
            assert!(
                named.contains(&expected),
                "{expected:?} missing in {named:?}"
            );
        }
    }
}
