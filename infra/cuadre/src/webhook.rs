//! `cuadre webhook send`: posts a PagoEfectivo payment notification, built and signed exactly as
//! the gateway (and our sandbox) does, so a merchant can test the receiving side of their setup.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use cuadre_core::money::{parse_json_number, Currency, Money};
use cuadre_core::time::parse as parse_time;
use cuadre_core::{Cip, OperationNumber};
use cuadre_gateway::notification::EVENT_PAID;
use cuadre_gateway::{sign_notification, Notification, NotificationData, SIGNATURE_HEADER};
use rand::rngs::OsRng;
use rand::TryRngCore;

#[derive(Debug, Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    command: WebhookCommand,
}

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Build, sign and POST one notification; print the receiver's status and body.
    Send(SendArgs),
}

#[derive(Debug, Args)]
struct SendArgs {
    /// The receiver's URL (e.g. cuadre's gateway webhook, or the merchant's endpoint).
    #[arg(long, required_unless_present = "dry_run")]
    url: Option<String>,
    /// Name of the environment variable holding the signing secret (the merchant's PagoEfectivo secret key).
    #[arg(long, value_name = "VAR", required_unless_present = "secret_stdin")]
    secret_env: Option<String>,
    /// Read the signing secret from the first line of stdin instead.
    #[arg(long, conflicts_with = "secret_env")]
    secret_stdin: bool,
    /// The paid CIP (1–14 digits).
    #[arg(long)]
    cip: Cip,
    /// The amount, exactly as it should appear in the JSON (e.g. 22.05).
    #[arg(long)]
    amount: String,
    /// PEN or USD.
    #[arg(long, default_value = "PEN")]
    currency: Currency,
    /// The payment place's operation number (default: a random 8-digit one; "" sends it empty).
    #[arg(long, value_name = "N")]
    operation_number: Option<String>,
    /// `cip.paid`, `cip.expired`, `cip.refunded` or any other string.
    #[arg(long, default_value = EVENT_PAID)]
    event_type: String,
    /// When the buyer paid, RFC 3339 (a time without offset is Lima time). Default: now, for cip.paid.
    #[arg(long, value_name = "RFC3339")]
    payment_date: Option<String>,
    /// The merchant's order reference (`transactionCode`).
    #[arg(long, value_name = "X")]
    transaction_code: Option<String>,
    /// Sign with a wrong key on purpose: the receiver must refuse it.
    #[arg(long)]
    mis_sign: bool,
    /// The signature header's name.
    #[arg(long, default_value = SIGNATURE_HEADER)]
    header_name: String,
    /// Print the body and signature, send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Give up waiting for the receiver after this many seconds.
    #[arg(long, default_value_t = 10, value_name = "S")]
    timeout_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("invalid --amount: {0}")]
    Amount(#[from] cuadre_core::AmountError),
    #[error("invalid --operation-number: {0}")]
    OperationNumber(cuadre_core::IdError),
    #[error("invalid --payment-date: {0}")]
    PaymentDate(#[from] cuadre_core::time::TimeError),
    #[error("--header-name {0:?} is not a valid HTTP header name")]
    HeaderName(String),
    #[error("environment variable {0} (from --secret-env) is not set or empty")]
    MissingSecretEnv(String),
    #[error("no signing secret on stdin")]
    MissingSecretStdin,
    #[error("could not read the secret from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("the system's random generator failed: {0}")]
    Random(String),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("could not reach {url}: {reason}")]
    Send { url: String, reason: String },
    #[error("the receiver answered {0}")]
    Refused(reqwest::StatusCode),
}

pub async fn run(args: WebhookArgs) -> Result<(), WebhookError> {
    match args.command {
        WebhookCommand::Send(a) => send(a).await,
    }
}

fn read_secret(args: &SendArgs) -> Result<String, WebhookError> {
    read_secret_from(args.secret_stdin, args.secret_env.as_deref())
}

/// A signing secret from the first line of stdin, or from the environment variable `env` (never
/// from the command line, where `ps` and shell history would keep it).
pub(crate) fn read_secret_from(stdin: bool, env: Option<&str>) -> Result<String, WebhookError> {
    if stdin {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            let mut err = std::io::stderr();
            let _ = write!(err, "signing secret (one line): ");
            let _ = err.flush();
        }
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(WebhookError::Stdin)?;
        let secret = line.trim_end_matches(['\r', '\n']).to_string();
        if secret.is_empty() {
            return Err(WebhookError::MissingSecretStdin);
        }
        return Ok(secret);
    }
    let var = env.unwrap_or_default().to_string();
    std::env::var(&var)
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingSecretEnv(var))
}

fn random_operation_number() -> Result<OperationNumber, WebhookError> {
    let mut bytes = [0u8; 4];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| WebhookError::Random(e.to_string()))?;
    let n = u32::from_be_bytes(bytes) % 90_000_000 + 10_000_000;
    OperationNumber::parse(&n.to_string()).map_err(WebhookError::OperationNumber)
}

