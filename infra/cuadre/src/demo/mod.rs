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

mod payments;
mod plan;
mod report;
mod settle;
mod setup;
mod support;
mod vouchers;

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;
use futures::future::BoxFuture;

use crate::dev::{self, parse_merchant, Local, MerchantSpec, StartOptions, DEMO_MERCHANT};
use payments::{pay_late, pay_on_time, pay_short, pay_without_notice};
use settle::{read_back, reconcile, settlement_arrives};
use setup::{issue_codes, onboard, open_buyer_page};
use vouchers::{reuse_voucher, upload_voucher};

pub use plan::{DemoOrder, OpenException, Plan, PLAN};

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
    report::print(story);
    let wrong = story.orders.iter().filter(|o| !o.as_expected()).count();
    if wrong > 0 {
        return Err(DemoError::Unexpected(wrong));
    }
    outln!("The story came out as expected.");
    Ok(())
}
