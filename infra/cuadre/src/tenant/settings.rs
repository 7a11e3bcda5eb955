//! `cuadre tenant show|update|disable|enable|rotate-notification-secret`: a merchant's settings
//! after onboarding, by the same rules as the merchant API's `PATCH /v1/tenant`
//! (`cuadre_core::settings`).

use chrono::Utc;
use clap::Args;
use cuadre_core::settings::{LatePaymentPolicy, SettingsPatch, SettingsView};
use cuadre_core::tenants;
use cuadre_core::time::format_lima;
use cuadre_core::{Currency, Tenant, TenantId};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{parse_threshold, print_json, random, yes_no, JsonFlag, TenantCommandError};
use crate::context::Context;

#[derive(Debug, Args)]
pub(super) struct UpdateArgs {
    /// The tenant id.
    #[arg(long, value_name = "ID")]
    id: TenantId,
    /// Where cuadre posts the merchant's events (https; http only to loopback).
    #[arg(long, value_name = "URL", conflicts_with = "no_notification_url")]
    notification_url: Option<String>,
    /// Stop posting events to the merchant.
    #[arg(long)]
    no_notification_url: bool,
    /// Email buyers their payment confirmations.
    #[arg(long, value_name = "on|off", value_parser = on_off)]
    buyer_emails: Option<bool>,
    /// Lifetime of codes whose request gives none (1–720 hours).
    #[arg(long, value_name = "H")]
    default_expiry_hours: Option<u32>,
    /// A high-value threshold, e.g. PEN=3000, or PEN=none to drop it (repeatable).
    #[arg(long, value_name = "CUR=AMOUNT|CUR=none", value_parser = threshold_change)]
    high_value: Vec<(Currency, Option<Decimal>)>,
    /// How late a settlement may be before it is missing (1–720 hours, or `default`).
    #[arg(long, value_name = "H|default", value_parser = lag)]
    settlement_lag_hours: Option<Lag>,
    /// A payment after its code expired: `accept` it, or open it for a `refund`.
    #[arg(long, value_name = "accept|refund", value_parser = policy)]
    late_payment_policy: Option<LatePaymentPolicy>,
    #[command(flatten)]
    out: JsonFlag,
}

/// `--settlement-lag-hours`: hours, or back to the default.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lag(Option<u32>);

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        other => Err(format!("{other:?} is not on or off")),
    }
}

fn lag(text: &str) -> Result<Lag, String> {
    if text == "default" {
        return Ok(Lag(None));
    }
    text.parse()
        .map(|h| Lag(Some(h)))
        .map_err(|_| format!("{text:?} is not a whole number of hours or `default`"))
}

fn policy(text: &str) -> Result<LatePaymentPolicy, String> {
    LatePaymentPolicy::parse(text).map_err(|e| e.reason)
}

fn threshold_change(text: &str) -> Result<(Currency, Option<Decimal>), String> {
    if let Some(currency) = text.strip_suffix("=none") {
        let currency: Currency = currency.parse().map_err(|e| format!("{e}"))?;
        return Ok((currency, None));
    }
    parse_threshold(text).map(|(c, a)| (c, Some(a)))
}

impl UpdateArgs {
    fn patch(&self) -> Result<SettingsPatch, TenantCommandError> {
        let mut patch = SettingsPatch {
            notification_url: if self.no_notification_url {
                Some(None)
            } else {
                self.notification_url.clone().map(Some)
            },
            buyer_emails: self.buyer_emails,
            default_expiry_hours: self.default_expiry_hours,
            settlement_lag_hours: self.settlement_lag_hours.map(|Lag(h)| h),
            late_payment_policy: self.late_payment_policy,
            ..SettingsPatch::default()
        };
        for (currency, amount) in &self.high_value {
            if patch
                .high_value_thresholds
                .insert(*currency, *amount)
                .is_some()
            {
                return Err(TenantCommandError::DuplicateThreshold(*currency));
            }
        }
        if patch.is_empty() {
            return Err(TenantCommandError::NothingToChange);
        }
        Ok(patch)
    }
}

