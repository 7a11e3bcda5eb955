//! The reconcile worker: one SQS job per tenant (and continuation jobs for large ones) runs the
//! status lookups, expiries, settlement import, every reconciliation rule and the day's report
//! (see `docs/reconciliation.md`).
//! The handler depends on traits (store ports, [`cuadre_gateway::CipGateway`], [`ports`]); the
//! AWS adapters are in [`adapters`] and `cuadre-aws`; `main.rs` only wires them.

pub mod adapters;
pub mod app;
pub mod handler;
mod phases;
pub mod ports;
pub mod report;
mod start;

pub use app::{App, Clock, Settings, Store};
pub use cuadre_core::jobs::{Cursor, Job, Phase};
pub use handler::{handle, run_job, JobError, JobReport};

/// CloudWatch metrics (EMF): jobs, completed runs (the heartbeat), payments, exceptions.
pub(crate) const METRICS: cuadre_lambda::metrics::Metrics =
    cuadre_lambda::metrics::Metrics::new("reconcile-worker");
