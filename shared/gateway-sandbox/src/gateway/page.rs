//! `GET /cip/{guid}.html`: the page a `cipUrl` points at.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;

use crate::SandboxState;

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub(crate) async fn cip_page(
    State(state): State<SandboxState>,
    Path(page): Path<String>,
) -> Response {
    let Some(guid) = page.strip_suffix(".html") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = Utc::now();
    let mut data = state.data();
    let Some(n) = data.guids.get(guid).copied() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(rec) = data.cips.get_mut(&n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    rec.refresh(now);
    let money = cuadre_core::money::Money::new(rec.amount, rec.currency)
        .map(|m| m.to_string())
        .unwrap_or_else(|_| format!("{} {}", rec.currency, rec.amount));
    let html = format!(
        "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"><title>CIP {cip}</title></head>\n\
         <body><h1>Código de pago (CIP): <span id=\"cip\">{cip}</span></h1>\n\
         <p>Monto: <span id=\"amount\">{money}</span></p>\n\
         <p>Concepto: {concept}</p>\n\
         <p>Vence: <span id=\"dateExpiry\">{expiry}</span></p>\n\
         <p>Estado: <span id=\"status\">{status}</span></p>\n\
         <p>Paga en agentes y agencias autorizadas o por banca móvil indicando el código.</p>\n\
         <p><small>PagoEfectivo sandbox de cuadre: no es un código real.</small></p></body></html>\n",
        cip = rec.cip,
        money = escape(&money),
        concept = escape(rec.payment_concept.as_deref().unwrap_or("")),
        expiry = cuadre_core::time::format_lima(rec.date_expiry),
        status = rec.status.as_gateway_text(),
    );
    drop(data);
    Html(html).into_response()
}
