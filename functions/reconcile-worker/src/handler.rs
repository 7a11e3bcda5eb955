//! One reconcile job: the phases of a tenant's run, within a page budget.
//!
//! 1. **expiry**: pending codes expiring before `as_of` + the lookup window are looked up at the
//!    gateway; a paid one gets its payment recorded (`MISSED_NOTIFICATION`, `PAID`), an unpaid one
//!    past its expiry becomes `EXPIRED` (`order.expired` to the merchant).
//! 2. **lookups**: the status-lookup markers vouchers left (grace passed, no payment) are looked up.
//! 3. **settlements**: files under `settlements/{tenant}/` are imported once per key + ETag; each
//!    line once per (settlement, CIP, operation); a line of a known CIP without a payment records
//!    the payment from the line (`MISSED_NOTIFICATION`).
//! 4. **reconcile**: the engine over every fact of the tenant; new exceptions are stored (by their
//!    stable id: a re-run adds nothing and reopens nothing) and announced (`exception.opened`); the
//!    derived `SETTLED`/`PAID`/`EXPIRED` statuses are written conditionally; the day's report goes
//!    to `reports/{tenant}/{lima date}/`.
//!
//! Phases 1–3 count the orders, markers and files they work on; when the budget is spent the rest
//! of the run goes back on the queue as a continuation job with the phase and page token.
//! Events are queued *before* the write that makes them true is known to be new elsewhere, so a
//! crash re-sends them under the same stable id rather than losing them.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use cuadre_core::events::MerchantEvent;
use cuadre_core::reconcile::{
    reconcile, FactsError, OrderFact, PaymentFact, ReconcileFacts, SettlementLine, VoucherFact,
};
use cuadre_core::store::{Created, SettlementFileImport, StatusLookup, StoreError};
use cuadre_core::{
    ExceptionKey, ExceptionKind, ExceptionRecord, IdError, Money, Order, OrderStatus, Payment,
    PaymentSource, Tenant,
};
use cuadre_gateway::{CipLookup, CipStatus, Credentials};
use cuadre_lambda::sqs::{run_batch, RecordOutcome};
use serde::Serialize;

use crate::app::App;
use crate::job::{Cursor, Job, Phase};
use crate::ports::{Message, ObjectInfo, SinkError};
use crate::report;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("tenant {0} does not exist")]
    UnknownTenant(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("bucket or queue: {0}")]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error("an exception key is not valid: {0}")]
    Key(#[from] IdError),
    #[error("report: {0}")]
    Report(String),
}

/// What one job did (logged; tests read it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    pub looked_up: u32,
    pub expired: u32,
    pub payments_recorded: u32,
    pub files_imported: u32,
    pub files_rejected: u32,
    pub settlement_lines_new: u32,
    pub exceptions_opened: u32,
    pub status_changes: u32,
    pub events_sent: u32,
    /// Where the rest of the run was handed to (a continuation job), if it was.
    pub continuation: Option<Cursor>,
    /// `reports/{tenant}/{date}/` when this job finished the run.
    pub report_prefix: Option<String>,
}

/// The Lambda entry: every record on its own; only the failed ones are reported.
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    run_batch(event, app.settings.concurrency, |message| async move {
        let body = message.body.unwrap_or_default();
        let job: Job = match serde_json::from_str(&body) {
            Ok(job) => job,
            Err(e) => return RecordOutcome::Retry(format!("not a reconcile job: {e}")),
        };
        match run_job(app, &job).await {
            Ok(report) => {
                tracing::info!(tenant_id = %job.tenant_id, run_id = job.run_id, report = ?report, "reconcile job done");
                RecordOutcome::Done
            }
            Err(e) => {
                tracing::error!(tenant_id = %job.tenant_id, run_id = job.run_id, error = %e, "reconcile job failed");
                RecordOutcome::Retry(e.to_string())
            }
        }
    })
    .await
}

