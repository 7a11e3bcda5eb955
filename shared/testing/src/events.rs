//! Merchant events on their way to the queue, recorded, so a test counts exactly what a function
//! sent whatever other tests do with the shared notifications queue.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cuadre_core::events::{EventSinkError, MerchantEvent, MerchantEventSink};

/// Passes events on to `inner` and keeps a copy of each batch it delivered; refuses sends while
/// failures are set ([`RecordingEvents::fail_next`]), as a queue that is down would.
pub struct RecordingEvents {
    inner: Arc<dyn MerchantEventSink>,
    failures: AtomicU32,
    sent: Mutex<Vec<MerchantEvent>>,
}

impl RecordingEvents {
    pub fn new(inner: Arc<dyn MerchantEventSink>) -> RecordingEvents {
        RecordingEvents {
            inner,
            failures: AtomicU32::new(0),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// The next `n` sends fail before reaching the queue.
    pub fn fail_next(&self, n: u32) {
        self.failures.store(n, Ordering::SeqCst);
    }

    /// Every event delivered so far, in order.
    pub fn sent(&self) -> Vec<MerchantEvent> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait]
impl MerchantEventSink for RecordingEvents {
    async fn send(&self, events: &[MerchantEvent]) -> Result<(), EventSinkError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(EventSinkError("the queue is down (test)".into()));
        }
        self.inner.send(events).await?;
        self.sent.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}
