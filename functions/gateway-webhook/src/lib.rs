//! `gateway-webhook`: `POST /v1/webhooks/pagoefectivo/{tenant_id}`, where PagoEfectivo posts a
//! merchant's signed payment notifications.
//!
//! A notification is taken only when its `PE-Signature` (HMAC-SHA256 of the raw body bytes with the
//! merchant's PagoEfectivo secret key) is right. It is archived as received (S3, `webhooks/…`), the
//! payment is recorded once per (tenant, CIP, operation number) with an outbox marker, the payment
//! rules are applied ([`cuadre_core::rules::arrival::decide`]: the order becomes `PAID`, exceptions are raised) and the
//! merchant events go to the notifications queue, all before the 200 the gateway waits for.

pub mod adapters;
pub mod app;
pub mod handler;
pub mod ports;
mod start;

pub use app::{App, Settings};
pub use handler::{handle, ROUTES};
pub use ports::{Archive, ArchivedNotification, SinkError, Store};
