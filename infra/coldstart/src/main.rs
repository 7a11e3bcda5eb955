//! `cuadre-coldstart`: how long each Lambda function binary takes from process start to its first
//! `GET /runtime/invocation/next` (its SDK clients built, ready for work), and how big it is.
//!
//! A stub of the Lambda Runtime API listens on loopback; each binary is started with
//! `AWS_LAMBDA_RUNTIME_API` pointing at it, `--runs` times; the stub answers the first `next` by
//! holding the request, the moment is taken, and the process is killed. A binary that exits, or
//! asks for anything else first, or not within `--timeout`, fails the run (with what it printed).
//!
//! Two environments:
//! - default: a fixed one like the template's Globals, pointing at nothing that answers (init must
//!   not call the network), for the x86_64 figures of the README:
//!   ```text
//!   cargo build --release -p issue-code -p buyer-page ...
//!   cargo run --release -p cuadre-coldstart -- --bin-dir target/release issue-code buyer-page
//!   ```
//! - `--env-from .local/template.json` (the SAM-transformed template `infra/template-check`
//!   writes): exactly the variables the template gives each function, intrinsics resolved to fake
//!   names and ARNs, plus what Lambda sets for it (see `template.rs`). The names given are logical
//!   ids or binary names; none = every function. The binary's ELF machine must be the function's
//!   `Architectures`. With `--runner` an arm64 build starts under qemu (`infra/deploy-check`):
//!   ```text
//!   cuadre-coldstart --env-from .local/template.json --bin-dir .aws-sam/build \
//!       --runner "qemu-aarch64 -L /usr/aarch64-linux-gnu" --runs 5 --timeout 60
//!   ```

// Floats only format durations and sizes for people to read; no money here.
#![allow(clippy::float_arithmetic)]

mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
struct Args {
    /// Folder with the binaries: `DIR/NAME` (cargo's target/release), or `DIR/NAME/bootstrap`
    /// (cargo lambda's target/lambda by binary name; sam build's .aws-sam/build by logical id).
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Starts per binary; the median and the maximum are reported.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Seconds a start may take to reach its first `next` (emulated starts are slower).
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Program (and its arguments, split on spaces) each binary is started under, e.g.
    /// "qemu-aarch64 -L /usr/aarch64-linux-gnu". Nothing is added to the binary's environment.
    #[arg(long)]
    runner: Option<String>,
    /// The SAM-transformed template (JSON): each function gets the environment it gives it.
    #[arg(long)]
    env_from: Option<PathBuf>,
    /// With --env-from: a parameter's value instead of its Default, as NAME=VALUE (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    parameters: Vec<String>,
    /// Print each function's environment and exit (nothing is started).
    #[arg(long)]
    print_env: bool,
    /// Write the results as JSON to this file (else to stderr).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Binary names (the functions' folder names); with --env-from also logical ids, or none
    /// for every function of the template.
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

/// What Lambda sets, for the default environment.
const LAMBDA_ENV: [(&str, &str); 8] = [
    ("AWS_LAMBDA_FUNCTION_NAME", "coldstart"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart"),
    ("AWS_LAMBDA_LOG_GROUP_NAME", "coldstart"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

/// One binary to start: its path, a label, and its environment (without AWS_LAMBDA_RUNTIME_API).
struct Target {
    label: String,
    path: PathBuf,
    architecture: Option<String>,
    env: BTreeMap<String, String>,
}

/// What a child wrote to stdout and stderr, kept for the failure message.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn drain(&self, stream: impl AsyncRead + Unpin + Send + 'static) {
        let buf = self.0.clone();
        tokio::spawn(async move {
            let mut stream = stream;
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stream.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut b) = buf.lock() {
                    b.extend_from_slice(&chunk[..n]);
                }
            }
        });
    }

    fn text(&self) -> String {
        let b = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&b);
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        tail.into_iter()
            .rev()
            .map(|l| format!("  | {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Starts the binary once; the time until its first `next` request reaches the stub.
async fn one_start(
    target: &Target,
    runner: &[String],
    timeout: Duration,
) -> Result<Duration, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut command = match runner.split_first() {
        Some((program, args)) => {
            let mut c = tokio::process::Command::new(program);
            c.args(args).arg(&target.path);
            c
        }
        None => tokio::process::Command::new(&target.path),
    };
    let started = Instant::now();
    let mut child = command
        .env_clear()
        .envs(&target.env)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            let program = runner.first().map_or(target.path.as_path(), Path::new);
            format!("{}: cannot start {}: {e}", target.label, program.display())
        })?;
    let output = Captured::default();
    if let Some(out) = child.stdout.take() {
        output.drain(out);
    }
    if let Some(err) = child.stderr.take() {
        output.drain(err);
    }
    let first_next = async {
        let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buf = [0u8; 1024];
        let n = socket.read(&mut buf).await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let request = String::from_utf8_lossy(&buf[..n]).to_string();
        let line = request.lines().next().unwrap_or("").to_string();
        if !line.starts_with("GET /2018-06-01/runtime/invocation/next") {
            return Err(format!("its first request was not the first next: {line}"));
        }
        let _ = socket.shutdown().await;
        Ok(elapsed)
    };
    let result = tokio::select! {
        r = tokio::time::timeout(timeout, first_next) => match r {
            Ok(r) => r,
            Err(_) => Err(format!("never asked for an invocation within {timeout:?} (did init hang?)")),
        },
        status = child.wait() => Err(format!(
            "exited before asking for an invocation ({})",
            status.map_or_else(|e| e.to_string(), |s| s.to_string())
        )),
    };
    let _ = child.kill().await;
    match result {
        Ok(d) => Ok(d),
        Err(e) => {
            // let the readers take the last of what it wrote
            tokio::time::sleep(Duration::from_millis(100)).await;
            let said = output.text();
            let said = if said.is_empty() {
                "  (it printed nothing)".to_string()
            } else {
                said
            };
            Err(format!(
                "{} ({}): {e}\n{said}",
                target.label,
                target.path.display()
            ))
        }
    }
}

