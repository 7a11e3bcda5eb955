//! What the steps share: the merchant's credentials, HTTP calls to the platform, waiting for an
//! order to change.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::{DemoOrder, Story};

pub(super) fn bearer(s: &Story) -> Result<String, String> {
    s.api_key
        .as_ref()
        .map(|k| format!("Bearer {k}"))
        .ok_or_else(|| "no API key yet".to_string())
}

pub(super) fn tenant(s: &Story) -> Result<String, String> {
    s.tenant_id
        .clone()
        .ok_or_else(|| "no tenant yet".to_string())
}

pub(super) async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

pub(super) fn order(s: &Story, index: usize) -> Result<&DemoOrder, String> {
    s.orders
        .get(index)
        .ok_or_else(|| format!("order #{} was not issued", index + 1))
}

pub(super) fn cip_of(s: &Story, index: usize) -> Result<String, String> {
    order(s, index)?
        .cip
        .clone()
        .ok_or_else(|| format!("order #{} has no CIP", index + 1))
}

/// Polls `check` every 250 ms until it gives `Some`, or fails naming `what` after `limit`.
pub(super) async fn eventually<T, F, Fut>(
    what: &str,
    limit: Duration,
    mut check: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, String>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(found) = check().await? {
            return Ok(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("{what}: not seen within {} s", limit.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `GET /v1/payment-codes/{order_id}` as the merchant.
pub(super) async fn read_order(s: &Story, index: usize) -> Result<Value, String> {
    let order = order(s, index)?;
    let url = format!(
        "{}/v1/payment-codes/{}",
        s.local.platform.url, order.order_id
    );
    let (status, body) = send(s.http.get(&url).header("authorization", bearer(s)?)).await?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}: {body}"));
    }
    Ok(body)
}

pub(super) fn exception_kinds(order: &Value) -> Vec<String> {
    order["exceptions"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the order has `status` (and, when given, an exception of `kind`).
pub(super) async fn until_order(
    s: &Story,
    index: usize,
    status: &str,
    kind: Option<&str>,
) -> Result<Value, String> {
    let what = format!(
        "order #{} {status}{}",
        index + 1,
        kind.map(|k| format!(" with {k}")).unwrap_or_default()
    );
    eventually(&what, Duration::from_secs(30), || async {
        let body = read_order(s, index).await?;
        let has_kind = kind.is_none_or(|k| exception_kinds(&body).iter().any(|e| e == k));
        Ok((body["status"] == status && has_kind).then_some(body))
    })
    .await
}
