//! The three outputs, staged in a hidden directory and renamed into place only when all are written.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use cuadre_core::money::Currency;
use cuadre_core::reconcile::{Outcome, Settings, Summary};
use serde::Serialize;

use crate::error::FilesError;

pub const ORDERS_FILE: &str = "orders.csv";
pub const EXCEPTIONS_FILE: &str = "exceptions.jsonl";
pub const SUMMARY_FILE: &str = "summary.json";

const BUFFER: usize = 1 << 20;

#[derive(Serialize)]
struct SummaryFile<'s> {
    as_of: String,
    settings: SettingsView,
    #[serde(flatten)]
    summary: &'s Summary,
}

#[derive(Serialize)]
struct SettingsView {
    settlement_lag_minutes: i64,
    voucher_grace_minutes: i64,
    high_value: std::collections::BTreeMap<Currency, String>,
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> FilesError {
    let p = p.to_path_buf();
    move |e| FilesError::io(p.clone(), e)
}

fn write_orders(dir: &Path, outcome: &Outcome<'_>) -> Result<(), FilesError> {
    let path = dir.join(ORDERS_FILE);
    let file = File::create(&path).map_err(io(&path))?;
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(BUFFER)
        .from_writer(file);
    let csv_io = |e: csv::Error| FilesError::io(&path, std::io::Error::other(e));
    w.write_record(["order_id", "cip", "status"])
        .map_err(csv_io)?;
    for o in &outcome.orders {
        w.write_record([o.order_id, o.cip, o.status.as_str()])
            .map_err(csv_io)?;
    }
    w.flush().map_err(io(&path))
}

/// `orders.csv` on a second thread while this one writes the exceptions and the summary.
fn write_all(
    dir: &Path,
    outcome: &Outcome<'_>,
    as_of: DateTime<Utc>,
    settings: &Settings,
) -> Result<(), FilesError> {
    std::thread::scope(|s| {
        let orders = std::thread::Builder::new()
            .name("cuadre-write".into())
            .spawn_scoped(s, || write_orders(dir, outcome))
            .map_err(|e| FilesError::io(dir, e))?;
        let rest = write_rest(dir, outcome, as_of, settings);
        let orders = orders
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        orders.and(rest)
    })
}

fn write_rest(
    dir: &Path,
    outcome: &Outcome<'_>,
    as_of: DateTime<Utc>,
    settings: &Settings,
) -> Result<(), FilesError> {
    let path = dir.join(EXCEPTIONS_FILE);
    let mut w = BufWriter::with_capacity(BUFFER, File::create(&path).map_err(io(&path))?);
    for e in &outcome.exceptions {
        serde_json::to_writer(&mut w, e).map_err(|e| FilesError::io(&path, e.into()))?;
        w.write_all(b"\n").map_err(io(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join(SUMMARY_FILE);
    let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
    let view = SummaryFile {
        as_of: cuadre_core::time::format_lima(as_of),
        settings: SettingsView {
            settlement_lag_minutes: settings.settlement_lag.num_minutes(),
            voucher_grace_minutes: settings.voucher_grace.num_minutes(),
            high_value: settings
                .high_value
                .iter()
                .map(|(c, v)| (*c, v.to_string()))
                .collect(),
        },
        summary: &outcome.summary,
    };
    serde_json::to_writer_pretty(&mut w, &view).map_err(|e| FilesError::io(&path, e.into()))?;
    w.write_all(b"\n").map_err(io(&path))?;
    w.flush().map_err(io(&path))?;
    Ok(())
}

/// Writes `orders.csv`, `exceptions.jsonl` and `summary.json` into `out` (created if needed). They are
/// written in a hidden staging directory inside `out` and each renamed into place (an atomic replace on
/// one file system) only after all three are complete; on any error the staging directory is removed and
/// `out` keeps what it had.
pub fn write_outputs(
    out: &Path,
    outcome: &Outcome<'_>,
    as_of: DateTime<Utc>,
    settings: &Settings,
) -> Result<[PathBuf; 3], FilesError> {
    fs::create_dir_all(out).map_err(|e| FilesError::io(out, e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let stage = out.join(format!(".cuadre-staging-{}-{nanos}", std::process::id()));
    fs::create_dir(&stage).map_err(|e| FilesError::io(&stage, e))?;
    let names = [ORDERS_FILE, EXCEPTIONS_FILE, SUMMARY_FILE];
    let result = write_all(&stage, outcome, as_of, settings).and_then(|()| {
        for name in names {
            let to = out.join(name);
            fs::rename(stage.join(name), &to).map_err(|e| FilesError::io(&to, e))?;
        }
        Ok(())
    });
    // Best effort: a leftover empty staging directory is harmless, the outputs are what matter.
    let _ = fs::remove_dir_all(&stage);
    result.map(|()| names.map(|n| out.join(n)))
}
