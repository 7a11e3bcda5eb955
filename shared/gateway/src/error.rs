//! What can go wrong talking to PagoEfectivo, typed so the HTTP layer can answer precisely.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One entry of a `111` answer: `112` required, `113` invalid value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub code: String,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub const REQUIRED: &'static str = "112";
    pub const INVALID: &'static str = "113";

    pub fn is_required(&self) -> bool {
        self.code == Self::REQUIRED
    }
}

/// The fields of a `111`, shown as `amount (112), userEmail (113)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList(pub Vec<FieldError>);

impl fmt::Display for FieldList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ({})", e.field, e.code)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Code `111`: the request was refused field by field. Nothing was created.
    #[error("the gateway refused the request's fields: {fields}")]
    InvalidFields { message: String, fields: FieldList },
    /// Code `511`: the amount is above what the merchant may charge. Nothing was created.
    #[error("the amount is above the merchant's maximum at the gateway")]
    AmountAboveMaximum { message: String },
    /// The authorization was refused, or code `508` (the token's service is not valid).
    #[error("the gateway rejected the merchant's credentials (HTTP {status}, code {code:?})")]
    CredentialsRejected {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// No answer in time. The gateway may still have acted (a CIP may exist): see [`GatewayError::outcome_unknown`].
    #[error("the gateway did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection could not be made: the request never reached the gateway.
    #[error("could not connect to the gateway: {0}")]
    Connect(String),
    /// The connection broke after the request may have been sent.
    #[error("transport error talking to the gateway: {0}")]
    Transport(String),
    /// HTTP 5xx or code `166`.
    #[error("the gateway failed (HTTP {status}, code {code:?})")]
    Unavailable {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Another 4xx: unknown CIP, a CIP no longer pending, …
    #[error("the gateway refused the request (HTTP {status}, code {code:?}): {message}")]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// A body we could not read as the contract says.
    #[error("unexpected gateway response (HTTP {status}): {detail}")]
    UnexpectedResponse { status: u16, detail: String },
    /// The client itself is misconfigured (bad base URL, TLS setup).
    #[error("gateway client misconfigured: {0}")]
    Config(String),
}

impl GatewayError {
    /// Worth trying again later (for a creation: only after checking that no CIP was made).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            GatewayError::Timeout(_)
                | GatewayError::Connect(_)
                | GatewayError::Transport(_)
                | GatewayError::Unavailable { .. }
        )
    }

    /// The gateway may have carried the request out although we did not learn the result.
    /// CIP creation is not idempotent at the gateway, so a caller must not blindly create again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            GatewayError::Timeout(_)
                | GatewayError::Transport(_)
                | GatewayError::Unavailable { .. }
                | GatewayError::UnexpectedResponse { .. }
        )
    }

    /// The names of the refused fields of a `111` (empty for any other error).
    pub fn field_names(&self) -> Vec<&str> {
        match self {
            GatewayError::InvalidFields { fields, .. } => {
                fields.0.iter().map(|f| f.field.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The gateway's code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            GatewayError::InvalidFields { .. } => Some("111"),
            GatewayError::AmountAboveMaximum { .. } => Some("511"),
            GatewayError::CredentialsRejected { code, .. }
            | GatewayError::Unavailable { code, .. }
            | GatewayError::Refused { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}
