//! Deliveries to the handler as the gateway makes them, and what a test reads back: shared by the
//! webhook's test files (not the bench).

use cuadre_core::events::MerchantEvent;
use cuadre_core::store::ExceptionStore;
use gateway_webhook::handle;
use lambda_http::http::StatusCode;
use lambda_http::Request;
use serde_json::Value;

use crate::support::{sign, Harness, SECRET_KEY};

/// The events' types, each with its exception kind when it has one (`exception.opened:KIND`), sorted.
pub fn event_types(events: &[MerchantEvent]) -> Vec<String> {
    let mut types: Vec<String> = events
        .iter()
        .map(|e| {
            let what = e.data["kind"]
                .as_str()
                .map(|k| format!(":{k}"))
                .unwrap_or_default();
            format!("{}{what}", e.event_type.as_str())
        })
        .collect();
    types.sort();
    types
}

impl Harness {
    /// Delivers a notification signed with the tenant's key, as the gateway does.
    pub async fn deliver(&self, body: &str) -> (StatusCode, Value) {
        let sig = sign(SECRET_KEY, body.as_bytes());
        self.send(self.request(body.as_bytes(), &[("PE-Signature", &sig)]))
            .await
    }

    pub async fn send(&self, req: Request) -> (StatusCode, Value) {
        let response = handle(&self.app, req).await;
        let (status, body) = cuadre_testing::http::json_reply(&response);
        if !(status.is_client_error() || status.is_server_error()) {
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "{body}"
            );
        }
        (status, body)
    }

    /// Every event handed to the queue for this tenant so far (recorded on the way to SQS, so the
    /// count is exact whatever other tests do with the shared queue).
    pub fn sent(&self) -> Vec<MerchantEvent> {
        self.events.sent()
    }

    /// The ids of the order's exceptions, sorted.
    pub async fn exception_ids(&self, order: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .store
            .exceptions_for_order(
                &self.tenant.tenant_id,
                &cuadre_core::OrderId::parse(order).unwrap(),
            )
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.exception_id)
            .collect();
        ids.sort();
        ids
    }
}
