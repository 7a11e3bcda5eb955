//! The rules of docs/reconciliation.md over hash joins: every fact is looked at a bounded number of times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::facts::{
    Closure, FactsError, OrderFact, PaymentFact, ReconcileFacts, Settings, SettlementFact,
    VoucherFact,
};
use super::outcome::{CurrencyTotals, Finding, OrderOutcome, Outcome, Summary};
use super::vouchers::{self, Tamper, VoucherFlags, NONE};
use crate::exception::ExceptionKind as K;
use crate::money::Currency;
use crate::order::OrderStatus;
use crate::rules::settlement::FoundIn;
use crate::rules::{self, Breach, Expected, Paid};

/// Items grouped by owner (compressed rows): owner `g` has `items[starts[g]..starts[g + 1]]`.
struct Groups {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    /// `owners[i]` is the owner of item `i`, or `NONE`. A counting sort: linear, no per-owner allocation.
    fn new(owner_count: usize, owners: &[u32]) -> Groups {
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

    fn get(&self, g: usize) -> &[u32] {
        &self.items[self.starts[g] as usize..self.starts[g + 1] as usize]
    }
}

/// Order index by CIP. A CIP is digits, so it is hashed and compared as one integer (digits and length:
/// leading zeros stay distinct) without touching the text; anything else goes to a text map.
struct CipIndex<'a> {
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

    /// The index of every order; a CIP of two orders is refused.
    fn build(orders: &[OrderFact<'a>]) -> Result<Self, FactsError> {
        let mut index = CipIndex::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            if let Some(prev) = index.insert(o.cip, i as u32) {
                return Err(FactsError::DuplicateCip {
                    cip: o.cip.to_string(),
                    first: prev as usize,
                    second: i,
                });
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

/// One distinct payment of an order: from a notification, or recorded from a settlement line.
#[derive(Debug, Clone, Copy)]
struct Pay<'a> {
    op: &'a str,
    amount: Decimal,
    currency: Currency,
    paid_at: DateTime<Utc>,
    settled: bool,
    /// Recorded from this settlement line because its notification never arrived.
    from_line: Option<u32>,
}

impl<'a> Pay<'a> {
    fn paid(&self) -> Paid<'a> {
        Paid {
            operation_number: self.op,
            amount: self.amount,
            currency: self.currency,
            paid_at: self.paid_at,
        }
    }
}

/// What a CIP without an order collected (for one `UNKNOWN_CIP`).
#[derive(Default)]
struct Orphan<'a> {
    payment_ops: Vec<&'a str>,
    line_ops: Vec<&'a str>,
}

fn payment_order(a: &PaymentFact<'_>, b: &PaymentFact<'_>) -> std::cmp::Ordering {
    a.operation_number
        .cmp(b.operation_number)
        .then_with(|| a.paid_at.cmp(&b.paid_at))
        .then_with(|| a.amount.currency().cmp(&b.amount.currency()))
        .then_with(|| a.amount.amount().cmp(&b.amount.amount()))
}

fn line_order(a: &SettlementFact<'_>, b: &SettlementFact<'_>) -> std::cmp::Ordering {
    a.operation_number
        .cmp(b.operation_number)
        .then_with(|| a.settlement_id.cmp(b.settlement_id))
        .then_with(|| a.settled_at.cmp(&b.settled_at))
        .then_with(|| a.paid_at.cmp(&b.paid_at))
        .then_with(|| a.currency.cmp(&b.currency))
        .then_with(|| a.gross.cmp(&b.gross))
        .then_with(|| a.fee.cmp(&b.fee))
        .then_with(|| a.net.cmp(&b.net))
}

pub(crate) fn run<'a>(
    facts: &ReconcileFacts<'_, 'a>,
    settings: &Settings,
) -> Result<Outcome<'a>, FactsError> {
    let parallel = facts.orders.len() + facts.payments.len() + facts.settlements.len()
        >= PARALLEL_FROM
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    run_with(facts, settings, parallel)
}