/// Runs one job from its cursor until the run is done or the budget is spent.
pub async fn run_job(app: &App, job: &Job) -> Result<JobReport, JobError> {
    let tenant = app
        .store
        .get_tenant(&job.tenant_id)
        .await?
        .ok_or_else(|| JobError::UnknownTenant(job.tenant_id.to_string()))?;
    let mut run = Run {
        app,
        job,
        tenant: &tenant,
        now: app.now(),
        used: 0,
        credentials: None,
        report: JobReport::default(),
    };
    let mut cursor = job.cursor.clone().unwrap_or(Cursor {
        phase: Phase::Expiry,
        page: None,
    });
    loop {
        let page = cursor.page.take();
        let step = match cursor.phase {
            Phase::Expiry => run.expiry(page).await?,
            Phase::Lookups => run.lookups(page).await?,
            Phase::Settlements => run.settlements(page).await?,
            Phase::Reconcile => {
                run.reconcile().await?;
                break;
            }
        };
        match step {
            Step::Next(phase) => cursor = Cursor { phase, page: None },
            Step::Pause(rest) => {
                app.jobs
                    .send(&[Message::job(&job.continue_at(rest.clone()))])
                    .await?;
                run.report.continuation = Some(rest);
                break;
            }
        }
    }
    Ok(run.report)
}

enum Step {
    Next(Phase),
    Pause(Cursor),
}

struct Run<'a> {
    app: &'a App,
    job: &'a Job,
    tenant: &'a Tenant,
    now: DateTime<Utc>,
    /// Orders, markers and files worked on by this job.
    used: i32,
    /// Fetched on first use: `Some(None)` when the tenant has no gateway secret.
    credentials: Option<Option<Credentials>>,
    report: JobReport,
}

/// The statuses to walk from `from` to `to`; empty when the move is not ours to make.
fn path_to(from: OrderStatus, to: OrderStatus) -> Vec<OrderStatus> {
    if from == to {
        Vec::new()
    } else if from.can_become(to) {
        vec![to]
    } else if to == OrderStatus::Settled && from.can_become(OrderStatus::Paid) {
        vec![OrderStatus::Paid, OrderStatus::Settled]
    } else {
        Vec::new()
    }
}

