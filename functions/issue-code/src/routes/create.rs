//! `POST /v1/payment-codes`: the request is read, then (with an `Idempotency-Key`) answered at
//! most once per key ([`cuadre_lambda::idempotency`]); [`super::issue`] issues the code.

use cuadre_core::Tenant;
use cuadre_lambda::idempotency::{Idempotency, Lifetimes};
use cuadre_lambda::problem::Problem;
use lambda_http::http::HeaderMap;
use lambda_http::{Body, Response};

use super::issue::issue;
use crate::app::App;
use crate::problems;
use crate::request::parse_create;

pub(super) async fn create(
    app: &App,
    tenant: &Tenant,
    base: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response<Body>, Problem> {
    let now = app.now();
    let input = parse_create(body, now).map_err(problems::body)?;
    let idempotency = Idempotency {
        store: app.store.as_ref(),
        tenant_id: &tenant.tenant_id,
        scope: "payment-codes".into(),
        lifetimes: Lifetimes {
            ttl_secs: app.settings.idempotency_ttl_secs,
            lease_secs: app.settings.lease_secs,
        },
    };
    idempotency
        .answer(headers, body, now.timestamp(), || {
            issue(app, tenant, base, &input, now)
        })
        .await
}
