//! `cuadre events`: the merchant's tools for the events cuadre sends them, like Stripe's CLI.
//!
//! - `trigger TYPE --url URL`: posts a correctly signed sample of any event type to an endpoint,
//!   exactly as notify-merchant would (same body shape, same headers, same signature);
//! - `listen --forward-to URL`: follows a tenant's events through the events API
//!   (`GET /v1/events`) and forwards each new one, signed, to a local server;
//! - `redrive`: moves the notifications DLQ's messages back to the queue.

mod samples;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::TenantId;
use notify_merchant::signing::{
    signature_header, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, USER_AGENT,
};

use crate::webhook::{error_chain, read_secret_from, WebhookError};

pub use samples::sample;

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Debug, Subcommand)]
enum EventsCommand {
    /// POST a signed sample event of TYPE (e.g. order.paid) to a merchant endpoint.
    Trigger(TriggerArgs),
    /// Follow a tenant's events through the events API and forward each new one, signed, to URL.
    Listen(ListenArgs),
    /// Move the merchant notifications DLQ's messages back onto the queue.
    Redrive(RedriveArgs),
}

/// Where the signing secret comes from (never the command line).
#[derive(Debug, Args)]
struct SecretSource {
    /// Environment variable holding the tenant's notification secret (what receivers verify).
    #[arg(long, value_name = "VAR", default_value = "CUADRE_NOTIFICATION_SECRET")]
    secret_env: String,
    /// Read the notification secret from the first line of stdin instead.
    #[arg(long)]
    secret_stdin: bool,
}

impl SecretSource {
    fn read(&self) -> Result<String, EventsError> {
        Ok(read_secret_from(
            self.secret_stdin,
            Some(self.secret_env.as_str()),
        )?)
    }
}

#[derive(Debug, Args)]
struct TriggerArgs {
    /// order.paid, order.expired, order.settled, order.reversed, order.refunded, refund.updated,
    /// exception.opened, exception.acknowledged or exception.resolved.
    #[arg(value_parser = parse_type)]
    event_type: EventType,
    /// The merchant's endpoint.
    #[arg(long)]
    url: String,
    /// The tenant the sample belongs to.
    #[arg(long, default_value = "sample-tenant")]
    tenant: TenantId,
    #[command(flatten)]
    secret: SecretSource,
    /// Print the body and headers instead of posting.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct ListenArgs {
    /// The merchant API's base URL (the stack's ApiUrl, or the local platform's).
    #[arg(long, env = "CUADRE_API_URL")]
    api: String,
    /// Environment variable holding the tenant's API key.
    #[arg(long, value_name = "VAR", default_value = "CUADRE_API_KEY")]
    key_env: String,
    /// The local server to forward every new event to.
    #[arg(long)]
    forward_to: String,
    #[command(flatten)]
    secret: SecretSource,
    /// Seconds between polls of the events API.
    #[arg(long, default_value_t = 2)]
    interval_secs: u64,
    /// Stop after forwarding this many events.
    #[arg(long)]
    max: Option<usize>,
    /// Stop after this many seconds.
    #[arg(long)]
    for_secs: Option<u64>,
}

#[derive(Debug, Args)]
struct RedriveArgs {
    /// The dead-letter queue.
    #[arg(long, env = "MERCHANT_NOTIFICATIONS_DLQ_URL")]
    dlq_url: String,
    /// The queue to move its messages back to.
    #[arg(long, env = "MERCHANT_NOTIFICATIONS_QUEUE_URL")]
    queue_url: String,
    /// Move at most this many messages.
    #[arg(long, default_value_t = 1000)]
    max: usize,
}

fn parse_type(text: &str) -> Result<EventType, String> {
    EventType::parse(text).ok_or_else(|| {
        let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        format!("{text:?} is not an event type: one of {}", all.join(", "))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    Secret(#[from] WebhookError),
    #[error("environment variable {0} (from --key-env) is not set or empty")]
    MissingKey(String),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("could not reach {url}: {reason}")]
    Send { url: String, reason: String },
    #[error("the endpoint answered {0}")]
    Refused(reqwest::StatusCode),
    #[error("the events API answered {status}: {body}")]
    Api {
        status: reqwest::StatusCode,
        body: String,
    },
    #[error("the events API's answer is not an event list: {0}")]
    Listing(String),
    #[error("SQS: {0}")]
    Sqs(String),
}

/// Parses `cuadre events …` from words after `events` (for tests and scripts that run the command
/// in process).
pub fn parse(words: &[&str]) -> Result<EventsArgs, clap::Error> {
    #[derive(clap::Parser)]
    struct Events {
        #[command(flatten)]
        args: EventsArgs,
    }
    let argv = std::iter::once("events").chain(words.iter().copied());
    <Events as clap::Parser>::try_parse_from(argv).map(|e| e.args)
}

pub async fn run(args: EventsArgs) -> Result<(), EventsError> {
    match args.command {
        EventsCommand::Trigger(a) => trigger(a).await,
        EventsCommand::Listen(a) => listen(a).await,
        EventsCommand::Redrive(a) => redrive(a).await,
    }
}

fn client() -> Result<reqwest::Client, EventsError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        // notify-merchant follows no redirects either.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| EventsError::Client(e.to_string()))
}

/// The headers notify-merchant sends with `body`, signed with `secret` at `now`.
pub fn signed_headers(
    event: &MerchantEvent,
    secret: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/json".to_string()),
        ("user-agent", USER_AGENT.to_string()),
        (
            SIGNATURE_HEADER,
            signature_header(&[secret], now.timestamp(), body),
        ),
        (EVENT_ID_HEADER, event.event_id.clone()),
        (EVENT_TYPE_HEADER, event.event_type.as_str().to_string()),
    ]
}