/// The engine, on one thread or two.
pub(crate) fn run_with<'a>(
    facts: &ReconcileFacts<'_, 'a>,
    settings: &Settings,
    parallel: bool,
) -> Result<Outcome<'a>, FactsError> {
    let orders = facts.orders;
    let payments = facts.payments;
    let lines = facts.settlements;
    let vouchers = facts.vouchers;
    assert!(
        orders.len() < NONE as usize
            && payments.len() < NONE as usize
            && lines.len() < NONE as usize
            && vouchers.len() < NONE as usize,
        "more than 4 billion facts of one kind"
    );

    // Phase 1a: orders by id (and the vouchers, which find their order by id) beside the CIP index.
    let (by_id_side, by_cip) = join(
        parallel,
        || -> Result<_, FactsError> {
            let by_id = sorted_ids(orders)?;
            let (voucher_owner, without_order) = voucher_owners(orders, &by_id, vouchers);
            let voucher_groups = Groups::new(orders.len(), &voucher_owner);
            drop(voucher_owner);
            let flags = vouchers::sweep(vouchers);
            Ok((by_id, voucher_groups, flags, without_order))
        },
        || CipIndex::build(orders),
    );
    let (by_id, voucher_groups, flags, vouchers_without_order) = by_id_side?;
    let by_cip = by_cip?;

    // Phase 1b: payments and settlement lines find their order by CIP, side by side.
    let ((pay_groups, pay_orphans), (line_groups, line_orphans)) = join(
        parallel,
        || {
            owners(
                &by_cip,
                orders.len(),
                payments.iter().map(|p| (p.cip, p.operation_number)),
            )
        },
        || {
            owners(
                &by_cip,
                orders.len(),
                lines.iter().map(|l| (l.cip, l.operation_number)),
            )
        },
    );
    drop(by_cip);
    let mut orphans: BTreeMap<&'a str, Orphan<'a>> = BTreeMap::new();
    for (cip, ops) in pay_orphans {
        orphans.entry(cip).or_default().payment_ops = ops;
    }
    for (cip, ops) in line_orphans {
        orphans.entry(cip).or_default().line_ops = ops;
    }

    // Phase 2: every order's rules, the two halves of the id order on two threads, joined in order.
    let groups = OrderGroups {
        pays: &pay_groups,
        lines: &line_groups,
        vouchers: &voucher_groups,
    };
    let half = if parallel {
        by_id.len() / 2
    } else {
        by_id.len()
    };
    let (first, second) = by_id.split_at(half);
    let (mut part, rest) = join(
        parallel,
        || Part::evaluate(facts, settings, &flags, &groups, first),
        || Part::evaluate(facts, settings, &flags, &groups, second),
    );
    part.append(rest);
    let Part {
        orders: out_orders,
        mut out,
        totals,
        statuses,
        payments: payment_count,
    } = part;
    let mut summary = Summary {
        payments: payment_count,
        ..Summary::default()
    };
    for c in Currency::ALL {
        summary.currencies.insert(c, totals[c as usize].clone());
    }
    for (status, n) in OrderStatus::ALL.iter().zip(statuses) {
        summary.statuses.insert(*status, n);
    }
    for (cip, mut orphan) in orphans {
        orphan.payment_ops.sort_unstable();
        orphan.payment_ops.dedup();
        orphan.line_ops.sort_unstable();
        summary.payments += orphan.payment_ops.len() as u64;
        let breach = rules::payment::unknown_cip(cip, &orphan.payment_ops, &orphan.line_ops);
        out.push(Finding {
            kind: breach.kind,
            order_id: None,
            cip: Some(cip),
            operation_number: None,
            detail: breach.detail,
        });
    }

    summary.orders = orders.len() as u64;
    summary.settlement_lines = lines.len() as u64;
    summary.vouchers = vouchers.len() as u64;
    summary.vouchers_without_order = vouchers_without_order;
    summary.exceptions = out.len() as u64;
    for f in &out {
        *summary.exception_kinds.entry(f.kind).or_default() += 1;
    }
    for totals in summary.currencies.values_mut() {
        totals.finish();
    }
    Ok(Outcome {
        orders: out_orders,
        exceptions: out,
        summary,
    })
}

