//! The merchant's own settings: `GET`/`PATCH /v1/tenant`, and
//! `POST /v1/tenant/notification-secret/rotate`. The rules are `cuadre_core::settings`'s, the same
//! the operator CLI applies.

use cuadre_core::settings::{SettingsError, SettingsPatch, SettingsView, SECRET_OVERLAP};
use cuadre_core::tenants::{rotate_notification_secret, update_settings, TenantError};
use cuadre_lambda::http::to_json;
use cuadre_lambda::problem::{json_response, FieldError, Problem};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;

use crate::app::App;
use crate::caller::Caller;

pub(crate) async fn read(caller: &Caller) -> Result<Response<Body>, Problem> {
    Ok(json_response(
        StatusCode::OK,
        &to_json(&SettingsView::of(&caller.tenant))?,
    ))
}

/// A JSON merge patch of the settings; a concurrent change is a 409 (read, then patch again).
pub(crate) async fn update(
    app: &App,
    caller: &Caller,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let patch = SettingsPatch::from_json(body).map_err(invalid)?;
    let tenant = update_settings(app.store.as_ref(), &caller.tenant.tenant_id, &patch)
        .await
        .map_err(problem)?;
    tracing::info!(tenant_id = %tenant.tenant_id, version = tenant.version, "settings updated");
    Ok(json_response(
        StatusCode::OK,
        &to_json(&SettingsView::of(&tenant))?,
    ))
}

/// A new notification secret, shown once; the old one keeps signing beside it for the overlap.
pub(crate) async fn rotate_secret(app: &App, caller: &Caller) -> Result<Response<Body>, Problem> {
    let (tenant, secret) = rotate_notification_secret(
        app.store.as_ref(),
        app.secrets.as_ref(),
        &app.secrets_prefix,
        &caller.tenant.tenant_id,
        rand::random(),
        app.now(),
    )
    .await
    .map_err(problem)?;
    tracing::info!(tenant_id = %tenant.tenant_id, "notification secret rotated");
    let until = tenant
        .previous_notification_secret
        .as_ref()
        .map(|p| p.until);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "notification_secret": secret,
            "previous_secret_signs_until": until.map(cuadre_core::time::format_lima),
            "overlap_hours": SECRET_OVERLAP.num_hours(),
            "tenant": to_json(&SettingsView::of(&tenant))?,
        }),
    ))
}

fn invalid(e: SettingsError) -> Problem {
    Problem::validation(vec![FieldError::new(e.field, e.reason)])
}

fn problem(error: TenantError) -> Problem {
    match error {
        TenantError::Setting(e) => invalid(e),
        TenantError::Invalid(detail) => Problem::bad_request(detail),
        TenantError::Unknown(_) => Problem::not_found("no such merchant"),
        TenantError::AlreadyExists(_) => Problem::internal(),
        TenantError::Store(e) => Problem::from_store(e, "merchant settings"),
    }
}
