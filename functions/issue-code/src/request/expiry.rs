//! When a code expires: the tenant's default, a number of hours, or a moment.

use chrono::{DateTime, Duration, Utc};
use cuadre_lambda::problem::FieldError;
use serde::Deserialize;
use serde_json::Value;

use super::{text, BodyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Default,
    InHours(i64),
    At(DateTime<Utc>),
}

impl Expiry {
    pub fn resolve(self, now: DateTime<Utc>, default_hours: u32) -> DateTime<Utc> {
        match self {
            Expiry::Default => now + Duration::hours(i64::from(default_hours)),
            Expiry::InHours(h) => now + Duration::hours(h),
            Expiry::At(t) => t,
        }
    }
}

pub(super) fn parse_expiry(
    hours: Option<&Value>,
    at: Option<&Value>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<Expiry> {
    let hours = match hours {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match whole_number(n) {
            Some(h) if (1..=720).contains(&h) => Some(h),
            _ => {
                errors.push(FieldError::new(
                    "expires_in_hours",
                    "must be a whole number from 1 to 720",
                ));
                return None;
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                "expires_in_hours",
                "must be a whole number from 1 to 720",
            ));
            return None;
        }
    };
    let at = match text(at, "expires_at", errors) {
        None => None,
        Some(t) => match cuadre_core::time::parse(t) {
            Ok(t) if t <= now + Duration::minutes(30) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be at least 30 minutes from now",
                ));
                return None;
            }
            Ok(t) if t > now + Duration::hours(720) => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be at most 30 days from now",
                ));
                return None;
            }
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError::new("expires_at", e.to_string()));
                return None;
            }
        },
    };
    match (hours, at) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "expires_at",
                "give either expires_in_hours or expires_at, not both",
            ));
            None
        }
        (Some(h), None) => Some(Expiry::InHours(h)),
        (None, Some(t)) => Some(Expiry::At(t)),
        (None, None) => Some(Expiry::Default),
    }
}

/// A whole JSON number in any notation (`72`, `72.0`, `7.2e1`).
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    cuadre_core::money::exact_json::whole_number(&n.to_string())
}

/// `PATCH` body: a new expiry.
pub fn parse_extend(body: &[u8], now: DateTime<Utc>) -> Result<Expiry, BodyError> {
    #[derive(Deserialize)]
    struct RawExtend {
        expires_in_hours: Option<Value>,
        expires_at: Option<Value>,
    }
    let raw: RawExtend = serde_json::from_slice(body)
        .map_err(|e| BodyError::Malformed(format!("the body is not a JSON object: {e}")))?;
    let mut errors = Vec::new();
    match parse_expiry(
        raw.expires_in_hours.as_ref(),
        raw.expires_at.as_ref(),
        now,
        &mut errors,
    ) {
        Some(Expiry::Default) => Err(BodyError::Invalid(vec![FieldError::new(
            "expires_at",
            "give expires_in_hours or expires_at",
        )])),
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(BodyError::Invalid(errors)),
    }
}
