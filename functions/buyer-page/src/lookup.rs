//! From a pay link's token to its order: only the order's current code opens it, until its grace
//! after the code expires.

use cuadre_core::access::{hash_pay_token, pay_link_open};
use cuadre_core::store::StoreError;
use cuadre_core::Order;

use crate::app::App;

/// A token that cannot be ours is not worth a lookup.
fn plausible_token(token: &str) -> bool {
    token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The order the token opens, and the merchant's name.
pub(crate) async fn find_order(
    app: &App,
    token: &str,
) -> Result<Option<(Order, String)>, StoreError> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let Some(link) = app.store.find_pay_link(&hash_pay_token(token)).await? else {
        return Ok(None);
    };
    let Some(order) = app.store.get_order(&link.tenant_id, &link.order_id).await? else {
        return Ok(None);
    };
    // A link issued for an older code of the order (before a re-issue) no longer opens it, nor
    // does one whose code expired longer ago than the grace.
    if order.pay_token.as_deref() != Some(token)
        || !pay_link_open(order.expires_at, app.settings.link_grace, (app.clock)())
    {
        return Ok(None);
    }
    let merchant = app
        .store
        .get_tenant(&link.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(Some((order, merchant)))
}
