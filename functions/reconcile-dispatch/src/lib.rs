//! The reconcile dispatcher: on each EventBridge schedule tick, one job per tenant on
//! ReconcileJobsQueue (`{"tenant_id", "run_id", "as_of", "cursor": null}`; see
//! [`cuadre_core::jobs::Job`] and `docs/reconciliation.md`). Tenants are listed a page at a time
//! from the store's tenant index (a query, never a scan). `as_of` is the tick's time, so a
//! redelivered tick names the same run.
//!
//! An operator may invoke it with `"detail": {"tenant_id": "..."}` to reconcile one merchant now
//! (and with `time` to reconcile as of another instant).
//!
//! The handler depends on traits ([`ports`]); the AWS adapters are in [`adapters`]; `main.rs`
//! only wires them.

pub mod adapters;
pub mod app;
pub mod handler;
pub mod ports;
mod start;

pub use app::{App, Clock};
pub use handler::{dispatch, dispatch_one, handle, DispatchError, Dispatched};
