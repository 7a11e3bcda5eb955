//! A synthetic tenant: the four input files with a realistic mix (about 90 % paid, 65 % settled,
//! 15 % with a voucher) and a few percent of every exception kind, reproducible from a seed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use cuadre_core::exception::ExceptionKind as K;
use cuadre_core::money::Currency;
use cuadre_core::time::format_lima;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::error::FilesError;

/// Where the files went, the as-of time they are meant for, and what was planted.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub orders: PathBuf,
    pub payments: PathBuf,
    pub settlements: PathBuf,
    pub vouchers: PathBuf,
    pub as_of: DateTime<Utc>,
    pub counts: GeneratedCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedCounts {
    pub orders: u64,
    pub payment_lines: u64,
    pub settlement_lines: u64,
    pub vouchers: u64,
    /// Exceptions deliberately planted, per kind (the run may find more: rules combine).
    pub planted: BTreeMap<K, u64>,
}

/// Chance in basis points (1/10,000) so no float is involved.
fn chance(rng: &mut StdRng, bp: u32) -> bool {
    rng.random_range(0..10_000) < bp
}

fn minutes(rng: &mut StdRng, from: i64, to: i64) -> TimeDelta {
    TimeDelta::minutes(rng.random_range(from..to))
}

fn cents(rng: &mut StdRng, from: i64, to: i64) -> Decimal {
    Decimal::new(rng.random_range(from * 100..to * 100), 2)
}

struct Writers {
    orders: BufWriter<File>,
    payments: BufWriter<File>,
    settlements: BufWriter<File>,
    vouchers: BufWriter<File>,
}

/// The last voucher written, to reuse for a duplicate.
struct LastVoucher {
    sha: String,
    fields: String,
}

/// Writes `orders.csv`, `payments.jsonl`, `settlements.csv` and `vouchers.jsonl` for `orders` orders into
/// `dir` (created if needed). The same seed gives the same files.
pub fn generate(dir: &Path, orders: usize, seed: u64) -> Result<Scenario, FilesError> {
    std::fs::create_dir_all(dir).map_err(|e| FilesError::io(dir, e))?;
    let path = |n: &str| dir.join(n);
    let create = |p: &PathBuf| {
        File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| FilesError::io(p, e))
    };
    let scenario_paths = [
        path("orders.csv"),
        path("payments.jsonl"),
        path("settlements.csv"),
        path("vouchers.jsonl"),
    ];
    let mut w = Writers {
        orders: create(&scenario_paths[0])?,
        payments: create(&scenario_paths[1])?,
        settlements: create(&scenario_paths[2])?,
        vouchers: create(&scenario_paths[3])?,
    };
    let as_of = cuadre_core::time::parse("2026-11-30T12:00:00-05:00")
        .map_err(|e| FilesError::Option(e.to_string()))?;
    let mut counts = GeneratedCounts::default();
    let io = |e: std::io::Error| FilesError::io(dir, e);
    write_all(&mut w, orders, seed, as_of, &mut counts).map_err(io)?;
    for f in [
        &mut w.orders,
        &mut w.payments,
        &mut w.settlements,
        &mut w.vouchers,
    ] {
        f.flush().map_err(io)?;
    }
    let [orders, payments, settlements, vouchers] = scenario_paths;
    Ok(Scenario {
        orders,
        payments,
        settlements,
        vouchers,
        as_of,
        counts,
    })
}

fn plant(counts: &mut GeneratedCounts, kind: K) {
    *counts.planted.entry(kind).or_default() += 1;
}

