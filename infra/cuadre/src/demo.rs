//! `cuadre demo`: one merchant's day, told by driving the local platform through its public
//! interfaces the way its users do — the operator (CLI), the merchant (API), buyers (pay pages and
//! voucher uploads), the gateway (the PagoEfectivo sandbox paying codes and notifying), the bank
//! (a settlement file) and the schedule (reconciliation). It ends with a table of the orders, the
//! open exceptions and where the reports are, and exits 0 only if every order ended as expected.
//!
//! Six orders, one per way a cash payment goes (see [`PLAN`]): paid on time and settled; paid
//! short; paid after its expiry; paid at an agent whose notification never arrives, proven by the
//! buyer's voucher (read by the local OCR) and found by reconciliation; a second buyer reusing that
//! voucher; a code nobody pays. Reconciliation runs "as of" just after the codes' expiry (48 h
//! out), as an operator may invoke it, so the story needs no waiting.
//!
//! The story is a list of [`STEPS`]; each step acts, checks what it must and returns a one-line
//! summary. A new chapter is one more `async fn(&mut Story) -> Result<String, String>` and one
//! more line in [`STEPS`].

use std::fmt::Write as _;
use std::future::Future;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use clap::Args;
use cuadre_core::peru::ruc_check_digit;
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::dev::{self, parse_merchant, Local, MerchantSpec, StartOptions, DEMO_MERCHANT};

#[derive(Debug, Args)]
pub struct DemoArgs {
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

/// What happens to one order, and how it must end.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub amount: &'static str,
    pub story: &'static str,
    pub status: &'static str,
    pub exceptions: &'static [&'static str],
}

const ON_TIME: usize = 0;
const SHORT: usize = 1;
const LATE: usize = 2;
const LOST_NOTICE: usize = 3;
const REUSED_VOUCHER: usize = 4;
// PLAN[5]: the code nobody pays.

/// What reconciliation writes for the day (see reconcile-worker's report module).
const REPORT_FILES: [&str; 3] = ["orders.csv", "summary.json", "report.xlsx"];

/// The six orders of the story, by the indices above.
pub const PLAN: [Plan; 6] = [
    Plan {
        amount: "150.00",
        story: "paid on time, settled",
        status: "SETTLED",
        exceptions: &[],
    },
    Plan {
        amount: "89.90",
        story: "paid S/ 80.00 only",
        status: "PAID",
        exceptions: &["AMOUNT_MISMATCH"],
    },
    Plan {
        amount: "42.00",
        story: "paid after its expiry",
        status: "PAID",
        exceptions: &["PAID_AFTER_EXPIRY"],
    },
    Plan {
        amount: "310.75",
        story: "paid, notice lost, voucher sent",
        status: "SETTLED",
        exceptions: &["MISSED_NOTIFICATION"],
    },
    Plan {
        amount: "120.00",
        story: "unpaid, reused that voucher",
        status: "EXPIRED",
        exceptions: &[
            "DUPLICATE_VOUCHER",
            "VOUCHER_MISMATCH",
            "VOUCHER_WITHOUT_PAYMENT",
        ],
    },
    Plan {
        amount: "65.00",
        story: "never paid",
        status: "EXPIRED",
        exceptions: &[],
    },
];

/// One order of the story: what the API said of it, and what the story expects.
#[derive(Debug, Clone)]
pub struct DemoOrder {
    pub order_id: String,
    pub plan: Plan,
    pub cip: Option<String>,
    pub pay_url: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The status the API last reported.
    pub status: Option<String>,
    /// Kinds of the order's unresolved exceptions, as the API last reported them.
    pub exceptions: Vec<String>,
}

impl DemoOrder {
    fn as_expected(&self) -> bool {
        let mut got = self.exceptions.clone();
        got.sort();
        got.dedup();
        let mut want: Vec<String> = self.plan.exceptions.iter().map(|k| k.to_string()).collect();
        want.sort();
        self.status.as_deref() == Some(self.plan.status) && got == want
    }
}

/// An open exception, for the closing table.
#[derive(Debug, Clone)]
pub struct OpenException {
    pub kind: String,
    pub order_id: String,
    pub detail: String,
}

