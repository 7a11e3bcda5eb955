//! `/sandbox/...`: what a test or an operator does to the simulated gateway (pay, expire,
//! reverse, faults), and the delivery of signed notifications.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use cuadre_core::ids::{Cip, OperationNumber};
use cuadre_core::money::{exact_json, Currency};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use cuadre_gateway::notification::{
    sign_notification, Notification, NotificationData, EVENT_EXPIRED, EVENT_PAID, EVENT_REFUNDED,
    SIGNATURE_HEADER,
};
use cuadre_gateway::CipStatus;

use crate::gateway::lookup_body;
use crate::{Faults, PaymentRecord, SandboxMerchant, SandboxState};

/// Why a control request could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("no CIP {0}")]
    UnknownCip(String),
    #[error("CIP {cip} is {status}: {action} needs {needs}")]
    WrongState {
        cip: String,
        status: String,
        action: &'static str,
        needs: &'static str,
    },
    #[error("merchant {0} is not registered")]
    UnknownMerchant(u32),
    #[error("bad request: {0}")]
    BadRequest(String),
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::UnknownCip(_) | ControlError::UnknownMerchant(_) => StatusCode::NOT_FOUND,
            ControlError::WrongState { .. } => StatusCode::CONFLICT,
            ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(serde_json::json!({"error": self.to_string()}))).into_response()
    }
}

/// `POST /sandbox/cips/{cip}/pay`. Every field is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayRequest {
    /// Defaults to a generated one. May be `""` (the contract allows 0–14 characters).
    #[serde(default)]
    pub operation_number: Option<String>,
    /// Defaults to the CIP's amount; a number or a string, read exactly.
    #[serde(default, deserialize_with = "exact_json::option::deserialize")]
    pub amount: Option<Decimal>,
    /// Defaults to the CIP's currency.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Defaults to now.
    #[serde(
        default,
        deserialize_with = "cuadre_core::time::serde_lima::option::deserialize"
    )]
    pub payment_date: Option<DateTime<Utc>>,
    /// Pay although the CIP is expired, deleted or already paid (a late or double payment).
    #[serde(default)]
    pub force: bool,
    /// `false` to pay without notifying (a notification that never arrives).
    #[serde(default = "yes")]
    pub notify: bool,
    /// Defaults to `cip.paid`.
    #[serde(default)]
    pub event_type: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for PayRequest {
    fn default() -> Self {
        PayRequest {
            operation_number: None,
            amount: None,
            currency: None,
            payment_date: None,
            force: false,
            notify: true,
            event_type: None,
        }
    }
}

/// How a notification went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    pub url: String,
    pub event_type: String,
    pub cip: String,
    /// 1, or 2 when the first failed (the gateway retries once only).
    pub attempts: u32,
    pub delivered: bool,
    /// HTTP status of the last attempt, if it got one.
    pub last_status: Option<u16>,
    /// Connection error of the last attempt, if any.
    pub last_error: Option<String>,
    /// The exact body posted, and its `PE-Signature`.
    pub body: String,
    pub signature: String,
}

/// The answer of a pay call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayOutcome {
    pub cip: String,
    pub operation_number: String,
    pub currency: Currency,
    #[serde(serialize_with = "cuadre_gateway::json::serialize_decimal_number")]
    pub amount: Decimal,
    #[serde(with = "cuadre_core::time::serde_lima")]
    pub payment_date: DateTime<Utc>,
    pub status: String,
    /// `None` when not notified (asked not to, or the merchant has no notification URL).
    pub notification: Option<DeliveryReport>,
}

/// `POST /sandbox/cips/{cip}/expire` and `/reverse`: both optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// Also notify the merchant (`cip.expired` / `cip.refunded` unless `eventType` says otherwise).
    #[serde(default)]
    pub notify: bool,
    #[serde(default)]
    pub event_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub cip: String,
    pub status: String,
    pub notification: Option<DeliveryReport>,
}

fn cip_number(cip: &str) -> Result<u64, ControlError> {
    cip.trim()
        .parse::<u64>()
        .map_err(|_| ControlError::UnknownCip(cip.to_string()))
}

