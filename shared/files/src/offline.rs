//! `cuadre reconcile`: the four files in, the three outputs out, with no clap in sight.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bumpalo::Bump;
use chrono::{DateTime, TimeDelta, Utc};
use cuadre_core::money::Currency;
use cuadre_core::reconcile::{
    reconcile, FactsError, ReconcileFacts, Settings, SettlementFact, Summary, VoucherFact,
};
use rust_decimal::Decimal;

use crate::error::FilesError;
use crate::input::{self, Chunk, Layout, Orders, Payments, Progress};
use crate::output;

/// What `cuadre reconcile` was asked to do. Every input but `orders` is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineOptions {
    pub orders: PathBuf,
    pub payments: Option<PathBuf>,
    pub settlements: Option<PathBuf>,
    pub vouchers: Option<PathBuf>,
    pub as_of: DateTime<Utc>,
    pub out: PathBuf,
    /// Lag, grace and high-value thresholds; `Settings::default()` has the command's defaults.
    pub settings: Settings,
    /// The size of the pieces each input is cut into for the two parsing threads (default 4 MiB);
    /// the outputs do not depend on it.
    pub chunk_bytes: u64,
}

impl OfflineOptions {
    pub fn new(orders: impl Into<PathBuf>, as_of: DateTime<Utc>, out: impl Into<PathBuf>) -> Self {
        OfflineOptions {
            orders: orders.into(),
            payments: None,
            settlements: None,
            vouchers: None,
            as_of,
            out: out.into(),
            settings: Settings::default(),
            chunk_bytes: CHUNK,
        }
    }
}

/// Records read per input file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputCounts {
    pub orders: u64,
    /// `cip.paid` notifications (repeats included).
    pub payment_notifications: u64,
    /// Notifications of other event types, left out.
    pub other_notifications: u64,
    pub settlement_lines: u64,
    pub vouchers: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    pub parse: Duration,
    pub reconcile: Duration,
    pub write: Duration,
}

/// What a successful run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub inputs: InputCounts,
    pub summary: Summary,
    /// `orders.csv`, `exceptions.jsonl`, `summary.json` inside `out`.
    pub outputs: [PathBuf; 3],
    pub timings: Timings,
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Every input is cut into chunks of about this size, which both threads take from one queue.
const CHUNK: u64 = 4 << 20;

/// One piece of parsing work for the queue.
#[derive(Clone, Copy)]
enum Task<'o> {
    Orders(&'o Path, &'o Layout<6>, Chunk),
    Settlements(&'o Path, &'o Layout<9>, Chunk),
    Payments(&'o Path, Chunk),
    Vouchers(&'o Path, Chunk),
}

/// What one thread parsed: facts appended in place (no per-chunk vectors to copy later), and per
/// task its quote count (CSV) or its error.
#[derive(Default)]
struct Acc<'b> {
    orders: Orders<'b>,
    settlements: Vec<SettlementFact<'b>>,
    payments: Payments<'b>,
    vouchers: Vec<VoucherFact<'b>>,
    done: Vec<(usize, Result<u64, FilesError>)>,
}

impl<'b> Acc<'b> {
    fn records(&self) -> usize {
        self.orders.facts.len()
            + self.settlements.len()
            + self.payments.facts.len()
            + self.payments.skipped as usize
            + self.vouchers.len()
    }

    fn run(
        &mut self,
        task: Task<'_>,
        bump: &'b Bump,
        buf: &mut Vec<u8>,
    ) -> Result<u64, FilesError> {
        match task {
            Task::Orders(path, layout, chunk) => input::orders(
                path,
                &name(path),
                layout,
                chunk,
                bump,
                buf,
                &mut self.orders,
            ),
            Task::Settlements(path, layout, chunk) => {
                let out = &mut self.settlements;
                input::settlements(path, &name(path), layout, chunk, bump, buf, out)
            }
            Task::Payments(path, chunk) => {
                input::payments(path, &name(path), chunk, bump, buf, &mut self.payments).map(|()| 0)
            }
            Task::Vouchers(path, chunk) => {
                input::vouchers(path, &name(path), chunk, bump, buf, &mut self.vouchers).map(|()| 0)
            }
        }
    }

