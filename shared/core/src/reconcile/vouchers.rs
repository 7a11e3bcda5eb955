//! Cross-order voucher checks: reuse of an image or operation number, and forgery signals.
//! One sweep in upload order with hash maps, so it stays linear in the number of vouchers.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::facts::VoucherFact;
use crate::rules::voucher::{self as rule, Reuse};

pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tamper {
    Signal,
    /// Same perceptual hash as this earlier voucher, another file and other text.
    NearDuplicate(u32),
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VoucherFlags {
    /// The earlier voucher of another order this one repeats.
    pub dup: Option<(u32, Reuse)>,
    pub tamper: Option<Tamper>,
}

pub(crate) use crate::rules::voucher::upload_order;

/// The first voucher seen for a key, and the first one after it that belongs to another order.
/// Two slots are enough to answer "was this submitted earlier for an order other than mine?".
struct Seen {
    first: u32,
    other: u32,
}

fn check_reuse<'a>(
    map: &mut FxHashMap<&'a str, Seen>,
    key: &'a str,
    me: u32,
    vouchers: &[VoucherFact<'a>],
) -> Option<u32> {
    let mine = vouchers[me as usize].order_id;
    match map.entry(key) {
        Entry::Vacant(e) => {
            e.insert(Seen {
                first: me,
                other: NONE,
            });
            None
        }
        Entry::Occupied(mut e) => {
            let seen = e.get_mut();
            let first_order = vouchers[seen.first as usize].order_id;
            if first_order != mine {
                if seen.other == NONE {
                    seen.other = me;
                }
                Some(seen.first)
            } else if seen.other != NONE {
                Some(seen.other)
            } else {
                None
            }
        }
    }
}

pub(crate) fn sweep(vouchers: &[VoucherFact<'_>]) -> Vec<VoucherFlags> {
    let mut flags = vec![VoucherFlags::default(); vouchers.len()];
    // Sorting compact (time, index) keys first keeps the comparisons in cache; ties go to the full order.
    let mut keyed: Vec<(i64, u32, u32)> = vouchers
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                v.uploaded_at.timestamp(),
                v.uploaded_at.timestamp_subsec_nanos(),
                i as u32,
            )
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| upload_order(&vouchers[a.2 as usize], &vouchers[b.2 as usize]))
    });
    let order: Vec<u32> = keyed.into_iter().map(|k| k.2).collect();
    let cap = vouchers.len();
    let mut by_image: FxHashMap<&str, Seen> =
        FxHashMap::with_capacity_and_hasher(cap, Default::default());
    let mut by_operation: FxHashMap<&str, Seen> =
        FxHashMap::with_capacity_and_hasher(cap, Default::default());
    let mut by_look: FxHashMap<&str, u32> = FxHashMap::default();
    for &i in &order {
        let v = &vouchers[i as usize];
        let f = &mut flags[i as usize];
        if let Some(j) = check_reuse(&mut by_image, v.sha256, i, vouchers) {
            f.dup = Some((j, Reuse::Image));
        }
        if let Some(op) = v.read.operation_number {
            if let Some(j) = check_reuse(&mut by_operation, op, i, vouchers) {
                f.dup.get_or_insert((j, Reuse::OperationNumber));
            }
        }
        if v.tampering.is_some() {
            f.tamper = Some(Tamper::Signal);
        }
        if let Some(look) = v.perceptual_hash {
            match by_look.entry(look) {
                Entry::Vacant(e) => {
                    e.insert(i);
                }
                Entry::Occupied(e) => {
                    // The same perceptual hash is the engine's "alike" (the reader also weighs near ones).
                    let first = &vouchers[*e.get() as usize];
                    if rule::near_duplicate(v, first, true) {
                        f.tamper.get_or_insert(Tamper::NearDuplicate(*e.get()));
                    }
                }
            }
        }
    }
    flags
}
