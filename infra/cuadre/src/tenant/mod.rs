//! `cuadre tenant ...`: onboard merchants, manage their API keys, and (in `settings`) change
//! their settings, disable or enable them and rotate their notification secret.
//!
//! Secrets shown here (a new API key, the notification signing secret) are printed once, to
//! stdout only. The merchant's PagoEfectivo secret key is read from stdin or an environment
//! variable, never from an argument (it would land in shell history), and is never printed.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use chrono::Utc;
use clap::{Args, Subcommand};
use cuadre_core::access::{ApiKeyRecord, NewApiKey};
use cuadre_core::money::{parse_json_number, AmountError, Currency, CurrencyError, Money};
use cuadre_core::store::{ApiKeyStore, StoreError};
use cuadre_core::tenants::{self, NewTenant, TenantError, TenantRandomness};
use cuadre_core::time::format_lima;
use cuadre_core::{DocumentError, Ruc, Tenant, TenantId};
use rand::rngs::OsRng;
use rand::TryRngCore;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::context::{AwsArgs, Context, ContextError};

mod settings;

/// The environment variable `tenant create` reads the gateway secret key from.
pub const SECRET_KEY_ENV: &str = "PAGOEFECTIVO_SECRET_KEY";

const SHOWN_ONCE: &str =
    "store the API key and the notification signing secret now: they are shown only this once \
     (the API key is kept only as a hash and cannot be shown again)";

#[derive(Debug, Args)]
pub struct TenantArgs {
    #[command(subcommand)]
    command: TenantCommand,
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Onboard a merchant: stores its gateway secret in SSM, the tenant, and a first API key.
    Create(CreateArgs),
    /// List tenants (id, name, RUC, idService, API keys active/revoked). Never shows secrets.
    List(JsonFlag),
    /// Add a new API key to a tenant; old keys stay valid until revoked.
    RotateKey(TenantIdArgs),
    /// Revoke one API key of a tenant.
    RevokeKey(RevokeArgs),
    /// List a tenant's API keys (ids, created, revoked); never the keys themselves.
    Keys(TenantIdArgs),
    /// Show a tenant's settings (and, with --stack, the URL to register with PagoEfectivo).
    Show(TenantIdArgs),
    /// Change a tenant's settings (only what the flags name).
    Update(settings::UpdateArgs),
    /// Disable a tenant: its API keys are refused; its gateway notifications are still recorded.
    Disable(TenantIdArgs),
    /// Enable a disabled tenant again.
    Enable(TenantIdArgs),
    /// A new notification signing secret; the old one keeps signing beside it for 24 hours.
    RotateNotificationSecret(TenantIdArgs),
}

#[derive(Debug, Args)]
struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TenantIdArgs {
    /// The tenant id.
    #[arg(long, value_name = "ID")]
    id: TenantId,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Debug, Args)]
