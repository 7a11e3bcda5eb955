//! The six orders of the story and how each must end.

use chrono::{DateTime, Utc};

/// What happens to one order, and how it must end.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub amount: &'static str,
    pub story: &'static str,
    pub status: &'static str,
    pub exceptions: &'static [&'static str],
}

pub(super) const ON_TIME: usize = 0;
pub(super) const SHORT: usize = 1;
pub(super) const LATE: usize = 2;
pub(super) const LOST_NOTICE: usize = 3;
pub(super) const REUSED_VOUCHER: usize = 4;
// PLAN[5]: the code nobody pays.

/// What reconciliation writes for the day (see reconcile-worker's report module).
pub(super) const REPORT_FILES: [&str; 3] = ["orders.csv", "summary.json", "report.xlsx"];

/// The six orders of the story, by the indices above.
pub const PLAN: [Plan; 6] = [
    Plan {
        amount: "150.00",
        story: "paid on time, settled",
        status: "SETTLED",
        exceptions: &[],
    },
    Plan {
        amount: "89.90",
        story: "paid S/ 80.00 only",
        status: "PAID",
        exceptions: &["AMOUNT_MISMATCH"],
    },
    Plan {
        amount: "42.00",
        story: "paid after its expiry",
        status: "PAID",
        exceptions: &["PAID_AFTER_EXPIRY"],
    },
    Plan {
        amount: "310.75",
        story: "paid, notice lost, voucher sent",
        status: "SETTLED",
        exceptions: &["MISSED_NOTIFICATION"],
    },
    Plan {
        amount: "120.00",
        story: "unpaid, reused that voucher",
        status: "EXPIRED",
        exceptions: &[
            "DUPLICATE_VOUCHER",
            "VOUCHER_MISMATCH",
            "VOUCHER_WITHOUT_PAYMENT",
        ],
    },
    Plan {
        amount: "65.00",
        story: "never paid",
        status: "EXPIRED",
        exceptions: &[],
    },
];

/// One order of the story: what the API said of it, and what the story expects.
#[derive(Debug, Clone)]
pub struct DemoOrder {
    pub order_id: String,
    pub plan: Plan,
    pub cip: Option<String>,
    pub pay_url: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The status the API last reported.
    pub status: Option<String>,
    /// Kinds of the order's unresolved exceptions, as the API last reported them.
    pub exceptions: Vec<String>,
}

impl DemoOrder {
    pub(super) fn as_expected(&self) -> bool {
        let mut got = self.exceptions.clone();
        got.sort();
        got.dedup();
        let mut want: Vec<String> = self.plan.exceptions.iter().map(|k| k.to_string()).collect();
        want.sort();
        self.status.as_deref() == Some(self.plan.status) && got == want
    }
}

/// An open exception, for the closing table.
#[derive(Debug, Clone)]
pub struct OpenException {
    pub kind: String,
    pub order_id: String,
    pub detail: String,
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::value::RawValue;

    use super::*;

    /// An order of the short-paid plan, as the API might report it.
    pub(crate) fn order(status: &str, exceptions: &[&str]) -> DemoOrder {
        DemoOrder {
            order_id: "A-1".into(),
            plan: PLAN[SHORT],
            cip: Some("2523136".into()),
            pay_url: None,
            expires_at: None,
            status: Some(status.into()),
            exceptions: exceptions.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn an_order_is_as_expected_only_with_its_status_and_exactly_its_exceptions() {
        assert!(order("PAID", &["AMOUNT_MISMATCH"]).as_expected());
        assert!(!order("SETTLED", &["AMOUNT_MISMATCH"]).as_expected());
        assert!(!order("PAID", &[]).as_expected());
        assert!(!order("PAID", &["AMOUNT_MISMATCH", "NOT_SETTLED"]).as_expected());
    }

    #[test]
    fn the_plan_amounts_are_exact_two_decimal_numbers() {
        for plan in PLAN {
            let amount: rust_decimal::Decimal = plan.amount.parse().unwrap();
            assert_eq!(amount.scale(), 2, "{}", plan.amount);
            assert!(RawValue::from_string(plan.amount.to_string()).is_ok());
        }
    }
}
