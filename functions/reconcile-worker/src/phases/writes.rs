//! The writes every phase shares: merchant events, exceptions, order moves and payments learned of
//! without their notification.

use cuadre_core::events::MerchantEvent;
use cuadre_core::rules::settlement::FoundIn;
use cuadre_core::rules::{self, Paid};
use cuadre_core::store::{Created, StoreError};
use cuadre_core::{ExceptionKey, ExceptionRecord, Order, OrderStatus, Payment, PaymentSource};

use super::Run;
use crate::handler::JobError;

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
    pub(super) async fn send_events(&mut self, events: &[MerchantEvent]) -> Result<(), JobError> {
        if events.is_empty() {
            return Ok(());
        }
        self.app.events.send(events).await?;
        self.report.events_sent += events.len() as u32;
        Ok(())
    }

    /// Stores the exceptions that do not exist yet (whatever the status of those that do) and
    /// announces them; the announcement goes first, so a crash repeats it (same event id) rather
    /// than losing it.
    pub(super) async fn open_exceptions(
        &mut self,
        records: Vec<ExceptionRecord>,
    ) -> Result<(), JobError> {
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
            if let Created::New(opened) = self.app.store.raise_exception(record).await? {
                crate::METRICS.exception_opened(&opened);
                self.report.exceptions_opened += 1;
            }
        }
        Ok(())
    }

    /// Moves the order towards `target` by conditional writes; a lost race is re-read once, and
    /// a move the status machine forbids (or that the fresh order no longer needs) is left alone.
    pub(super) async fn move_order(
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
    pub(super) async fn record_missed(
        &mut self,
        order: &Order,
        payment: Payment,
        found: FoundIn<'_>,
    ) -> Result<(), JobError> {
        let stored = match self.app.store.record_payment(&payment).await? {
            Created::New(p) => {
                crate::METRICS.payment_recorded(&p);
                self.report.payments_recorded += 1;
                self.send_events(&[MerchantEvent::order_paid(order, &p)])
                    .await?;
                p
            }
            Created::AlreadyExisted(p) => p,
        };
        if stored.source != PaymentSource::Notification {
            let breach =
                rules::settlement::missed_notification(found, &Paid::from_payment(&stored));
            let key = ExceptionKey {
                kind: breach.kind,
                order_id: Some(order.order_id.clone()),
                cip: Some(stored.cip.clone()),
                operation_number: Some(stored.operation_number.clone()),
            };
            let detail = breach.detail;
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