/// The CIP numbered `n` (asked for as `cip`), brought up to date at `now`.
fn fresh_cip<'a>(
    cips: &'a mut std::collections::BTreeMap<u64, crate::CipRecord>,
    n: u64,
    cip: &str,
    now: DateTime<Utc>,
) -> Result<&'a mut crate::CipRecord, ControlError> {
    let rec = cips
        .get_mut(&n)
        .ok_or_else(|| ControlError::UnknownCip(cip.to_string()))?;
    rec.refresh(now);
    Ok(rec)
}

fn wrong_state(
    cip: &str,
    status: &CipStatus,
    action: &'static str,
    needs: &'static str,
) -> ControlError {
    ControlError::WrongState {
        cip: cip.to_string(),
        status: status.as_gateway_text().to_string(),
        action,
        needs,
    }
}

/// What a status change accepts, and the event it notifies unless told otherwise.
struct StatusRule {
    action: &'static str,
    needs: &'static str,
    allowed: fn(&CipStatus) -> bool,
    default_event: &'static str,
}

/// What to post and where, prepared under the lock and sent after it.
struct Outgoing {
    url: String,
    secret: String,
    notification: Notification,
}

impl SandboxState {
    /// Pays a CIP at a simulated agent and notifies the merchant (retrying once on failure).
    pub async fn pay(&self, cip: &str, req: PayRequest) -> Result<PayOutcome, ControlError> {
        let n = cip_number(cip)?;
        if let Some(op) = &req.operation_number {
            if op.chars().count() > 14 {
                return Err(ControlError::BadRequest(
                    "operationNumber is at most 14 characters".to_string(),
                ));
            }
        }
        let now = Utc::now();
        let (mut outcome, outgoing) = {
            let mut data = self.data();
            let op = match req.operation_number.clone() {
                Some(op) => op,
                None => {
                    let next = data.next_operation;
                    data.next_operation += 1;
                    format!("{next:08}")
                }
            };
            let rec = fresh_cip(&mut data.cips, n, cip, now)?;
            if rec.status != CipStatus::Pending && !req.force {
                return Err(wrong_state(cip, &rec.status, "pay", "Pendiente (or force)"));
            }
            let amount = req.amount.unwrap_or(rec.amount);
            let currency = req.currency.unwrap_or(rec.currency);
            let payment_date = req.payment_date.unwrap_or(now);
            rec.status = CipStatus::Paid;
            rec.payments.push(PaymentRecord {
                operation_number: op.clone(),
                currency,
                amount,
                payment_date,
                reversed: false,
            });
            let notification = Notification {
                event_type: req
                    .event_type
                    .clone()
                    .unwrap_or_else(|| EVENT_PAID.to_string()),
                operation_number: OperationNumber::parse(&op).ok(),
                data: NotificationData {
                    cip: Cip::parse(&rec.cip.to_string())
                        .map_err(|e| ControlError::BadRequest(e.to_string()))?,
                    currency,
                    amount,
                    payment_date: Some(payment_date),
                    transaction_code: Some(rec.transaction_code.clone()),
                },
            };
            let id_service = rec.id_service;
            let outcome = PayOutcome {
                cip: rec.cip.to_string(),
                operation_number: op,
                currency,
                amount,
                payment_date,
                status: rec.status.as_gateway_text().to_string(),
                notification: None,
            };
            let outgoing = outgoing_for(&data.merchants, id_service, notification, req.notify);
            (outcome, outgoing)
        };
        if let Some(out) = outgoing {
            outcome.notification = Some(self.deliver(out).await);
        }
        Ok(outcome)
    }

    /// Expires a pending CIP now.
    pub async fn expire(
        &self,
        cip: &str,
        req: StatusChangeRequest,
    ) -> Result<StatusChange, ControlError> {
        let rule = StatusRule {
            action: "expire",
            needs: "Pendiente",
            allowed: |status| matches!(status, CipStatus::Pending | CipStatus::Expired),
            default_event: EVENT_EXPIRED,
        };
        self.change_status(cip, req, rule, |rec, now| {
            rec.status = CipStatus::Expired;
            rec.date_expiry = rec.date_expiry.min(now);
            None
        })
        .await
    }

