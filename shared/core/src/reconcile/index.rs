//! The engine's indexes and joins: facts grouped by their order without a per-order allocation,
//! the CIP index, and the galloping voucher → order lookup. Each is linear in the facts.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::facts::{FactsError, OrderFact, VoucherFact};
use super::vouchers::NONE;

/// Items grouped by owner (compressed rows): owner `g` has `items[starts[g]..starts[g + 1]]`.
pub(crate) struct Groups {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    /// `owners[i]` is the owner of item `i`, or `NONE`. A counting sort: linear, no per-owner allocation.
    pub(crate) fn new(owner_count: usize, owners: &[u32]) -> Groups {
        let mut starts = vec![0u32; owner_count + 1];
        for &o in owners.iter().filter(|&&o| o != NONE) {
            starts[o as usize + 1] += 1;
        }
        for g in 0..owner_count {
            starts[g + 1] += starts[g];
        }
        let mut next = starts.clone();
        let mut items = vec![0u32; starts[owner_count] as usize];
        for (i, &o) in owners.iter().enumerate() {
            if o != NONE {
                let slot = &mut next[o as usize];
                items[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        Groups { starts, items }
    }

    pub(crate) fn get(&self, g: usize) -> &[u32] {
        &self.items[self.starts[g] as usize..self.starts[g + 1] as usize]
    }
}

/// Order index by CIP. A CIP is digits, so it is hashed and compared as one integer (digits and length:
/// leading zeros stay distinct) without touching the text; anything else goes to a text map.
pub(crate) struct CipIndex<'a> {
    digits: FxHashMap<u64, u32>,
    text: FxHashMap<&'a str, u32>,
}

impl<'a> CipIndex<'a> {
    fn with_capacity(n: usize) -> Self {
        CipIndex {
            digits: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            text: FxHashMap::default(),
        }
    }

    fn key(cip: &str) -> Option<u64> {
        let b = cip.as_bytes();
        if b.is_empty() || b.len() > 15 {
            return None;
        }
        let mut v = 0u64;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
        }
        Some((v << 4) | b.len() as u64)
    }

    /// The index of every order by each of its codes (current and earlier); a CIP of two orders
    /// is refused.
    pub(crate) fn build(orders: &[OrderFact<'a>]) -> Result<Self, FactsError> {
        let mut index = CipIndex::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            for cip in o.cips() {
                match index.insert(cip, i as u32) {
                    Some(prev) if prev != i as u32 => {
                        return Err(FactsError::DuplicateCip {
                            cip: cip.to_string(),
                            first: prev as usize,
                            second: i,
                        })
                    }
                    _ => {}
                }
            }
        }
        Ok(index)
    }

    fn insert(&mut self, cip: &'a str, order: u32) -> Option<u32> {
        match Self::key(cip) {
            Some(k) => self.digits.insert(k, order),
            None => self.text.insert(cip, order),
        }
    }

    fn get(&self, cip: &str) -> Option<u32> {
        match Self::key(cip) {
            Some(k) => self.digits.get(&k).copied(),
            None => self.text.get(cip).copied(),
        }
    }
}

/// Groups facts by the order their CIP belongs to; the operation numbers of CIPs without an order
/// are collected per CIP.
pub(crate) fn owners<'a>(
    index: &CipIndex<'_>,
    order_count: usize,
    facts: impl Iterator<Item = (&'a str, &'a str)>,
) -> (Groups, BTreeMap<&'a str, Vec<&'a str>>) {
    let mut orphans: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
    let owner: Vec<u32> = facts
        .map(|(cip, op)| {
            index.get(cip).unwrap_or_else(|| {
                orphans.entry(cip).or_default().push(op);
                NONE
            })
        })
        .collect();
    (Groups::new(order_count, &owner), orphans)
}

