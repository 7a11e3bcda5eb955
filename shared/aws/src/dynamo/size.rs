//! Item sizes and write units by DynamoDB's own rules. The emulator's `ConsumedCapacity` is loose
//! (it reports 1 unit for any put and nothing for transactions), so we meter from item sizes:
//! 1 KB per write unit rounded up, transactional writes ×2, an overwrite billed on the larger of
//! the item before and after.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use cuadre_core::store::StoreError;

/// Write units spent by a store, summed by the billing rules of this module.
#[derive(Debug, Clone, Default)]
pub struct WriteMeter(Arc<AtomicU64>);

impl WriteMeter {
    pub fn units(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(super) fn add(&self, units: u64) {
        self.0.fetch_add(units, Ordering::Relaxed);
    }
}

/// The largest item this store writes: DynamoDB refuses items over 400 KB, and an item near that
/// would cost 400 write units on every rewrite. A write over it is refused before it is sent.
pub const ITEM_BUDGET: usize = 300 * 1024;

/// The item's size, or `TooLarge` when it is over [`ITEM_BUDGET`].
pub(super) fn within_budget(item: &HashMap<String, AttributeValue>) -> Result<usize, StoreError> {
    let bytes = item_size(item);
    if bytes > ITEM_BUDGET {
        let key = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => s.as_str(),
            _ => "?",
        };
        return Err(StoreError::TooLarge(format!(
            "{} {} is {bytes} bytes, over the {ITEM_BUDGET}-byte budget",
            key("PK"),
            key("SK")
        )));
    }
    Ok(bytes)
}

/// Bytes DynamoDB counts for an item: attribute names plus values.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        // Documents: 3 bytes of overhead, plus 1 byte per element.
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() + value_size(e))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// Numbers take about one byte per two significant digits, plus one.
fn number_size(n: &str) -> usize {
    let digits = n
        .trim_start_matches('-')
        .split(['e', 'E'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) + 1
}

/// Write units for writing an item of this many bytes.
pub fn write_units(bytes: usize) -> u64 {
    (bytes.max(1).div_ceil(1024)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_up_per_kilobyte() {
        assert_eq!(write_units(1), 1);
        assert_eq!(write_units(1024), 1);
        assert_eq!(write_units(1025), 2);
        assert_eq!(write_units(3 * 1024), 3);
    }

    #[test]
    fn sizes_count_names_and_values() {
        let mut item = HashMap::new();
        item.insert("PK".to_string(), AttributeValue::S("abcd".into()));
        item.insert("n".to_string(), AttributeValue::N("12345".into()));
        // "PK"(2) + 4, "n"(1) + 3 + 1
        assert_eq!(item_size(&item), 2 + 4 + 1 + 4);
        let big = AttributeValue::S("x".repeat(3000));
        let mut item = HashMap::new();
        item.insert("blob".to_string(), big);
        assert_eq!(write_units(item_size(&item)), 3);
    }
}
