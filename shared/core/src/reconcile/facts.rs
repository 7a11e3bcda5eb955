//! The facts the engine reads, borrowed from whoever holds them (a file arena, DynamoDB items).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{Cip, OperationNumber};
use crate::money::{Currency, Money};
use crate::order::{Order, OrderStatus};
use crate::records::{Payment, UnreadFields, Voucher};

/// A status that is a given fact rather than something reconciliation derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Closure {
    /// The merchant cancelled the code. A payment that arrives anyway still wins (`PAID`/`SETTLED`).
    Cancelled,
    /// The payment went back to the buyer: always `REFUNDED`.
    Refunded,
}

impl Closure {
    /// The closure carried by a stored status (the worker passes `order.status`); other statuses are derived.
    pub fn from_status(status: OrderStatus) -> Option<Closure> {
        match status {
            OrderStatus::Cancelled => Some(Closure::Cancelled),
            OrderStatus::Refunded => Some(Closure::Refunded),
            _ => None,
        }
    }
}

/// What the merchant asked for. `order_id` and `cip` are unique across the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFact<'a> {
    pub order_id: &'a str,
    pub cip: &'a str,
    /// The order's earlier codes ([`Order::earlier_cips`]): their payments and lines are the
    /// order's too.
    pub earlier_cips: &'a [Cip],
    pub amount: Money,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub closure: Option<Closure>,
}

impl<'a> OrderFact<'a> {
    /// Every code of the order: the current one first, then the earlier ones.
    pub fn cips(&self) -> impl Iterator<Item = &'a str> + Clone {
        std::iter::once(self.cip).chain(self.earlier_cips.iter().map(|c| c.as_str()))
    }

    /// From a stored order; `None` while the gateway has not issued its code (nothing to reconcile).
    pub fn from_order(order: &'a Order) -> Option<Self> {
        Some(OrderFact {
            order_id: order.order_id.as_str(),
            cip: order.cip.as_ref()?.as_str(),
            earlier_cips: &order.earlier_cips,
            amount: order.amount,
            issued_at: order.issued_at,
            expires_at: order.expires_at,
            closure: Closure::from_status(order.status),
        })
    }
}

/// One payment notification (or status lookup). Repeats with the same CIP and operation number are one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentFact<'a> {
    pub cip: &'a str,
    pub operation_number: &'a str,
    pub amount: Money,
    /// `data.paymentDate` when the gateway sent it, else when we received the notification.
    pub paid_at: DateTime<Utc>,
}

impl<'a> PaymentFact<'a> {
    /// A payment notified without an operation number counts under the number its settlement line
    /// gave it, once adopted ([`Payment::settled_as`]).
    pub fn from_payment(payment: &'a Payment) -> Self {
        PaymentFact {
            cip: payment.cip.as_str(),
            operation_number: payment
                .settled_as
                .as_ref()
                .unwrap_or(&payment.operation_number)
                .as_str(),
            amount: payment.amount,
            paid_at: payment.paid_at,
        }
    }
}

/// One line of the gateway's settlement report. Amounts are plain decimals: a fee may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementFact<'a> {
    pub settlement_id: &'a str,
    pub cip: &'a str,
    pub operation_number: &'a str,
    pub gross: Decimal,
    pub fee: Decimal,
    pub net: Decimal,
    pub currency: Currency,
    pub paid_at: DateTime<Utc>,
    pub settled_at: DateTime<Utc>,
}

/// An owned settlement line, as the importer parses it and the worker stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementLine {
    pub settlement_id: String,
    pub cip: Cip,
    pub operation_number: OperationNumber,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub fee_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub net_amount: Decimal,
    pub currency: Currency,
    #[serde(with = "crate::time::serde_lima")]
    pub paid_at: DateTime<Utc>,
    #[serde(with = "crate::time::serde_lima")]
    pub settled_at: DateTime<Utc>,
}

impl SettlementLine {
    pub fn as_fact(&self) -> SettlementFact<'_> {
        SettlementFact {
            settlement_id: &self.settlement_id,
            cip: self.cip.as_str(),
            operation_number: self.operation_number.as_str(),
            gross: self.gross_amount,
            fee: self.fee_amount,
            net: self.net_amount,
            currency: self.currency,
            paid_at: self.paid_at,
            settled_at: self.settled_at,
        }
    }
}