impl Run<'_> {
    fn as_of(&self) -> DateTime<Utc> {
        self.job.as_of
    }

    /// How many items the next page may hold; `None` once the budget is spent.
    fn room(&self) -> Option<i32> {
        let left = self.app.settings.page_budget - self.used;
        (left > 0).then(|| left.min(self.app.settings.read_page).max(1))
    }

    async fn credentials(&mut self) -> Result<Option<Credentials>, JobError> {
        if let Some(known) = &self.credentials {
            return Ok(known.clone());
        }
        let found = match self.app.secrets.get(&self.tenant.secret_ref).await {
            Ok(secret) => Some(Credentials::new(
                self.tenant.id_service,
                self.tenant.access_key.clone(),
                secret,
            )),
            Err(StoreError::NotFound(_)) => {
                tracing::warn!(tenant_id = %self.tenant.tenant_id, "no gateway secret: status lookups skipped");
                None
            }
            Err(e) => return Err(e.into()),
        };
        self.credentials = Some(found.clone());
        Ok(found)
    }

    async fn send_events(&mut self, events: &[MerchantEvent]) -> Result<(), JobError> {
        if events.is_empty() {
            return Ok(());
        }
        let messages: Vec<Message> = events.iter().map(Message::event).collect();
        self.app.events.send(&messages).await?;
        self.report.events_sent += events.len() as u32;
        Ok(())
    }

    /// Stores the exceptions that do not exist yet (whatever the status of those that do) and
    /// announces them; the announcement goes first, so a crash repeats it (same event id) rather
    /// than losing it.
    async fn open_exceptions(&mut self, records: Vec<ExceptionRecord>) -> Result<(), JobError> {
        let mut fresh = Vec::new();
        for record in records {
            let stored = self
                .app
                .store
                .get_exception(&record.tenant_id, &record.exception_id)
                .await?;
            if stored.is_none() {
                fresh.push(record);
            }
        }
        let events: Vec<MerchantEvent> =
            fresh.iter().map(MerchantEvent::exception_opened).collect();
        self.send_events(&events).await?;
        for record in &fresh {
            if let Created::New(_) = self.app.store.raise_exception(record).await? {
                self.report.exceptions_opened += 1;
            }
        }
        Ok(())
    }

    /// Moves the order towards `target` by conditional writes; a lost race is re-read once, and
    /// a move the status machine forbids (or that the fresh order no longer needs) is left alone.
    async fn move_order(
        &mut self,
        mut current: Order,
        target: OrderStatus,
    ) -> Result<(), JobError> {
        for _attempt in 0..2 {
            if target == OrderStatus::Expired && current.expires_at >= self.as_of() {
                return Ok(()); // extended meanwhile
            }
            let mut lost = false;
            for step in path_to(current.status, target) {
                if step == OrderStatus::Expired {
                    self.send_events(&[MerchantEvent::order_expired(&current)])
                        .await?;
                }
                match self.app.store.transition_order(&current, step).await {
                    Ok(next) => {
                        self.report.status_changes += 1;
                        if step == OrderStatus::Expired {
                            self.report.expired += 1;
                        }
                        current = next;
                    }
                    Err(StoreError::Conflict(_)) => {
                        lost = true;
                        break;
                    }
                    Err(StoreError::IllegalTransition(_)) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
            }
            if !lost {
                return Ok(());
            }
            match self
                .app
                .store
                .get_order(&current.tenant_id, &current.order_id)
                .await?
            {
                Some(fresh) => current = fresh,
                None => return Ok(()),
            }
        }
        tracing::warn!(order_id = %current.order_id, target = %target, "order kept changing; left for the next run");
        Ok(())
    }

    /// Records a payment we learned of without its notification (a status lookup, a settlement
    /// line): `MISSED_NOTIFICATION`, `order.paid`, and the order moves to `PAID`. Idempotent: a
    /// repeat finds the payment and makes sure of the exception and the status.
    async fn record_missed(
        &mut self,
        order: &Order,
        payment: Payment,
        how: &str,
    ) -> Result<(), JobError> {
        let stored = match self.app.store.record_payment(&payment).await? {
            Created::New(p) => {
                self.report.payments_recorded += 1;
                self.send_events(&[MerchantEvent::order_paid(order, &p)])
                    .await?;
                p
            }
            Created::AlreadyExisted(p) => p,
        };
        if stored.source != PaymentSource::Notification {
            let key = ExceptionKey {
                kind: ExceptionKind::MissedNotification,
                order_id: Some(order.order_id.clone()),
                cip: Some(stored.cip.clone()),
                operation_number: Some(stored.operation_number.clone()),
            };
            let detail = format!(
                "{how} shows a payment of {} {} (operation {}) whose notification never arrived; it was recorded from there",
                stored.amount.amount_string(),
                stored.amount.currency(),
                stored.operation_number
            );
            let record =
                ExceptionRecord::open(self.tenant.tenant_id.clone(), key, detail, self.now);
            self.open_exceptions(vec![record]).await?;
        }
        let fresh = self
            .app
            .store
            .get_order(&order.tenant_id, &order.order_id)
            .await?;
        if let Some(fresh) = fresh {
            self.move_order(fresh, OrderStatus::Paid).await?;
        }
        Ok(())
    }

    /// What the gateway says about the order's code; `true` when it was paid (and is now recorded).
    async fn look_up(&mut self, order: &Order) -> Result<Option<bool>, JobError> {
        let Some(cip) = order.cip.clone() else {
            return Ok(Some(false));
        };
        let Some(credentials) = self.credentials().await? else {
            return Ok(None);
        };
        let found = match self.app.gateway.search_cip(&credentials, &cip).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(tenant_id = %order.tenant_id, cip = %cip, error = %e, "status lookup failed");
                return Ok(None);
            }
        };
        self.report.looked_up += 1;
        match found {
            Some(lookup) if lookup.status == CipStatus::Paid => {
                self.paid_at_gateway(order, &lookup).await
            }
            _ => Ok(Some(false)),
        }
    }

    async fn paid_at_gateway(
        &mut self,
        order: &Order,
        lookup: &CipLookup,
    ) -> Result<Option<bool>, JobError> {
        let Some(operation_number) = lookup.operation_number.clone() else {
            tracing::warn!(cip = %lookup.cip, "the gateway says paid but names no operation number");
            return Ok(Some(false));
        };
        let Some(cip) = order.cip.clone() else {
            return Ok(Some(false));
        };
        let currency = lookup.currency.unwrap_or(order.amount.currency());
        let amount = lookup
            .amount
            .and_then(|a| Money::new(a, currency).ok())
            .unwrap_or(order.amount);
        let payment = Payment {
            tenant_id: order.tenant_id.clone(),
            cip,
            operation_number,
            amount,
            paid_at: lookup.payment_date.unwrap_or(self.as_of()),
            received_at: self.now,
            order_id: Some(order.order_id.clone()),
            source: PaymentSource::StatusLookup,
            raw_ref: None,
        };
        if let Some(existing) = self
            .app
            .store
            .get_payment(&payment.tenant_id, &payment.cip, &payment.operation_number)
            .await?
        {
            // The notification arrived after all: only the status may need to catch up.
            if existing.source == PaymentSource::Notification {
                self.move_order(order.clone(), OrderStatus::Paid).await?;
                return Ok(Some(true));
            }
        }
        self.record_missed(order, payment, "the gateway's status lookup")
            .await?;
        Ok(Some(true))
    }

    async fn expiry(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
        let horizon = self.as_of() + self.app.settings.lookup_window;
        loop {
            let Some(limit) = self.room() else {
                return Ok(Step::Pause(Cursor {
                    phase: Phase::Expiry,
                    page,
                }));
            };
            let (orders, next) = self
                .app
                .store
                .list_orders_by_status(
                    &self.tenant.tenant_id,
                    OrderStatus::Pending,
                    Some(horizon),
                    page.take(),
                    limit,
                )
                .await?;
            self.used += orders.len() as i32;
            for order in orders {
                let paid = self.look_up(&order).await?;
                if paid != Some(true) && order.expires_at < self.as_of() {
                    if let Some(fresh) = self
                        .app
                        .store
                        .get_order(&order.tenant_id, &order.order_id)
                        .await?
                    {
                        if fresh.status == OrderStatus::Pending {
                            self.move_order(fresh, OrderStatus::Expired).await?;
                        }
                    }
                }
            }
            match next {
                Some(token) => page = Some(token),
                None => return Ok(Step::Next(Phase::Lookups)),
            }
        }
    }

    async fn lookups(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
        loop {
            let Some(limit) = self.room() else {
                return Ok(Step::Pause(Cursor {
                    phase: Phase::Lookups,
                    page,
                }));
            };
            let (markers, next) = self
                .app
                .store
                .due_status_lookups(&self.tenant.tenant_id, self.as_of(), page.take(), limit)
                .await?;
            self.used += markers.len() as i32;
            for marker in markers {
                self.voucher_lookup(&marker).await?;
            }
            match next {
                Some(token) => page = Some(token),
                None => return Ok(Step::Next(Phase::Settlements)),
            }
        }
    }

    async fn voucher_lookup(&mut self, marker: &StatusLookup) -> Result<(), JobError> {
        let order = self
            .app
            .store
            .get_order(&marker.tenant_id, &marker.order_id)
            .await?;
        let done = match order {
            None => true,
            Some(order) if order.status.is_paid() || order.status == OrderStatus::Refunded => true,
            // A failed lookup keeps the marker for the next run.
            Some(order) => self.look_up(&order).await?.is_some(),
        };
        if done {
            self.app
                .store
                .clear_status_lookup(&marker.tenant_id, &marker.order_id)
                .await?;
        }
        Ok(())
    }

    async fn settlements(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
        let prefix = format!("settlements/{}/", self.tenant.tenant_id);
        loop {
            let Some(limit) = self.room() else {
                return Ok(Step::Pause(Cursor {
                    phase: Phase::Settlements,
                    page,
                }));
            };
            let (objects, next) = self.app.objects.list(&prefix, page.take(), limit).await?;
            for object in objects {
                if object.key.ends_with('/') {
                    continue;
                }
                if self.import_file(&object).await? {
                    self.used += 1;
                }
            }
            match next {
                Some(token) => page = Some(token),
                None => return Ok(Step::Next(Phase::Reconcile)),
            }
        }
    }

    /// Imports a settlement file unless its key + ETag was imported before; `true` when it read it.
    async fn import_file(&mut self, object: &ObjectInfo) -> Result<bool, JobError> {
        let t = &self.tenant.tenant_id;
        if self
            .app
            .store
            .settlement_file_import(t, &object.key, &object.etag)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let bytes = self.app.objects.get(&object.key).await?;
        let (lines, rejected) = match cuadre_files::parse_settlements(bytes.as_slice(), &object.key)
        {
            Ok(lines) => (lines, None),
            Err(e) => {
                // A bad file is reported and not read again until it is replaced (new ETag).
                tracing::warn!(tenant_id = %t, key = object.key, error = %e, "settlement file rejected");
                (Vec::new(), Some(e.to_string()))
            }
        };
        for line in &lines {
            self.import_line(line).await?;
        }
        if rejected.is_some() {
            self.report.files_rejected += 1;
        } else {
            self.report.files_imported += 1;
        }
        let marker = SettlementFileImport {
            tenant_id: t.clone(),
            object_key: object.key.clone(),
            etag: object.etag.clone(),
            lines: lines.len() as u64,
            rejected,
            imported_at: self.now,
        };
        self.app
            .store
            .mark_settlement_file_imported(&marker)
            .await?;
        Ok(true)
    }

    async fn import_line(&mut self, line: &SettlementLine) -> Result<(), JobError> {
        let t = self.tenant.tenant_id.clone();
        if let Created::New(_) = self.app.store.record_settlement_line(&t, line).await? {
            self.report.settlement_lines_new += 1;
        }
        let paid = self
            .app
            .store
            .get_payment(&t, &line.cip, &line.operation_number)
            .await?;
        if paid.is_some_and(|p| p.source == PaymentSource::Notification) {
            return Ok(()); // a matched payment: the rules settle the order
        }
        // No order: the rules raise UNKNOWN_CIP from the stored line.
        let Some(order) = self.app.store.find_order_by_cip(&t, &line.cip).await? else {
            return Ok(());
        };
        let Ok(amount) = Money::new(line.gross_amount, line.currency) else {
            tracing::warn!(cip = %line.cip, "settlement line with an amount no payment can have");
            return Ok(());
        };
        let payment = Payment {
            tenant_id: t,
            cip: line.cip.clone(),
            operation_number: line.operation_number.clone(),
            amount,
            paid_at: line.paid_at,
            received_at: self.now,
            order_id: Some(order.order_id.clone()),
            source: PaymentSource::Settlement,
            raw_ref: None,
        };
        let how = format!("settlement {}", line.settlement_id);
        self.record_missed(&order, payment, &how).await
    }

    async fn reconcile(&mut self) -> Result<(), JobError> {
        let app: &App = self.app;
        let tenant: &Tenant = self.tenant;
        let store = &app.store;
        let t = &tenant.tenant_id;
        let n = self.app.settings.read_page;
        macro_rules! read_all {
            ($method:ident) => {{
                let mut out = Vec::new();
                let mut page: Option<String> = None;
                loop {
                    let (items, next) = store.$method(t, page.take(), n).await?;
                    out.extend(items);
                    match next {
                        Some(token) => page = Some(token),
                        None => break out,
                    }
                }
            }};
        }
        let orders: Vec<Order> = read_all!(list_orders);
        let payments: Vec<Payment> = read_all!(list_payments);
        let lines: Vec<SettlementLine> = read_all!(list_settlement_lines);
        let vouchers: Vec<cuadre_core::Voucher> = read_all!(list_vouchers);
        let mut known = HashSet::new();
        let mut page = None;
        loop {
            let (records, next) = store.list_exceptions(t, None, page.take(), n).await?;
            known.extend(records.into_iter().map(|r| r.exception_id));
            match next {
                Some(token) => page = Some(token),
                None => break,
            }
        }

        let issued: Vec<&Order> = orders.iter().filter(|o| o.is_issued()).collect();
        let order_facts: Vec<OrderFact<'_>> = issued
            .iter()
            .filter_map(|o| OrderFact::from_order(o))
            .collect();
        let payment_facts: Vec<PaymentFact<'_>> =
            payments.iter().map(PaymentFact::from_payment).collect();
        let line_facts: Vec<_> = lines.iter().map(SettlementLine::as_fact).collect();
        let voucher_facts: Vec<VoucherFact<'_>> =
            vouchers.iter().map(VoucherFact::from_voucher).collect();
        let settings = cuadre_core::reconcile::Settings {
            settlement_lag: self.app.settings.settlement_lag,
            voucher_grace: self.app.settings.voucher_grace,
            high_value: self.tenant.high_value_thresholds.clone(),
        };
        let facts = ReconcileFacts {
            orders: &order_facts,
            payments: &payment_facts,
            settlements: &line_facts,
            vouchers: &voucher_facts,
            as_of: self.as_of(),
        };
        let outcome = reconcile(&facts, &settings)?;

        let mut records = Vec::new();
        for finding in &outcome.exceptions {
            let key = finding.key()?;
            if known.contains(&key.id()) {
                continue;
            }
            records.push(ExceptionRecord::open(
                t.clone(),
                key,
                finding.detail.clone(),
                self.now,
            ));
        }
        self.open_exceptions(records).await?;

        for derived in &outcome.orders {
            let stored = issued[derived.index];
            let wanted = matches!(
                derived.status,
                OrderStatus::Settled | OrderStatus::Paid | OrderStatus::Expired
            );
            if wanted && derived.status != stored.status {
                self.move_order(stored.clone(), derived.status).await?;
            }
        }

        let date = cuadre_core::time::lima_date(self.as_of());
        let prefix = format!("reports/{t}/{}/", date.format("%Y-%m-%d"));
        let input = report::ReportInput {
            tenant_id: t,
            run_id: &self.job.run_id,
            as_of: self.as_of(),
            business_date: date,
            orders: &issued,
            payments: &payments,
            lines: &lines,
            outcome: &outcome,
        };
        let files = report::render(&input).map_err(JobError::Report)?;
        for (name, body, content_type) in files {
            self.app
                .objects
                .put(&format!("{prefix}{name}"), body, content_type)
                .await?;
        }
        self.report.report_prefix = Some(prefix);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn paths_walk_through_paid_to_settled() {
        assert_eq!(path_to(Pending, Settled), vec![Paid, Settled]);
        assert_eq!(path_to(Expired, Settled), vec![Paid, Settled]);
        assert_eq!(path_to(Paid, Settled), vec![Settled]);
        assert_eq!(path_to(Pending, Expired), vec![Expired]);
        assert!(path_to(Settled, Paid).is_empty());
        assert!(path_to(Paid, Expired).is_empty());
        assert!(path_to(Paid, Paid).is_empty());
    }
}
