//! What the engine answers: a status per order, the exceptions, and the money summary.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::exception::{ExceptionKey, ExceptionKind};
use crate::ids::{Cip, IdError, OperationNumber, OrderId};
use crate::money::Currency;
use crate::order::OrderStatus;

/// One order's status. `index` points back into `ReconcileFacts::orders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrderOutcome<'a> {
    pub order_id: &'a str,
    pub cip: &'a str,
    pub status: OrderStatus,
    #[serde(skip)]
    pub index: usize,
}

/// One exception raised by a run (before it is stored as an [`crate::ExceptionRecord`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding<'a> {
    pub kind: ExceptionKind,
    pub order_id: Option<&'a str>,
    pub cip: Option<&'a str>,
    pub operation_number: Option<&'a str>,
    pub detail: String,
}

impl Finding<'_> {
    /// The owned key that identifies this exception across runs (its `id()` is stable).
    pub fn key(&self) -> Result<ExceptionKey, IdError> {
        Ok(ExceptionKey {
            kind: self.kind,
            order_id: self.order_id.map(OrderId::parse).transpose()?,
            cip: self.cip.map(Cip::parse).transpose()?,
            operation_number: self
                .operation_number
                .map(OperationNumber::parse)
                .transpose()?,
        })
    }
}

/// Money per currency; amounts of different currencies are never added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CurrencyTotals {
    /// Every order's amount, whatever its status.
    #[serde(with = "rust_decimal::serde::str")]
    pub expected: Decimal,
    /// Every distinct payment of a known order (settlement-derived ones included), in the payment's currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub paid: Decimal,
    /// Settlement lines of known orders, in the line's currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub settled_gross: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub fees: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    /// Orders still `PENDING`: codes a buyer can still pay.
    #[serde(with = "rust_decimal::serde::str")]
    pub outstanding: Decimal,
    /// IGV (18 %) on the fees, rounded half away from zero to cents, for the fee invoice check.
    #[serde(with = "rust_decimal::serde::str")]
    pub igv_on_fees: Decimal,
}

impl CurrencyTotals {
    pub(crate) fn finish(&mut self) {
        self.igv_on_fees = self.fees * Decimal::new(18, 2);
        for v in [
            &mut self.expected,
            &mut self.paid,
            &mut self.settled_gross,
            &mut self.fees,
            &mut self.net,
            &mut self.outstanding,
            &mut self.igv_on_fees,
        ] {
            let mut r = v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            r.rescale(2);
            *v = r;
        }
    }
}

/// Counts and money of one run; every status, kind and currency is present (zero when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub orders: u64,
    /// Distinct payments (CIP + operation number) read from notifications.
    pub payments: u64,
    pub settlement_lines: u64,
    pub vouchers: u64,
    /// Vouchers naming an order that is not among the facts (ignored by every rule but duplicates).
    pub vouchers_without_order: u64,
    pub exceptions: u64,
    pub statuses: BTreeMap<OrderStatus, u64>,
    pub exception_kinds: BTreeMap<ExceptionKind, u64>,
    pub currencies: BTreeMap<Currency, CurrencyTotals>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            orders: 0,
            payments: 0,
            settlement_lines: 0,
            vouchers: 0,
            vouchers_without_order: 0,
            exceptions: 0,
            statuses: OrderStatus::ALL.iter().map(|s| (*s, 0)).collect(),
            exception_kinds: ExceptionKind::ALL.iter().map(|k| (*k, 0)).collect(),
            currencies: Currency::ALL
                .iter()
                .map(|c| (*c, CurrencyTotals::default()))
                .collect(),
        }
    }
}

/// The answer of [`super::reconcile`]: orders sorted by order id; exceptions sorted by order id then
/// kind (in [`ExceptionKind::ALL`] order) then operation number, followed by `UNKNOWN_CIP` ones sorted by CIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'a> {
    pub orders: Vec<OrderOutcome<'a>>,
    pub exceptions: Vec<Finding<'a>>,
    pub summary: Summary,
}
