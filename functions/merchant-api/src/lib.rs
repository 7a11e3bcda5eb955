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
//!
//! The shape every HTTP function shares: [`app`] (state), [`ports`], [`adapters`], `start`
//! (`App::from_env`), [`routes`] (one file per resource), and the leaf modules the routes use
//! (`caller`, `body`), which import nothing from the routes.

pub mod adapters;
pub mod app;
mod body;
mod caller;
pub mod ports;
pub mod routes;
mod start;

pub use app::App;
pub use ports::{ReportFiles, Store};
pub use routes::{handle, ROUTES};
