//! Typed configuration from the environment the template sets.
//!
//! A function reads its variables through [`Env`]: the process environment in Lambda
//! ([`ProcessEnv`]), a map when the local platform hosts several functions in one process.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Why a function could not start: its configuration, or a client it could not build.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Init(String),
}

/// Where a function's variables come from.
pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment (what Lambda sets from the template).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// A variable that is set and not blank, trimmed.
pub fn optional(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A required variable.
pub fn required(env: &dyn Env, name: &'static str) -> Result<String, ConfigError> {
    optional(env, name).ok_or(ConfigError::Missing(name))
}

/// An optional variable parsed into `T`, or `default` when unset.
pub fn parsed_or<T: std::str::FromStr>(
    env: &dyn Env,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match optional(env, name) {
        Some(v) => v.parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn blank_is_unset() {
        let env = env(&[("A", "  "), ("B", " x ")]);
        assert_eq!(required(&env, "A"), Err(ConfigError::Missing("A")));
        assert_eq!(required(&env, "B").as_deref(), Ok("x"));
        assert_eq!(required(&env, "C"), Err(ConfigError::Missing("C")));
    }

    #[test]
    fn parses_or_defaults_or_names_the_bad_variable() {
        let env = env(&[("N", " 42 "), ("BAD", "forty")]);
        assert_eq!(parsed_or(&env, "N", 7u32), Ok(42));
        assert_eq!(parsed_or(&env, "UNSET", 7u32), Ok(7));
        assert!(matches!(
            parsed_or(&env, "BAD", 7u32),
            Err(ConfigError::Invalid { name: "BAD", .. })
        ));
    }
}