/// From this many orders, payments and lines on, the engine uses two threads.
const PARALLEL_FROM: usize = 50_000;

/// Runs both closures, on two threads when `parallel`; the answer is the same either way.
fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        let ra = a();
        return (ra, b());
    }
    std::thread::scope(|s| {
        let hb = s.spawn(b);
        let ra = a();
        (
            ra,
            hb.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    })
}

/// Groups facts by the order their CIP belongs to; the operation numbers of CIPs without an order
/// are collected per CIP.
fn owners<'a>(
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
fn voucher_owners(
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
fn sorted_ids(orders: &[OrderFact<'_>]) -> Result<Vec<u32>, FactsError> {
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

struct OrderGroups<'g> {
    pays: &'g Groups,
    lines: &'g Groups,
    vouchers: &'g Groups,
}

/// The answer for a run of consecutive orders (in id order).
struct Part<'a> {
    orders: Vec<OrderOutcome<'a>>,
    out: Vec<Finding<'a>>,
    /// Per currency, indexed by `Currency as usize` (a map lookup per payment adds up).
    totals: [CurrencyTotals; 2],
    /// Per status, in `OrderStatus::ALL` order.
    statuses: [u64; 6],
    payments: u64,
}

impl<'a> Part<'a> {
    fn evaluate(
        facts: &ReconcileFacts<'_, 'a>,
        settings: &Settings,
        flags: &[VoucherFlags],
        groups: &OrderGroups<'_>,
        ids: &[u32],
    ) -> Part<'a> {
        let mut ctx = Ctx {
            facts,
            settings,
            flags,
            part: Part {
                orders: Vec::with_capacity(ids.len()),
                out: Vec::new(),
                totals: Default::default(),
                statuses: [0; 6],
                payments: 0,
            },
            pays: Vec::new(),
        };
        // Each order's few facts are sorted in scratch copies, so the groups stay shared.
        let (mut pay_items, mut line_items, mut voucher_items) =
            (Vec::new(), Vec::new(), Vec::new());
        let (payments, lines, vouchers) = (facts.payments, facts.settlements, facts.vouchers);
        for &oi in ids {
            let oi = oi as usize;
            let order = &facts.orders[oi];
            pay_items.clear();
            pay_items.extend_from_slice(groups.pays.get(oi));
            pay_items.sort_unstable_by(|&a: &u32, &b: &u32| {
                payment_order(&payments[a as usize], &payments[b as usize])
            });
            line_items.clear();
            line_items.extend_from_slice(groups.lines.get(oi));
            line_items.sort_unstable_by(|&a: &u32, &b: &u32| {
                line_order(&lines[a as usize], &lines[b as usize])
            });
            voucher_items.clear();
            voucher_items.extend_from_slice(groups.vouchers.get(oi));
            voucher_items.sort_unstable_by(|&a: &u32, &b: &u32| {
                vouchers::upload_order(&vouchers[a as usize], &vouchers[b as usize])
            });
            let status = ctx.order(order, &pay_items, &line_items, &voucher_items);
            let slot = OrderStatus::ALL
                .iter()
                .position(|s| *s == status)
                .unwrap_or(0);
            ctx.part.statuses[slot] += 1;
            ctx.part.orders.push(OrderOutcome {
                order_id: order.order_id,
                cip: order.cip,
                status,
                index: oi,
            });
        }
        ctx.part
    }

    fn append(&mut self, other: Part<'a>) {
        self.orders.extend(other.orders);
        self.out.extend(other.out);
        for (mine, theirs) in self.totals.iter_mut().zip(other.totals) {
            mine.expected += theirs.expected;
            mine.paid += theirs.paid;
            mine.settled_gross += theirs.settled_gross;
            mine.fees += theirs.fees;
            mine.net += theirs.net;
            mine.outstanding += theirs.outstanding;
        }
        for (mine, theirs) in self.statuses.iter_mut().zip(other.statuses) {
            *mine += theirs;
        }
        self.payments += other.payments;
    }
}

