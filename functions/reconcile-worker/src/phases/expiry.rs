//! Phase 1, expiry: pending codes expiring before `as_of` + the lookup window are looked up at the
//! gateway; an unpaid one past its expiry becomes `EXPIRED`.

use cuadre_core::jobs::{Cursor, Phase};
use cuadre_core::OrderStatus;

use super::{Run, Step};
use crate::handler::JobError;

impl Run<'_> {
    pub(crate) async fn expiry(&mut self, mut page: Option<String>) -> Result<Step, JobError> {
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
                            self.move_order(fresh, OrderStatus::Expired, None).await?;
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
}
