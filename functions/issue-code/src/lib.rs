//! `issue-code`: the merchant API for payment codes.
//!
//! `POST /v1/payment-codes` issues a PagoEfectivo CIP for an order (idempotent by
//! `Idempotency-Key`, one live code per order); `GET`, `PATCH` (extend) and `DELETE` (cancel)
//! `/v1/payment-codes/{order_id}`. Authenticated by the merchant's API key
//! (`Authorization: Bearer …`); another merchant's order is simply not found.
//!
//! The shape every HTTP function shares: [`app`] (state), [`ports`], [`adapters`], `start`
//! (`App::from_env`), [`routes`] (one file per route group), and the leaf modules the routes use
//! (`problems`, `view`, `credentials`, [`request`]), which import nothing from the routes.

pub mod adapters;
pub mod app;
mod credentials;
pub mod ports;
mod problems;
pub mod request;
pub mod routes;
mod start;
mod view;

pub use app::{App, Settings};
pub use ports::Store;
pub use routes::{handle, ROUTES};