    /// Both threads' facts in one place: the smaller share is appended to the larger.
    fn merge(mut self, mut other: Acc<'b>) -> Acc<'b> {
        fn join<T>(a: &mut Vec<T>, b: &mut Vec<T>) {
            if a.len() < b.len() {
                std::mem::swap(a, b);
            }
            a.append(b);
        }
        if self.orders.facts.len() < other.orders.facts.len() {
            std::mem::swap(&mut self.orders, &mut other.orders);
        }
        self.orders.facts.append(&mut other.orders.facts);
        self.orders.offsets.append(&mut other.orders.offsets);
        join(&mut self.settlements, &mut other.settlements);
        join(&mut self.payments.facts, &mut other.payments.facts);
        self.payments.skipped += other.payments.skipped;
        join(&mut self.vouchers, &mut other.vouchers);
        self.done.append(&mut other.done);
        self
    }
}

/// A queue of tasks: `tasks[*next..end]` are still to take.
struct Queue<'q, 'o> {
    tasks: &'q [Task<'o>],
    next: &'q AtomicUsize,
    end: usize,
}

impl Queue<'_, '_> {
    fn take(&self) -> Option<(usize, Task<'_>)> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.end).then(|| (i, self.tasks[i]))
    }
}

/// Takes tasks from its own queue, then helps with the other one; each thread keeps what it parsed.
fn drain<'b>(
    own: &Queue<'_, '_>,
    other: &Queue<'_, '_>,
    bump: &'b Bump,
    progress: &Progress<'_>,
) -> Acc<'b> {
    let mut acc = Acc::default();
    let mut buf = Vec::new();
    while let Some((i, task)) = own.take().or_else(|| other.take()) {
        let before = acc.records();
        let result = acc.run(task, bump, &mut buf);
        progress.add((acc.records() - before) as u64);
        acc.done.push((i, result));
    }
    acc
}

fn file_len(path: &Path) -> Result<u64, FilesError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| FilesError::io(path, e))
}

/// The two CSV files' column layouts, read before the chunks are cut.
struct Layouts {
    orders: Layout<6>,
    settlements: Option<Layout<9>>,
}

fn tasks<'o>(opts: &'o OfflineOptions, layouts: &'o Layouts) -> Result<Vec<Task<'o>>, FilesError> {
    let mut out = Vec::new();
    let p = &opts.orders;
    let l = &layouts.orders;
    out.extend(
        Chunk::split(l.data_start, file_len(p)?, opts.chunk_bytes)
            .into_iter()
            .map(|c| Task::Orders(p, l, c)),
    );
    if let (Some(p), Some(l)) = (&opts.settlements, &layouts.settlements) {
        out.extend(
            Chunk::split(l.data_start, file_len(p)?, opts.chunk_bytes)
                .into_iter()
                .map(|c| Task::Settlements(p, l, c)),
        );
    }
    if let Some(p) = &opts.payments {
        out.extend(
            Chunk::split(0, file_len(p)?, opts.chunk_bytes)
                .into_iter()
                .map(|c| Task::Payments(p, c)),
        );
    }
    if let Some(p) = &opts.vouchers {
        out.extend(
            Chunk::split(0, file_len(p)?, opts.chunk_bytes)
                .into_iter()
                .map(|c| Task::Vouchers(p, c)),
        );
    }
    Ok(out)
}

/// True when no chunk of a CSV file starts inside a quoted field (see the `input` module).
fn boundaries_hold(quotes: &[u64]) -> bool {
    let mut before = 0u64;
    for q in quotes {
        if before % 2 == 1 {
            return false;
        }
        before += q;
    }
    true
}