/// Posts `event` signed; the endpoint's status and body.
async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    event: &MerchantEvent,
    secret: &str,
) -> Result<(reqwest::StatusCode, String), EventsError> {
    let body = serde_json::to_vec(event).map_err(|e| EventsError::Client(e.to_string()))?;
    let mut request = client.post(url);
    for (name, value) in signed_headers(event, secret, &body, Utc::now()) {
        request = request.header(name, value);
    }
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| EventsError::Send {
            url: url.to_string(),
            reason: error_chain(&e),
        })?;
    let status = response.status();
    Ok((status, response.text().await.unwrap_or_default()))
}

async fn trigger(args: TriggerArgs) -> Result<(), EventsError> {
    let event = sample(args.event_type, &args.tenant, Utc::now());
    let secret = args.secret.read()?;
    if args.dry_run {
        let body = serde_json::to_vec_pretty(&event).unwrap_or_default();
        for (name, value) in signed_headers(&event, &secret, &body, Utc::now()) {
            outln!("{name}: {value}");
        }
        outln!("{}", String::from_utf8_lossy(&body));
        return Ok(());
    }
    errln!(
        "POST {}  ({} {})",
        args.url,
        event.event_type.as_str(),
        event.event_id
    );
    let (status, text) = post_signed(&client()?, &args.url, &event, &secret).await?;
    outln!("{status}");
    if !text.is_empty() {
        outln!("{text}");
    }
    if status.is_success() {
        Ok(())
    } else {
        Err(EventsError::Refused(status))
    }
}

/// The events created since `from` (every page of `GET /v1/events`), oldest first.
async fn events_since(
    client: &reqwest::Client,
    api: &str,
    key: &str,
    from: DateTime<Utc>,
) -> Result<Vec<MerchantEvent>, EventsError> {
    let url = format!("{}/v1/events", api.trim_end_matches('/'));
    let from = cuadre_core::time::format_lima(from);
    let mut events = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut query = vec![("from", from.clone()), ("limit", "200".to_string())];
        if let Some(token) = page.take() {
            query.push(("page", token));
        }
        let response = client
            .get(&url)
            .bearer_auth(key)
            .query(&query)
            .send()
            .await
            .map_err(|e| EventsError::Send {
                url: url.clone(),
                reason: error_chain(&e),
            })?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(EventsError::Api { status, body });
        }
        let listing: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| EventsError::Listing(e.to_string()))?;
        for item in listing["events"].as_array().into_iter().flatten() {
            let event: MerchantEvent = serde_json::from_value(item["event"].clone())
                .map_err(|e| EventsError::Listing(e.to_string()))?;
            events.push(event);
        }
        match listing["next_page"].as_str() {
            Some(token) => page = Some(token.to_string()),
            None => break,
        }
    }
    // The API lists newest first; forward in the order they happened.
    events.reverse();
    Ok(events)
}

async fn listen(args: ListenArgs) -> Result<(), EventsError> {
    let key = std::env::var(&args.key_env)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| EventsError::MissingKey(args.key_env.clone()))?;
    let secret = args.secret.read()?;
    let client = client()?;
    // Polls look back a while (an event may be stored with the time its fact occurred, a little
    // before it was written); what the first poll finds is the past, never forwarded.
    let look_back = chrono::TimeDelta::minutes(10);
    let from = Utc::now() - look_back;
    let deadline = args
        .for_secs
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut seen: HashSet<String> = events_since(&client, &args.api, &key, from)
        .await?
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    let mut forwarded = 0usize;
    errln!(
        "listening on {} for events; forwarding to {}",
        args.api,
        args.forward_to
    );
    loop {
        let from = Utc::now() - look_back;
        for event in events_since(&client, &args.api, &key, from).await? {
            if !seen.insert(event.event_id.clone()) {
                continue;
            }
            let answer = post_signed(&client, &args.forward_to, &event, &secret).await;
            match answer {
                Ok((status, _)) => outln!(
                    "{}  {}  {}  -> {}",
                    cuadre_core::time::format_lima(event.occurred_at),
                    event.event_type.as_str(),
                    event.event_id,
                    status
                ),
                // The local server may come and go: say so and go on.
                Err(e) => errln!("{} {}: {e}", event.event_type.as_str(), event.event_id),
            }
            forwarded += 1;
            if args.max.is_some_and(|max| forwarded >= max) {
                return Ok(());
            }
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(args.interval_secs.max(1))).await;
    }
}

async fn redrive(args: RedriveArgs) -> Result<(), EventsError> {
    let endpoint = cuadre_aws::AwsEndpoint::from_env();
    let config = cuadre_aws::load_sdk_config(&endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let moved = cuadre_aws::sqs::redrive(&sqs, &args.dlq_url, &args.queue_url, args.max)
        .await
        .map_err(EventsError::Sqs)?;
    outln!("moved {moved} message(s) from the DLQ back to the queue");
    Ok(())
}
