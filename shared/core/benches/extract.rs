//! Voucher extraction on the fixture responses: target ≤ 1 ms per voucher.

use std::fs;
use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use cuadre_core::extract::{extract, lines_from_textract_json, OcrLine};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/vouchers")
}

fn fixtures() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".textract.json"))
        .map(|p| {
            let json = fs::read_to_string(&p).expect("fixture");
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                json,
            )
        })
        .collect();
    files.sort();
    files
}

fn bench(c: &mut Criterion) {
    let fixtures = fixtures();
    let lines: Vec<Vec<OcrLine>> = fixtures
        .iter()
        .map(|(_, json)| lines_from_textract_json(json).expect("fixture parses"))
        .collect();
    // Throughput in vouchers: criterion reports the time per voucher as well as per batch.
    let mut group = c.benchmark_group("voucher");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("extract", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(extract(black_box(l)));
            }
        })
    });
    group.bench_function("parse_textract_and_extract", |b| {
        b.iter(|| {
            for (_, json) in &fixtures {
                let l = lines_from_textract_json(black_box(json)).expect("fixture parses");
                black_box(extract(&l));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