struct Ctx<'r, 'a> {
    facts: &'r ReconcileFacts<'r, 'a>,
    settings: &'r Settings,
    flags: &'r [VoucherFlags],
    part: Part<'a>,
    /// Scratch reused for every order.
    pays: Vec<Pay<'a>>,
}

impl<'a> Ctx<'_, 'a> {
    /// Records the breaches found, in the order given.
    fn raise_all<const N: usize>(&mut self, order: &OrderFact<'a>, found: [Option<Breach<'a>>; N]) {
        for b in found.into_iter().flatten() {
            self.part.out.push(Finding {
                kind: b.kind,
                order_id: Some(order.order_id),
                cip: Some(order.cip),
                operation_number: b.operation_number,
                detail: b.detail,
            });
        }
    }

    /// Every rule for one order; its payments, lines and vouchers arrive sorted.
    fn order(
        &mut self,
        order: &OrderFact<'a>,
        pay_items: &[u32],
        line_items: &[u32],
        voucher_items: &[u32],
    ) -> OrderStatus {
        let facts = self.facts;
        let as_of = facts.as_of;
        let expected = order.amount.amount();
        let order_currency = order.amount.currency();

        // Distinct payments: a repeated notification (same operation number) is the same payment.
        let mut pays = std::mem::take(&mut self.pays);
        pays.clear();
        for &pi in pay_items {
            let p = &facts.payments[pi as usize];
            if pays.last().is_some_and(|l| l.op == p.operation_number) {
                continue;
            }
            pays.push(Pay {
                op: p.operation_number,
                amount: p.amount.amount(),
                currency: p.amount.currency(),
                paid_at: p.paid_at,
                settled: false,
                from_line: None,
            });
        }
        let notified = pays.len();
        self.part.payments += notified as u64;

        // Settlement lines: settle a payment, or record the payment whose notification was missed.
        let mut line_mismatch: Option<Breach<'a>> = None;
        for &li in line_items {
            let l = &facts.settlements[li as usize];
            let paid = match pays[..notified].binary_search_by(|p| p.op.cmp(l.operation_number)) {
                Ok(pos) => {
                    pays[pos].settled = true;
                    pays[pos]
                }
                Err(_) => match pays[notified..]
                    .last()
                    .filter(|p| p.op == l.operation_number)
                {
                    Some(p) => *p,
                    None => {
                        let p = Pay {
                            op: l.operation_number,
                            amount: l.gross,
                            currency: l.currency,
                            paid_at: l.paid_at,
                            settled: true,
                            from_line: Some(li),
                        };
                        pays.push(p);
                        p
                    }
                },
            };
            let totals = &mut self.part.totals[l.currency as usize];
            totals.settled_gross += l.gross;
            totals.fees += l.fee;
            totals.net += l.net;
            if line_mismatch.is_none() {
                line_mismatch = rules::settlement::line_mismatch(l, &paid.paid());
            }
        }
        for p in &pays {
            self.part.totals[p.currency as usize].paid += p.amount;
        }
        // From here on "first" means earliest paid, then lowest operation number.
        pays.sort_unstable_by(|a, b| rules::payment::earlier(&a.paid(), &b.paid()));

        let totals = &mut self.part.totals[order_currency as usize];
        totals.expected += expected;
        let status = if order.closure == Some(Closure::Refunded) {
            OrderStatus::Refunded
        } else if pays.iter().any(|p| p.settled) {
            OrderStatus::Settled
        } else if !pays.is_empty() {
            OrderStatus::Paid
        } else if order.closure == Some(Closure::Cancelled) {
            OrderStatus::Cancelled
        } else if as_of > order.expires_at {
            OrderStatus::Expired
        } else {
            totals.outstanding += expected;
            OrderStatus::Pending
        };

        let expected_terms = Expected::of_fact(order);
        // Each kind once per order, naming the first payment (in payment order) that breaks it.
        let mut amount = None;
        let mut currency = None;
        for p in pays.iter() {
            match rules::payment::amount(&expected_terms, &p.paid()) {
                Some(b) if b.kind == K::AmountMismatch => {
                    amount.get_or_insert(b);
                }
                Some(b) => {
                    currency.get_or_insert(b);
                }
                None => {}
            }
        }
        self.raise_all(order, [amount, currency]);
        if let Some((first, rest)) = pays.split_first() {
            let mut extra: Vec<Pay<'a>> = rest.to_vec();
            extra.sort_unstable_by(|a, b| a.op.cmp(b.op));
            for p in extra {
                let dup = rules::payment::duplicate(order.cip, &first.paid(), &p.paid());
                self.raise_all(order, [dup]);
            }
        }
        let late = pays
            .iter()
            .find_map(|p| rules::payment::paid_after_expiry(&expected_terms, &p.paid()));
        let missed = pays.iter().find_map(|p| {
            let id = facts.settlements[p.from_line? as usize].settlement_id;
            Some(rules::settlement::missed_notification(
                FoundIn::Settlement(id),
                &p.paid(),
            ))
        });
        let lag = self.settings.settlement_lag;
        let unsettled = pays
            .iter()
            .find_map(|p| rules::settlement::not_settled(&p.paid(), p.settled, as_of, lag));
        self.raise_all(order, [late, missed, unsettled, line_mismatch]);

        self.vouchers(order, &expected_terms, voucher_items, &pays);

        let high = pays
            .iter()
            .find_map(|p| rules::payment::high_value(&self.settings.high_value, &p.paid()));
        let tampered = voucher_items.iter().find_map(|&vi| {
            let v = &facts.vouchers[vi as usize];
            Some(match self.flags[vi as usize].tamper? {
                Tamper::Signal => {
                    rules::voucher::edited(v, v.tampering.unwrap_or("forgery signal"))
                }
                Tamper::NearDuplicate(j) => {
                    rules::voucher::near_duplicate_breach(v, &facts.vouchers[j as usize])
                }
            })
        });
        self.raise_all(order, [high, tampered]);
        self.pays = pays;
        status
    }

    /// The voucher rules, in kind order: duplicate, without payment, mismatch, unreadable.
    fn vouchers(
        &mut self,
        order: &OrderFact<'a>,
        expected: &Expected<'_>,
        items: &[u32],
        pays: &[Pay<'a>],
    ) {
        if items.is_empty() {
            return;
        }
        let facts = self.facts;
        let all = facts.vouchers;
        let of = |vi: &u32| &all[*vi as usize];
        let duplicate = items.iter().find_map(|vi| {
            let (j, by) = self.flags[*vi as usize].dup?;
            Some(rules::voucher::duplicate(of(vi), &all[j as usize], by))
        });
        let grace = self.settings.voucher_grace;
        let waiting = items.iter().find_map(|vi| {
            rules::voucher::without_payment(of(vi), !pays.is_empty(), facts.as_of, grace)
        });
        let ops = pays.iter().map(|p| p.op);
        let mismatch = items
            .iter()
            .find_map(|vi| rules::voucher::mismatch(expected, of(vi), ops.clone()));
        let unreadable = items
            .iter()
            .find_map(|vi| rules::voucher::unreadable(of(vi)));
        self.raise_all(order, [duplicate, waiting, mismatch, unreadable]);
    }
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
                amount: crate::money::Money::parse("1", Currency::Pen).unwrap(),
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
