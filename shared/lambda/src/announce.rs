//! The fast path of the event outbox: events already stored by the write that owes them are
//! queued for delivery now. A failure here loses nothing (the sweeper delivers what is due), so it
//! is logged, never returned.

use cuadre_core::events::{MerchantEvent, MerchantEventSink};

/// Queues `events` (already in the outbox); says whether the queue took them.
pub async fn announce(sink: &dyn MerchantEventSink, events: &[MerchantEvent]) -> bool {
    if events.is_empty() {
        return true;
    }
    match sink.send(events).await {
        Ok(()) => true,
        Err(e) => {
            for event in events {
                tracing::warn!(
                    tenant_id = %event.tenant_id,
                    event_id = %event.event_id,
                    error = %e,
                    "could not queue the event; the outbox sweeper will deliver it"
                );
            }
            false
        }
    }
}