fn write_all(
    w: &mut Writers,
    orders: usize,
    seed: u64,
    as_of: DateTime<Utc>,
    counts: &mut GeneratedCounts,
) -> std::io::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    writeln!(
        w.orders,
        "order_id,cip,amount,currency,issued_at,expires_at,channel,status"
    )?;
    writeln!(
        w.settlements,
        "settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at"
    )?;
    let channels = ["agente", "bodega", "banca_movil", "banca_internet", ""];
    let mut next_op: u64 = 100_000;
    let mut last_voucher: Option<LastVoucher> = None;
    let thresholds = |c: Currency| match c {
        Currency::Pen => Decimal::new(3000, 0),
        Currency::Usd => Decimal::new(800, 0),
    };

    for i in 0..orders {
        counts.orders += 1;
        let order_id = format!("ORD-{i:07}");
        let cip = format!("{}", 10_000_000 + i as u64);
        let currency = if chance(&mut rng, 800) {
            Currency::Usd
        } else {
            Currency::Pen
        };
        let high = chance(&mut rng, 100);
        let amount = match (currency, high) {
            (Currency::Pen, false) => cents(&mut rng, 5, 800),
            (Currency::Usd, false) => cents(&mut rng, 2, 250),
            (Currency::Pen, true) => cents(&mut rng, 3000, 9000),
            (Currency::Usd, true) => cents(&mut rng, 800, 2000),
        };
        let paid = chance(&mut rng, 9_000);
        let channel = channels[rng.random_range(0..channels.len())];
        let line = OrderLine {
            order_id: &order_id,
            cip: &cip,
            amount,
            currency,
            channel,
        };

        if !paid {
            let issued = as_of - minutes(&mut rng, 60, 6 * 24 * 60);
            write_order(w, &mut rng, &line, issued, (1_000, "CANCELLED"))?;
            if chance(&mut rng, 1_000) {
                // A buyer claims a payment the gateway never saw.
                let uploaded = as_of - minutes(&mut rng, 180, 3 * 24 * 60);
                let fields = format!(
                    r#"{{"cip":"{cip}","operation_number":null,"amount":"{amount}","currency":"{currency}","paid_at":null}}"#
                );
                plant(counts, K::VoucherWithoutPayment);
                write_voucher(
                    w, &mut rng, counts, &order_id, uploaded, &fields, None, None,
                )?;
            }
            continue;
        }

        // Paid: settled long ago (72 % of paid = 65 % of all), recent and unsettled, or old and unsettled.
        let roll = rng.random_range(0..10_000);
        let (settled, paid_at) = if roll < 7_222 {
            (true, as_of - minutes(&mut rng, 74 * 60, 14 * 24 * 60))
        } else if roll < 9_750 {
            (false, as_of - minutes(&mut rng, 1, 71 * 60))
        } else {
            plant(counts, K::NotSettled);
            (false, as_of - minutes(&mut rng, 73 * 60, 10 * 24 * 60))
        };
        let late = chance(&mut rng, 100);
        let issued = if late {
            plant(counts, K::PaidAfterExpiry);
            paid_at - TimeDelta::hours(48) - minutes(&mut rng, 1, 12 * 60)
        } else {
            paid_at - minutes(&mut rng, 5, 47 * 60)
        };
        write_order(w, &mut rng, &line, issued, (30, "REFUNDED"))?;

        let (pay_amount, pay_currency) = if chance(&mut rng, 100) {
            plant(counts, K::AmountMismatch);
            (amount + Decimal::new(50, 2), currency)
        } else if chance(&mut rng, 30) {
            plant(counts, K::CurrencyMismatch);
            let other = match currency {
                Currency::Pen => Currency::Usd,
                Currency::Usd => Currency::Pen,
            };
            (amount, other)
        } else {
            (amount, currency)
        };
        if pay_amount >= thresholds(pay_currency) {
            plant(counts, K::HighValueReview);
        }
        let first = Payment {
            cip: &cip,
            op: take_op(&mut next_op),
            amount: pay_amount,
            currency: pay_currency,
            paid_at,
        };
        let missed = settled && chance(&mut rng, 150);
        if missed {
            plant(counts, K::MissedNotification);
        } else {
            let times = if chance(&mut rng, 300) { 2 } else { 1 };
            for _ in 0..times {
                write_payment(w, &mut rng, counts, &first)?;
            }
        }
        if settled {
            let mismatch = chance(&mut rng, 50);
            if mismatch {
                plant(counts, K::SettlementMismatch);
            }
            write_settlement(w, &mut rng, counts, &first, mismatch)?;
        }
        if chance(&mut rng, 50) {
            plant(counts, K::DuplicatePayment);
            let second = Payment {
                op: take_op(&mut next_op),
                paid_at: paid_at + TimeDelta::minutes(10),
                ..first
            };
            write_payment(w, &mut rng, counts, &second)?;
            if settled {
                write_settlement(w, &mut rng, counts, &second, false)?;
            }
        }
        if chance(&mut rng, 30) {
            // Money for a code no order has.
            plant(counts, K::UnknownCip);
            let orphan = format!("99{:012}", i);
            let unknown = Payment {
                cip: &orphan,
                op: take_op(&mut next_op),
                amount,
                currency,
                paid_at,
            };
            write_payment(w, &mut rng, counts, &unknown)?;
        }
        let op = first.op;

        if chance(&mut rng, 1_550) {
            let uploaded = paid_at + minutes(&mut rng, 1, 180);
            let roll = rng.random_range(0..10_000);
            let mut tampering = None;
            let (sha, fields) = if roll < 200 && last_voucher.is_some() {
                plant(counts, K::DuplicateVoucher);
                let last = last_voucher
                    .as_ref()
                    .map(|l| (l.sha.clone(), l.fields.clone()));
                last.unwrap_or_default()
            } else {
                let op_field = if chance(&mut rng, 1_000) {
                    "null".to_string()
                } else {
                    format!("\"{op}\"")
                };
                let amount_field = if roll < 500 {
                    plant(counts, K::UnreadableVoucher);
                    "null".to_string()
                } else if roll < 800 {
                    plant(counts, K::VoucherMismatch);
                    format!("\"{}\"", amount + Decimal::new(10, 0))
                } else {
                    format!("\"{amount}\"")
                };
                if (800..850).contains(&roll) {
                    plant(counts, K::SuspectedTampering);
                    tampering = Some("Adobe Photoshop in the image metadata");
                }
                let fields = format!(
                    r#"{{"cip":"{cip}","operation_number":{op_field},"amount":{amount_field},"currency":"{currency}","paid_at":"{}"}}"#,
                    format_lima(paid_at)
                );
                (random_sha(&mut rng), fields)
            };
            write_voucher(
                w,
                &mut rng,
                counts,
                &order_id,
                uploaded,
                &fields,
                Some(&sha),
                tampering,
            )?;
            last_voucher = Some(LastVoucher { sha, fields });
        }
    }
    Ok(())
}