struct RevokeArgs {
    /// The tenant id.
    #[arg(long, value_name = "ID")]
    id: TenantId,
    /// The public key id (the part after `cdr_`, as `tenant keys` lists it).
    #[arg(long, value_name = "KEYID")]
    key_id: String,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Tenant id: 1–64 of a-z, 0-9, `-`, `_`.
    #[arg(long, value_name = "ID")]
    id: TenantId,
    /// The merchant's name (1–100 characters).
    #[arg(long)]
    name: String,
    /// The merchant's RUC (11 digits, checked with SUNAT's check digit).
    #[arg(long)]
    ruc: String,
    /// PagoEfectivo's idService for this merchant.
    #[arg(long, value_name = "N")]
    id_service: u32,
    /// PagoEfectivo access key.
    #[arg(long, value_name = "K")]
    access_key: String,
    /// Read the PagoEfectivo secret key from the first line of stdin
    /// (otherwise from the PAGOEFECTIVO_SECRET_KEY environment variable).
    #[arg(long)]
    secret_key_stdin: bool,
    /// Lifetime of issued codes when the merchant's request gives none (1–720; default 48).
    #[arg(long, value_name = "H")]
    default_expiry_hours: Option<u32>,
    /// Payments at or above this amount need a person's confirmation, e.g. PEN=3000 (repeatable).
    #[arg(long, value_name = "CUR=AMOUNT", value_parser = parse_threshold)]
    high_value: Vec<(Currency, Decimal)>,
    /// Where cuadre notifies the merchant (http(s) URL).
    #[arg(long, value_name = "URL")]
    notification_url: Option<String>,
    /// Do not email buyers.
    #[arg(long)]
    no_buyer_emails: bool,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantCommandError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("invalid RUC {value:?}: {source}")]
    Ruc {
        value: String,
        source: DocumentError,
    },
    #[error("--high-value {0} is given twice")]
    DuplicateThreshold(Currency),
    #[error(
        "no PagoEfectivo secret key: pipe it with --secret-key-stdin or set {SECRET_KEY_ENV} \
         (it is never accepted as an argument)"
    )]
    MissingSecretKey,
    #[error("could not read the secret key from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("the system's random generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error("tenant {0} does not exist")]
    UnknownTenant(TenantId),
    #[error("tenant {tenant} has no API key {key_id} (see `cuadre tenant keys --id {tenant}`)")]
    UnknownKey { tenant: TenantId, key_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not write the output: {0}")]
    Output(String),
    #[error("nothing to change: name at least one setting (see `cuadre tenant update --help`)")]
    NothingToChange,
}

pub async fn run(aws: &AwsArgs, args: TenantArgs) -> Result<(), TenantCommandError> {
    match args.command {
        TenantCommand::Create(create_args) => {
            // Everything that needs no AWS is checked first, so a typo stores nothing.
            let input = new_tenant(&create_args)?;
            let ctx = Context::load(aws).await?;
            create(&ctx, input, create_args.out.json).await
        }
        TenantCommand::List(out) => list(&Context::load(aws).await?, out.json).await,
        TenantCommand::RotateKey(a) => rotate(&Context::load(aws).await?, &a.id, a.out.json).await,
        TenantCommand::RevokeKey(a) => {
            revoke(&Context::load(aws).await?, &a.id, &a.key_id, a.out.json).await
        }
        TenantCommand::Keys(a) => keys(&Context::load(aws).await?, &a.id, a.out.json).await,
        TenantCommand::Show(a) => {
            settings::show(&Context::load(aws).await?, &a.id, a.out.json).await
        }
        TenantCommand::Update(a) => settings::update(&Context::load(aws).await?, &a).await,
        TenantCommand::Disable(a) => {
            settings::set_disabled(&Context::load(aws).await?, &a.id, true, a.out.json).await
        }
        TenantCommand::Enable(a) => {
            settings::set_disabled(&Context::load(aws).await?, &a.id, false, a.out.json).await
        }
        TenantCommand::RotateNotificationSecret(a) => {
            settings::rotate_secret(&Context::load(aws).await?, &a.id, a.out.json).await
        }
    }
}

/// A stored tenant, or `UnknownTenant`.
async fn existing(ctx: &Context, id: &TenantId) -> Result<Tenant, TenantCommandError> {
    use cuadre_core::store::TenantStore;
    ctx.store
        .get_tenant(id)
        .await?
        .ok_or_else(|| TenantCommandError::UnknownTenant(id.clone()))
}

/// The notification URL to register with PagoEfectivo for `id`, when the stack is known.
fn registration_url(ctx: &Context, id: &TenantId) -> Result<Option<String>, TenantCommandError> {
    Ok(ctx
        .stack
        .as_ref()
        .map(|stack| stack.notification_url(id))
        .transpose()?)
}

fn parse_threshold(text: &str) -> Result<(Currency, Decimal), String> {
    let (currency, amount) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not CUR=AMOUNT, e.g. PEN=3000"))?;
    let currency: Currency = currency.parse().map_err(|e: CurrencyError| e.to_string())?;
    let amount = parse_json_number(amount)
        .and_then(|a| Money::new(a, currency))
        .map_err(|e: AmountError| e.to_string())?;
    Ok((currency, amount.amount()))
}

