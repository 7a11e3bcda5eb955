//! The issuance family: how a code's own life decides what a payment does to its order.
//!
//! - A payment moves its order to `PAID` from `PENDING`, `EXPIRED` or `CANCELLED`: money that
//!   arrived wins over an expiry or a cancel ([`payable`]).
//! - A payment whose CIP no order has still belongs to the order its `transactionCode` names when
//!   a gateway call for that order ended with an unknown outcome (a timeout): the code it may have
//!   created was never recorded, whether or not a retry then got the order another one. The order
//!   adopts the code ([`adopts_unrecorded_code`]): as its current code when it has none, else as
//!   one of its earlier codes ([`crate::Order::learn_cip`]).
//! - Every code an order ever had keeps leading to it: a re-issue keeps the superseded code among
//!   the order's earlier codes ([`crate::Order::with_new_cip`]), so its payment attaches to the
//!   order, and a payment of two of the order's codes is a `DUPLICATE_PAYMENT`, not an `UNKNOWN_CIP`.

use crate::order::{Order, OrderStatus};

/// Statuses a payment moves to `PAID`.
pub fn payable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Pending | OrderStatus::Expired | OrderStatus::Cancelled
    )
}

/// Whether a payment whose CIP no order has belongs to `order` by its `transactionCode`: a gateway
/// call for the order had an unknown outcome, so a code may exist for it that we never recorded.
pub fn adopts_unrecorded_code(order: &Order) -> bool {
    order.unknown_issue_attempts > 0
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