/// The order of each voucher (or `NONE`), and how many name no order. Vouchers are looked up in order
/// id order, each search galloping on from where the last one ended, so it stays in nearby memory
/// instead of starting a cache-missing binary search over all the orders every time.
pub(crate) fn voucher_owners(
    orders: &[OrderFact<'_>],
    by_id: &[u32],
    vouchers: &[VoucherFact<'_>],
) -> (Vec<u32>, u64) {
    let id = |pos: usize| orders[by_id[pos] as usize].order_id;
    let mut wanted: Vec<u32> = (0..vouchers.len() as u32).collect();
    wanted.sort_unstable_by(|&a, &b| {
        vouchers[a as usize]
            .order_id
            .cmp(vouchers[b as usize].order_id)
    });
    let mut owner = vec![NONE; vouchers.len()];
    let mut without_order = 0u64;
    let len = by_id.len();
    // Every position before `lo` holds an id below the current target (targets only grow).
    let mut lo = 0usize;
    for &vi in &wanted {
        let target = vouchers[vi as usize].order_id;
        let (mut base, mut probe, mut step) = (lo, lo, 1usize);
        while probe < len && id(probe) < target {
            base = probe + 1;
            probe += step;
            step *= 2;
        }
        let window = &by_id[base..(probe + 1).min(len).max(base)];
        match window.binary_search_by(|&i| orders[i as usize].order_id.cmp(target)) {
            Ok(p) => {
                owner[vi as usize] = by_id[base + p];
                lo = base + p;
            }
            Err(p) => {
                without_order += 1;
                lo = base + p;
            }
        }
    }
    (owner, without_order)
}

/// Order indexes sorted by order id; a repeated id is refused.
pub(crate) fn sorted_ids(orders: &[OrderFact<'_>]) -> Result<Vec<u32>, FactsError> {
    let mut by_id: Vec<u32> = (0..orders.len() as u32).collect();
    by_id.sort_unstable_by(|&a, &b| orders[a as usize].order_id.cmp(orders[b as usize].order_id));
    for w in by_id.windows(2) {
        if orders[w[0] as usize].order_id == orders[w[1] as usize].order_id {
            return Err(FactsError::DuplicateOrderId {
                order_id: orders[w[0] as usize].order_id.to_string(),
                first: w[0].min(w[1]) as usize,
                second: w[0].max(w[1]) as usize,
            });
        }
    }
    Ok(by_id)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galloping_voucher_lookup_matches_a_plain_search() {
        let at = crate::time::parse("2026-11-20T10:00:00-05:00").unwrap();
        let ids: Vec<String> = (0..1000)
            .map(|i| format!("O-{:04}", (i * 7919) % 1000))
            .collect();
        let orders: Vec<OrderFact<'_>> = ids
            .iter()
            .map(|id| OrderFact {
                order_id: id,
                cip: id,
                earlier_cips: &[],
                amount: crate::money::Money::parse("1", crate::money::Currency::Pen).unwrap(),
                issued_at: at,
                expires_at: at,
                closure: None,
            })
            .collect();
        let wanted: Vec<String> = (0..1200)
            .map(|i| format!("O-{:04}", (i * 37) % 1100))
            .chain(["A".to_string(), "Z".to_string()])
            .collect();
        let vouchers: Vec<VoucherFact<'_>> = wanted
            .iter()
            .map(|w| VoucherFact {
                voucher_id: w,
                order_id: w,
                uploaded_at: at,
                sha256: w,
                read: Default::default(),
                perceptual_hash: None,
                tampering: None,
                unread: None,
            })
            .collect();
        let by_id = sorted_ids(&orders).unwrap();
        let (owner, missing) = voucher_owners(&orders, &by_id, &vouchers);
        for (v, o) in vouchers.iter().zip(&owner) {
            match orders.iter().position(|x| x.order_id == v.order_id) {
                Some(i) => assert_eq!(*o, i as u32, "{}", v.order_id),
                None => assert_eq!(*o, NONE, "{}", v.order_id),
            }
        }
        assert_eq!(
            missing as usize,
            owner.iter().filter(|o| **o == NONE).count()
        );
        assert!(missing > 0);
    }
}
