//! The rules of `crate::rules` over hash joins ([`super::index`]): every fact is looked at a bounded
//! number of times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::facts::{
    Closure, FactsError, OrderFact, PaymentFact, ReconcileFacts, Settings, SettlementFact,
};
use super::index::{owners, sorted_ids, voucher_owners, CipIndex, Groups};
use super::outcome::{CurrencyTotals, Finding, OrderOutcome, Outcome, Summary};
use super::vouchers::{self, Tamper, VoucherFlags, NONE};
use crate::exception::ExceptionKind as K;
use crate::money::Currency;
use crate::order::OrderStatus;
use crate::rules::settlement::{FoundIn, StandInMatch};
use crate::rules::{self, Breach, Expected, Paid};

/// One distinct payment of an order: from a notification, or recorded from a settlement line.
#[derive(Debug, Clone, Copy)]
struct Pay<'a> {
    cip: &'a str,
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
            cip: self.cip,
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
        .then_with(|| a.cip.cmp(b.cip))
        .then_with(|| a.paid_at.cmp(&b.paid_at))
        .then_with(|| a.amount.currency().cmp(&b.amount.currency()))
        .then_with(|| a.amount.amount().cmp(&b.amount.amount()))
}

fn line_order(a: &SettlementFact<'_>, b: &SettlementFact<'_>) -> std::cmp::Ordering {
    a.operation_number
        .cmp(b.operation_number)
        .then_with(|| a.cip.cmp(b.cip))
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

        // Distinct payments: a repeated notification (same CIP and operation number) is the same
        // payment; the order's payments may be of several of its codes.
        let mut pays = std::mem::take(&mut self.pays);
        pays.clear();
        for &pi in pay_items {
            let p = &facts.payments[pi as usize];
            if pays
                .last()
                .is_some_and(|l| l.op == p.operation_number && l.cip == p.cip)
            {
                continue;
            }
            pays.push(Pay {
                cip: p.cip,
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

        // Settlement lines: settle a payment (one notified without an operation number adopts the
        // line's when it is the only one that fits), or record the payment whose notification was
        // missed.
        let mut line_mismatch: Option<Breach<'a>> = None;
        let skew = self.settings.clock_skew;
        for &li in line_items {
            let l = &facts.settlements[li as usize];
            let key = |p: &Pay<'_>| p.op.cmp(l.operation_number).then(p.cip.cmp(l.cip));
            let paid = match pays[..notified].binary_search_by(key) {
                Ok(pos) => {
                    pays[pos].settled = true;
                    Some(pays[pos])
                }
                Err(_) => {
                    let open = pays[..notified]
                        .iter()
                        .map(|p| (p.paid(), !p.settled && p.from_line.is_none()));
                    match rules::settlement::stand_in_match(l, open, skew) {
                        StandInMatch::One(pos) => {
                            pays[pos].settled = true;
                            Some(pays[pos])
                        }
                        StandInMatch::Ambiguous(fits) => {
                            line_mismatch.get_or_insert_with(|| {
                                rules::settlement::ambiguous_line(l, fits.len())
                            });
                            None
                        }
                        StandInMatch::None => Some(
                            match pays[notified..]
                                .last()
                                .filter(|p| p.op == l.operation_number && p.cip == l.cip)
                            {
                                Some(p) => *p,
                                None => {
                                    let p = Pay {
                                        cip: l.cip,
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
                        ),
                    }
                }
            };
            let totals = &mut self.part.totals[l.currency as usize];
            totals.settled_gross += l.gross;
            totals.fees += l.fee;
            totals.net += l.net;
            if let (None, Some(paid)) = (&line_mismatch, paid) {
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
            extra.sort_unstable_by(|a, b| a.op.cmp(b.op).then(a.cip.cmp(b.cip)));
            for p in extra {
                let dup = rules::payment::duplicate(&first.paid(), &p.paid());
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
