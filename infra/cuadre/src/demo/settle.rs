//! The closing chapters: the settlement file arrives, reconciliation runs, the merchant reads
//! it all back.

use std::time::Duration;

use chrono::Utc;

use super::plan::{LOST_NOTICE, ON_TIME, REPORT_FILES};
use super::support::{bearer, cip_of, eventually, exception_kinds, read_order, send, tenant};
use super::{OpenException, Story, PLAN};

/// PagoEfectivo's settlement of the on-time and the lost-notice payments lands in the reports
/// bucket under `settlements/{tenant}/` (where the bank-file drop puts it in AWS).
pub(super) async fn settlement_arrives(s: &mut Story) -> Result<String, String> {
    let tenant = tenant(s)?;
    let mut lines = Vec::new();
    for index in [ON_TIME, LOST_NOTICE] {
        let body = read_order(s, index).await?;
        let cip = cip_of(s, index)?;
        let (operation, paid_at) = match body["payments"].as_array().and_then(|p| p.first()) {
            Some(p) => (
                p["operation_number"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["paid_at"].as_str().unwrap_or_default().to_string(),
            ),
            // Not known to cuadre (the lost notice): the gateway's settlement has it all the same.
            None => s.unnotified.clone().unwrap_or_default(),
        };
        if operation.is_empty() || paid_at.is_empty() {
            return Err(format!("no payment of CIP {cip} to settle"));
        }
        let gross: rust_decimal::Decimal =
            PLAN[index].amount.parse().map_err(|e| format!("{e}"))?;
        // PagoEfectivo's commission: 3.5 % + S/ 1.00, to the cent.
        let fee =
            (gross * rust_decimal::Decimal::new(35, 3) + rust_decimal::Decimal::ONE).round_dp(2);
        let settled_at = cuadre_core::time::format_lima(Utc::now());
        lines.push(format!(
            "LIQ-DEMO-1,{cip},{operation},{gross},{fee},{},PEN,{paid_at},{settled_at}",
            gross - fee
        ));
    }
    let name = format!(
        "liquidacion-{}.csv",
        cuadre_core::time::lima_date(Utc::now())
    );
    let address = s.local.put_settlement_file(&tenant, &name, &lines).await?;
    Ok(format!("{} lines in {address}", lines.len()))
}

/// The operator runs reconciliation as of one hour after the codes' expiry: the scheduled
/// function with the event's `time` set, as `aws lambda invoke` would.
pub(super) async fn reconcile(s: &mut Story) -> Result<String, String> {
    let latest_expiry = s
        .orders
        .iter()
        .filter_map(|o| o.expires_at)
        .max()
        .ok_or("no order has an expiry")?;
    let as_of = latest_expiry + chrono::Duration::hours(1);
    s.as_of = Some(as_of);
    let tenant = tenant(s)?;
    s.local.reconcile_tenant(&tenant, as_of).await?;
    let day = cuadre_core::time::lima_date(as_of);
    let url = format!("{}/v1/reports/{day}", s.local.platform.url);
    let auth = bearer(s)?;
    let report = eventually(
        "the reconciliation report",
        Duration::from_secs(120),
        || async {
            let (status, body) = send(s.http.get(&url).header("authorization", &auth)).await?;
            let names: Vec<&str> = body["files"]
                .as_array()
                .map(|files| files.iter().filter_map(|f| f["name"].as_str()).collect())
                .unwrap_or_default();
            let complete = REPORT_FILES.iter().all(|f| names.contains(f));
            Ok((status == 200 && complete).then_some(body))
        },
    )
    .await?;
    s.report_link_secs = report["files"][0]["download_url_expires_in"].as_u64();
    let bucket = s
        .local
        .aws
        .env
        .vars
        .get("REPORTS_BUCKET")
        .cloned()
        .unwrap_or_default();
    s.report_files = report["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f["name"].as_str())
                .map(|name| {
                    (
                        name.to_string(),
                        format!("s3://{bucket}/reports/{tenant}/{day}/{name}"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(format!(
        "as of {}: report of {day} written ({} files)",
        cuadre_core::time::format_lima(as_of),
        s.report_files.len()
    ))
}

/// The merchant reads every order and the open exceptions back through the API.
pub(super) async fn read_back(s: &mut Story) -> Result<String, String> {
    for index in 0..s.orders.len() {
        let body = read_order(s, index).await?;
        let order = &mut s.orders[index];
        order.status = body["status"].as_str().map(str::to_string);
        order.exceptions = exception_kinds(&body);
    }
    let auth = bearer(s)?;
    let mut page: Option<String> = None;
    s.open_exceptions.clear();
    loop {
        let mut url = format!(
            "{}/v1/exceptions?status=OPEN&limit=100",
            s.local.platform.url
        );
        if let Some(p) = &page {
            url.push_str(&format!("&page={p}"));
        }
        let (status, body) = send(s.http.get(&url).header("authorization", &auth)).await?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}: {body}"));
        }
        for e in body["exceptions"].as_array().into_iter().flatten() {
            s.open_exceptions.push(OpenException {
                kind: e["kind"].as_str().unwrap_or("?").to_string(),
                order_id: e["order_id"].as_str().unwrap_or("-").to_string(),
                detail: e["detail"].as_str().unwrap_or_default().to_string(),
            });
        }
        match body["next_page"].as_str() {
            Some(next) => page = Some(next.to_string()),
            None => break,
        }
    }
    s.open_exceptions
        .sort_by(|a, b| (&a.order_id, &a.kind).cmp(&(&b.order_id, &b.kind)));
    Ok(format!(
        "{} orders, {} open exceptions",
        s.orders.len(),
        s.open_exceptions.len()
    ))
}