    /// Puts a paid CIP back to pending, as a bank reversal did in older APIs.
    pub async fn reverse(
        &self,
        cip: &str,
        req: StatusChangeRequest,
    ) -> Result<StatusChange, ControlError> {
        let rule = StatusRule {
            action: "reverse",
            needs: "Cancelado (paid)",
            allowed: |status| *status == CipStatus::Paid,
            default_event: EVENT_REFUNDED,
        };
        self.change_status(cip, req, rule, |rec, now| {
            let op = rec
                .payments
                .iter_mut()
                .rev()
                .find(|p| !p.reversed)
                .map(|p| {
                    p.reversed = true;
                    p.operation_number.clone()
                });
            rec.status = CipStatus::Pending;
            rec.refresh(now);
            op
        })
        .await
    }

    /// The common path of expire and reverse: check the CIP's state, `apply` the change (which
    /// answers the operation number to notify, if any), then notify the merchant if asked.
    async fn change_status(
        &self,
        cip: &str,
        req: StatusChangeRequest,
        rule: StatusRule,
        apply: impl FnOnce(&mut crate::CipRecord, DateTime<Utc>) -> Option<String>,
    ) -> Result<StatusChange, ControlError> {
        let n = cip_number(cip)?;
        let now = Utc::now();
        let (change, outgoing) = {
            let mut data = self.data();
            let rec = fresh_cip(&mut data.cips, n, cip, now)?;
            if !(rule.allowed)(&rec.status) {
                return Err(wrong_state(cip, &rec.status, rule.action, rule.needs));
            }
            let op = apply(rec, now);
            let notification = status_notification(
                rec,
                req.event_type
                    .unwrap_or_else(|| rule.default_event.to_string()),
                op,
            )?;
            let change = StatusChange {
                cip: rec.cip.to_string(),
                status: rec.status.as_gateway_text().to_string(),
                notification: None,
            };
            let id_service = rec.id_service;
            (
                change,
                outgoing_for(&data.merchants, id_service, notification, req.notify),
            )
        };
        Ok(self.finish(change, outgoing).await)
    }

    async fn finish(&self, mut change: StatusChange, outgoing: Option<Outgoing>) -> StatusChange {
        if let Some(out) = outgoing {
            change.notification = Some(self.deliver(out).await);
        }
        change
    }

    /// Posts the signed body; on a non-2xx or a connection error, tries exactly once more.
    async fn deliver(&self, out: Outgoing) -> DeliveryReport {
        let body = out.notification.to_body();
        let signature = sign_notification(out.secret.as_bytes(), &body);
        let mut report = DeliveryReport {
            url: out.url.clone(),
            event_type: out.notification.event_type.clone(),
            cip: out.notification.data.cip.to_string(),
            attempts: 0,
            delivered: false,
            last_status: None,
            last_error: None,
            body: String::from_utf8_lossy(&body).into_owned(),
            signature: signature.clone(),
        };
        for attempt in 1..=2u32 {
            if attempt > 1 {
                tokio::time::sleep(self.inner.config.notification_retry_delay).await;
            }
            report.attempts = attempt;
            self.data().stats.notification_attempts += 1;
            let sent = self
                .inner
                .http
                .post(&out.url)
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(resp) => {
                    report.last_status = Some(resp.status().as_u16());
                    report.last_error = None;
                    if resp.status().is_success() {
                        report.delivered = true;
                        break;
                    }
                }
                Err(e) => {
                    report.last_status = None;
                    report.last_error = Some(e.without_url().to_string());
                }
            }
        }
        tracing::info!(
            cip = %report.cip,
            event_type = %report.event_type,
            attempts = report.attempts,
            delivered = report.delivered,
            "sandbox notification sent"
        );
        self.data().deliveries.push(report.clone());
        report
    }
}

fn status_notification(
    rec: &crate::CipRecord,
    event_type: String,
    operation_number: Option<String>,
) -> Result<Notification, ControlError> {
    Ok(Notification {
        event_type,
        operation_number: operation_number.and_then(|op| OperationNumber::parse(&op).ok()),
        data: NotificationData {
            cip: Cip::parse(&rec.cip.to_string())
                .map_err(|e| ControlError::BadRequest(e.to_string()))?,
            currency: rec.currency,
            amount: rec.amount,
            payment_date: None,
            transaction_code: Some(rec.transaction_code.clone()),
        },
    })
}

fn outgoing_for(
    merchants: &std::collections::BTreeMap<u32, SandboxMerchant>,
    id_service: u32,
    notification: Notification,
    notify: bool,
) -> Option<Outgoing> {
    if !notify {
        return None;
    }
    let merchant = merchants.get(&id_service)?;
    Some(Outgoing {
        url: merchant.notification_url.clone()?,
        secret: merchant.secret_key.clone(),
        notification,
    })
}

