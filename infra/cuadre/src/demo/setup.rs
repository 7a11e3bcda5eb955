//! The first chapters: the operator onboards the merchant, the merchant issues a code per
//! order, a buyer opens a pay page.

use std::process::Stdio;

use cuadre_core::peru::ruc_check_digit;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use super::plan::ON_TIME;
use super::support::{bearer, order, send};
use super::{DemoOrder, Story, PLAN};

/// The operator onboards the sandbox merchant with `cuadre tenant create` (this very binary) and
/// the merchant points the gateway's notifications at cuadre's webhook URL.
pub(super) async fn onboard(s: &mut Story) -> Result<String, String> {
    let tenant_id = format!(
        "demo-{}-{:04x}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        rand::random::<u16>()
    );
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the cuadre binary: {e}"))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args([
        "tenant",
        "create",
        "--id",
        &tenant_id,
        "--name",
        "Bodega Demo SAC",
        "--ruc",
        &demo_ruc(),
        "--id-service",
        &s.merchant.id_service.to_string(),
        "--access-key",
        &s.merchant.access_key,
        "--secret-key-stdin",
        "--json",
    ]);
    cmd.env_remove("PAGOEFECTIVO_SECRET_KEY");
    for (name, value) in &s.local.aws.env.vars {
        cmd.env(name, value);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run cuadre tenant create: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{}\n", s.merchant.secret_key).as_bytes())
            .await
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().await.map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "cuadre tenant create exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let created: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cuadre tenant create --json printed no JSON: {e}"))?;
    let key = created["api_key"]["api_key"]
        .as_str()
        .ok_or("no api_key in the output of tenant create")?;
    s.api_key = Some(key.to_string());
    s.tenant_id = Some(tenant_id.clone());
    let notifications = s
        .local
        .notify_tenant(&tenant_id)
        .ok_or("the template has no gateway-webhook route for the sandbox to notify")?;
    Ok(format!(
        "tenant {tenant_id}, API key {}…, gateway notifies {notifications}",
        key.chars().take(12).collect::<String>()
    ))
}

/// A valid RUC (SUNAT check digit) for the demo merchant.
fn demo_ruc() -> String {
    let seed = chrono::Utc::now().timestamp_subsec_nanos() % 100_000_000;
    let first = format!("20{seed:08}");
    let mut digits = [0u8; 10];
    for (d, b) in digits.iter_mut().zip(first.bytes()) {
        *d = b - b'0';
    }
    format!("{first}{}", ruc_check_digit(&digits))
}

/// The POST body of a payment code. The amount goes out as a JSON number with exactly the
/// plan's digits (never through a float).
#[derive(Serialize)]
struct IssueRequest<'a> {
    order_id: &'a str,
    amount: &'a RawValue,
    currency: &'a str,
    channel: &'a str,
    concept: String,
    buyer: Value,
    expires_in_hours: u32,
}

/// The merchant issues a code per order through the public API (one request replayed with the
/// same Idempotency-Key must give back the same code).
pub(super) async fn issue_codes(s: &mut Story) -> Result<String, String> {
    let auth = bearer(s)?;
    let url = format!("{}/v1/payment-codes", s.local.platform.url);
    let run_id = chrono::Utc::now().format("%H%M%S").to_string();
    for (i, plan) in PLAN.iter().enumerate() {
        let order_id = format!("DEMO-{run_id}-{}", i + 1);
        let amount = RawValue::from_string(plan.amount.to_string()).map_err(|e| e.to_string())?;
        let body = IssueRequest {
            order_id: &order_id,
            amount: &amount,
            currency: "PEN",
            channel: "api",
            concept: format!("Pedido {}", i + 1),
            buyer: json!({"email": format!("comprador{}@example.pe", i + 1), "name": "Ana",
                          "last_name": "Quispe", "phone": "987654321", "phone_country_code": "+51",
                          "document_type": "DNI", "document_number": "45678912"}),
            expires_in_hours: 48,
        };
        let request = || {
            s.http
                .post(&url)
                .header("authorization", &auth)
                .header("idempotency-key", format!("demo-{order_id}"))
                .json(&body)
        };
        let (status, created) = send(request()).await?;
        if status != 201 {
            return Err(format!(
                "POST {url} for {order_id}: HTTP {status}: {created}"
            ));
        }
        let cip = created["cip"]
            .as_str()
            .ok_or(format!("no CIP for {order_id}: {created}"))?;
        let pay_url = created["pay_url"]
            .as_str()
            .ok_or(format!("no pay_url for {order_id}: {created}"))?;
        if !pay_url.starts_with(&format!("{}/pay/", s.local.platform.url)) {
            return Err(format!(
                "the pay link {pay_url} is not on the platform's host"
            ));
        }
        if i == 0 {
            let (again, replay) = send(request()).await?;
            if again != 201 || replay["cip"] != created["cip"] {
                return Err(format!(
                    "replaying the request with the same Idempotency-Key gave HTTP {again}: {replay}"
                ));
            }
        }
        let expires_at = created["expires_at"]
            .as_str()
            .map(cuadre_core::time::parse)
            .transpose()
            .map_err(|e| format!("expires_at of {order_id}: {e}"))?;
        s.orders.push(DemoOrder {
            order_id,
            plan: *plan,
            cip: Some(cip.to_string()),
            pay_url: Some(pay_url.to_string()),
            expires_at,
            status: created["status"].as_str().map(str::to_string),
            exceptions: Vec::new(),
        });
    }
    Ok(format!(
        "{} codes, 48 h each (CIPs {}); a replay with the same Idempotency-Key gave the same code",
        s.orders.len(),
        s.orders
            .iter()
            .filter_map(|o| o.cip.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The amount as the pay page shows it: `S/ 1,250.50`.
fn page_amount(amount: &str) -> String {
    let plain = amount.trim_start_matches("S/ ");
    let (int, frac) = plain.split_once('.').unwrap_or((plain, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("S/ {grouped}.{frac}")
}

/// A buyer opens the first order's pay link: the page shows the code and the amount.
pub(super) async fn open_buyer_page(s: &mut Story) -> Result<String, String> {
    let order = order(s, ON_TIME)?;
    let url = order.pay_url.clone().ok_or("the order has no pay link")?;
    let response = s.http.get(&url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let cip = order.cip.clone().unwrap_or_default();
    let amount = page_amount(order.plan.amount);
    if !html.contains(&cip) || !html.contains(&amount) {
        return Err(format!(
            "the page at {url} does not show CIP {cip} and {amount}"
        ));
    }
    Ok(format!("{url} shows CIP {cip} and {amount}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_the_page_shows_them() {
        assert_eq!(page_amount("S/ 1250.50"), "S/ 1,250.50");
        assert_eq!(page_amount("89.90"), "S/ 89.90");
        assert_eq!(page_amount("S/ 1234567.00"), "S/ 1,234,567.00");
    }

    #[test]
    fn demo_rucs_are_valid() {
        for _ in 0..20 {
            cuadre_core::Ruc::parse(&demo_ruc()).unwrap();
        }
    }
}