fn random_sha(rng: &mut StdRng) -> String {
    format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>())
}

/// What the orders file says of an order besides its dates and status.
struct OrderLine<'a> {
    order_id: &'a str,
    cip: &'a str,
    amount: Decimal,
    currency: Currency,
    channel: &'a str,
}

/// The order's line: its code is valid for 48 h from `issued`, and with a chance of `bp` the
/// order is closed as `closed`.
fn write_order(
    w: &mut Writers,
    rng: &mut StdRng,
    order: &OrderLine<'_>,
    issued: DateTime<Utc>,
    (bp, closed): (u32, &str),
) -> std::io::Result<()> {
    let status = if chance(rng, bp) { closed } else { "" };
    let expires = issued + TimeDelta::hours(48);
    let OrderLine {
        order_id,
        cip,
        amount,
        currency,
        channel,
    } = order;
    writeln!(
        w.orders,
        "{order_id},{cip},{amount},{currency},{},{},{channel},{status}",
        format_lima(issued),
        format_lima(expires)
    )
}

/// One payment of a CIP, as the payments and settlements files carry it.
struct Payment<'a> {
    cip: &'a str,
    op: String,
    amount: Decimal,
    currency: Currency,
    paid_at: DateTime<Utc>,
}

/// The next operation number.
fn take_op(next_op: &mut u64) -> String {
    let op = next_op.to_string();
    *next_op += 1;
    op
}

/// One notification line of the payment.
fn write_payment(
    w: &mut Writers,
    rng: &mut StdRng,
    counts: &mut GeneratedCounts,
    payment: &Payment<'_>,
) -> std::io::Result<()> {
    let Payment {
        cip,
        op,
        amount,
        currency,
        paid_at,
    } = payment;
    let paid_at = *paid_at;
    counts.payment_lines += 1;
    let received = format_lima(paid_at + TimeDelta::seconds(rng.random_range(1..90)));
    // The gateway sends the CIP as a string or a number, and sometimes no paymentDate.
    let cip_json = if chance(rng, 1_000) {
        cip.to_string()
    } else {
        format!("\"{cip}\"")
    };
    let date = if chance(rng, 500) {
        String::new()
    } else {
        format!(r#","paymentDate":"{}""#, format_lima(paid_at))
    };
    writeln!(
        w.payments,
        r#"{{"received_at":"{received}","notification":{{"eventType":"cip.paid","operationNumber":"{op}","data":{{"cip":{cip_json},"currency":"{currency}","amount":{amount}{date}}}}}}}"#
    )
}

/// The settlement line of the payment; `mismatch` makes its net one cent off.
fn write_settlement(
    w: &mut Writers,
    rng: &mut StdRng,
    counts: &mut GeneratedCounts,
    payment: &Payment<'_>,
    mismatch: bool,
) -> std::io::Result<()> {
    let Payment {
        cip,
        op,
        amount: gross,
        currency,
        paid_at,
    } = payment;
    let (gross, paid_at) = (*gross, *paid_at);
    counts.settlement_lines += 1;
    let settled_at = paid_at + TimeDelta::hours(rng.random_range(24..60));
    let mut fee = (gross * Decimal::new(399, 4)).round_dp(2);
    fee = fee.max(Decimal::new(100, 2));
    fee.rescale(2);
    let mut net = gross - fee;
    if mismatch {
        net += Decimal::new(1, 2);
    }
    let id = format!(
        "STL-{}",
        cuadre_core::time::lima_date(settled_at).format("%Y%m%d")
    );
    writeln!(
        w.settlements,
        "{id},{cip},{op},{gross},{fee},{net},{currency},{},{}",
        format_lima(paid_at),
        format_lima(settled_at)
    )
}

#[allow(clippy::too_many_arguments)]
fn write_voucher(
    w: &mut Writers,
    rng: &mut StdRng,
    counts: &mut GeneratedCounts,
    order_id: &str,
    uploaded: DateTime<Utc>,
    fields: &str,
    sha: Option<&str>,
    tampering: Option<&str>,
) -> std::io::Result<()> {
    // Vouchers are numbered from 1 in the order they are written.
    counts.vouchers += 1;
    let id = counts.vouchers;
    let sha = sha.map_or_else(|| random_sha(rng), str::to_string);
    let signals =
        tampering.map_or_else(String::new, |t| format!(r#","tampering_signals":["{t}"]"#));
    writeln!(
        w.vouchers,
        r#"{{"voucher_id":"v{id}","order_id":"{order_id}","uploaded_at":"{}","sha256":"{sha}","fields":{fields}{signals}}}"#,
        format_lima(uploaded)
    )
}
