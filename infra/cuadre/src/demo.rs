//! `cuadre demo`: the story of one merchant's day, told by driving the local platform over HTTP
//! the way its users do, ending in a table of the orders. Exits 0 only if every step came out as
//! expected.
//!
//! The story is a list of [`STEPS`]; each step acts (as the merchant, the buyer, the gateway or
//! the operator), checks what it must, records what it expects of each order in [`Story`], and
//! returns a one-line summary. The final table compares every order's status with what the story
//! expects. A new chapter (the sandbox paying a code, a voucher upload, an expiry, a settlement
//! file, the reconciliation run, ...) is one more `async fn(&mut Story) -> Result<String, _>` and
//! one more line in [`STEPS`], written when the function it exercises is hosted by the platform.

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::Duration;

use clap::Args;
use cuadre_core::peru::ruc_check_digit;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::dev::{self, parse_merchant, Local, MerchantSpec, StartOptions, DEMO_MERCHANT};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many orders the merchant issues codes for (1–20).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    orders: u32,
    /// Port of the platform (0 picks a free one, so a running `cuadre dev` is not disturbed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port of the PagoEfectivo sandbox (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    sandbox_port: u16,
    /// Keep the platform running after the story, until Ctrl-C.
    #[arg(long)]
    keep_running: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Dev(#[from] dev::DevError),
    #[error("the story stopped at step \"{step}\" (see above)")]
    Step { step: &'static str },
    #[error("{0} order(s) did not end as the story expects (see the table)")]
    Unexpected(usize),
}

/// One order of the story and what the story expects of it.
#[derive(Debug, Clone)]
pub struct DemoOrder {
    pub order_id: String,
    pub amount: String,
    pub cip: Option<String>,
    pub pay_url: Option<String>,
    /// The status the story expects now (`PENDING`, `PAID`, ...).
    pub expected: String,
    /// The status the API last reported.
    pub status: Option<String>,
    pub expires_at: Option<String>,
}

/// What the steps share.
pub struct Story {
    pub local: Local,
    pub http: reqwest::Client,
    pub merchant: MerchantSpec,
    pub orders_wanted: u32,
    pub tenant_id: Option<String>,
    pub api_key: Option<String>,
    pub orders: Vec<DemoOrder>,
}

type Step = for<'a> fn(&'a mut Story) -> BoxFuture<'a, Result<String, String>>;

/// The story, in order. Append a chapter here when the function it needs is hosted.
pub const STEPS: &[(&str, Step)] = &[
    ("onboard the merchant", |s| Box::pin(onboard(s))),
    ("issue payment codes", |s| Box::pin(issue_codes(s))),
    ("open a buyer page", |s| Box::pin(open_buyer_page(s))),
    ("read every order back", |s| Box::pin(read_orders(s))),
];

pub async fn run(args: DemoArgs) -> Result<(), DemoError> {
    let merchant = parse_merchant(DEMO_MERCHANT).map_err(|_| DemoError::Step { step: "start" })?;
    outln!("Starting the local platform (AWS emulator, PagoEfectivo sandbox, functions)...");
    let local = dev::start(StartOptions {
        port: args.port,
        sandbox_port: args.sandbox_port,
        schedule_every: None,
        merchant: Some(merchant.clone()),
        template: None,
    })
    .await?;
    outln!(
        "  platform {}   sandbox {}   emulator {}",
        local.platform.url,
        local.sandbox_url,
        local.aws.env.endpoint().unwrap_or("?")
    );
    outln!();
    let mut story = Story {
        local,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default(),
        merchant,
        orders_wanted: args.orders,
        tenant_id: None,
        api_key: None,
        orders: Vec::new(),
    };
    let result = tell(&mut story).await;
    if args.keep_running {
        outln!();
        story.local.print_banner();
        dev::until_stopped().await;
    }
    story.local.stop().await?;
    result
}

async fn tell(story: &mut Story) -> Result<(), DemoError> {
    for (i, (name, step)) in STEPS.iter().enumerate() {
        match step(story).await {
            Ok(summary) => outln!("{:>2}. {name:<24} ok   {summary}", i + 1),
            Err(reason) => {
                outln!("{:>2}. {name:<24} FAILED  {reason}", i + 1);
                return Err(DemoError::Step { step: name });
            }
        }
    }
    outln!();
    outln!("{}", table(&story.orders));
    let wrong = story
        .orders
        .iter()
        .filter(|o| o.status.as_deref() != Some(o.expected.as_str()))
        .count();
    if wrong > 0 {
        return Err(DemoError::Unexpected(wrong));
    }
    outln!("The story came out as expected.");
    Ok(())
}

