//! Field accuracy of the local reading path (Tesseract, then the extractor) on images of the
//! held-back seeds of the receipt generator (`cuadre-receipts::render_png`; the tests use seeds
//! below 1,000,000), per layout and per noise level, with the OCR time per image and the
//! extraction time per voucher apart: `cuadre-core`'s Textract bench, on images instead.
//!
//! `cargo bench -p cuadre-ocr --bench reading` (needs `tesseract` and its `spa` data:
//! `infra/install-deps`). `READING_VOUCHERS=N` (default 240: about 0.4 s of OCR per image),
//! `READING_FIRST=S` (default 1,000,000), `READING_LANG` (default `spa`, e.g. `spa+eng`),
//! `READING_JOBS` (images read at once, default 2) and `READING_MISSES` (misses shown, default 15).
//! The adapter runs Tesseract with `OMP_THREAD_LIMIT=1`, so jobs do not fight over OpenMP threads.

#[path = "../../core/tests/support/scoring.rs"]
mod scoring;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cuadre_core::extract::{extract, OcrLine};
use cuadre_core::ocr::{StoredDocument, TextDetector};
use cuadre_ocr::TesseractDetector;
use cuadre_receipts::Receipt;
use scoring::Report;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const HELD_BACK: u64 = 1_000_000;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Refuses to report on nothing: without `tesseract` or its language data every read is empty.
fn check_tesseract(lang: &str) {
    let listed = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output();
    let langs = listed.map_or(String::new(), |o| {
        String::from_utf8_lossy(&o.stdout).into_owned()
    });
    let has = |want: &str| langs.lines().any(|l| l.trim() == want);
    if let Some(want) = lang.split('+').find(|w| !has(w)) {
        eprintln!(
            "reading: no `tesseract` on PATH with the `{want}` language data (infra/install-deps \
             installs tesseract-ocr tesseract-ocr-spa); `tesseract --list-langs` gave {langs:?}"
        );
        std::process::exit(1);
    }
}

/// One image read: its OCR lines (none when Tesseract failed, with the error) and the OCR time.
type Read = (Vec<OcrLine>, Option<String>, Duration);

async fn read_image(detector: &TesseractDetector, receipt: Receipt) -> Read {
    let seed = receipt.seed;
    let png = tokio::task::spawn_blocking(move || cuadre_receipts::render_png(&receipt))
        .await
        .expect("the renderer does not panic")
        .unwrap_or_else(|e| panic!("seed {seed}: cannot render: {e}"));
    let key = format!("bench/{seed}.png");
    let document = StoredDocument {
        bucket: "bench",
        key: &key,
        bytes: &png,
    };
    let started = Instant::now();
    let read = detector.detect_text(document).await;
    let elapsed = started.elapsed();
    match read {
        Ok(lines) => (lines, None, elapsed),
        Err(e) => (Vec::new(), Some(format!("seed {seed}: {e}")), elapsed),
    }
}

#[tokio::main]
async fn main() {
    let n: u64 = env_or("READING_VOUCHERS", 240);
    // `READING_FIRST=0` reads the training seeds instead (for working on the reader).
    let first: u64 = env_or("READING_FIRST", HELD_BACK);
    let lang: String = env_or("READING_LANG", "spa".to_string());
    let jobs: usize = env_or("READING_JOBS", 2_usize).max(1);
    check_tesseract(&lang);
    let receipts: Vec<Receipt> = (first..first + n).map(cuadre_receipts::generate).collect();
    let detector = Arc::new(TesseractDetector::new().with_language(lang));
    let permits = Arc::new(Semaphore::new(jobs));
    let mut tasks = JoinSet::new();
    for (i, receipt) in receipts.iter().cloned().enumerate() {
        let (detector, permits) = (Arc::clone(&detector), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            (i, read_image(&detector, receipt).await)
        });
    }
    // Put back in seed order, whatever order the images finish in.
    let mut reads: Vec<Option<Read>> = receipts.iter().map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        let (i, read) = done.expect("a reading task panicked");
        reads[i] = Some(read);
    }
    let reads: Vec<Read> = reads.into_iter().flatten().collect();
    let started = Instant::now();
    let got: Vec<_> = reads.iter().map(|(lines, _, _)| extract(lines)).collect();
    let extraction = started.elapsed();
    let mut report = Report::default();
    for (receipt, got) in receipts.iter().zip(&got) {
        report.add(receipt, got);
    }
    let ocr = reads.iter().map(|r| r.2).collect();
    let errors: Vec<&String> = reads.iter().filter_map(|r| r.1.as_ref()).collect();
    print_report(first, n, jobs, &report, ocr, extraction, &errors);
}

#[allow(clippy::float_arithmetic)] // times for a report
fn print_report(
    first: u64,
    n: u64,
    jobs: usize,
    report: &Report,
    mut ocr: Vec<Duration>,
    extraction: Duration,
    errors: &[&String],
) {
    println!(
        "Tesseract on rendered images, seeds {first}..{}:",
        first + n
    );
    print!("{}", report.table());
    ocr.sort();
    let total: Duration = ocr.iter().sum();
    let median = ocr.get(ocr.len() / 2).copied().unwrap_or_default();
    println!(
        "OCR: median {:.0} ms, mean {:.0} ms per image ({jobs} at once)",
        median.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0 / n.max(1) as f64
    );
    println!(
        "extraction: {:.3} ms per voucher ({n} vouchers in {extraction:?})",
        extraction.as_secs_f64() * 1000.0 / n.max(1) as f64
    );
    errors.iter().for_each(|e| println!("OCR error: {e}"));
    if !report.misses.is_empty() {
        println!("first misses:");
        for m in report.misses.iter().take(env_or("READING_MISSES", 15)) {
            println!("  {m}");
        }
    }
}