/// What the steps share.
pub struct Story {
    pub local: Local,
    pub http: reqwest::Client,
    pub merchant: MerchantSpec,
    pub tenant_id: Option<String>,
    pub api_key: Option<String>,
    pub orders: Vec<DemoOrder>,
    /// The voucher the buyer of the lost-notice order photographed (PNG).
    pub voucher: Option<Vec<u8>>,
    /// The payment the gateway made without notifying: (operation number, payment time).
    pub unnotified: Option<(String, String)>,
    /// When reconciliation ran "as of".
    pub as_of: Option<DateTime<Utc>>,
    pub open_exceptions: Vec<OpenException>,
    /// Report files: (name, S3 location).
    pub report_files: Vec<(String, String)>,
    /// How long the API's report links last.
    pub report_link_secs: Option<u64>,
}

type Step = for<'a> fn(&'a mut Story) -> BoxFuture<'a, Result<String, String>>;

/// The story, in order.
pub const STEPS: &[(&str, Step)] = &[
    ("onboard the merchant", |s| Box::pin(onboard(s))),
    ("issue payment codes", |s| Box::pin(issue_codes(s))),
    ("a buyer opens the page", |s| Box::pin(open_buyer_page(s))),
    ("gateway: paid on time", |s| Box::pin(pay_on_time(s))),
    ("gateway: paid short", |s| Box::pin(pay_short(s))),
    ("gateway: paid late", |s| Box::pin(pay_late(s))),
    ("gateway: notice lost", |s| Box::pin(pay_without_notice(s))),
    ("buyer uploads a voucher", |s| Box::pin(upload_voucher(s))),
    ("another buyer reuses it", |s| Box::pin(reuse_voucher(s))),
    ("a settlement file arrives", |s| {
        Box::pin(settlement_arrives(s))
    }),
    ("reconciliation runs", |s| Box::pin(reconcile(s))),
    ("the merchant reads it all", |s| Box::pin(read_back(s))),
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
        tenant_id: None,
        api_key: None,
        orders: Vec::new(),
        voucher: None,
        unnotified: None,
        as_of: None,
        open_exceptions: Vec::new(),
        report_files: Vec::new(),
        report_link_secs: None,
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
            Ok(summary) => outln!("{:>2}. {name:<26} ok   {summary}", i + 1),
            Err(reason) => {
                outln!("{:>2}. {name:<26} FAILED  {reason}", i + 1);
                return Err(DemoError::Step { step: name });
            }
        }
    }
    outln!();
    outln!("Orders");
    outln!("{}", orders_table(&story.orders));
    outln!();
    outln!("Open exceptions (what finance must act on)");
    outln!("{}", exceptions_table(&story.open_exceptions));
    outln!();
    if let Some(as_of) = story.as_of {
        let day = cuadre_core::time::lima_date(as_of);
        outln!(
            "Reports of {day} (reconciled as of {})",
            cuadre_core::time::format_lima(as_of)
        );
        for (name, location) in &story.report_files {
            outln!("  {name:<18} {location}");
        }
        outln!(
            "  through the API: GET {}/v1/reports/{day} (download links valid {} s)",
            story.local.platform.url,
            story.report_link_secs.unwrap_or_default()
        );
        outln!();
    }
    let wrong = story.orders.iter().filter(|o| !o.as_expected()).count();
    if wrong > 0 {
        return Err(DemoError::Unexpected(wrong));
    }
    outln!("The story came out as expected.");
    Ok(())
}

/// A text table: a header, a rule, the rows; columns as wide as their widest cell.
fn text_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
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
        let _ = writeln!(out, "  {}", text.join("  ").trim_end());
    };
    line(&mut out, &header.map(String::from));
    line(&mut out, &widths.map(|w| "-".repeat(w)));
    for row in rows {
        line(&mut out, row);
    }
    out.trim_end().to_string()
}

fn orders_table(orders: &[DemoOrder]) -> String {
    let rows: Vec<[String; 7]> = orders
        .iter()
        .map(|o| {
            let mut exceptions = o.exceptions.clone();
            exceptions.sort();
            [
                o.order_id.clone(),
                format!("S/ {}", o.plan.amount),
                o.cip.clone().unwrap_or_else(|| "-".into()),
                o.plan.story.to_string(),
                o.status.clone().unwrap_or_else(|| "?".into()),
                if exceptions.is_empty() {
                    "-".into()
                } else {
                    exceptions.join(", ")
                },
                if o.as_expected() {
                    "yes".into()
                } else {
                    let mut want = o.plan.exceptions.to_vec();
                    want.sort_unstable();
                    format!(
                        "NO: expected {} [{}]",
                        o.plan.status,
                        if want.is_empty() {
                            "-".to_string()
                        } else {
                            want.join(", ")
                        }
                    )
                },
            ]
        })
        .collect();
    text_table(
        [
            "ORDER",
            "AMOUNT",
            "CIP",
            "WHAT HAPPENED",
            "STATUS",
            "EXCEPTIONS",
            "AS EXPECTED",
        ],
        &rows,
    )
}

