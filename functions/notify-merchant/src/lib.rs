//! `notify-merchant`: consumes `MerchantNotificationsQueue` (`MerchantEvent` JSON bodies:
//! `order.paid`, `order.expired`, `exception.opened`, `exception.resolved`).
//!
//! For every event it
//! 1. posts the event, signed with the tenant's notification secret, to the tenant's
//!    `notification_url` (see [`signing`] for the wire contract receivers verify); a tenant without
//!    a URL simply has nothing to receive;
//! 2. on failure hides the message for a delay that grows with its receive count and reports it in
//!    `batchItemFailures` (see [`retry`]); the queue's redrive policy bounds the attempts and parks
//!    the event in the DLQ;
//! 3. on `order.paid`, sends the buyer one confirmation e-mail (SES v2), once per order, unless the
//!    tenant turned buyer e-mails off (see [`handler`] and `OnceStore` for the once-only design).

pub mod adapters;
pub mod app;
pub mod email;
pub mod handler;
pub mod ports;
pub mod retry;
pub mod signing;
mod start;

pub use app::{App, Settings, Store};
pub use handler::{handle, Failure};
