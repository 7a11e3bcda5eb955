//! `cuadre reconcile` (offline file mode, docs/reconciliation.md's command line) and
//! `cuadre scenario generate` (large synthetic inputs for benchmarks and tests).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use cuadre_files::{
    generate, parse_duration, parse_threshold, run_offline, FilesError, OfflineOptions,
};

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// orders.csv: order_id,cip,amount,currency,issued_at,expires_at
    #[arg(long)]
    orders: PathBuf,
    /// payments.jsonl: one gateway notification per line, as received
    #[arg(long)]
    payments: Option<PathBuf>,
    /// settlements.csv: the canonical settlement lines
    #[arg(long)]
    settlements: Option<PathBuf>,
    /// vouchers.jsonl: what OCR read from each voucher
    #[arg(long)]
    vouchers: Option<PathBuf>,
    /// The instant to reconcile at (RFC 3339 with offset).
    #[arg(long)]
    as_of: String,
    /// Output directory: orders.csv, exceptions.jsonl, summary.json
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value = "72h")]
    settlement_lag: String,
    #[arg(long, default_value = "2h")]
    voucher_grace: String,
    /// High-value review threshold per currency, e.g. PEN=3000 (repeatable; replaces the defaults).
    #[arg(long = "high-value")]
    high_value: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    command: ScenarioCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ScenarioCommand {
    /// Write orders.csv, payments.jsonl, settlements.csv and vouchers.jsonl with a realistic mix.
    Generate {
        #[arg(long)]
        orders: usize,
        #[arg(long, default_value = "scenario")]
        out: PathBuf,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Files(#[from] FilesError),
    #[error("--as-of {0:?} is not an RFC 3339 date-time like 2026-11-30T12:00:00-05:00")]
    AsOf(String),
}

pub fn run(args: ReconcileArgs) -> Result<(), ReconcileError> {
    let as_of = cuadre_core::time::parse(&args.as_of)
        .map_err(|_| ReconcileError::AsOf(args.as_of.clone()))?;
    let mut options = OfflineOptions::new(&args.orders, as_of, &args.out);
    options.payments = args.payments;
    options.settlements = args.settlements;
    options.vouchers = args.vouchers;
    options.settings.settlement_lag = parse_duration(&args.settlement_lag)?;
    options.settings.voucher_grace = parse_duration(&args.voucher_grace)?;
    if !args.high_value.is_empty() {
        options.settings.high_value = args
            .high_value
            .iter()
            .map(|t| parse_threshold(t))
            .collect::<Result<_, _>>()?;
    }
    // A live count on a terminal; nothing when piped, so scripts read clean output.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("records read");
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let progress = |n: u64| {
        if let Some(bar) = &bar {
            bar.set_position(n);
        }
    };
    let report = run_offline(&options, &progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    let s = &report.summary;
    outln!(
        "reconciled {} orders, {} payment notifications, {} settlement lines, {} vouchers",
        report.inputs.orders,
        report.inputs.payment_notifications,
        report.inputs.settlement_lines,
        report.inputs.vouchers
    );
    let statuses: Vec<String> = s.statuses.iter().map(|(k, v)| format!("{k} {v}")).collect();
    outln!("statuses: {}", statuses.join(", "));
    outln!("exceptions: {}", s.exceptions);
    for (kind, count) in &s.exception_kinds {
        outln!("  {:<24} {count}", kind.as_str());
    }
    for path in &report.outputs {
        outln!("wrote {}", path.display());
    }
    Ok(())
}

pub fn run_scenario(args: ScenarioArgs) -> Result<(), ReconcileError> {
    match args.command {
        ScenarioCommand::Generate { orders, out, seed } => {
            let scenario = generate(&out, orders, seed)?;
            outln!("wrote {}", scenario.orders.display());
            outln!("wrote {}", scenario.payments.display());
            outln!("wrote {}", scenario.settlements.display());
            outln!("wrote {}", scenario.vouchers.display());
            outln!(
                "reconcile it with --as-of {}",
                cuadre_core::time::format_lima(scenario.as_of)
            );
            Ok(())
        }
    }
}