/// Reads the inputs (on two threads), reconciles, and writes the outputs into `opts.out`.
/// `progress` is told the running total of input records read after every chunk (4 MiB of input).
/// Bad input stops the run before anything is written, with the file, line and field in the error.
pub fn run_offline(
    opts: &OfflineOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunReport, FilesError> {
    let started = Instant::now();
    let progress = Progress::new(progress);
    let layouts = Layouts {
        orders: input::orders_layout(&opts.orders, &name(&opts.orders))?,
        settlements: match &opts.settlements {
            Some(p) => Some(input::settlements_layout(p, &name(p))?),
            None => None,
        },
    };
    let tasks = tasks(opts, &layouts)?;
    // The CSV chunks come first: this thread starts on them, the other one on the JSON lines.
    let split = tasks
        .iter()
        .position(|t| matches!(t, Task::Payments(..) | Task::Vouchers(..)))
        .unwrap_or(tasks.len());
    let (next_csv, next_json) = (AtomicUsize::new(0), AtomicUsize::new(split));
    let csv = Queue {
        tasks: &tasks,
        next: &next_csv,
        end: split,
    };
    let json = Queue {
        tasks: &tasks,
        next: &next_json,
        end: tasks.len(),
    };
    let bump_a = Bump::new();
    let mut bump_b = Bump::new();
    let acc = {
        let bump_a: &Bump = &bump_a;
        let bump_b: &mut Bump = &mut bump_b;
        let (progress, csv, json) = (&progress, &csv, &json);
        std::thread::scope(|s| {
            // A Bump is not Sync: the other thread gets it by unique reference and shares it with no one.
            let other = std::thread::Builder::new()
                .name("cuadre-parse".into())
                .spawn_scoped(s, move || {
                    let bump_b: &Bump = bump_b;
                    drain(json, csv, bump_b, progress)
                })
                .map_err(|e| FilesError::io("thread", e))?;
            let mine = drain(csv, json, bump_a, progress);
            let theirs = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok::<_, FilesError>(mine.merge(theirs))
        })?
    };
    let Acc {
        mut orders,
        mut settlements,
        payments,
        vouchers,
        mut done,
    } = acc;
    // Task order is file order: the first bad line is the one reported.
    done.sort_unstable_by_key(|(i, _)| *i);
    let (mut order_quotes, mut settlement_quotes) = (Vec::new(), Vec::new());
    // A CSV chunk that began inside a quoted field may fail for that reason alone: CSV errors count
    // only once the chunk boundaries are known to hold. Errors are reported in file order.
    let (mut order_error, mut settlement_error, mut json_error) = (None, None, None);
    for (i, result) in done {
        match (result, &tasks[i]) {
            (Err(e), Task::Orders(..)) => {
                order_error.get_or_insert(e);
                order_quotes.push(0);
            }
            (Err(e), Task::Settlements(..)) => {
                settlement_error.get_or_insert(e);
                settlement_quotes.push(0);
            }
            (Err(e), _) => {
                json_error.get_or_insert(e);
            }
            (Ok(q), Task::Orders(..)) => order_quotes.push(q),
            (Ok(q), Task::Settlements(..)) => settlement_quotes.push(q),
            (Ok(_), _) => {}
        }
    }
    let whole = |start: u64| Chunk {
        start,
        end: u64::MAX,
        aligned: true,
    };
    // An erroring chunk's quotes are unknown: any error makes the file's boundaries suspect, so the
    // file is read again whole, which either succeeds or reports the real first error.
    if order_error.is_some() || !boundaries_hold(&order_quotes) {
        let (p, l) = (&opts.orders, &layouts.orders);
        orders = Orders::default();
        let all = whole(l.data_start);
        input::orders(p, &name(p), l, all, &bump_a, &mut Vec::new(), &mut orders)?;
    }
    if let (Some(p), Some(l)) = (&opts.settlements, &layouts.settlements) {
        if settlement_error.is_some() || !boundaries_hold(&settlement_quotes) {
            settlements = Vec::new();
            let all = whole(l.data_start);
            input::settlements(
                p,
                &name(p),
                l,
                all,
                &bump_a,
                &mut Vec::new(),
                &mut settlements,
            )?;
        }
    }
    if let Some(e) = json_error {
        return Err(e);
    }
    let inputs = InputCounts {
        orders: orders.facts.len() as u64,
        payment_notifications: payments.facts.len() as u64,
        other_notifications: payments.skipped,
        settlement_lines: settlements.len() as u64,
        vouchers: vouchers.len() as u64,
    };
    let parse_done = Instant::now();

    let facts = ReconcileFacts {
        orders: &orders.facts,
        payments: &payments.facts,
        settlements: &settlements,
        vouchers: &vouchers,
        as_of: opts.as_of,
    };
    let file = name(&opts.orders);
    let outcome = reconcile(&facts, &opts.settings).map_err(|e| match e {
        FactsError::DuplicateOrderId { second, .. } => (second, "order_id", e),
        FactsError::DuplicateCip { second, .. } => (second, "cip", e),
    });
    let outcome = match outcome {
        Ok(o) => o,
        Err((index, field, e)) => {
            let line = input::line_at(&opts.orders, orders.offsets[index])?;
            return Err(FilesError::input(&file, line, field, e));
        }
    };
    // The outcome borrows only the arenas: give the fact vectors back before writing.
    drop((payments, settlements, vouchers));
    drop(orders);
    let reconciled = Instant::now();

    let outputs = output::write_outputs(&opts.out, &outcome, opts.as_of, &opts.settings)?;
    let written = Instant::now();
    Ok(RunReport {
        inputs,
        summary: outcome.summary,
        outputs,
        timings: Timings {
            parse: parse_done - started,
            reconcile: reconciled - parse_done,
            write: written - reconciled,
        },
    })
}

/// `72h`, `2h`, `30m`, `90s`, `1d`, `1h30m`.
pub fn parse_duration(text: &str) -> Result<TimeDelta, FilesError> {
    let bad = || FilesError::Option(format!("{text:?} is not a duration like 72h, 2h or 30m"));
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let part = match c {
            'd' => TimeDelta::try_days(n),
            'h' => TimeDelta::try_hours(n),
            'm' => TimeDelta::try_minutes(n),
            's' => TimeDelta::try_seconds(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        total = total.checked_add(&part).ok_or_else(bad)?;
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// `PEN=3000` or `USD=800.50`.
pub fn parse_threshold(text: &str) -> Result<(Currency, Decimal), FilesError> {
    let bad = |why: String| {
        FilesError::Option(format!("{text:?} is not a threshold like PEN=3000: {why}"))
    };
    let (currency, amount) = text
        .split_once('=')
        .ok_or_else(|| bad("no '='".to_string()))?;
    let currency: Currency = currency.trim().parse().map_err(|e| bad(format!("{e}")))?;
    let amount = crate::text::decimal(amount).map_err(|e| bad(e.to_string()))?;
    if amount <= Decimal::ZERO {
        return Err(bad("must be greater than zero".to_string()));
    }
    Ok((currency, amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("72h").unwrap(), TimeDelta::hours(72));
        assert_eq!(parse_duration("2h").unwrap(), TimeDelta::hours(2));
        assert_eq!(parse_duration("30m").unwrap(), TimeDelta::minutes(30));
        assert_eq!(parse_duration("1h30m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("1d").unwrap(), TimeDelta::hours(24));
        for bad in ["", "72", "h", "3x", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn thresholds() {
        assert_eq!(
            parse_threshold("PEN=3000").unwrap(),
            (Currency::Pen, Decimal::new(3000, 0))
        );
        assert_eq!(
            parse_threshold("USD=800.50").unwrap(),
            (Currency::Usd, Decimal::new(80050, 2))
        );
        for bad in ["PEN", "EUR=1", "PEN=abc", "PEN=0", "PEN=1e3"] {
            assert!(parse_threshold(bad).is_err(), "{bad}");
        }
    }
}
