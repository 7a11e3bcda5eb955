//! `Schedule` events: the function is invoked every interval (from `rate(...)`, or the
//! `--schedule-every` speed-up) with the payload EventBridge sends: the `Scheduled Event`, or the
//! event's `Input` when the template sets one. The first tick comes one interval after start, as
//! with a new EventBridge rule.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;

use crate::registry::ScheduleHandler;
use crate::template::{ACCOUNT_ID, REGION};

#[derive(Clone)]
pub struct Ticker {
    pub binary: String,
    /// `arn:aws:events:...:rule/<Function>-<Event>` (the event's `resources`).
    pub rule: String,
    pub interval: Duration,
    pub input: Option<String>,
    pub timeout: Duration,
    pub handler: ScheduleHandler,
}

/// The `Scheduled Event` EventBridge sends a rule's target.
pub fn scheduled_event(rule_arn: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": REGION,
        "resources": [rule_arn],
        "detail": {},
    })
}

impl Ticker {
    pub fn rule_arn(function_logical_id: &str, event: &str) -> String {
        format!("arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function_logical_id}-{event}")
    }

    /// The payload of one invocation.
    pub fn payload(&self) -> Value {
        match &self.input {
            Some(input) => serde_json::from_str(input).unwrap_or_else(|_| json!(input)),
            None => scheduled_event(&self.rule, chrono::Utc::now()),
        }
    }

    /// Invokes once (its own task, the function's timeout).
    pub async fn tick(&self) -> Result<(), String> {
        let task = tokio::spawn(tokio::time::timeout(
            self.timeout,
            (self.handler)(self.payload()),
        ));
        match task.await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(format!("timed out after {} s", self.timeout.as_secs())),
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut interval =
            tokio::time::interval_at(tokio::time::Instant::now() + self.interval, self.interval);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = shutdown.changed() => return,
            }
            match self.tick().await {
                Ok(()) => tracing::info!(binary = self.binary, "scheduled invocation done"),
                Err(e) => tracing::error!(
                    binary = self.binary,
                    error = e,
                    "scheduled invocation failed"
                ),
            }
        }
    }
}

/// `30s`, `5m`, `1h`, `250ms`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 5m or 1h"))?;
    let d = match unit.trim() {
        "" | "s" | "sec" | "secs" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" | "min" | "mins" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (use ms, s, m or h)"
            ))
        }
    };
    if d.is_zero() {
        return Err("the interval must be more than zero".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn the_scheduled_event_reads_as_an_eventbridge_event() {
        let event = scheduled_event(&Ticker::rule_arn("F", "Tick"), chrono::Utc::now());
        let parsed: aws_lambda_events::event::eventbridge::EventBridgeEvent =
            serde_json::from_value(event).unwrap();
        assert_eq!(parsed.detail_type, "Scheduled Event");
        assert_eq!(parsed.source, "aws.events");
    }

    #[tokio::test]
    async fn ticks_with_the_input_when_set() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handler: ScheduleHandler = std::sync::Arc::new(move |payload| {
            let tx = tx.clone();
            Box::pin(async move { tx.send(payload).map_err(|e| e.to_string()) })
        });
        let ticker = Ticker {
            binary: "t".into(),
            rule: Ticker::rule_arn("F", "Tick"),
            interval: Duration::from_millis(20),
            input: Some(r#"{"window": "last"}"#.into()),
            timeout: Duration::from_secs(1),
            handler,
        };
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(ticker.run(shutdown));
        let first = tokio::time::timeout(Duration::from_secs(2), rx.recv())
            .await
            .unwrap();
        assert_eq!(first, Some(json!({"window": "last"})));
        let _second = tokio::time::timeout(Duration::from_secs(2), rx.recv())
            .await
            .unwrap();
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .unwrap()
            .unwrap();
    }
}