/// An optional JSON body: empty means the defaults.
fn optional_body<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ControlError::BadRequest(e.to_string()))
}

/// The answer as JSON, or the error's response.
fn json_or_error<T: Serialize>(result: Result<T, ControlError>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

// ---------- handlers ----------

pub(super) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub(super) async fn register_merchant(State(state): State<SandboxState>, body: Bytes) -> Response {
    match serde_json::from_slice::<SandboxMerchant>(&body) {
        Ok(m) => {
            let id = m.id_service;
            state.register_merchant(m);
            (
                StatusCode::CREATED,
                Json(serde_json::json!({"idService": id})),
            )
                .into_response()
        }
        Err(e) => ControlError::BadRequest(e.to_string()).into_response(),
    }
}

pub(super) async fn stats(State(state): State<SandboxState>) -> Response {
    Json(state.stats()).into_response()
}

pub(super) async fn get_faults(State(state): State<SandboxState>) -> Response {
    Json(state.faults()).into_response()
}

pub(super) async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    json_or_error(optional_body::<Faults>(&body).inspect(|f| state.set_faults(f.clone())))
}

pub(super) async fn clear_faults(State(state): State<SandboxState>) -> Response {
    state.set_faults(Faults::default());
    Json(Faults::default()).into_response()
}

pub(super) async fn revoke_tokens(State(state): State<SandboxState>) -> Response {
    let n = state.revoke_tokens();
    Json(serde_json::json!({"revoked": n})).into_response()
}

/// `POST /sandbox/settings`: `{"tokenLifetimeSecs": N}` for tokens issued from now on.
pub(super) async fn settings(State(state): State<SandboxState>, body: Bytes) -> Response {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Settings {
        token_lifetime_secs: Option<u64>,
    }
    json_or_error(optional_body::<Settings>(&body).map(|s| {
        if let Some(secs) = s.token_lifetime_secs {
            state.set_token_lifetime(std::time::Duration::from_secs(secs));
        }
        let secs = state.data().token_lifetime.as_secs();
        serde_json::json!({"tokenLifetimeSecs": secs})
    }))
}

pub(super) async fn notifications(State(state): State<SandboxState>) -> Response {
    Json(state.deliveries()).into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CipView {
    id_service: u32,
    #[serde(flatten)]
    lookup: crate::gateway::LookupBody,
    cip_url: String,
    user_email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_concept: Option<String>,
    #[serde(with = "cuadre_core::time::serde_lima")]
    created_at: DateTime<Utc>,
    payments: Vec<PaymentRecord>,
}

fn view(rec: &crate::CipRecord, base: &str) -> CipView {
    CipView {
        id_service: rec.id_service,
        lookup: lookup_body(rec),
        cip_url: format!("{base}/cip/{}.html", rec.guid),
        user_email: rec.user_email.clone(),
        payment_concept: rec.payment_concept.clone(),
        created_at: rec.created_at,
        payments: rec.payments.clone(),
    }
}

pub(super) async fn list_cips(State(state): State<SandboxState>) -> Response {
    let base = state.public_url();
    let now = Utc::now();
    let mut data = state.data();
    let views: Vec<CipView> = data
        .cips
        .values_mut()
        .map(|rec| {
            rec.refresh(now);
            view(rec, &base)
        })
        .collect();
    drop(data);
    Json(views).into_response()
}

pub(super) async fn get_cip(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
) -> Response {
    let base = state.public_url();
    let now = Utc::now();
    let found = cip_number(&cip).and_then(|n| {
        let mut data = state.data();
        fresh_cip(&mut data.cips, n, &cip, now).map(|rec| view(rec, &base))
    });
    json_or_error(found)
}

pub(super) async fn pay(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    body: Bytes,
) -> Response {
    json_or_error(async { state.pay(&cip, optional_body(&body)?).await }.await)
}

pub(super) async fn expire(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    body: Bytes,
) -> Response {
    json_or_error(async { state.expire(&cip, optional_body(&body)?).await }.await)
}

pub(super) async fn reverse(
    State(state): State<SandboxState>,
    Path(cip): Path<String>,
    body: Bytes,
) -> Response {
    json_or_error(async { state.reverse(&cip, optional_body(&body)?).await }.await)
}