/// The notification the flags describe, as the gateway would send it.
fn notification(args: &SendArgs, now: DateTime<Utc>) -> Result<Notification, WebhookError> {
    // Same limits and scale as the gateway (positive, 2 decimals): 22.05 stays 22.05, 150 is 150.00.
    let money = Money::new(parse_json_number(&args.amount)?, args.currency)?;
    let operation_number = match args.operation_number.as_deref() {
        None => Some(random_operation_number()?),
        Some(op) if op.trim().is_empty() => None,
        Some(op) => Some(OperationNumber::parse(op).map_err(WebhookError::OperationNumber)?),
    };
    let payment_date = match &args.payment_date {
        Some(text) => Some(parse_time(text)?),
        None if args.event_type == EVENT_PAID => Some(now),
        None => None,
    };
    Ok(Notification {
        event_type: args.event_type.clone(),
        operation_number,
        data: NotificationData {
            cip: args.cip.clone(),
            currency: money.currency(),
            amount: money.amount(),
            payment_date,
            transaction_code: args.transaction_code.clone(),
        },
    })
}

/// The signature to send: the real one, or (with `--mis-sign`) one made with a different key.
fn signature(secret: &str, body: &[u8], mis_sign: bool) -> String {
    if mis_sign {
        let wrong = format!("not-{secret}");
        sign_notification(wrong.as_bytes(), body)
    } else {
        sign_notification(secret.as_bytes(), body)
    }
}

async fn send(args: SendArgs) -> Result<(), WebhookError> {
    let header = reqwest::header::HeaderName::from_bytes(args.header_name.trim().as_bytes())
        .map_err(|_| WebhookError::HeaderName(args.header_name.clone()))?;
    let notification = notification(&args, Utc::now())?;
    let secret = read_secret(&args)?;
    let body = notification.to_body();
    let signature = signature(&secret, &body, args.mis_sign);
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let url = match (&args.url, args.dry_run) {
        (Some(url), false) => url.clone(),
        _ => {
            outln!("{body_text}");
            outln!("{}: {signature}", args.header_name.trim());
            if args.mis_sign {
                errln!("note: the signature is deliberately wrong (--mis-sign)");
            }
            return Ok(());
        }
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs.max(1)))
        // The gateway does not follow redirects: show the receiver's real answer.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| WebhookError::Client(e.to_string()))?;
    errln!(
        "POST {url}  ({} CIP {} {} {}, operation {}{})",
        notification.event_type,
        notification.data.cip,
        notification.data.currency,
        notification.data.amount,
        notification
            .operation_number
            .as_ref()
            .map(OperationNumber::as_str)
            .unwrap_or("\"\""),
        if args.mis_sign {
            ", deliberately mis-signed"
        } else {
            ""
        }
    );
    let response = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(header, &signature)
        .body(body)
        .send()
        .await
        .map_err(|e| WebhookError::Send {
            url: url.clone(),
            reason: error_chain(&e),
        })?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    outln!("{status}");
    if !text.is_empty() {
        outln!("{text}");
    }
    if status.is_success() {
        Ok(())
    } else {
        Err(WebhookError::Refused(status))
    }
}

/// reqwest's top-level message is vague ("error sending request"); the causes say why.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use cuadre_gateway::verify_notification;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        a: SendArgs,
    }

    fn args(extra: &[&str]) -> SendArgs {
        let mut argv = vec![
            "t",
            "--dry-run",
            "--secret-env",
            "X",
            "--cip",
            "11546901",
            "--amount",
            "22.05",
        ];
        argv.extend_from_slice(extra);
        T::try_parse_from(argv).unwrap().a
    }

    #[test]
    fn the_body_is_the_gateways() {
        let a = args(&["--operation-number", "1253"]);
        let now = "2026-11-25T19:32:00Z".parse().unwrap();
        let body = notification(&a, now).unwrap().to_body();
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            r#"{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901","currency":"PEN","amount":22.05,"paymentDate":"2026-11-25T14:32:00-05:00"}}"#
        );
        assert!(verify_notification(
            b"s",
            &body,
            &signature("s", &body, false)
        ));
        assert!(!verify_notification(
            b"s",
            &body,
            &signature("s", &body, true)
        ));
    }

    #[test]
    fn flags_are_checked() {
        let now = Utc::now();
        assert!(notification(&args(&[]), now)
            .unwrap()
            .operation_number
            .is_some());
        assert!(notification(&args(&["--operation-number", ""]), now)
            .unwrap()
            .operation_number
            .is_none());
        let expired = notification(&args(&["--event-type", "cip.expired"]), now).unwrap();
        assert!(expired.data.payment_date.is_none());
        let mut bad = args(&[]);
        bad.amount = "22.055".into();
        assert!(matches!(
            notification(&bad, now),
            Err(WebhookError::Amount(_))
        ));
        bad.amount = "22,05".into();
        assert!(notification(&bad, now).is_err());
        assert!(T::try_parse_from(["t", "--cip", "1", "--amount", "1"]).is_err());
        assert!(T::try_parse_from([
            "t",
            "--url",
            "http://x",
            "--secret-env",
            "X",
            "--secret-stdin",
            "--cip",
            "1",
            "--amount",
            "1"
        ])
        .is_err());
    }
}