fn new_tenant(args: &CreateArgs) -> Result<NewTenant, TenantCommandError> {
    let ruc = Ruc::parse(&args.ruc).map_err(|source| TenantCommandError::Ruc {
        value: args.ruc.clone(),
        source,
    })?;
    let mut thresholds = BTreeMap::new();
    for (currency, amount) in &args.high_value {
        if thresholds.insert(*currency, *amount).is_some() {
            return Err(TenantCommandError::DuplicateThreshold(*currency));
        }
    }
    let gateway_secret_key = read_gateway_secret(args.secret_key_stdin)?;
    Ok(NewTenant {
        tenant_id: args.id.clone(),
        name: args.name.clone(),
        ruc,
        id_service: args.id_service,
        access_key: args.access_key.clone(),
        gateway_secret_key,
        default_expiry_hours: args.default_expiry_hours,
        high_value_thresholds: thresholds,
        notification_url: args.notification_url.clone(),
        buyer_emails: !args.no_buyer_emails,
    })
}

fn read_gateway_secret(from_stdin: bool) -> Result<String, TenantCommandError> {
    let secret = if from_stdin {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            let mut err = std::io::stderr();
            let _ = write!(err, "PagoEfectivo secret key (one line): ");
            let _ = err.flush();
        }
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(TenantCommandError::Stdin)?;
        line.trim().to_string()
    } else {
        std::env::var(SECRET_KEY_ENV)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    if secret.is_empty() {
        return Err(TenantCommandError::MissingSecretKey);
    }
    Ok(secret)
}

fn random<const N: usize>() -> Result<[u8; N], TenantCommandError> {
    let mut bytes = [0u8; N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| TenantCommandError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A tenant as the CLI shows it: references to secrets, never secrets.
#[derive(Debug, Serialize)]
struct TenantView {
    tenant_id: String,
    name: String,
    ruc: String,
    id_service: u32,
    default_expiry_hours: u32,
    high_value_thresholds: BTreeMap<Currency, String>,
    notification_url: Option<String>,
    buyer_emails: bool,
    created_at: String,
    gateway_secret_ref: String,
    notification_secret_ref: Option<String>,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        TenantView {
            tenant_id: t.tenant_id.to_string(),
            name: t.name.clone(),
            ruc: t.ruc.to_string(),
            id_service: t.id_service,
            default_expiry_hours: t.default_expiry_hours,
            high_value_thresholds: t
                .high_value_thresholds
                .iter()
                .map(|(c, a)| (*c, a.to_string()))
                .collect(),
            notification_url: t.notification_url.clone(),
            buyer_emails: t.buyer_emails,
            created_at: format_lima(t.created_at),
            gateway_secret_ref: t.secret_ref.clone(),
            notification_secret_ref: t.notification_secret_ref.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct KeyView {
    key_id: String,
    created_at: String,
    revoked_at: Option<String>,
    active: bool,
}

impl From<&ApiKeyRecord> for KeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        KeyView {
            key_id: k.key_id.clone(),
            created_at: format_lima(k.created_at),
            revoked_at: k.revoked_at.map(format_lima),
            active: k.is_active(),
        }
    }
}

/// A new key, shown once.
#[derive(Debug, Serialize)]
struct NewKeyView<'a> {
    key_id: &'a str,
    api_key: &'a str,
    created_at: String,
}

impl<'a> From<&'a NewApiKey> for NewKeyView<'a> {
    fn from(k: &'a NewApiKey) -> Self {
        NewKeyView {
            key_id: &k.record.key_id,
            api_key: &k.plaintext,
            created_at: format_lima(k.record.created_at),
        }
    }
}

fn print_json(value: &impl Serialize) -> Result<(), TenantCommandError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| TenantCommandError::Output(e.to_string()))?;
    outln!("{text}");
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

