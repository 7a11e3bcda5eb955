//! Routes of the payment-code API and what each does.

use chrono::{DateTime, Duration, Utc};
use cuadre_core::access::{hash_pay_token, new_pay_token, PayLink};
use cuadre_core::records::{sha256_hex, IdempotencyStatus};
use cuadre_core::store::{IdempotencyStart, StoreError};
use cuadre_core::tenants::{authenticate_merchant, AuthError};
use cuadre_core::{ExceptionStatus, IdempotencyRecord, Order, OrderId, OrderStatus, Tenant};
use cuadre_gateway::{CreateCip, Credentials, GatewayError};
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::{HeaderMap, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::App;
use crate::request::{our_field, parse_create, parse_extend, BodyError, CreateCode};

const ROUTE: &str = "/v1/payment-codes";
/// How long a merchant's link to a voucher image works.
const VOUCHER_LINK_SECS: u64 = 300;

/// Answers one API request; every failure is a problem+json response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    match route(app, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let path = req.uri().path().to_string();
    // Behind a named API stage the path carries a prefix; the route is what follows it.
    let Some(at) = path.find(ROUTE) else {
        return Err(Problem::not_found(format!("no route for {path}")));
    };
    let rest = &path[at + ROUTE.len()..];
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let (_, tenant) = authenticate_merchant(app.store.as_ref(), app.store.as_ref(), auth)
        .await
        .map_err(auth_problem)?;
    let base = public_base(app, req.headers());
    let method = req.method().clone();
    match (method, rest.trim_end_matches('/')) {
        (Method::POST, "") => create(app, &tenant, &base, req.headers(), req.body().as_ref()).await,
        (method, order) if order.starts_with('/') && !order[1..].contains('/') => {
            let order_id = decode_order_id(&order[1..])?;
            match method {
                Method::GET => get(app, &tenant, &base, &order_id).await,
                Method::PATCH => extend(app, &tenant, &base, &order_id, req.body().as_ref()).await,
                Method::DELETE => cancel(app, &tenant, &base, &order_id).await,
                other => Err(method_not_allowed(&other)),
            }
        }
        (other, "") => Err(method_not_allowed(&other)),
        _ => Err(Problem::not_found(format!("no route for {path}"))),
    }
}

fn method_not_allowed(method: &Method) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{method} is not supported here"),
    )
}

fn decode_order_id(segment: &str) -> Result<OrderId, Problem> {
    let decoded = percent_decode(segment).ok_or_else(|| Problem::not_found("no such order"))?;
    // An id that cannot exist is simply not found (never a hint about other tenants).
    OrderId::parse(&decoded).map_err(|_| Problem::not_found(format!("no order {decoded:?}")))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn public_base(app: &App, headers: &HeaderMap) -> String {
    if let Some(base) = &app.settings.public_base_url {
        return base.trim_end_matches('/').to_string();
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("https");
    format!("{proto}://{host}")
}

fn auth_problem(e: AuthError) -> Problem {
    match e {
        AuthError::Store(s) => store_problem(s),
        other => Problem::unauthorized(other.to_string()),
    }
}

fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict(_) => {
            Problem::conflict("the order changed while this request ran; read it again and retry")
                .retryable()
        }
        StoreError::IllegalTransition(t) => Problem::conflict(t.to_string()),
        StoreError::Unavailable(cause) => {
            tracing::error!(cause, "store unavailable");
            Problem::unavailable("storage is not answering; retry the same request")
        }
        other => {
            tracing::error!(error = %other, "store failure");
            Problem::internal()
        }
    }
}

fn body_problem(e: BodyError) -> Problem {
    match e {
        BodyError::Malformed(detail) => Problem::bad_request(detail),
        BodyError::Invalid(errors) => Problem::validation(errors),
    }
}

