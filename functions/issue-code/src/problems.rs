//! How this API's failures read as problem+json: storage, request bodies and the gateway.

use cuadre_core::store::StoreError;
use cuadre_gateway::GatewayError;
use cuadre_lambda::problem::{FieldError, Problem};
use lambda_http::http::StatusCode;

use crate::request::{our_field, BodyError};

/// A storage failure; a lost conditional write is about the order.
pub(crate) fn store(e: StoreError) -> Problem {
    Problem::from_store(e, "order")
}

pub(crate) fn body(e: BodyError) -> Problem {
    match e {
        BodyError::Malformed(detail) => Problem::bad_request(detail),
        BodyError::Invalid(errors) => Problem::validation(errors),
    }
}

pub(crate) fn gateway(e: GatewayError) -> Problem {
    match e {
        GatewayError::InvalidFields { fields, .. } => Problem::validation(
            fields
                .0
                .iter()
                .map(|f| FieldError::new(our_field(&f.field), format!("PagoEfectivo: {}", f.message)))
                .collect(),
        ),
        GatewayError::AmountAboveMaximum { .. } => Problem::validation(vec![FieldError::new(
            "amount",
            "is above the maximum PagoEfectivo allows for this merchant",
        )]),
        GatewayError::CredentialsRejected { .. } => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway-credentials",
            "PagoEfectivo rejected the merchant's credentials",
            "PagoEfectivo refused this merchant's idService, accessKey or secretKey; an operator must check \
             them (cuadre tenant list) before codes can be issued",
        ),
        GatewayError::Timeout(_) => Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway-timeout",
            "PagoEfectivo did not answer in time",
            "retry the same request (with the same Idempotency-Key); no code was given to the buyer",
        )
        .retryable(),
        GatewayError::Refused { message, .. } => {
            Problem::conflict(format!("PagoEfectivo refused the operation: {message}"))
        }
        GatewayError::Config(cause) => {
            tracing::error!(cause, "gateway client misconfigured");
            Problem::internal()
        }
        other => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway-unavailable",
            "PagoEfectivo is not available",
            format!("{other}; retry the same request (with the same Idempotency-Key)"),
        )
        .retryable(),
    }
}

/// Another request holds the order while it talks to the gateway.
pub(crate) fn being_issued() -> Problem {
    Problem::conflict("a code for this order is being issued by another request; retry shortly")
        .retryable()
}
