//! The handler's dependencies, all behind traits, and its typed configuration.

use std::sync::Arc;

use chrono::TimeDelta;
use chrono::{DateTime, Utc};
use cuadre_core::events::outbox::{EventStore, RetryPolicy};
use cuadre_core::store::{OnceStore, OrderStore, ReconcileStore, TenantStore};
use cuadre_lambda::config::{optional, parsed_or, ConfigError, Env};
use cuadre_lambda::secrets::SecretCache;

use crate::ports::{EventPoster, Mailer, Visibility};
use crate::retry::RetrySchedule;

cuadre_core::port_union!(
    /// What the handler reads and writes in the table.
    pub trait Store: TenantStore + OrderStore + OnceStore + EventStore + ReconcileStore
);

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Sender of buyer e-mails (`BUYER_EMAIL_FROM`); `None` turns buyer e-mails off for the stage.
    pub email_from: Option<String>,
    /// When a refused post is tried again, and for how long (72 h).
    pub delivery: RetryPolicy,
    /// How long a deliverer holds an event while it posts it (longer than the post's timeout).
    pub delivery_lease: TimeDelta,
    /// Due events one sweep delivers per tenant.
    pub sweep_limit: i32,
    /// A sweep starts no new tenant after this long (the function's timeout is 30 s).
    pub sweep_budget: std::time::Duration,
    /// Delays of a message's retry (a buyer e-mail that failed, the store not answering).
    pub retry: RetrySchedule,
    /// The queue's redrive `maxReceiveCount` (`MAX_RECEIVE_COUNT`, 5 in the template): the attempt
    /// that reaches it is not delayed, so the message moves to the DLQ at the next receive.
    pub max_receive_count: u32,
    /// How long a claim on a buyer e-mail holds before another delivery may take it over; longer
    /// than the function timeout, shorter than the queue's visibility timeout.
    pub email_lease_secs: i64,
    /// Records handled at once within a batch.
    pub concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            email_from: None,
            delivery: RetryPolicy::default(),
            delivery_lease: TimeDelta::seconds(60),
            sweep_limit: 20,
            sweep_budget: std::time::Duration::from_secs(15),
            retry: RetrySchedule::default(),
            max_receive_count: 5,
            email_lease_secs: 120,
            concurrency: 10,
        }
    }
}

impl Settings {
    /// From the environment the template sets; every variable but `BUYER_EMAIL_FROM` is optional.
    pub fn from_env(env: &dyn Env) -> Result<Settings, ConfigError> {
        let defaults = Settings::default();
        let email_from = optional(env, "BUYER_EMAIL_FROM");
        if let Some(from) = &email_from {
            if !from.contains('@') {
                return Err(ConfigError::Invalid {
                    name: "BUYER_EMAIL_FROM",
                    reason: "must be an e-mail address".into(),
                });
            }
        }
        let max_receive_count = parsed_or(env, "MAX_RECEIVE_COUNT", defaults.max_receive_count)?;
        if max_receive_count == 0 {
            return Err(ConfigError::Invalid {
                name: "MAX_RECEIVE_COUNT",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Settings {
            email_from,
            delivery: defaults.delivery,
            delivery_lease: TimeDelta::seconds(parsed_or(
                env,
                "DELIVERY_LEASE_SECS",
                defaults.delivery_lease.num_seconds(),
            )?),
            sweep_limit: parsed_or(env, "SWEEP_LIMIT", defaults.sweep_limit)?,
            sweep_budget: std::time::Duration::from_secs(parsed_or(
                env,
                "SWEEP_BUDGET_SECS",
                defaults.sweep_budget.as_secs(),
            )?),
            retry: RetrySchedule {
                first_secs: parsed_or(env, "RETRY_FIRST_DELAY_SECS", defaults.retry.first_secs)?,
                factor: parsed_or(env, "RETRY_FACTOR", defaults.retry.factor)?,
                cap_secs: defaults.retry.cap_secs,
            },
            max_receive_count,
            email_lease_secs: parsed_or(env, "BUYER_EMAIL_LEASE_SECS", defaults.email_lease_secs)?,
            concurrency: parsed_or(env, "BATCH_CONCURRENCY", defaults.concurrency)?,
        })
    }
}

/// Cheap to clone: built once per container.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub secrets: Arc<SecretCache>,
    pub poster: Arc<dyn EventPoster>,
    pub mailer: Arc<dyn Mailer>,
    pub visibility: Arc<dyn Visibility>,
    pub settings: Settings,
    pub clock: Clock,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