fn gateway_problem(e: GatewayError) -> Problem {
    match e {
        GatewayError::InvalidFields { fields, .. } => Problem::validation(
            fields
                .0
                .iter()
                .map(|f| FieldError::new(our_field(&f.field), format!("PagoEfectivo: {}", f.message)))
                .collect(),
        ),
        GatewayError::AmountAboveMaximum { .. } => Problem::validation(vec![FieldError::new(
            "amount",
            "is above the maximum PagoEfectivo allows for this merchant",
        )]),
        GatewayError::CredentialsRejected { .. } => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway-credentials",
            "PagoEfectivo rejected the merchant's credentials",
            "PagoEfectivo refused this merchant's idService, accessKey or secretKey; an operator must check \
             them (cuadre tenant list) before codes can be issued",
        ),
        GatewayError::Timeout(_) => Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway-timeout",
            "PagoEfectivo did not answer in time",
            "retry the same request (with the same Idempotency-Key); no code was given to the buyer",
        )
        .retryable(),
        GatewayError::Refused { message, .. } => {
            Problem::conflict(format!("PagoEfectivo refused the operation: {message}"))
        }
        GatewayError::Config(cause) => {
            tracing::error!(cause, "gateway client misconfigured");
            Problem::internal()
        }
        other => Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway-unavailable",
            "PagoEfectivo is not available",
            format!("{other}; retry the same request (with the same Idempotency-Key)"),
        )
        .retryable(),
    }
}