/// What OCR read from a voucher; `None` is "not read" and never a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoucherRead<'a> {
    pub cip: Option<&'a str>,
    pub operation_number: Option<&'a str>,
    pub amount: Option<Decimal>,
    pub currency: Option<Currency>,
}

impl VoucherRead<'_> {
    /// Readable: OCR found a CIP or an operation number, and an amount.
    pub fn is_readable(&self) -> bool {
        (self.cip.is_some() || self.operation_number.is_some()) && self.amount.is_some()
    }
}

/// A voucher a buyer uploaded for an order: a claim, never proof of payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherFact<'a> {
    pub voucher_id: &'a str,
    pub order_id: &'a str,
    pub uploaded_at: DateTime<Utc>,
    /// Hex SHA-256 of the image, compared as given (pass it lowercase).
    pub sha256: &'a str,
    pub read: VoucherRead<'a>,
    /// Images with the same perceptual hash but another SHA-256 and other text are suspected forgeries.
    pub perceptual_hash: Option<&'a str>,
    /// A forgery signal found upstream (e.g. editing-software metadata), as a short description.
    pub tampering: Option<&'a str>,
    /// Why the reader gave no value for some key fields (`None` when it did not say).
    pub unread: Option<&'a UnreadFields>,
}

impl<'a> VoucherFact<'a> {
    /// From a stored voucher; an amount OCR wrote in a form we cannot read counts as not read.
    pub fn from_voucher(voucher: &'a Voucher) -> Self {
        let f = &voucher.fields;
        VoucherFact {
            voucher_id: &voucher.voucher_id,
            order_id: voucher.order_id.as_str(),
            uploaded_at: voucher.uploaded_at,
            sha256: &voucher.sha256,
            read: VoucherRead {
                cip: f.cip.as_deref(),
                operation_number: f.operation_number.as_deref(),
                amount: f
                    .amount
                    .as_deref()
                    .and_then(|a| crate::money::parse_json_number(a).ok()),
                currency: f.currency,
            },
            perceptual_hash: voucher.perceptual_hash.as_deref(),
            tampering: None,
            unread: Some(&voucher.unread),
        }
    }
}

/// Everything the engine looks at in one run: slices (`'f`) of facts that borrow their strings (`'a`).
/// The outcome borrows only the strings, so the slices can be dropped before it is written out.
#[derive(Debug, Clone, Copy)]
pub struct ReconcileFacts<'f, 'a> {
    pub orders: &'f [OrderFact<'a>],
    pub payments: &'f [PaymentFact<'a>],
    pub settlements: &'f [SettlementFact<'a>],
    pub vouchers: &'f [VoucherFact<'a>],
    /// The instant the run reconciles as of; every "more than X before" is measured back from it.
    pub as_of: DateTime<Utc>,
}

/// A tenant's knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `NOT_SETTLED` once a payment is strictly older than this without a settlement line.
    pub settlement_lag: TimeDelta,
    /// `VOUCHER_WITHOUT_PAYMENT` once a voucher is strictly older than this and the order is unpaid.
    pub voucher_grace: TimeDelta,
    /// `HIGH_VALUE_REVIEW` for a payment at or above the threshold of its currency; no entry, no review.
    pub high_value: BTreeMap<Currency, Decimal>,
    /// How far the gateway's payment time on a settlement line may be from the notification's
    /// when a payment notified without an operation number adopts the line's.
    pub clock_skew: TimeDelta,
}

impl Default for Settings {
    /// The `cuadre reconcile` defaults: 72 h lag, 2 h grace, PEN 3000 and USD 800, 10 min skew.
    fn default() -> Self {
        Settings {
            settlement_lag: crate::rules::DEFAULT_SETTLEMENT_LAG,
            voucher_grace: crate::rules::DEFAULT_VOUCHER_GRACE,
            high_value: crate::rules::default_high_value(),
            clock_skew: crate::rules::settlement::DEFAULT_CLOCK_SKEW,
        }
    }
}

/// Facts the engine refuses because they make the outcome ambiguous. Indexes are into `orders`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    #[error("order id {order_id:?} appears twice (orders {first} and {second})")]
    DuplicateOrderId {
        order_id: String,
        first: usize,
        second: usize,
    },
    #[error("CIP {cip:?} belongs to two orders (orders {first} and {second})")]
    DuplicateCip {
        cip: String,
        first: usize,
        second: usize,
    },
}
