//! The offline run as a small binary, to time it and measure its memory:
//!
//! ```text
//! reconcile_files generate DIR ORDERS [SEED]
//! reconcile_files --orders F [--payments F] [--settlements F] [--vouchers F] --as-of RFC3339 --out DIR
//!                 [--settlement-lag 72h] [--voucher-grace 2h] [--high-value PEN=3000 ...]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use cuadre_files::{
    generate, parse_duration, parse_threshold, run_offline, FilesError, OfflineOptions,
};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), FilesError> {
    let usage = || FilesError::Option("usage: see the top of examples/reconcile_files.rs".into());
    if args.first().map(String::as_str) == Some("generate") {
        let dir = PathBuf::from(args.get(1).ok_or_else(usage)?);
        let orders = args.get(2).and_then(|n| n.parse().ok()).ok_or_else(usage)?;
        let seed = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(7);
        let s = generate(&dir, orders, seed)?;
        println!(
            "as_of {} orders {} payments {} settlements {} vouchers {}",
            cuadre_core::time::format_lima(s.as_of),
            s.counts.orders,
            s.counts.payment_lines,
            s.counts.settlement_lines,
            s.counts.vouchers
        );
        return Ok(());
    }
    let mut orders = None;
    let mut as_of = None;
    let mut out = None;
    let mut opts_rest: Vec<(String, String)> = Vec::new();
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(usage)?;
        match flag.as_str() {
            "--orders" => orders = Some(PathBuf::from(value)),
            "--as-of" => {
                as_of = Some(
                    cuadre_core::time::parse(&value)
                        .map_err(|e| FilesError::Option(e.to_string()))?,
                )
            }
            "--out" => out = Some(PathBuf::from(value)),
            _ => opts_rest.push((flag, value)),
        }
    }
    let mut opts = OfflineOptions::new(
        orders.ok_or_else(usage)?,
        as_of.ok_or_else(usage)?,
        out.ok_or_else(usage)?,
    );
    let mut thresholds_given = false;
    for (flag, value) in opts_rest {
        match flag.as_str() {
            "--payments" => opts.payments = Some(value.into()),
            "--settlements" => opts.settlements = Some(value.into()),
            "--vouchers" => opts.vouchers = Some(value.into()),
            "--settlement-lag" => opts.settings.settlement_lag = parse_duration(&value)?,
            "--voucher-grace" => opts.settings.voucher_grace = parse_duration(&value)?,
            "--high-value" => {
                if !thresholds_given {
                    opts.settings.high_value.clear();
                    thresholds_given = true;
                }
                let (c, v) = parse_threshold(&value)?;
                opts.settings.high_value.insert(c, v);
            }
            _ => return Err(usage()),
        }
    }
    let report = run_offline(&opts, &|_| {})?;
    println!(
        "orders {} payments {} settlements {} vouchers {} exceptions {} | parse {:?} reconcile {:?} write {:?}",
        report.inputs.orders,
        report.inputs.payment_notifications,
        report.inputs.settlement_lines,
        report.inputs.vouchers,
        report.summary.exceptions,
        report.timings.parse,
        report.timings.reconcile,
        report.timings.write
    );
    Ok(())
}
