//! The phases of a tenant's run, in order, one file each:
//!
//! 1. **expiry** ([`expiry`]): pending codes expiring before `as_of` + the lookup window are
//!    looked up at the gateway; a paid one gets its payment recorded (`MISSED_NOTIFICATION`,
//!    `PAID`), an unpaid one past its expiry becomes `EXPIRED` (`order.expired` to the merchant).
//! 2. **lookups** ([`lookups`]): the status-lookup markers vouchers left (grace passed, no
//!    payment) are looked up; the gateway status lookup both phases use is there too.
//! 3. **settlements** ([`settlements`]): files under `settlements/{tenant}/` are imported once per
//!    key + ETag; each line once per (settlement, CIP, operation); a line of a known CIP without a
//!    payment records the payment from the line (`MISSED_NOTIFICATION`).
//! 4. **reconcile** ([`rules`], then [`report`]): the engine over every fact of the tenant; new
//!    exceptions are stored (by their stable id: a re-run adds nothing and reopens nothing) and
//!    announced (`exception.opened`); the derived `SETTLED`/`PAID`/`EXPIRED` statuses are written
//!    conditionally; the day's report goes to `reports/{tenant}/{lima date}/`.
//!
//! The writes the phases share (order moves, exceptions, events, missed payments) are in
//! [`writes`]. Events are queued *before* the write that makes them true is known to be new
//! elsewhere, so a crash re-sends them under the same stable id rather than losing them.

mod expiry;
mod lookups;
mod report;
mod rules;
mod settlements;
mod writes;

use chrono::{DateTime, Utc};
use cuadre_core::jobs::{Cursor, Job, Phase};
use cuadre_core::Tenant;
use cuadre_gateway::Credentials;

use crate::app::App;
use crate::handler::JobReport;

/// What a paged phase did: the run goes on with the next phase, or pauses at a cursor.
pub(crate) enum Step {
    Next(Phase),
    Pause(Cursor),
}

/// One job's state while it runs.
pub(crate) struct Run<'a> {
    app: &'a App,
    job: &'a Job,
    tenant: &'a Tenant,
    now: DateTime<Utc>,
    /// Orders, markers and files worked on by this job.
    used: i32,
    /// Fetched on first use: `Some(None)` when the tenant has no gateway secret.
    credentials: Option<Option<Credentials>>,
    pub(crate) report: JobReport,
}

impl<'a> Run<'a> {
    pub(crate) fn new(app: &'a App, job: &'a Job, tenant: &'a Tenant) -> Run<'a> {
        Run {
            app,
            job,
            tenant,
            now: app.now(),
            used: 0,
            credentials: None,
            report: JobReport::default(),
        }
    }

    fn as_of(&self) -> DateTime<Utc> {
        self.job.as_of
    }

    /// The orders, markers and files this job worked on (its `ReconcileItemsRead` metric).
    pub(crate) fn items_read(&self) -> u64 {
        u64::try_from(self.used).unwrap_or(0)
    }

    /// How many items the next page may hold; `None` once the budget is spent.
    fn room(&self) -> Option<i32> {
        let left = self.app.settings.page_budget - self.used;
        (left > 0).then(|| left.min(self.app.settings.read_page).max(1))
    }
}