fn table(orders: &[DemoOrder]) -> String {
    let rows: Vec<[String; 6]> = orders
        .iter()
        .map(|o| {
            let status = o.status.clone().unwrap_or_else(|| "?".into());
            [
                o.order_id.clone(),
                o.amount.clone(),
                o.cip.clone().unwrap_or_else(|| "-".into()),
                status.clone(),
                o.expires_at.clone().unwrap_or_else(|| "-".into()),
                if status == o.expected {
                    "yes".into()
                } else {
                    format!("no, expected {}", o.expected)
                },
            ]
        })
        .collect();
    let header = [
        "ORDER",
        "AMOUNT",
        "CIP",
        "STATUS",
        "EXPIRES (LIMA)",
        "AS EXPECTED",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
    };
    line(&mut out, &header.map(String::from));
    line(&mut out, &widths.map(|w| "-".repeat(w)));
    for row in &rows {
        line(&mut out, row);
    }
    out.trim_end().to_string()
}

// ---------------------------------------------------------------------------------- the steps

/// The operator onboards the sandbox merchant with `cuadre tenant create` (this very binary).
async fn onboard(s: &mut Story) -> Result<String, String> {
    let tenant_id = format!(
        "demo-{}-{:04x}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        rand::random::<u16>()
    );
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the cuadre binary: {e}"))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args([
        "tenant",
        "create",
        "--id",
        &tenant_id,
        "--name",
        "Bodega Demo SAC",
        "--ruc",
        &demo_ruc(),
        "--id-service",
        &s.merchant.id_service.to_string(),
        "--access-key",
        &s.merchant.access_key,
        "--secret-key-stdin",
        "--json",
    ]);
    cmd.env_remove("PAGOEFECTIVO_SECRET_KEY");
    for (name, value) in &s.local.aws.env.vars {
        cmd.env(name, value);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run cuadre tenant create: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{}\n", s.merchant.secret_key).as_bytes())
            .await
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().await.map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "cuadre tenant create exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let created: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cuadre tenant create --json printed no JSON: {e}"))?;
    let key = created["api_key"]["api_key"]
        .as_str()
        .ok_or("no api_key in the output of tenant create")?;
    s.api_key = Some(key.to_string());
    s.tenant_id = Some(tenant_id.clone());
    Ok(format!(
        "tenant {tenant_id}, idService {}, API key {}…",
        s.merchant.id_service,
        key.chars().take(12).collect::<String>()
    ))
}

/// A valid RUC (SUNAT check digit) for the demo merchant.
fn demo_ruc() -> String {
    let seed = chrono::Utc::now().timestamp_subsec_nanos() % 100_000_000;
    let first = format!("20{seed:08}");
    let mut digits = [0u8; 10];
    for (d, b) in digits.iter_mut().zip(first.bytes()) {
        *d = b - b'0';
    }
    format!("{first}{}", ruc_check_digit(&digits))
}

const AMOUNTS: [&str; 5] = ["89.90", "150.00", "1250.50", "42.00", "310.75"];

fn bearer(s: &Story) -> Result<String, String> {
    s.api_key
        .as_ref()
        .map(|k| format!("Bearer {k}"))
        .ok_or_else(|| "no API key yet".to_string())
}

