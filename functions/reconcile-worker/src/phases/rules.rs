//! Phase 4, reconcile: the engine over every fact of the tenant. New exceptions are stored (by
//! their stable id: a re-run adds nothing and reopens nothing) and announced (`exception.opened`);
//! the derived `SETTLED`/`PAID`/`EXPIRED` statuses are written conditionally; then the day's
//! report (see [`super::report`]).

use std::collections::HashSet;

use cuadre_core::reconcile::{
    reconcile, OrderFact, PaymentFact, ReconcileFacts, SettlementLine, VoucherFact,
};
use cuadre_core::rules::Paid;
use cuadre_core::{ExceptionRecord, Order, OrderStatus, Payment, Tenant};

use super::Run;
use crate::app::App;
use crate::handler::JobError;

impl Run<'_> {
    pub(crate) async fn reconcile(&mut self) -> Result<(), JobError> {
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
        // A reversed payment pays nothing (the webhook moved its order and raised PAYMENT_REVERSED),
        // and its settlement line settles nothing: the engine sees neither.
        let (reversed, payments): (Vec<Payment>, Vec<Payment>) = read_all!(list_payments)
            .into_iter()
            .partition(|p: &Payment| p.reversed_at.is_some());
        let lines: Vec<SettlementLine> = read_all!(list_settlement_lines)
            .into_iter()
            .filter(|l: &SettlementLine| {
                !reversed
                    .iter()
                    .any(|p| p.cip == l.cip && p.operation_number == l.operation_number)
            })
            .collect();
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
            // The merchant's own lag when it set one, else the stage's.
            settlement_lag: self.tenant.settlement_lag(self.app.settings.settlement_lag),
            voucher_grace: self.app.settings.voucher_grace,
            high_value: self.tenant.high_value_thresholds.clone(),
            clock_skew: self.app.settings.clock_skew,
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
                // The order's first payment, of any of its codes: the one `order.paid` reports.
                let first = payments
                    .iter()
                    .filter(|p| stored.has_cip(&p.cip))
                    .min_by(|a, b| {
                        cuadre_core::rules::payment::earlier(
                            &Paid::from_payment(a),
                            &Paid::from_payment(b),
                        )
                    });
                self.move_order(stored.clone(), derived.status, first)
                    .await?;
            }
        }

        self.write_report(&issued, &payments, &lines, &outcome)
            .await
    }
}
