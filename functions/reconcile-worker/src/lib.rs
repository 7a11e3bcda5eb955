//! The reconcile worker: one SQS job per tenant (and continuation jobs for large ones) runs the
//! status lookups, expiries, settlement import, every reconciliation rule and the day's report.
//! The handler depends on traits (store ports, [`cuadre_gateway::CipGateway`], [`ports`]); the
//! AWS adapters are in [`adapters`]; `main.rs` only wires them.

pub mod adapters;
pub mod app;
pub mod handler;
pub mod job;
pub mod ports;
pub mod report;
mod start;

pub use app::{App, Clock, Settings, Store};
pub use handler::{handle, run_job, JobError, JobReport};
pub use job::{Cursor, Job, Phase};