fn exceptions_table(open: &[OpenException]) -> String {
    if open.is_empty() {
        return "  (none)".into();
    }
    let rows: Vec<[String; 3]> = open
        .iter()
        .map(|e| {
            let detail = if e.detail.chars().count() > 100 {
                format!("{}…", e.detail.chars().take(99).collect::<String>())
            } else {
                e.detail.clone()
            };
            [e.kind.clone(), e.order_id.clone(), detail]
        })
        .collect();
    text_table(["KIND", "ORDER", "DETAIL"], &rows)
}

// ---------------------------------------------------------------------------------- the steps

/// The operator onboards the sandbox merchant with `cuadre tenant create` (this very binary) and
/// the merchant points the gateway's notifications at cuadre's webhook URL.
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
    let notifications = s
        .local
        .notify_tenant(&tenant_id)
        .ok_or("the template has no gateway-webhook route for the sandbox to notify")?;
    Ok(format!(
        "tenant {tenant_id}, API key {}…, gateway notifies {notifications}",
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

fn bearer(s: &Story) -> Result<String, String> {
    s.api_key
        .as_ref()
        .map(|k| format!("Bearer {k}"))
        .ok_or_else(|| "no API key yet".to_string())
}

fn tenant(s: &Story) -> Result<String, String> {
    s.tenant_id
        .clone()
        .ok_or_else(|| "no tenant yet".to_string())
}

async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

fn order(s: &Story, index: usize) -> Result<&DemoOrder, String> {
    s.orders
        .get(index)
        .ok_or_else(|| format!("order #{} was not issued", index + 1))
}

fn cip_of(s: &Story, index: usize) -> Result<String, String> {
    order(s, index)?
        .cip
        .clone()
        .ok_or_else(|| format!("order #{} has no CIP", index + 1))
}

/// Polls `check` every 250 ms until it gives `Some`, or fails naming `what` after `limit`.
async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, String>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(found) = check().await? {
            return Ok(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("{what}: not seen within {} s", limit.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `GET /v1/payment-codes/{order_id}` as the merchant.
async fn read_order(s: &Story, index: usize) -> Result<Value, String> {
    let order = order(s, index)?;
    let url = format!(
        "{}/v1/payment-codes/{}",
        s.local.platform.url, order.order_id
    );
    let (status, body) = send(s.http.get(&url).header("authorization", bearer(s)?)).await?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}: {body}"));
    }
    Ok(body)
}

fn exception_kinds(order: &Value) -> Vec<String> {
    order["exceptions"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the order has `status` (and, when given, an exception of `kind`).
async fn until_order(
    s: &Story,
    index: usize,
    status: &str,
    kind: Option<&str>,
) -> Result<Value, String> {
    let what = format!(
        "order #{} {status}{}",
        index + 1,
        kind.map(|k| format!(" with {k}")).unwrap_or_default()
    );
    eventually(&what, Duration::from_secs(30), || async {
        let body = read_order(s, index).await?;
        let has_kind = kind.is_none_or(|k| exception_kinds(&body).iter().any(|e| e == k));
        Ok((body["status"] == status && has_kind).then_some(body))
    })
    .await
}

/// The POST body of a payment code. The amount goes out as a JSON number with exactly the
/// plan's digits (never through a float).
#[derive(Serialize)]
struct IssueRequest<'a> {
    order_id: &'a str,
    amount: &'a RawValue,
    currency: &'a str,
    channel: &'a str,
    concept: String,
    buyer: Value,
    expires_in_hours: u32,
}

/// The merchant issues a code per order through the public API (one request replayed with the
/// same Idempotency-Key must give back the same code).
async fn issue_codes(s: &mut Story) -> Result<String, String> {
    let auth = bearer(s)?;
    let url = format!("{}/v1/payment-codes", s.local.platform.url);
    let run_id = chrono::Utc::now().format("%H%M%S").to_string();
    for (i, plan) in PLAN.iter().enumerate() {
        let order_id = format!("DEMO-{run_id}-{}", i + 1);
        let amount = RawValue::from_string(plan.amount.to_string()).map_err(|e| e.to_string())?;
        let body = IssueRequest {
            order_id: &order_id,
            amount: &amount,
            currency: "PEN",
            channel: "api",
            concept: format!("Pedido {}", i + 1),
            buyer: json!({"email": format!("comprador{}@example.pe", i + 1), "name": "Ana",
                          "last_name": "Quispe", "phone": "987654321", "phone_country_code": "+51",
                          "document_type": "DNI", "document_number": "45678912"}),
            expires_in_hours: 48,
        };
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
        let expires_at = created["expires_at"]
            .as_str()
            .map(cuadre_core::time::parse)
            .transpose()
            .map_err(|e| format!("expires_at of {order_id}: {e}"))?;
        s.orders.push(DemoOrder {
            order_id,
            plan: *plan,
            cip: Some(cip.to_string()),
            pay_url: Some(pay_url.to_string()),
            expires_at,
            status: created["status"].as_str().map(str::to_string),
            exceptions: Vec::new(),
        });
    }
    Ok(format!(
        "{} codes, 48 h each (CIPs {}); a replay with the same Idempotency-Key gave the same code",
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
    let order = order(s, ON_TIME)?;
    let url = order.pay_url.clone().ok_or("the order has no pay link")?;
    let response = s.http.get(&url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let cip = order.cip.clone().unwrap_or_default();
    let amount = page_amount(order.plan.amount);
    if !html.contains(&cip) || !html.contains(&amount) {
        return Err(format!(
            "the page at {url} does not show CIP {cip} and {amount}"
        ));
    }
    Ok(format!("{url} shows CIP {cip} and {amount}"))
}

/// The sandbox pays `cip` (`POST /sandbox/cips/{cip}/pay`), as a buyer at an agent would.
async fn sandbox_pay(s: &Story, cip: &str, request: Value) -> Result<Value, String> {
    let url = format!("{}/sandbox/cips/{cip}/pay", s.local.sandbox_url);
    let (status, body) = send(s.http.post(&url).json(&request)).await?;
    if status != 200 {
        return Err(format!("POST {url}: HTTP {status}: {body}"));
    }
    if request["notify"] != false && body["notification"]["delivered"] != true {
        return Err(format!(
            "the gateway's notification was not accepted: {body}"
        ));
    }
    Ok(body)
}

fn notified(paid: &Value) -> String {
    match paid["notification"]["lastStatus"].as_u64() {
        Some(code) => format!("notification answered HTTP {code}"),
        None => "not notified".into(),
    }
}

async fn pay_on_time(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, ON_TIME)?;
    let paid = sandbox_pay(s, &cip, json!({})).await?;
    until_order(s, ON_TIME, "PAID", None).await?;
    Ok(format!(
        "CIP {cip} paid S/ {}, {}; the order is PAID",
        PLAN[ON_TIME].amount,
        notified(&paid)
    ))
}

async fn pay_short(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, SHORT)?;
    let paid = sandbox_pay(s, &cip, json!({"amount": "80.00"})).await?;
    until_order(s, SHORT, "PAID", Some("AMOUNT_MISMATCH")).await?;
    Ok(format!(
        "CIP {cip} paid S/ 80.00 of S/ {}, {}; AMOUNT_MISMATCH raised at once",
        PLAN[SHORT].amount,
        notified(&paid)
    ))
}

async fn pay_late(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, LATE)?;
    let expires_at = order(s, LATE)?
        .expires_at
        .ok_or("no expiry on the late order")?;
    let paid_at = expires_at + chrono::Duration::minutes(20);
    let paid = sandbox_pay(
        s,
        &cip,
        json!({"paymentDate": cuadre_core::time::format_lima(paid_at), "force": true}),
    )
    .await?;
    until_order(s, LATE, "PAID", None).await?;
    Ok(format!(
        "CIP {cip} paid at {}, 20 min after it expired; {}",
        cuadre_core::time::format_lima(paid_at),
        notified(&paid)
    ))
}

/// Paid at an agent, but the gateway's notification never arrives: cuadre still says PENDING.
async fn pay_without_notice(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, LOST_NOTICE)?;
    let operation = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let paid = sandbox_pay(
        s,
        &cip,
        json!({"operationNumber": operation, "notify": false}),
    )
    .await?;
    s.unnotified = Some((
        operation.clone(),
        paid["paymentDate"].as_str().unwrap_or_default().to_string(),
    ));
    let body = read_order(s, LOST_NOTICE).await?;
    if body["status"] != "PENDING" {
        return Err(format!(
            "the order should still be PENDING (no notification): {}",
            body["status"]
        ));
    }
    s.voucher = Some(render_voucher(&cip, PLAN[LOST_NOTICE].amount, &operation)?);
    Ok(format!(
        "CIP {cip} paid at an agent (operation {operation}), no notification: still PENDING"
    ))
}

/// The agent's receipt as the buyer photographs it.
fn render_voucher(cip: &str, amount: &str, operation: &str) -> Result<Vec<u8>, String> {
    let now = cuadre_core::time::format_lima(Utc::now());
    let date = format!(
        "{}/{}/{} {}",
        &now[8..10],
        &now[5..7],
        &now[0..4],
        &now[11..16]
    );
    cuadre_ocr::render::voucher_png(&[
        "AGENTE KASNET - PAGOEFECTIVO",
        &format!("CODIGO CIP: {cip}"),
        &format!("IMPORTE: S/ {amount}"),
        &format!("NRO. OPERACION: {operation}"),
        &format!("FECHA: {date}"),
    ])
    .map_err(|e| e.to_string())
}

/// A buyer uploads `png` through the order's pay page (`POST /pay/{token}/uploads`, then a PUT
/// to the presigned link) and the merchant sees the voucher read; returns the voucher's fields.
async fn upload_through_page(s: &Story, index: usize, png: &[u8]) -> Result<Value, String> {
    let pay_url = order(s, index)?
        .pay_url
        .clone()
        .ok_or("the order has no pay link")?;
    let url = format!("{pay_url}/uploads");
    let (status, link) = send(s.http.post(&url).json(&json!({
        "content_type": "image/png",
        "content_length": png.len(),
        "checksum_sha256": STANDARD.encode(Sha256::digest(png)),
    })))
    .await?;
    if status != 201 && status != 200 {
        return Err(format!("POST {url}: HTTP {status}: {link}"));
    }
    let put_url = link["url"]
        .as_str()
        .ok_or(format!("no upload url: {link}"))?;
    let mut put = s.http.put(put_url).body(png.to_vec());
    if let Some(headers) = link["headers"].as_object() {
        for (name, value) in headers {
            put = put.header(name, value.as_str().unwrap_or_default());
        }
    }
    let response = put.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("PUT of the voucher: HTTP {}", response.status()));
    }
    let voucher_id = link["voucher_id"].as_str().unwrap_or_default().to_string();
    eventually(
        &format!("voucher {voucher_id} read by voucher-ocr"),
        Duration::from_secs(60),
        || async {
            let body = read_order(s, index).await?;
            Ok(body["vouchers"].as_array().and_then(|all| {
                all.iter()
                    .find(|v| v["voucher_id"] == voucher_id.as_str())
                    .map(|v| v["fields"].clone())
            }))
        },
    )
    .await
}

async fn upload_voucher(s: &mut Story) -> Result<String, String> {
    let png = s.voucher.clone().ok_or("no voucher was rendered")?;
    let fields = upload_through_page(s, LOST_NOTICE, &png).await?;
    let cip = cip_of(s, LOST_NOTICE)?;
    if fields["cip"] != cip.as_str() {
        return Err(format!("OCR read CIP {} instead of {cip}", fields["cip"]));
    }
    Ok(format!(
        "{} KB PNG read by Tesseract: CIP {}, S/ {}, operation {}",
        png.len() / 1024,
        fields["cip"].as_str().unwrap_or("?"),
        fields["amount"].as_str().unwrap_or("?"),
        fields["operation_number"].as_str().unwrap_or("?")
    ))
}

async fn reuse_voucher(s: &mut Story) -> Result<String, String> {
    let png = s.voucher.clone().ok_or("no voucher was rendered")?;
    upload_through_page(s, REUSED_VOUCHER, &png).await?;
    until_order(s, REUSED_VOUCHER, "PENDING", Some("DUPLICATE_VOUCHER")).await?;
    Ok(format!(
        "the same image on order {}: DUPLICATE_VOUCHER raised at upload",
        order(s, REUSED_VOUCHER)?.order_id
    ))
}

/// PagoEfectivo's settlement of the on-time and the lost-notice payments lands in the reports
/// bucket under `settlements/{tenant}/` (where the bank-file drop puts it in AWS).
async fn settlement_arrives(s: &mut Story) -> Result<String, String> {
    let tenant = tenant(s)?;
    let mut csv = String::from(
        "settlement_id,cip,operation_number,gross_amount,fee_amount,net_amount,currency,paid_at,settled_at\n",
    );
    let mut lines = 0;
    for index in [ON_TIME, LOST_NOTICE] {
        let body = read_order(s, index).await?;
        let cip = cip_of(s, index)?;
        let (operation, paid_at) = match body["payments"].as_array().and_then(|p| p.first()) {
            Some(p) => (
                p["operation_number"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["paid_at"].as_str().unwrap_or_default().to_string(),
            ),
            // Not known to cuadre (the lost notice): the gateway's settlement has it all the same.
            None => s.unnotified.clone().unwrap_or_default(),
        };
        if operation.is_empty() || paid_at.is_empty() {
            return Err(format!("no payment of CIP {cip} to settle"));
        }
        let gross: rust_decimal::Decimal =
            PLAN[index].amount.parse().map_err(|e| format!("{e}"))?;
        // PagoEfectivo's commission: 3.5 % + S/ 1.00, to the cent.
        let fee =
            (gross * rust_decimal::Decimal::new(35, 3) + rust_decimal::Decimal::ONE).round_dp(2);
        let settled_at = cuadre_core::time::format_lima(Utc::now());
        let _ = writeln!(
            csv,
            "LIQ-DEMO-1,{cip},{operation},{gross},{fee},{},PEN,{paid_at},{settled_at}",
            gross - fee
        );
        lines += 1;
    }
    let bucket = s
        .local
        .aws
        .env
        .vars
        .get("REPORTS_BUCKET")
        .cloned()
        .ok_or("REPORTS_BUCKET is not in the emulator's environment")?;
    let key = format!(
        "settlements/{tenant}/liquidacion-{}.csv",
        cuadre_core::time::lima_date(Utc::now())
    );
    let sdk = cuadre_aws::AwsContext::lambda(cuadre_aws::AwsEndpoint {
        url: s.local.aws.env.endpoint().map(str::to_string),
    });
    sdk.s3()
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .content_type("text/csv")
        .body(csv.into_bytes().into())
        .send()
        .await
        .map_err(|e| format!("put s3://{bucket}/{key}: {e}"))?;
    Ok(format!("{lines} lines in s3://{bucket}/{key}"))
}

/// The operator runs reconciliation as of one hour after the codes' expiry: the scheduled
/// function with the event's `time` set, as `aws lambda invoke` would.
async fn reconcile(s: &mut Story) -> Result<String, String> {
    let latest_expiry = s
        .orders
        .iter()
        .filter_map(|o| o.expires_at)
        .max()
        .ok_or("no order has an expiry")?;
    let as_of = latest_expiry + chrono::Duration::hours(1);
    s.as_of = Some(as_of);
    let event = json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": "us-east-1",
        "resources": [],
        // This merchant only: the emulator may hold other tenants (tests, earlier runs).
        "detail": {"tenant_id": tenant(s)?},
    });
    s.local
        .platform
        .invoke_schedule("reconcile-dispatch", event)
        .await
        .map_err(|e| format!("reconcile-dispatch: {e}"))?;
    let day = cuadre_core::time::lima_date(as_of);
    let url = format!("{}/v1/reports/{day}", s.local.platform.url);
    let auth = bearer(s)?;
    let report = eventually(
        "the reconciliation report",
        Duration::from_secs(120),
        || async {
            let (status, body) = send(s.http.get(&url).header("authorization", &auth)).await?;
            let names: Vec<&str> = body["files"]
                .as_array()
                .map(|files| files.iter().filter_map(|f| f["name"].as_str()).collect())
                .unwrap_or_default();
            let complete = REPORT_FILES.iter().all(|f| names.contains(f));
            Ok((status == 200 && complete).then_some(body))
        },
    )
    .await?;
    s.report_link_secs = report["files"][0]["download_url_expires_in"].as_u64();
    let tenant = tenant(s)?;
    let bucket = s
        .local
        .aws
        .env
        .vars
        .get("REPORTS_BUCKET")
        .cloned()
        .unwrap_or_default();
    s.report_files = report["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f["name"].as_str())
                .map(|name| {
                    (
                        name.to_string(),
                        format!("s3://{bucket}/reports/{tenant}/{day}/{name}"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(format!(
        "as of {}: report of {day} written ({} files)",
        cuadre_core::time::format_lima(as_of),
        s.report_files.len()
    ))
}

/// The merchant reads every order and the open exceptions back through the API.
async fn read_back(s: &mut Story) -> Result<String, String> {
    for index in 0..s.orders.len() {
        let body = read_order(s, index).await?;
        let order = &mut s.orders[index];
        order.status = body["status"].as_str().map(str::to_string);
        order.exceptions = exception_kinds(&body);
    }
    let auth = bearer(s)?;
    let mut page: Option<String> = None;
    s.open_exceptions.clear();
    loop {
        let mut url = format!(
            "{}/v1/exceptions?status=OPEN&limit=100",
            s.local.platform.url
        );
        if let Some(p) = &page {
            url.push_str(&format!("&page={p}"));
        }
        let (status, body) = send(s.http.get(&url).header("authorization", &auth)).await?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}: {body}"));
        }
        for e in body["exceptions"].as_array().into_iter().flatten() {
            s.open_exceptions.push(OpenException {
                kind: e["kind"].as_str().unwrap_or("?").to_string(),
                order_id: e["order_id"].as_str().unwrap_or("-").to_string(),
                detail: e["detail"].as_str().unwrap_or_default().to_string(),
            });
        }
        match body["next_page"].as_str() {
            Some(next) => page = Some(next.to_string()),
            None => break,
        }
    }
    s.open_exceptions
        .sort_by(|a, b| (&a.order_id, &a.kind).cmp(&(&b.order_id, &b.kind)));
    Ok(format!(
        "{} orders, {} open exceptions",
        s.orders.len(),
        s.open_exceptions.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_the_page_shows_them() {
        assert_eq!(page_amount("S/ 1250.50"), "S/ 1,250.50");
        assert_eq!(page_amount("89.90"), "S/ 89.90");
        assert_eq!(page_amount("S/ 1234567.00"), "S/ 1,234,567.00");
    }

    #[test]
    fn demo_rucs_are_valid() {
        for _ in 0..20 {
            cuadre_core::Ruc::parse(&demo_ruc()).unwrap();
        }
    }

    fn order(status: &str, exceptions: &[&str]) -> DemoOrder {
        DemoOrder {
            order_id: "A-1".into(),
            plan: PLAN[SHORT],
            cip: Some("2523136".into()),
            pay_url: None,
            expires_at: None,
            status: Some(status.into()),
            exceptions: exceptions.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn an_order_is_as_expected_only_with_its_status_and_exactly_its_exceptions() {
        assert!(order("PAID", &["AMOUNT_MISMATCH"]).as_expected());
        assert!(!order("SETTLED", &["AMOUNT_MISMATCH"]).as_expected());
        assert!(!order("PAID", &[]).as_expected());
        assert!(!order("PAID", &["AMOUNT_MISMATCH", "NOT_SETTLED"]).as_expected());
    }

    #[test]
    fn the_table_says_what_was_not_as_expected() {
        let t = orders_table(&[order("PAID", &["AMOUNT_MISMATCH"]), order("PENDING", &[])]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].trim_start().starts_with("ORDER"));
        assert!(lines[2].ends_with("yes"), "{t}");
        assert!(
            lines[3].ends_with("NO: expected PAID [AMOUNT_MISMATCH]"),
            "{t}"
        );
    }

    #[test]
    fn the_plan_amounts_are_exact_two_decimal_numbers() {
        for plan in PLAN {
            let amount: rust_decimal::Decimal = plan.amount.parse().unwrap();
            assert_eq!(amount.scale(), 2, "{}", plan.amount);
            assert!(RawValue::from_string(plan.amount.to_string()).is_ok());
        }
    }
}