pub(super) async fn update(ctx: &Context, args: &UpdateArgs) -> Result<(), TenantCommandError> {
    let patch = args.patch()?;
    let tenant = tenants::update_settings(&ctx.store, &args.id, &patch).await?;
    show_tenant(ctx, &tenant, "updated", args.out.json)
}

pub(super) async fn show(
    ctx: &Context,
    id: &TenantId,
    json: bool,
) -> Result<(), TenantCommandError> {
    let tenant = super::existing(ctx, id).await?;
    show_tenant(ctx, &tenant, "", json)
}

/// `disable` (its keys are refused; its gateway notifications are still recorded) or `enable`.
pub(super) async fn set_disabled(
    ctx: &Context,
    id: &TenantId,
    disable: bool,
    json: bool,
) -> Result<(), TenantCommandError> {
    let tenant = tenants::set_disabled(&ctx.store, id, disable.then(Utc::now)).await?;
    show_tenant(
        ctx,
        &tenant,
        if disable { "disabled" } else { "enabled" },
        json,
    )
}

pub(super) async fn rotate_secret(
    ctx: &Context,
    id: &TenantId,
    json: bool,
) -> Result<(), TenantCommandError> {
    let (tenant, secret) = tenants::rotate_notification_secret(
        &ctx.store,
        &ctx.secrets,
        &ctx.secrets_prefix,
        id,
        random()?,
        Utc::now(),
    )
    .await?;
    let until = tenant
        .previous_notification_secret
        .as_ref()
        .map(|p| format_lima(p.until));
    if json {
        print_json(&serde_json::json!({
            "tenant_id": tenant.tenant_id,
            "notification_secret": secret,
            "previous_secret_signs_until": until,
        }))?;
    } else {
        outln!("New notification signing secret for {}:", tenant.tenant_id);
        outln!("  {secret}");
        match until {
            Some(until) => outln!(
                "Deliveries carry both signatures until {until}; switch the receiver before then."
            ),
            None => outln!("There was no previous secret: only the new one signs."),
        }
    }
    errln!("warning: store the new secret now: it is shown only this once");
    Ok(())
}

/// The settings, and the URL to register with PagoEfectivo when the stack is known.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    settings: SettingsView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagoefectivo_notification_url: Option<String>,
}

fn show_tenant(
    ctx: &Context,
    tenant: &Tenant,
    what: &str,
    json: bool,
) -> Result<(), TenantCommandError> {
    let shown = Shown {
        settings: SettingsView::of(tenant),
        pagoefectivo_notification_url: super::registration_url(ctx, &tenant.tenant_id)?,
    };
    if json {
        return print_json(&shown);
    }
    let s = &shown.settings;
    if !what.is_empty() {
        outln!("Tenant {} {what} ({}).", s.tenant_id, ctx.describe());
    }
    let thresholds = super::thresholds_text(&s.high_value_thresholds);
    outln!("  tenant             {} ({})", s.tenant_id, s.status);
    outln!("  name               {}", s.name);
    outln!(
        "  notification URL   {}",
        s.notification_url.unwrap_or("none")
    );
    outln!("  buyer emails       {}", yes_no(s.buyer_emails));
    outln!("  default expiry     {} h", s.default_expiry_hours);
    outln!("  high value from    {thresholds}");
    match s.settlement_lag_hours {
        Some(h) => outln!("  settlement lag     {h} h"),
        None => outln!("  settlement lag     default"),
    }
    outln!("  late payments      {}", s.late_payment_policy.as_str());
    if let Some(until) = s.previous_secret_signs_until {
        outln!("  old secret signs   until {}", format_lima(until));
    }
    if let Some(url) = &shown.pagoefectivo_notification_url {
        outln!("  PagoEfectivo URL   {url}");
    }
    Ok(())
}
