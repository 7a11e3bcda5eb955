//! Secrets fetched lazily, once per warm container, and kept a few minutes so a rotation lands.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cuadre_core::store::{SecretStore, StoreError};

pub struct SecretCache {
    store: Arc<dyn SecretStore>,
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, String)>>,
}

impl SecretCache {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        SecretCache {
            store,
            ttl: Duration::from_secs(300),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The secret's value; `NotFound` when no such secret exists.
    pub async fn get(&self, name: &str) -> Result<String, StoreError> {
        if let Some(value) = self.cached(name) {
            return Ok(value);
        }
        let value = self
            .store
            .get_secret(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("secret {name}")))?;
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(name.to_string(), (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    fn cached(&self, name: &str) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        let (at, value) = entries.get(name)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }
}