/// `DIR/NAME` when it is a file, else the first `DIR/<candidate>/bootstrap` that exists.
fn find_binary(dir: &Path, candidates: &[&str]) -> Result<PathBuf, String> {
    let mut tried = Vec::new();
    for name in candidates {
        for path in [dir.join(name), dir.join(name).join("bootstrap")] {
            if path.is_file() {
                return Ok(path);
            }
            tried.push(path.display().to_string());
        }
    }
    Err(format!("no binary at {}", tried.join(", ")))
}

/// The ELF header's machine: what the binary was built for.
fn elf_architecture(path: &Path) -> Result<&'static str, String> {
    let mut head = [0u8; 20];
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::Read::read_exact(&mut f, &mut head).map_err(|e| format!("{}: {e}", path.display()))?;
    if &head[..4] != b"\x7fELF" {
        return Err(format!("{} is not an ELF binary", path.display()));
    }
    // e_machine, little-endian on both Lambda architectures
    Ok(match u16::from_le_bytes([head[18], head[19]]) {
        62 => "x86_64",
        183 => "arm64",
        _ => "other",
    })
}

fn targets(args: &Args) -> Result<Vec<Target>, String> {
    let Some(json) = &args.env_from else {
        let env: BTreeMap<String, String> = ENV
            .iter()
            .chain(LAMBDA_ENV.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        return args
            .binaries
            .iter()
            .map(|name| {
                Ok(Target {
                    label: name.clone(),
                    path: find_binary(&args.bin_dir, &[name])?,
                    architecture: None,
                    env: env.clone(),
                })
            })
            .collect();
    };
    let text = std::fs::read_to_string(json).map_err(|e| format!("{}: {e}", json.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
    let overrides = args
        .parameters
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("--parameter {p}: not NAME=VALUE"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let functions = template::Stack::new(&doc, &overrides)?.functions()?;
    let chosen: Vec<_> = if args.binaries.is_empty() {
        functions
    } else {
        args.binaries
            .iter()
            .map(|name| {
                functions
                    .iter()
                    .find(|f| &f.logical_id == name || &f.binary == name)
                    .cloned()
                    .ok_or_else(|| format!("{}: no function {name}", json.display()))
            })
            .collect::<Result<_, _>>()?
    };
    if chosen.is_empty() {
        return Err(format!("{}: no AWS::Lambda::Function", json.display()));
    }
    chosen
        .into_iter()
        .map(|f| {
            let path = if args.print_env {
                PathBuf::new()
            } else {
                find_binary(&args.bin_dir, &[&f.logical_id, &f.binary])
                    .map_err(|e| format!("{} ({}): {e}", f.logical_id, f.binary))?
            };
            Ok(Target {
                label: format!("{} ({})", f.binary, f.logical_id),
                path,
                architecture: Some(f.architecture),
                env: f.env,
            })
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cuadre-coldstart: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let targets = targets(&args)?;
    if targets.is_empty() {
        return Err("no binaries given".into());
    }
    if args.print_env {
        for t in &targets {
            println!("{}", t.label);
            for (k, v) in &t.env {
                println!("  {k}={v}");
            }
        }
        return Ok(());
    }
    let runner: Vec<String> = args
        .runner
        .as_deref()
        .map(|r| r.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let timeout = Duration::from_secs(args.timeout);
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for t in &targets {
        let size = std::fs::metadata(&t.path)
            .map_err(|e| format!("{}: {e}", t.path.display()))?
            .len();
        let arch = elf_architecture(&t.path)?;
        if let Some(want) = &t.architecture {
            if want != arch {
                failures.push(format!(
                    "{}: {} is built for {arch}, the template says {want}",
                    t.label,
                    t.path.display()
                ));
                continue;
            }
        }
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            match one_start(t, &runner, timeout).await {
                Ok(d) => times.push(d),
                Err(e) => {
                    failures.push(e);
                    break;
                }
            }
        }
        if times.len() < args.runs {
            println!("{:<48} FAILED", t.label);
            continue;
        }
        times.sort();
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        println!(
            "{:<48} {arch:<7} size {:>6.2} MiB   start median {:>8.2} ms   max {:>8.2} ms   ({} runs)",
            t.label,
            size as f64 / 1_048_576.0,
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            args.runs
        );
        rows.push(serde_json::json!({
            "binary": t.label, "path": t.path, "architecture": arch, "bytes": size,
            "median_ms": median.as_micros() as f64 / 1e3, "max_ms": worst.as_micros() as f64 / 1e3,
            "runs": args.runs,
        }));
    }
    let rows = serde_json::Value::Array(rows);
    match &args.json {
        Some(path) => std::fs::write(path, format!("{rows:#}\n"))
            .map_err(|e| format!("{}: {e}", path.display()))?,
        None => eprintln!("{rows}"),
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {} did not reach their first next:\n{}",
            failures.len(),
            targets.len(),
            failures.join("\n")
        ));
    }
    Ok(())
}