/// The code as the merchant sees it.
#[derive(Debug, Serialize)]
struct CodeView {
    order_id: String,
    cip: Option<String>,
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

fn view(order: &Order, base: &str) -> CodeView {
    CodeView {
        order_id: order.order_id.to_string(),
        cip: order.cip.as_ref().map(ToString::to_string),
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

fn to_json<T: Serialize>(value: &T) -> Result<Value, Problem> {
    serde_json::to_value(value).map_err(|_| Problem::internal())
}

/// What an `Idempotency-Key` replays.
#[derive(Debug, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    body: Value,
}

async fn create(
    app: &App,
    tenant: &Tenant,
    base: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let input = parse_create(body, now).map_err(body_problem)?;
    let Some(key) = idempotency_key(headers)? else {
        let (status, value) = issue(app, tenant, base, &input, now).await?;
        return Ok(json_response(status, &value));
    };
    let record = IdempotencyRecord {
        tenant_id: tenant.tenant_id.clone(),
        key: format!("payment-codes:{key}"),
        status: IdempotencyStatus::InProgress,
        payload_hash: sha256_hex(body),
        response: None,
        expires_at: (now + Duration::seconds(app.settings.idempotency_ttl_secs)).timestamp(),
        in_progress_until: (now + Duration::seconds(app.settings.lease_secs)).timestamp(),
    };
    match app
        .store
        .start(&record, now.timestamp())
        .await
        .map_err(store_problem)?
    {
        IdempotencyStart::Started => {}
        IdempotencyStart::InProgress => {
            return Err(Problem::conflict(
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )
            .retryable())
        }
        IdempotencyStart::PayloadMismatch => return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused with another body",
            "this Idempotency-Key was already used with a different request body; use a new key",
        )),
        IdempotencyStart::Completed(stored) => {
            let stored: StoredResponse =
                serde_json::from_str(&stored).map_err(|_| Problem::internal())?;
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            return Ok(json_response(status, &stored.body));
        }
    }
    match issue(app, tenant, base, &input, now).await {
        Ok((status, value)) => {
            let stored = StoredResponse {
                status: status.as_u16(),
                body: value,
            };
            let text = serde_json::to_string(&stored).map_err(|_| Problem::internal())?;
            if let Err(e) = app
                .store
                .complete(&tenant.tenant_id, &record.key, &text, record.expires_at)
                .await
            {
                // The code exists and is stored; a retry will find it through the order.
                tracing::warn!(error = %e, "could not store the idempotent response");
            }
            Ok(json_response(status, &stored.body))
        }
        Err(problem) => {
            // Like Powertools: a failed request frees its key so the client can retry it.
            if let Err(e) = app.store.abandon(&tenant.tenant_id, &record.key).await {
                tracing::warn!(error = %e, "could not release the idempotency key");
            }
            Err(problem)
        }
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 255 || key.contains('#') {
        return Err(Problem::bad_request(
            "Idempotency-Key must be 1–255 visible characters without '#'",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Issues the code for an order: the order is recorded (and claimed) before the gateway is called,
/// so a code is never created for an order we have no record of, and two requests for one order
/// never both call the gateway.
async fn issue(
    app: &App,
    tenant: &Tenant,
    base: &str,
    input: &CreateCode,
    now: DateTime<Utc>,
) -> Result<(StatusCode, Value), Problem> {
    let lease = Duration::seconds(app.settings.lease_secs);
    let existing = app
        .store
        .get_order(&tenant.tenant_id, &input.order_id)
        .await
        .map_err(store_problem)?;
    let expires_at = input.expiry.resolve(now, tenant.default_expiry_hours);
    let (claimed, fresh) = match existing {
        None => {
            let order = Order {
                tenant_id: tenant.tenant_id.clone(),
                order_id: input.order_id.clone(),
                cip: None,
                amount: input.amount,
                status: OrderStatus::Pending,
                issued_at: now,
                expires_at,
                cip_url: None,
                channel: Some(input.channel.clone()),
                concept: input.concept.clone(),
                buyer: Some(input.buyer.clone()),
                pay_token: None,
                issuing_since: Some(now),
                unknown_issue_attempts: 0,
                version: 1,
            };
            match app.store.create_order(&order).await {
                Ok(()) => (order, true),
                Err(StoreError::Conflict(_)) => return Err(being_issued()),
                Err(e) => return Err(store_problem(e)),
            }
        }
        Some(order) => {
            if order
                .issuing_since
                .is_some_and(|since| now - since <= lease)
            {
                return Err(being_issued());
            }
            if order.is_issued() {
                match order.status {
                    OrderStatus::Pending if order.expires_at > now => {
                        // One live code per order: the same order gets the same code back.
                        if order.amount != input.amount {
                            return Err(Problem::conflict(format!(
                                "order {} already has a live code for {}; cancel it before asking for another amount",
                                order.order_id, order.amount
                            )));
                        }
                        return Ok((StatusCode::OK, to_json(&view(&order, base))?));
                    }
                    OrderStatus::Paid | OrderStatus::Settled | OrderStatus::Refunded => {
                        return Err(Problem::conflict(format!(
                            "order {} is already {}; no new code is issued",
                            order.order_id, order.status
                        )))
                    }
                    // Expired or cancelled (or pending past its expiry): a new code may be issued.
                    _ => {}
                }
            }
            let claim = Order {
                issuing_since: Some(now),
                ..order.clone()
            };
            match app.store.replace_order(&order, &claim).await {
                Ok(stored) => (stored, false),
                Err(StoreError::Conflict(_)) => return Err(being_issued()),
                Err(e) => return Err(store_problem(e)),
            }
        }
    };

    let outcome = call_gateway(app, tenant, input, expires_at).await;
    match outcome {
        Ok(issued) => {
            let token = new_pay_token(rand::random());
            let link = PayLink {
                token_hash: hash_pay_token(&token),
                tenant_id: tenant.tenant_id.clone(),
                order_id: input.order_id.clone(),
                uploads_granted: 0,
            };
            app.store
                .create_pay_link(&link)
                .await
                .map_err(store_problem)?;
            // A re-issue after expiry or cancel is a new code for the same order: it starts pending.
            let next = Order {
                cip: Some(issued.cip),
                cip_url: Some(issued.cip_url),
                amount: input.amount,
                status: OrderStatus::Pending,
                issued_at: now,
                expires_at: issued.date_expiry.unwrap_or(expires_at),
                channel: Some(input.channel.clone()),
                concept: input.concept.clone(),
                buyer: Some(input.buyer.clone()),
                pay_token: Some(token),
                issuing_since: None,
                ..claimed.clone()
            };
            let stored = app
                .store
                .replace_order(&claimed, &next)
                .await
                .map_err(store_problem)?;
            tracing::info!(tenant = %tenant.tenant_id, order = %stored.order_id, "payment code issued");
            Ok((StatusCode::CREATED, to_json(&view(&stored, base))?))
        }
        Err(IssueFailure::Gateway(e)) if e.outcome_unknown() => {
            // A code may exist at the gateway that no buyer has seen; count it and free the order.
            let released = Order {
                issuing_since: None,
                unknown_issue_attempts: claimed.unknown_issue_attempts + 1,
                ..claimed.clone()
            };
            if let Err(err) = app.store.replace_order(&claimed, &released).await {
                tracing::warn!(error = %err, "could not release the order after an unknown gateway outcome");
            }
            tracing::warn!(tenant = %tenant.tenant_id, order = %claimed.order_id, error = %e, "gateway outcome unknown");
            Err(gateway_problem(e))
        }
        Err(failure) => {
            // The gateway said no (or we could not ask): nothing was issued, undo the claim.
            let undo = if fresh {
                app.store.discard_unissued_order(&claimed).await
            } else {
                let released = Order {
                    issuing_since: None,
                    ..claimed.clone()
                };
                app.store
                    .replace_order(&claimed, &released)
                    .await
                    .map(|_| ())
            };
            if let Err(err) = undo {
                tracing::warn!(error = %err, "could not undo the order claim");
            }
            Err(match failure {
                IssueFailure::Gateway(e) => gateway_problem(e),
                IssueFailure::Problem(p) => p,
            })
        }
    }
}

fn being_issued() -> Problem {
    Problem::conflict("a code for this order is being issued by another request; retry shortly")
        .retryable()
}

enum IssueFailure {
    Gateway(GatewayError),
    Problem(Problem),
}

async fn credentials(app: &App, tenant: &Tenant) -> Result<Credentials, Problem> {
    match app.secrets.get(&tenant.secret_ref).await {
        Ok(secret) => Ok(Credentials::new(
            tenant.id_service,
            tenant.access_key.clone(),
            secret,
        )),
        Err(StoreError::NotFound(_)) => Err(Problem::new(
            StatusCode::BAD_GATEWAY,
            "gateway-credentials",
            "The merchant's PagoEfectivo secret key is missing",
            "no PagoEfectivo secret key is stored for this merchant; an operator must set it",
        )),
        Err(e) => Err(store_problem(e)),
    }
}

async fn call_gateway(
    app: &App,
    tenant: &Tenant,
    input: &CreateCode,
    expires_at: DateTime<Utc>,
) -> Result<cuadre_gateway::IssuedCip, IssueFailure> {
    let creds = credentials(app, tenant)
        .await
        .map_err(IssueFailure::Problem)?;
    let mut request = CreateCip::for_buyer(input.order_id.clone(), input.amount, &input.buyer);
    request.date_expiry = Some(expires_at);
    request.payment_concept = input.concept.clone();
    app.gateway
        .create_cip(&creds, &request)
        .await
        .map_err(IssueFailure::Gateway)
}

async fn load_order(app: &App, tenant: &Tenant, order_id: &OrderId) -> Result<Order, Problem> {
    app.store
        .get_order(&tenant.tenant_id, order_id)
        .await
        .map_err(store_problem)?
        .ok_or_else(|| Problem::not_found(format!("no order {order_id}")))
}

async fn get(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
) -> Result<Response<Body>, Problem> {
    let order = load_order(app, tenant, order_id).await?;
    let t = &tenant.tenant_id;
    let payments = match &order.cip {
        Some(cip) => app
            .store
            .payments_for_cip(t, cip)
            .await
            .map_err(store_problem)?,
        None => Vec::new(),
    };
    let vouchers = app
        .store
        .vouchers_for_order(t, order_id)
        .await
        .map_err(store_problem)?;
    let exceptions = app
        .store
        .exceptions_for_order(t, order_id)
        .await
        .map_err(store_problem)?;
    let mut body = to_json(&view(&order, base))?;
    body["payments"] = Value::Array(
        payments
            .iter()
            .map(|p| {
                json!({
                    "operation_number": p.operation_number,
                    "amount": p.amount.amount_string(),
                    "currency": p.amount.currency(),
                    "paid_at": cuadre_core::time::format_lima(p.paid_at),
                    "source": p.source,
                })
            })
            .collect(),
    );
    let mut voucher_views = Vec::with_capacity(vouchers.len());
    for v in &vouchers {
        let download_url = app
            .links
            .presign_download(&v.object_key, VOUCHER_LINK_SECS)
            .await
            .map_err(store_problem)?;
        voucher_views.push(json!({
            "voucher_id": v.voucher_id,
            "uploaded_at": cuadre_core::time::format_lima(v.uploaded_at),
            "fields": v.fields,
            "warnings": v.warnings,
            "download_url": download_url,
            "download_url_expires_in": VOUCHER_LINK_SECS,
        }));
    }
    body["vouchers"] = Value::Array(voucher_views);
    body["exceptions"] = Value::Array(
        exceptions
            .iter()
            .filter(|e| e.status != ExceptionStatus::Resolved)
            .map(|e| {
                json!({
                    "exception_id": e.exception_id,
                    "kind": e.kind,
                    "status": e.status,
                    "detail": e.detail,
                    "opened_at": cuadre_core::time::format_lima(e.opened_at),
                })
            })
            .collect(),
    );
    Ok(json_response(StatusCode::OK, &body))
}

fn require_live_code(order: &Order, now: DateTime<Utc>, lease: Duration) -> Result<(), Problem> {
    if order
        .issuing_since
        .is_some_and(|since| now - since <= lease)
    {
        return Err(being_issued());
    }
    if !order.is_issued() {
        return Err(Problem::conflict(format!(
            "order {} has no code yet",
            order.order_id
        )));
    }
    Ok(())
}

async fn extend(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let expiry = parse_extend(body, now).map_err(body_problem)?;
    let order = load_order(app, tenant, order_id).await?;
    require_live_code(&order, now, Duration::seconds(app.settings.lease_secs))?;
    if !matches!(order.status, OrderStatus::Pending | OrderStatus::Expired) {
        return Err(Problem::conflict(format!(
            "order {} is {}; only a pending or expired code can be extended",
            order.order_id, order.status
        )));
    }
    let new_expiry = expiry.resolve(now, tenant.default_expiry_hours);
    let creds = credentials(app, tenant).await?;
    let Some(cip) = &order.cip else {
        return Err(Problem::internal());
    };
    app.gateway
        .extend_cip(&creds, cip, new_expiry)
        .await
        .map_err(gateway_problem)?;
    // Extending revives an expired code at the gateway; the order follows.
    let next = Order {
        expires_at: new_expiry,
        status: OrderStatus::Pending,
        ..order.clone()
    };
    let stored = app
        .store
        .replace_order(&order, &next)
        .await
        .map_err(store_problem)?;
    Ok(json_response(StatusCode::OK, &view(&stored, base)))
}

async fn cancel(
    app: &App,
    tenant: &Tenant,
    base: &str,
    order_id: &OrderId,
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let order = load_order(app, tenant, order_id).await?;
    require_live_code(&order, now, Duration::seconds(app.settings.lease_secs))?;
    if order.status != OrderStatus::Pending {
        return Err(Problem::conflict(format!(
            "order {} is {}; only a pending code can be cancelled",
            order.order_id, order.status
        )));
    }
    let creds = credentials(app, tenant).await?;
    let Some(cip) = &order.cip else {
        return Err(Problem::internal());
    };
    app.gateway
        .delete_cip(&creds, cip)
        .await
        .map_err(gateway_problem)?;
    let stored = app
        .store
        .transition_order(&order, OrderStatus::Cancelled)
        .await
        .map_err(store_problem)?;
    Ok(json_response(StatusCode::OK, &view(&stored, base)))
}
