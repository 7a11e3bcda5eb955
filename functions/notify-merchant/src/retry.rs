//! Growing delays between delivery attempts, through the message's visibility timeout.
//!
//! When a delivery fails, the handler hides the message for [`RetrySchedule::delay_secs`] of its
//! `ApproximateReceiveCount` (SQS `ChangeMessageVisibility` with the receipt handle) and reports
//! it in `batchItemFailures`. With the defaults: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min,
//! then 11 h (SQS allows at most 12 h per receive). The queue's redrive policy bounds the number of
//! attempts (`maxReceiveCount` 5 in the template): the fifth failure is not delayed but made visible
//! at once, so the next receive moves it to the dead-letter queue without a pointless wait.

/// `delay(n) = first × factor^(n−1)`, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub first_secs: u32,
    pub factor: u32,
    pub cap_secs: u32,
}

/// SQS refuses a visibility timeout above 12 h; keep an hour's margin.
pub const MAX_DELAY_SECS: u32 = 11 * 3600;

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule {
            first_secs: 30,
            factor: 4,
            cap_secs: MAX_DELAY_SECS,
        }
    }
}

impl RetrySchedule {
    /// Seconds to hide a message that failed on its `receive_count`-th receive (1 = first).
    pub fn delay_secs(&self, receive_count: u32) -> u32 {
        let exponent = receive_count.saturating_sub(1);
        let growth = self.factor.max(1).checked_pow(exponent).unwrap_or(u32::MAX);
        self.first_secs
            .saturating_mul(growth)
            .min(self.cap_secs.min(MAX_DELAY_SECS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_grows_and_is_capped_below_twelve_hours() {
        let s = RetrySchedule::default();
        let delays: Vec<u32> = (1..=8).map(|n| s.delay_secs(n)).collect();
        assert_eq!(delays, vec![30, 120, 480, 1920, 7680, 30720, 39600, 39600]);
        assert_eq!(s.delay_secs(0), 30);
        assert_eq!(s.delay_secs(u32::MAX), MAX_DELAY_SECS);
        assert!(s.delay_secs(100) < 12 * 3600);
    }

    #[test]
    fn a_custom_cap_never_exceeds_the_sqs_limit() {
        let s = RetrySchedule {
            first_secs: 1,
            factor: 2,
            cap_secs: u32::MAX,
        };
        assert_eq!(s.delay_secs(1), 1);
        assert_eq!(s.delay_secs(3), 4);
        assert_eq!(s.delay_secs(40), MAX_DELAY_SECS);
    }
}
