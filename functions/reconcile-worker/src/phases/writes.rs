//! The writes every phase shares: exceptions, order moves and payments learned of without their
//! notification. Every event such a write owes is stored by the write itself (the outbox); the
//! queue send after it is only a fast path, and a failed one is left to the sweeper.

use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::{EventType, MerchantEvent};
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
    /// Queues events already in the outbox for delivery now; a failure only delays them until
    /// the sweeper's next run.
    pub(super) async fn announce(&mut self, events: &[MerchantEvent]) {
        if cuadre_lambda::announce::announce(self.app.events.as_ref(), events).await {
            self.report.events_sent += events.len() as u32;
        }
    }

    /// Stores the exceptions that do not exist yet (whatever the status of those that do); each
    /// is written with its `exception.opened`.
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
        let mut opened = Vec::new();
        for record in &fresh {
            if let Created::New(record) = self.app.store.raise_exception(record).await? {
                crate::METRICS.exception_opened(&record);
                tracing::info!(exception_id = %record.exception_id, "{} raised", record.kind.as_str());
                self.report.exceptions_opened += 1;
                opened.push(MerchantEvent::exception_opened(&record));
            }
        }
        self.announce(&opened).await;
        Ok(())
    }

    /// The event a move to `step` owes: `order.paid` (reporting `first`, the order's first
    /// payment), `order.expired` or `order.settled`.
    fn owed_by_move(
        &self,
        current: &Order,
        step: OrderStatus,
        first: Option<&Payment>,
    ) -> Option<MerchantEvent> {
        match step {
            OrderStatus::Paid => {
                let paid = Order {
                    status: step,
                    ..current.clone()
                };
                first.map(|p| MerchantEvent::order_paid(&paid, p))
            }
            OrderStatus::Expired => Some(MerchantEvent::order_expired(current)),
            OrderStatus::Settled => {
                let settled = Order {
                    status: step,
                    ..current.clone()
                };
                let op = first.map(|p| &p.operation_number);
                Some(MerchantEvent::order_changed(
                    EventType::OrderSettled,
                    current,
                    &settled,
                    op,
                    self.now,
                ))
            }
            _ => None,
        }
    }

    /// Moves the order towards `target` by conditional writes, each with the event it owes (so
    /// `order.expired` exists only if the expiry won); a lost race is re-read once, and a move the
    /// status machine forbids (or that the fresh order no longer needs) is left alone. `first` is
    /// the order's first payment, for `order.paid`. An order is expired only once the tenant's
    /// grace after its expiry has passed, so a payment landing late does not follow a release.
    pub(super) async fn move_order(
        &mut self,
        mut current: Order,
        target: OrderStatus,
        first: Option<&Payment>,
    ) -> Result<(), JobError> {
        for _attempt in 0..2 {
            if target == OrderStatus::Expired
                && current.expires_at + self.app.settings.expiry_grace >= self.as_of()
            {
                return Ok(()); // extended meanwhile, or still within the grace
            }
            let mut lost = false;
            let steps = path_to(current.status, target);
            if steps.contains(&OrderStatus::Paid) && first.is_none() {
                // A move to PAID owes order.paid, of a payment: without one it is not ours to make.
                tracing::warn!(order_id = %current.order_id, "no payment to announce a move to PAID with; left alone");
                return Ok(());
            }
            for step in steps {
                let owed: Vec<MerchantEvent> = self
                    .owed_by_move(&current, step, first)
                    .into_iter()
                    .collect();
                let records: Vec<EventRecord> = owed
                    .iter()
                    .map(|e| EventRecord::new(e.clone(), self.now))
                    .collect();
                match self
                    .app
                    .store
                    .transition_order_announcing(&current, step, &records)
                    .await
                {
                    Ok(next) => {
                        self.announce(&owed).await;
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
    /// line): `MISSED_NOTIFICATION`, and the order moves to `PAID` with its `order.paid`.
    /// Idempotent: a repeat finds the payment and makes sure of the exception and the status.
    pub(super) async fn record_missed(
        &mut self,
        order: &Order,
        payment: Payment,
        found: FoundIn<'_>,
    ) -> Result<(), JobError> {
        let stored = match self.app.store.record_payment(&payment).await? {
            Created::AlreadyExisted(p) if p.reversed_at.is_some() => {
                return Ok(()); // reversed by the gateway: it pays nothing
            }
            Created::New(p) => {
                crate::METRICS.payment_recorded(&p);
                self.report.payments_recorded += 1;
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
            self.move_order(fresh, OrderStatus::Paid, Some(&stored))
                .await?;
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
