//! `notify-merchant`: delivers merchant events. Every event is stored in the outbox by the write
//! that owes it (`cuadre_core::events::outbox`); this function delivers them from two triggers:
//! `MerchantNotificationsQueue` (the fast path: a `MerchantEvent` JSON body per message) and a
//! schedule (the sweeper, [`sweep`]: every tenant's due events).
//!
//! For every event it
//! 1. posts the event, signed with the tenant's notification secret, to the tenant's
//!    `notification_url` (see [`signing`] for the wire contract receivers verify) when its outbox
//!    record says it is due and no other deliverer holds it ([`deliver`]); every attempt is
//!    recorded (time, status, latency, the answer's first 512 bytes) and a refused one is tried
//!    again with growing delays for 72 hours, then the event is `failed` and stays re-sendable;
//! 2. on `order.paid`, sends the buyer one confirmation e-mail (SES v2), once per order, unless the
//!    tenant turned buyer e-mails off (see [`handler`] and `OnceStore` for the once-only design); a
//!    failed e-mail hides the message for a growing delay ([`retry`]) and the queue's redrive
//!    policy parks it in the DLQ after its last attempt.

pub mod adapters;
pub mod app;
pub mod deliver;
pub mod email;
pub mod handler;
pub mod ports;
pub mod retry;
pub mod signing;
mod start;
pub mod sweep;

pub use app::{App, Settings, Store};
pub use handler::{handle, process_event, Failure};
pub use sweep::{sweep, sweep_tenant, SweepReport};