async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// The merchant issues a code per order through the public API (one request replayed with the
/// same Idempotency-Key must give back the same code).
async fn issue_codes(s: &mut Story) -> Result<String, String> {
    let auth = bearer(s)?;
    let url = format!("{}/v1/payment-codes", s.local.platform.url);
    let run_id = chrono::Utc::now().format("%H%M%S").to_string();
    for i in 0..s.orders_wanted as usize {
        let order_id = format!("DEMO-{run_id}-{}", i + 1);
        let amount = AMOUNTS[i % AMOUNTS.len()].to_string();
        let body = json!({
            "order_id": order_id,
            "amount": amount.parse::<f64>().map_err(|e| e.to_string())?,
            "currency": "PEN",
            "channel": "api",
            "concept": format!("Pedido {}", i + 1),
            "buyer": {"email": format!("comprador{}@example.pe", i + 1), "name": "Ana",
                      "last_name": "Quispe", "phone": "987654321", "phone_country_code": "+51",
                      "document_type": "DNI", "document_number": "45678912"},
            "expires_in_hours": 48,
        });
        let request = || {
            s.http
                .post(&url)
                .header("authorization", &auth)
                .header("idempotency-key", format!("demo-{order_id}"))
                .json(&body)
        };
        let (status, created) = send(request()).await?;
        if status != 201 {
            return Err(format!(
                "POST {url} for {order_id}: HTTP {status}: {created}"
            ));
        }
        let cip = created["cip"]
            .as_str()
            .ok_or(format!("no CIP for {order_id}: {created}"))?;
        let pay_url = created["pay_url"]
            .as_str()
            .ok_or(format!("no pay_url for {order_id}: {created}"))?;
        if !pay_url.starts_with(&format!("{}/pay/", s.local.platform.url)) {
            return Err(format!(
                "the pay link {pay_url} is not on the platform's host"
            ));
        }
        if i == 0 {
            let (again, replay) = send(request()).await?;
            if again != 201 || replay["cip"] != created["cip"] {
                return Err(format!(
                    "replaying the request with the same Idempotency-Key gave HTTP {again}: {replay}"
                ));
            }
        }
        s.orders.push(DemoOrder {
            order_id,
            amount: format!("S/ {amount}"),
            cip: Some(cip.to_string()),
            pay_url: Some(pay_url.to_string()),
            expected: "PENDING".into(),
            status: created["status"].as_str().map(str::to_string),
            expires_at: created["expires_at"].as_str().map(str::to_string),
        });
    }
    Ok(format!(
        "{} codes issued (CIPs {}), one request replayed with its Idempotency-Key",
        s.orders.len(),
        s.orders
            .iter()
            .filter_map(|o| o.cip.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The amount as the pay page shows it: `S/ 1,250.50`.
fn page_amount(amount: &str) -> String {
    let plain = amount.trim_start_matches("S/ ");
    let (int, frac) = plain.split_once('.').unwrap_or((plain, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("S/ {grouped}.{frac}")
}

/// A buyer opens the first order's pay link: the page shows the code and the amount.
async fn open_buyer_page(s: &mut Story) -> Result<String, String> {
    let order = s.orders.first().ok_or("no order issued")?;
    let url = order.pay_url.clone().ok_or("the order has no pay link")?;
    let response = s.http.get(&url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let cip = order.cip.clone().unwrap_or_default();
    let amount = page_amount(&order.amount);
    if !html.contains(&cip) || !html.contains(&amount) {
        return Err(format!(
            "the page at {url} does not show CIP {cip} and {amount}"
        ));
    }
    Ok(format!("{url} shows CIP {cip} and {amount}"))
}

/// The merchant reads every order back through the API.
async fn read_orders(s: &mut Story) -> Result<String, String> {
    let auth = bearer(s)?;
    for order in &mut s.orders {
        let url = format!(
            "{}/v1/payment-codes/{}",
            s.local.platform.url, order.order_id
        );
        let (status, body) = send(s.http.get(&url).header("authorization", &auth)).await?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}: {body}"));
        }
        order.status = body["status"].as_str().map(str::to_string);
        order.expires_at = body["expires_at"].as_str().map(str::to_string);
    }
    Ok(format!("{} orders read", s.orders.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_the_page_shows_them() {
        assert_eq!(page_amount("S/ 1250.50"), "S/ 1,250.50");
        assert_eq!(page_amount("S/ 89.90"), "S/ 89.90");
        assert_eq!(page_amount("S/ 1234567.00"), "S/ 1,234,567.00");
    }

    #[test]
    fn demo_rucs_are_valid() {
        for _ in 0..20 {
            cuadre_core::Ruc::parse(&demo_ruc()).unwrap();
        }
    }

    #[test]
    fn the_table_says_what_was_not_as_expected() {
        let order = |status: &str| DemoOrder {
            order_id: "A-1".into(),
            amount: "S/ 10.00".into(),
            cip: Some("2523136".into()),
            pay_url: None,
            expected: "PENDING".into(),
            status: Some(status.into()),
            expires_at: None,
        };
        let t = table(&[order("PENDING"), order("PAID")]);
        assert!(t.lines().next().unwrap().starts_with("ORDER"));
        assert!(t.contains("yes"));
        assert!(t.contains("no, expected PENDING"));
    }
}
