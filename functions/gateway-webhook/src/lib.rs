//! `gateway-webhook`: `POST /v1/webhooks/pagoefectivo/{tenant_id}`, where PagoEfectivo posts a
//! merchant's signed payment notifications.
//!
//! A notification is taken only when its `PE-Signature` (HMAC-SHA256 of the raw body bytes with the
//! merchant's PagoEfectivo secret key) is right. It is archived as received (S3, `webhooks/…`)
//! before anything can refuse it (a signed body we cannot read raises `UNREADABLE_NOTIFICATION`).
//! A `cip.paid` payment is recorded once per (tenant, CIP, operation number) with a follow-up
//! marker, and the payment rules are applied ([`cuadre_core::rules::arrival::decide`]: the order
//! becomes `PAID` with its `order.paid`, exceptions are raised with their `exception.opened`, all in
//! the event outbox); a `cip.refunded` reverses the payment ([`reversal`]). The events are queued
//! (the fast path) before the 200 the gateway waits for.

pub mod adapters;
pub mod app;
pub mod handler;
mod late;
pub mod ports;
mod reversal;
mod start;

pub use app::{App, Settings};
pub use handler::{handle, ROUTES};
pub use ports::{Archive, ArchivedNotification, SinkError, Store};
