//! The gateway's chapters: the sandbox pays codes at agents, on time, short, late, and once
//! without the notification ever arriving.

use serde_json::{json, Value};

use super::plan::{LATE, LOST_NOTICE, ON_TIME, SHORT};
use super::support::{cip_of, order, read_order, send, until_order};
use super::vouchers::render_voucher;
use super::{Story, PLAN};

/// The sandbox pays `cip` (`POST /sandbox/cips/{cip}/pay`), as a buyer at an agent would.
async fn sandbox_pay(s: &Story, cip: &str, request: Value) -> Result<Value, String> {
    let url = format!("{}/sandbox/cips/{cip}/pay", s.local.sandbox_url);
    let (status, body) = send(s.http.post(&url).json(&request)).await?;
    if status != 200 {
        return Err(format!("POST {url}: HTTP {status}: {body}"));
    }
    if request["notify"] != false && body["notification"]["delivered"] != true {
        return Err(format!(
            "the gateway's notification was not accepted: {body}"
        ));
    }
    Ok(body)
}

fn notified(paid: &Value) -> String {
    match paid["notification"]["lastStatus"].as_u64() {
        Some(code) => format!("notification answered HTTP {code}"),
        None => "not notified".into(),
    }
}

pub(super) async fn pay_on_time(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, ON_TIME)?;
    let paid = sandbox_pay(s, &cip, json!({})).await?;
    until_order(s, ON_TIME, "PAID", None).await?;
    Ok(format!(
        "CIP {cip} paid S/ {}, {}; the order is PAID",
        PLAN[ON_TIME].amount,
        notified(&paid)
    ))
}

pub(super) async fn pay_short(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, SHORT)?;
    let paid = sandbox_pay(s, &cip, json!({"amount": "80.00"})).await?;
    until_order(s, SHORT, "PAID", Some("AMOUNT_MISMATCH")).await?;
    Ok(format!(
        "CIP {cip} paid S/ 80.00 of S/ {}, {}; AMOUNT_MISMATCH raised at once",
        PLAN[SHORT].amount,
        notified(&paid)
    ))
}

pub(super) async fn pay_late(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, LATE)?;
    let expires_at = order(s, LATE)?
        .expires_at
        .ok_or("no expiry on the late order")?;
    let paid_at = expires_at + chrono::Duration::minutes(20);
    let paid = sandbox_pay(
        s,
        &cip,
        json!({"paymentDate": cuadre_core::time::format_lima(paid_at), "force": true}),
    )
    .await?;
    until_order(s, LATE, "PAID", None).await?;
    Ok(format!(
        "CIP {cip} paid at {}, 20 min after it expired; {}",
        cuadre_core::time::format_lima(paid_at),
        notified(&paid)
    ))
}

/// Paid at an agent, but the gateway's notification never arrives: cuadre still says PENDING.
pub(super) async fn pay_without_notice(s: &mut Story) -> Result<String, String> {
    let cip = cip_of(s, LOST_NOTICE)?;
    let operation = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let paid = sandbox_pay(
        s,
        &cip,
        json!({"operationNumber": operation, "notify": false}),
    )
    .await?;
    s.unnotified = Some((
        operation.clone(),
        paid["paymentDate"].as_str().unwrap_or_default().to_string(),
    ));
    let body = read_order(s, LOST_NOTICE).await?;
    if body["status"] != "PENDING" {
        return Err(format!(
            "the order should still be PENDING (no notification): {}",
            body["status"]
        ));
    }
    s.voucher = Some(render_voucher(&cip, PLAN[LOST_NOTICE].amount, &operation)?);
    Ok(format!(
        "CIP {cip} paid at an agent (operation {operation}), no notification: still PENDING"
    ))
}
