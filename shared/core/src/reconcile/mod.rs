//! The reconciliation engine (docs/reconciliation.md): facts in, statuses and exceptions out.
//!
//! A pure function. The caller borrows its facts into a [`ReconcileFacts`] (slices of [`OrderFact`],
//! [`PaymentFact`], [`SettlementFact`], [`VoucherFact`], all `Copy` views with `&str` ids) and gets an
//! [`Outcome`] that borrows the same strings: one [`OrderOutcome`] per order (sorted by order id), the
//! [`Finding`]s (exceptions; [`Finding::key`] gives the stored [`crate::ExceptionKey`]) and a [`Summary`].
//!
//! ```
//! use cuadre_core::reconcile::{reconcile, ReconcileFacts, Settings};
//! # let as_of = chrono::Utc::now();
//! let facts = ReconcileFacts { orders: &[], payments: &[], settlements: &[], vouchers: &[], as_of };
//! let outcome = reconcile(&facts, &Settings::default()).unwrap();
//! assert!(outcome.orders.is_empty());
//! ```
//!
//! How it decides (beyond the spec's tables):
//! - Order ids and CIPs (current and earlier) must be unique among the orders, or the run is
//!   refused ([`FactsError`]).
//! - Payments are grouped per order by CIP, by any of the order's codes (its current one and its
//!   [`OrderFact::earlier_cips`]); repeats of a CIP + operation number collapse into one payment
//!   (the earliest-paid copy counts). A settlement line matching no payment of a known order settles
//!   the one payment notified without an operation number that fits it
//!   ([`crate::rules::settlement::stand_in_match`]; two that fit raise `SETTLEMENT_MISMATCH` and
//!   nothing is recorded), else records one (`MISSED_NOTIFICATION`) with its `paid_at`, gross and
//!   currency, and every payment rule then applies to it.
//! - The "first" payment of an order is the earliest paid (ties: lowest operation number); every other
//!   operation number raises its own `DUPLICATE_PAYMENT`. Other kinds are raised once per order and name
//!   the first offending payment, line or voucher in their `operation_number` and `detail`.
//! - Status: a `Refunded` [`Closure`] wins; then `SETTLED` / `PAID` when there is a payment (money that
//!   arrived beats a cancel, as [`crate::OrderStatus::can_become`] allows); then `CANCELLED`; then `EXPIRED`
//!   when `as_of > expires_at`; else `PENDING`. Exceptions are raised whatever the status.
//! - `VOUCHER_MISMATCH` looks only at readable vouchers (a CIP or operation number, and an amount); an
//!   unreadable one raises `UNREADABLE_VOUCHER` instead. Its operation number is compared only when the
//!   order has a payment. Vouchers naming an unknown order raise nothing but still count as "already
//!   submitted" for `DUPLICATE_VOUCHER`.
//! - `SUSPECTED_TAMPERING`: a voucher with a [`VoucherFact::tampering`] signal, or one whose perceptual hash
//!   equals an earlier voucher's while its SHA-256 and read fields differ.
//! - No fact is filtered by time: a fact after `as_of` is still a fact.
//!
//! Cost: linear in the facts (hash joins and counting sorts; sorting inside one order's few facts and of
//! the order ids for the output). Nothing is cloned but the ids' references; a CIP is hashed as an
//! integer. From 50,000 facts on, and when the machine has two cores or more, the independent halves of
//! the work run on two scoped threads (`std::thread::scope`, no runtime); the answer is the same.

mod engine;
mod facts;
mod index;
mod outcome;
#[cfg(test)]
mod tests;
mod vouchers;

pub use facts::{
    Closure, FactsError, OrderFact, PaymentFact, ReconcileFacts, Settings, SettlementFact,
    SettlementLine, VoucherFact, VoucherRead,
};
pub use outcome::{CurrencyTotals, Finding, OrderOutcome, Outcome, Summary};

/// Reconciles the facts as of `facts.as_of`. Deterministic: the same facts in any order give the same outcome.
pub fn reconcile<'a>(
    facts: &ReconcileFacts<'_, 'a>,
    settings: &Settings,
) -> Result<Outcome<'a>, FactsError> {
    engine::run(facts, settings)
}
