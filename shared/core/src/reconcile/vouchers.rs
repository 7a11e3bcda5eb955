//! Cross-order voucher checks: reuse of an image or operation number, and forgery signals.
//! One sweep in upload order with hash maps, so it stays linear in the number of vouchers.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::facts::VoucherFact;

pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DupBy {
    Image,
    OperationNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tamper {
    Signal,
    /// Same perceptual hash as this earlier voucher, another file and other text.
    NearDuplicate(u32),
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VoucherFlags {
    /// The earlier voucher of another order this one repeats.
    pub dup: Option<(u32, DupBy)>,
    pub tamper: Option<Tamper>,
}

/// Upload order; the other fields only break ties so the answer never depends on input order.
pub(crate) fn upload_order(a: &VoucherFact<'_>, b: &VoucherFact<'_>) -> Ordering {
    a.uploaded_at
        .cmp(&b.uploaded_at)
        .then_with(|| a.voucher_id.cmp(b.voucher_id))
        .then_with(|| a.order_id.cmp(b.order_id))
        .then_with(|| a.sha256.cmp(b.sha256))
        .then_with(|| a.read.operation_number.cmp(&b.read.operation_number))
        .then_with(|| a.read.cip.cmp(&b.read.cip))
        .then_with(|| a.read.amount.cmp(&b.read.amount))
        .then_with(|| a.read.currency.cmp(&b.read.currency))
        .then_with(|| a.perceptual_hash.cmp(&b.perceptual_hash))
        .then_with(|| a.tampering.cmp(&b.tampering))
}

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
            f.dup = Some((j, DupBy::Image));
        }
        if let Some(op) = v.read.operation_number {
            if let Some(j) = check_reuse(&mut by_operation, op, i, vouchers) {
                f.dup.get_or_insert((j, DupBy::OperationNumber));
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
                    let first = &vouchers[*e.get() as usize];
                    if first.sha256 != v.sha256 && first.read != v.read {
                        f.tamper.get_or_insert(Tamper::NearDuplicate(*e.get()));
                    }
                }
            }
        }
    }
    flags
}
