//! The tenant's late-payment policy: a payment made after its code expired (`PAID_AFTER_EXPIRY`)
//! is kept as paid (`accept`, the default) or gets a refund opened for it at once (`refund`:
//! `REQUESTED`, with its `refund.updated`, for the finance person to pay out).

use cuadre_core::events::MerchantEvent;
use cuadre_core::records::sha256_hex;
use cuadre_core::refund::Refund;
use cuadre_core::settings::LatePaymentPolicy;
use cuadre_core::store::StoreError;
use cuadre_core::{Order, Payment, Tenant};

use crate::app::App;
use crate::handler::store_problem;
use cuadre_lambda::problem::Problem;

/// Who opens these refunds, as the refund records it.
const REQUESTED_BY: &str = "cuadre:late-payment-policy";

/// Opens the refund the policy asks for; its id is derived from the payment, so a repeat of the
/// follow-up opens none. The events to queue now.
pub(crate) async fn apply_policy(
    app: &App,
    tenant: &Tenant,
    order: &Order,
    payment: &Payment,
) -> Result<Vec<MerchantEvent>, Problem> {
    if tenant.late_payment_policy != LatePaymentPolicy::Refund
        || payment.amount.currency() != order.amount.currency()
    {
        return Ok(Vec::new());
    }
    let digest =
        sha256_hex(format!("late|{}|{}", payment.cip, payment.operation_number).as_bytes());
    let refund = Refund::request(
        order.tenant_id.clone(),
        order.order_id.clone(),
        format!("rf_{}", &digest[..20]),
        payment.amount,
        format!(
            "paid after the code expired (operation {}); the merchant refunds late payments",
            payment.operation_number
        ),
        REQUESTED_BY.to_string(),
        app.now(),
    );
    match app.store.request_refund(order, &refund).await {
        Ok(_) => {
            tracing::info!(tenant_id = %tenant.tenant_id, order_id = %order.order_id, operation_number = %payment.operation_number, "late payment: refund requested by the tenant's policy");
            Ok(MerchantEvent::owed_by_refund(&refund, None))
        }
        // Opened already (a repeat), or the order moved meanwhile: the exception still asks.
        Err(StoreError::Conflict(cause)) => {
            tracing::warn!(tenant_id = %tenant.tenant_id, order_id = %order.order_id, cause, "late-payment refund not opened");
            Ok(Vec::new())
        }
        Err(e) => Err(store_problem(e)),
    }
}
