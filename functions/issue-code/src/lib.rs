//! `issue-code`: the merchant API for payment codes.
//!
//! `POST /v1/payment-codes` issues a PagoEfectivo CIP for an order (idempotent by
//! `Idempotency-Key`, one live code per order); `GET`, `PATCH` (extend) and `DELETE` (cancel)
//! `/v1/payment-codes/{order_id}`. Authenticated by the merchant's API key
//! (`Authorization: Bearer …`); another merchant's order is simply not found.

pub mod app;
pub mod handler;
pub mod request;
mod start;

pub use app::{App, Settings, Store};
pub use handler::handle;
