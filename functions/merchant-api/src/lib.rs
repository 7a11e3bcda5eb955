//! `merchant-api`: what a merchant's finance people do with reconciliation.
//!
//! - `GET /v1/exceptions?status=&kind=&limit=&page=`: the tenant's exceptions, filtered and paged.
//! - `POST /v1/exceptions/{id}/acknowledge` and `/resolve`: who, when and a note are kept; a
//!   resolution is announced to the merchant as an `exception.resolved` event.
//! - `GET /v1/reports/{date}`: the day's report files with 5-minute download links.
//! - `POST`/`GET /v1/payment-codes/{order_id}/refunds`, `PATCH …/refunds/{refund_id}`: refunds of
//!   a paid order, REQUESTED → PAID_OUT → COMPLETED (or FAILED); a completed one makes the order
//!   REFUNDED.
//!
//! Authenticated by the merchant's API key (`Authorization: Bearer …`); another merchant's items
//! are simply not found.

pub mod app;
mod exceptions;
pub mod handler;
mod refunds;
mod reports;
mod start;

pub use app::{App, ReportFiles, Store};
pub use handler::handle;
