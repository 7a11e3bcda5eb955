//! The payment code as the merchant sees it.

use chrono::{DateTime, Utc};
use cuadre_core::{Order, OrderStatus};
use serde::Serialize;

/// The code as the merchant sees it.
#[derive(Debug, Serialize)]
pub(crate) struct CodeView {
    order_id: String,
    cip: Option<String>,
    /// Codes the order had before its current one (or the gateway made for it unrecorded).
    earlier_cips: Vec<String>,
    cip_url: Option<String>,
    amount: String,
    currency: String,
    #[serde(with = "cuadre_core::time::serde_lima")]
    expires_at: DateTime<Utc>,
    status: OrderStatus,
    pay_url: Option<String>,
    channel: Option<String>,
    concept: Option<String>,
    #[serde(with = "cuadre_core::time::serde_lima")]
    issued_at: DateTime<Utc>,
}

pub(crate) fn view(order: &Order, base: &str) -> CodeView {
    CodeView {
        order_id: order.order_id.to_string(),
        cip: order.cip.as_ref().map(ToString::to_string),
        earlier_cips: order.earlier_cips.iter().map(ToString::to_string).collect(),
        cip_url: order.cip_url.clone(),
        amount: order.amount.amount_string(),
        currency: order.amount.currency().to_string(),
        expires_at: order.expires_at,
        status: order.status,
        pay_url: order.pay_token.as_ref().map(|t| format!("{base}/pay/{t}")),
        channel: order.channel.clone(),
        concept: order.concept.clone(),
        issued_at: order.issued_at,
    }
}
