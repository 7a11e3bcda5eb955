//! The issuance family: how a code's own life decides what a payment does to its order.
//!
//! - A payment moves its order to `PAID` from `PENDING`, `EXPIRED` or `CANCELLED`: money that
//!   arrived wins over an expiry or a cancel ([`payable`]).
//! - A payment whose CIP no order has still belongs to the order its `transactionCode` names when
//!   that order's code was never recorded because the gateway call's outcome was unknown (a
//!   timeout): the order adopts the code ([`adopts_unrecorded_code`]).

use crate::order::{Order, OrderStatus};

/// Statuses a payment moves to `PAID`.
pub fn payable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Pending | OrderStatus::Expired | OrderStatus::Cancelled
    )
}

/// Whether a payment whose CIP no order has belongs to `order` by its `transactionCode`: the order's
/// code was never recorded because the gateway call's outcome was unknown.
pub fn adopts_unrecorded_code(order: &Order) -> bool {
    order.cip.is_none() && order.unknown_issue_attempts > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_that_arrived_wins_over_expiry_and_cancel() {
        for status in [
            OrderStatus::Pending,
            OrderStatus::Expired,
            OrderStatus::Cancelled,
        ] {
            assert!(payable(status));
        }
        for status in [
            OrderStatus::Paid,
            OrderStatus::Settled,
            OrderStatus::Refunded,
        ] {
            assert!(!payable(status));
        }
    }
}