async fn create(ctx: &Context, input: NewTenant, json: bool) -> Result<(), TenantCommandError> {
    let randomness = TenantRandomness {
        api_key_id: random()?,
        api_key_secret: random()?,
        notification_secret: random()?,
    };
    let provisioned = tenants::provision(
        &ctx.store,
        &ctx.store,
        &ctx.secrets,
        &ctx.secrets_prefix,
        input,
        randomness,
        Utc::now(),
    )
    .await?;
    let tenant = TenantView::from(&provisioned.tenant);
    let register = registration_url(ctx, &provisioned.tenant.tenant_id)?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            tenant: TenantView,
            api_key: NewKeyView<'a>,
            notification_secret: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            pagoefectivo_notification_url: Option<String>,
            warning: &'static str,
        }
        print_json(&Out {
            tenant,
            api_key: NewKeyView::from(&provisioned.api_key),
            notification_secret: &provisioned.notification_secret,
            pagoefectivo_notification_url: register,
            warning: SHOWN_ONCE,
        })?;
    } else {
        outln!("Tenant {} created ({}).", tenant.tenant_id, ctx.describe());
        print_tenant(&tenant);
        outln!();
        outln!(
            "API key (key id {}), send as `Authorization: Bearer <key>`:",
            provisioned.api_key.record.key_id
        );
        outln!("  {}", provisioned.api_key.plaintext);
        outln!("Notification signing secret (verifies cuadre's notifications to the merchant):");
        outln!("  {}", provisioned.notification_secret);
        outln!();
        match register {
            Some(url) => {
                outln!("Register this notification URL with PagoEfectivo for idService {}:", tenant.id_service);
                outln!("  {url}");
            }
            None => outln!(
                "Register the merchant's notification URL with PagoEfectivo: run `cuadre --stack NAME \\
                 tenant show --id {}` against the deployed stack to print it.",
                tenant.tenant_id
            ),
        }
    }
    errln!("warning: {SHOWN_ONCE}");
    Ok(())
}

/// `PEN 3000, USD 800`, or `none`.
fn thresholds_text(thresholds: &BTreeMap<Currency, String>) -> String {
    if thresholds.is_empty() {
        return "none".to_string();
    }
    thresholds
        .iter()
        .map(|(c, a)| format!("{c} {a}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_tenant(t: &TenantView) {
    let thresholds = thresholds_text(&t.high_value_thresholds);
    outln!("  name               {}", t.name);
    outln!("  RUC                {}", t.ruc);
    outln!("  idService          {}", t.id_service);
    outln!("  default expiry     {} h", t.default_expiry_hours);
    outln!("  high value from    {thresholds}");
    outln!(
        "  notification URL   {}",
        t.notification_url.as_deref().unwrap_or("none")
    );
    outln!("  buyer emails       {}", yes_no(t.buyer_emails));
    outln!("  created            {}", t.created_at);
    outln!("  gateway secret in  {} (SSM)", t.gateway_secret_ref);
    if let Some(r) = &t.notification_secret_ref {
        outln!("  signing secret in  {r} (SSM)");
    }
}

async fn list(ctx: &Context, json: bool) -> Result<(), TenantCommandError> {
    #[derive(Serialize)]
    struct Row {
        tenant_id: String,
        name: String,
        ruc: String,
        id_service: u32,
        active_keys: usize,
        revoked_keys: usize,
    }
    let mut rows = Vec::new();
    for t in ctx.store.list_tenants().await? {
        let keys = ctx.store.list_api_keys(&t.tenant_id).await?;
        let active = keys.iter().filter(|k| k.is_active()).count();
        rows.push(Row {
            tenant_id: t.tenant_id.to_string(),
            name: t.name,
            ruc: t.ruc.to_string(),
            id_service: t.id_service,
            active_keys: active,
            revoked_keys: keys.len() - active,
        });
    }
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        outln!("No tenants in {}.", ctx.describe());
        return Ok(());
    }
    let id_w = rows
        .iter()
        .map(|r| r.tenant_id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    outln!(
        "{:id_w$}  {:name_w$}  {:11}  {:>9}  KEYS (active/revoked)",
        "ID",
        "NAME",
        "RUC",
        "IDSERVICE"
    );
    for r in &rows {
        outln!(
            "{:id_w$}  {:name_w$}  {:11}  {:>9}  {}/{}",
            r.tenant_id,
            r.name,
            r.ruc,
            r.id_service,
            r.active_keys,
            r.revoked_keys
        );
    }
    Ok(())
}

async fn rotate(ctx: &Context, id: &TenantId, json: bool) -> Result<(), TenantCommandError> {
    let key = tenants::rotate_key(&ctx.store, &ctx.store, id, random()?, random()?, Utc::now())
        .await
        .map_err(|e| match e {
            TenantError::Unknown(t) => TenantCommandError::UnknownTenant(t),
            other => other.into(),
        })?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            tenant_id: &'a str,
            #[serde(flatten)]
            key: NewKeyView<'a>,
            warning: &'static str,
        }
        print_json(&Out {
            tenant_id: id.as_str(),
            key: NewKeyView::from(&key),
            warning: "the API key is shown only this once; older keys stay valid until revoked",
        })?;
    } else {
        outln!(
            "New API key for {id} (key id {}), send as `Authorization: Bearer <key>`:",
            key.record.key_id
        );
        outln!("  {}", key.plaintext);
        outln!(
            "Older keys stay valid until revoked: cuadre tenant revoke-key --id {id} --key-id <KEYID>"
        );
    }
    errln!("warning: the API key is shown only this once and cannot be shown again");
    Ok(())
}

async fn revoke(
    ctx: &Context,
    id: &TenantId,
    key_id: &str,
    json: bool,
) -> Result<(), TenantCommandError> {
    let unknown_key = || TenantCommandError::UnknownKey {
        tenant: id.clone(),
        key_id: key_id.to_string(),
    };
    let existing = ctx
        .store
        .list_api_keys(id)
        .await?
        .into_iter()
        .find(|k| k.key_id == key_id)
        .ok_or_else(unknown_key)?;
    let (record, already) = match existing.revoked_at {
        Some(_) => (existing, true),
        None => match ctx.store.revoke_api_key(id, key_id, Utc::now()).await {
            Ok(r) => (r, false),
            Err(StoreError::NotFound(_)) => return Err(unknown_key()),
            Err(e) => return Err(e.into()),
        },
    };
    let view = KeyView::from(&record);
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            tenant_id: &'a str,
            #[serde(flatten)]
            key: KeyView,
            already_revoked: bool,
        }
        return print_json(&Out {
            tenant_id: id.as_str(),
            key: view,
            already_revoked: already,
        });
    }
    let at = view.revoked_at.as_deref().unwrap_or("?");
    if already {
        outln!("API key {key_id} of {id} was already revoked at {at}.");
    } else {
        outln!("API key {key_id} of {id} revoked at {at}; it no longer authenticates.");
    }
    Ok(())
}

async fn keys(ctx: &Context, id: &TenantId, json: bool) -> Result<(), TenantCommandError> {
    use cuadre_core::store::TenantStore;
    if ctx.store.get_tenant(id).await?.is_none() {
        return Err(TenantCommandError::UnknownTenant(id.clone()));
    }
    let mut records = ctx.store.list_api_keys(id).await?;
    records.sort_by_key(|k| k.created_at);
    let views: Vec<KeyView> = records.iter().map(KeyView::from).collect();
    if json {
        return print_json(&views);
    }
    outln!(
        "{:10}  {:25}  {:25}  STATUS",
        "KEY ID",
        "CREATED",
        "REVOKED"
    );
    for k in &views {
        outln!(
            "{:10}  {:25}  {:25}  {}",
            k.key_id,
            k.created_at,
            k.revoked_at.as_deref().unwrap_or("-"),
            if k.active { "active" } else { "revoked" }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_exactly() {
        assert_eq!(
            parse_threshold("PEN=3000").unwrap(),
            (Currency::Pen, Decimal::new(300000, 2))
        );
        assert_eq!(
            parse_threshold("USD=800.5").unwrap(),
            (Currency::Usd, Decimal::new(80050, 2))
        );
        assert!(parse_threshold("EUR=1").is_err());
        assert!(parse_threshold("PEN").is_err());
        assert!(parse_threshold("PEN=0").is_err());
        assert!(parse_threshold("PEN=1.005").is_err());
    }
}
