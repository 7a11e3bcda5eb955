//! `cuadre-coldstart`: how long each Lambda function binary takes from process start to its first
//! `GET /runtime/invocation/next` (its SDK clients built, ready for work), and how big it is.
//!
//! A stub of the Lambda Runtime API listens on loopback; each binary is started with
//! `AWS_LAMBDA_RUNTIME_API` pointing at it and the environment the template gives it (resource
//! names, an emulator endpoint that is never called during init), `--runs` times; the stub answers
//! the first `next` by holding the request, the moment is taken, and the process is killed.
//!
//! ```text
//! cargo build --release -p issue-code -p buyer-page ...
//! cargo run --release -p cuadre-coldstart -- --bin-dir target/release issue-code buyer-page
//! ```

// Floats only format durations and sizes for people to read; no money here.
#![allow(clippy::float_arithmetic)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
struct Args {
    /// Folder with the release binaries.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Starts per binary; the median is reported.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Binary names (the functions' folder names).
    binaries: Vec<String>,
}

/// The environment the template's Globals give every function, pointing at nothing that answers:
/// init must not call the network.
const ENV: [(&str, &str); 9] = [
    ("TABLE_NAME", "cuadre-table"),
    ("VOUCHERS_BUCKET", "cuadre-vouchers"),
    ("REPORTS_BUCKET", "cuadre-reports"),
    (
        "VOUCHER_UPLOADS_QUEUE_URL",
        "http://127.0.0.1:9/q/voucher-uploads",
    ),
    (
        "MERCHANT_NOTIFICATIONS_QUEUE_URL",
        "http://127.0.0.1:9/q/merchant-notifications",
    ),
    (
        "RECONCILE_JOBS_QUEUE_URL",
        "http://127.0.0.1:9/q/reconcile-jobs",
    ),
    ("PAGOEFECTIVO_BASE_URL", "http://127.0.0.1:9"),
    ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    ("BUYER_EMAIL_FROM", "pagos@cuadre.test"),
];

/// Starts the binary once; the time until its first `next` request reaches the stub.
async fn one_start(binary: &PathBuf) -> Result<Duration, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(ENV)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "coldstart")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "coldstart")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let accepted = tokio::time::timeout(Duration::from_secs(10), async {
        let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buf = [0u8; 1024];
        let n = socket.read(&mut buf).await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let request = String::from_utf8_lossy(&buf[..n]).to_string();
        if !request.contains("/runtime/invocation/next") {
            return Err(format!(
                "unexpected first request: {}",
                request.lines().next().unwrap_or("")
            ));
        }
        let _ = socket.shutdown().await;
        Ok(elapsed)
    })
    .await
    .map_err(|_| {
        format!(
            "{} never asked for an invocation (did init fail?)",
            binary.display()
        )
    })?;
    let _ = child.kill().await;
    accepted
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut rows = Vec::new();
    for name in &args.binaries {
        let path = args.bin_dir.join(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            times.push(one_start(&path).await?);
        }
        times.sort();
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        println!(
            "{name:<20} size {:>6.2} MiB   start median {:>6.2} ms   max {:>6.2} ms   ({} runs)",
            size as f64 / 1_048_576.0,
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            args.runs
        );
        rows.push(serde_json::json!({
            "binary": name, "bytes": size,
            "median_ms": median.as_micros() as f64 / 1e3, "max_ms": worst.as_micros() as f64 / 1e3,
        }));
    }
    eprintln!("{}", serde_json::Value::Array(rows));
    Ok(())
}
