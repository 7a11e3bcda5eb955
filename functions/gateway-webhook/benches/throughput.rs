//! Webhook throughput on loopback against the AWS emulator: N distinct signed `cip.paid`
//! notifications (each for its own pending order, so every request takes the full path: verify,
//! archive to S3, record, order → PAID, queue the event) driven through `handle` by K concurrent
//! tasks. Prints requests/s and latency percentiles.
//!
//! `cargo bench -p gateway-webhook --bench throughput` (BENCH_N, BENCH_K to change the load). The
//! events go to a queue made for the run and deleted after it, not the shared one.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cuadre_aws::SqsMerchantEvents;
use futures::stream::{self, StreamExt};
use gateway_webhook::handle;
use lambda_http::http::StatusCode;
use support::{paid_body, sign, Harness, SECRET_KEY};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Nearest-rank percentile, `per_mille` of 1000 (no floats: the workspace lints them).
fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    let rank = (sorted.len() * per_mille).div_ceil(1000);
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let n = env_or("BENCH_N", 1000);
    let k = env_or("BENCH_K", 16);
    let mut h = Harness::new().await;
    let queue_url = h
        .sqs
        .create_queue()
        .queue_name(format!("gateway-webhook-bench-{}", h.tenant.tenant_id))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    h.app.events = Arc::new(SqsMerchantEvents::new(h.sqs.clone(), queue_url.clone()));

    let setup = Instant::now();
    stream::iter(0..n)
        .for_each_concurrent(k, |i| {
            let h = &h;
            async move {
                h.pending_order(&format!("B-{i}"), &format!("{}", 50_000_000 + i), "25.50")
                    .await;
            }
        })
        .await;
    eprintln!("set up {n} orders in {:.1?}", setup.elapsed());

    let requests: Vec<(String, String)> = (0..n)
        .map(|i| {
            let body = paid_body(&format!("{}", 50_000_000 + i), &format!("op{i}"), "25.50");
            let signature = sign(SECRET_KEY, body.as_bytes());
            (body, signature)
        })
        .collect();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(requests.iter())
        .map(|(body, signature)| {
            let h = &h;
            async move {
                let req = h.request(body.as_bytes(), &[("PE-Signature", signature)]);
                let t = Instant::now();
                let response = handle(&h.app, req).await;
                let took = t.elapsed();
                assert_eq!(response.status(), StatusCode::OK, "{:?}", response.body());
                took
            }
        })
        .buffer_unordered(k)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "gateway-webhook: N={n} K={k}: {} requests/s; latency p50 {:.1?}, p90 {:.1?}, p99 {:.1?}, max {:.1?} ({:.2?} total)",
        (n as u128 * 1_000_000) / elapsed.as_micros().max(1),
        percentile(&latencies, 500),
        percentile(&latencies, 900),
        percentile(&latencies, 990),
        latencies[latencies.len() - 1],
        elapsed
    );
    let _ = h.sqs.delete_queue().queue_url(&queue_url).send().await;
}
