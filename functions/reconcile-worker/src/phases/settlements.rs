//! Phase 3, settlements: files under `settlements/{tenant}/` are imported once per key + ETag,
//! each line once per (settlement, CIP, operation); a line of a known CIP without a payment
//! records the payment from the line (`MISSED_NOTIFICATION`).

use cuadre_core::jobs::{Cursor, Phase};
use cuadre_core::reconcile::SettlementLine;
use cuadre_core::rules::settlement::{self, FoundIn, StandInMatch};
use cuadre_core::rules::Paid;
use cuadre_core::store::{Created, SettlementFileImport, StoreError};
use cuadre_core::{Money, Payment, PaymentSource};

use super::{Run, Step};
use crate::handler::JobError;
use crate::ports::ObjectInfo;

impl Run<'_> {
    pub(crate) async fn settlements(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
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
        if paid
            .as_ref()
            .is_some_and(|p| p.source == PaymentSource::Notification || p.reversed_at.is_some())
        {
            // A matched payment: the rules settle the order. A reversed one pays nothing: its
            // PAYMENT_REVERSED already says the settled money must come back.
            return Ok(());
        }
        // No order: the rules raise UNKNOWN_CIP from the stored line.
        let Some(order) = self.app.store.find_order_by_cip(&t, &line.cip).await? else {
            return Ok(());
        };
        if paid.is_none() && self.settles_stand_in(line).await? {
            return Ok(());
        }
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
            settled_as: None,
            reversed_at: None,
        };
        let found = FoundIn::Settlement(&line.settlement_id);
        self.record_missed(&order, payment, found).await
    }

    /// A payment of the line's CIP notified without an operation number that the line settles
    /// (the only one that fits: [`settlement::stand_in_match`]) adopts the line's number, once;
    /// `true` when the line is accounted for so (adopted, or too ambiguous to record a payment
    /// from: the rules then raise `SETTLEMENT_MISMATCH`).
    async fn settles_stand_in(&mut self, line: &SettlementLine) -> Result<bool, JobError> {
        let t = &self.tenant.tenant_id;
        let payments = self.app.store.payments_for_cip(t, &line.cip).await?;
        let candidates = payments
            .iter()
            .map(|p| (Paid::from_payment(p), p.settled_as.is_none()));
        let skew = self.app.settings.clock_skew;
        match settlement::stand_in_match(&line.as_fact(), candidates, skew) {
            StandInMatch::None => Ok(false),
            StandInMatch::Ambiguous(fits) => {
                tracing::warn!(tenant_id = %t, cip = %line.cip, operation_number = %line.operation_number, candidates = fits.len(), "a settlement line fits several payments notified without an operation number; left to a person");
                Ok(true)
            }
            StandInMatch::One(i) => {
                let stand_in = &payments[i];
                match self
                    .app
                    .store
                    .adopt_operation_number(stand_in, &line.operation_number)
                    .await
                {
                    Ok(_) => {
                        tracing::info!(tenant_id = %t, cip = %line.cip, operation_number = %line.operation_number, "a payment notified without an operation number adopted its settlement line's");
                        Ok(true)
                    }
                    // Adopted meanwhile by another run: the line is accounted for all the same.
                    Err(StoreError::Conflict(_)) => Ok(true),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }
}
