//! Phase 2, lookups: the status-lookup markers vouchers left (grace passed, no payment) are looked
//! up at the gateway. The status lookup itself (also used by the expiry phase) is here: a code the
//! gateway says is paid gets its payment recorded.

use cuadre_core::jobs::{Cursor, Phase};
use cuadre_core::rules::settlement::FoundIn;
use cuadre_core::store::{StatusLookup, StoreError};
use cuadre_core::{Money, Order, OrderStatus, Payment, PaymentSource};
use cuadre_gateway::{CipLookup, CipStatus, Credentials};

use super::{Run, Step};
use crate::handler::JobError;

impl Run<'_> {
    pub(crate) async fn lookups(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
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

    /// What the gateway says about the order's code; `true` when it was paid (and is now recorded).
    pub(super) async fn look_up(&mut self, order: &Order) -> Result<Option<bool>, JobError> {
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
            settled_as: None,
            reversed_at: None,
        };
        if let Some(existing) = self
            .app
            .store
            .get_payment(&payment.tenant_id, &payment.cip, &payment.operation_number)
            .await?
        {
            // Reversed by the gateway: it pays nothing, whatever a lagging lookup says.
            if existing.reversed_at.is_some() {
                return Ok(Some(false));
            }
            // The notification arrived after all: only the status may need to catch up.
            if existing.source == PaymentSource::Notification {
                self.move_order(order.clone(), OrderStatus::Paid, Some(&existing))
                    .await?;
                return Ok(Some(true));
            }
        }
        self.record_missed(order, payment, FoundIn::StatusLookup)
            .await?;
        Ok(Some(true))
    }
}
