//! The buyers' chapters: the voucher of the lost-notice payment, uploaded through its pay page,
//! then reused on another order.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::plan::{LOST_NOTICE, REUSED_VOUCHER};
use super::support::{cip_of, eventually, order, read_order, send, until_order};
use super::Story;

/// The agent's receipt as the buyer photographs it.
pub(super) fn render_voucher(cip: &str, amount: &str, operation: &str) -> Result<Vec<u8>, String> {
    let now = cuadre_core::time::format_lima(Utc::now());
    let date = format!(
        "{}/{}/{} {}",
        &now[8..10],
        &now[5..7],
        &now[0..4],
        &now[11..16]
    );
    cuadre_ocr::render::voucher_png(&[
        "AGENTE KASNET - PAGOEFECTIVO",
        &format!("CODIGO CIP: {cip}"),
        &format!("IMPORTE: S/ {amount}"),
        &format!("NRO. OPERACION: {operation}"),
        &format!("FECHA: {date}"),
    ])
    .map_err(|e| e.to_string())
}

/// A buyer uploads `png` through the order's pay page (`POST /pay/{token}/uploads`, then a PUT
/// to the presigned link) and the merchant sees the voucher read; returns the voucher's fields.
async fn upload_through_page(s: &Story, index: usize, png: &[u8]) -> Result<Value, String> {
    let pay_url = order(s, index)?
        .pay_url
        .clone()
        .ok_or("the order has no pay link")?;
    let url = format!("{pay_url}/uploads");
    let (status, link) = send(s.http.post(&url).json(&json!({
        "content_type": "image/png",
        "content_length": png.len(),
        "checksum_sha256": STANDARD.encode(Sha256::digest(png)),
    })))
    .await?;
    if status != 201 && status != 200 {
        return Err(format!("POST {url}: HTTP {status}: {link}"));
    }
    let put_url = link["url"]
        .as_str()
        .ok_or(format!("no upload url: {link}"))?;
    let mut put = s.http.put(put_url).body(png.to_vec());
    if let Some(headers) = link["headers"].as_object() {
        for (name, value) in headers {
            put = put.header(name, value.as_str().unwrap_or_default());
        }
    }
    let response = put.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("PUT of the voucher: HTTP {}", response.status()));
    }
    let voucher_id = link["voucher_id"].as_str().unwrap_or_default().to_string();
    eventually(
        &format!("voucher {voucher_id} read by voucher-ocr"),
        Duration::from_secs(60),
        || async {
            let body = read_order(s, index).await?;
            Ok(body["vouchers"].as_array().and_then(|all| {
                all.iter()
                    .find(|v| v["voucher_id"] == voucher_id.as_str())
                    .map(|v| v["fields"].clone())
            }))
        },
    )
    .await
}

pub(super) async fn upload_voucher(s: &mut Story) -> Result<String, String> {
    let png = s.voucher.clone().ok_or("no voucher was rendered")?;
    let fields = upload_through_page(s, LOST_NOTICE, &png).await?;
    let cip = cip_of(s, LOST_NOTICE)?;
    if fields["cip"] != cip.as_str() {
        return Err(format!("OCR read CIP {} instead of {cip}", fields["cip"]));
    }
    Ok(format!(
        "{} KB PNG read by Tesseract: CIP {}, S/ {}, operation {}",
        png.len() / 1024,
        fields["cip"].as_str().unwrap_or("?"),
        fields["amount"].as_str().unwrap_or("?"),
        fields["operation_number"].as_str().unwrap_or("?")
    ))
}

pub(super) async fn reuse_voucher(s: &mut Story) -> Result<String, String> {
    let png = s.voucher.clone().ok_or("no voucher was rendered")?;
    upload_through_page(s, REUSED_VOUCHER, &png).await?;
    until_order(s, REUSED_VOUCHER, "PENDING", Some("DUPLICATE_VOUCHER")).await?;
    Ok(format!(
        "the same image on order {}: DUPLICATE_VOUCHER raised at upload",
        order(s, REUSED_VOUCHER)?.order_id
    ))
}
