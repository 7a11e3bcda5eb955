//! The merchant's PagoEfectivo credentials: its tenant record and its secret key.

use cuadre_core::store::StoreError;
use cuadre_core::Tenant;
use cuadre_gateway::Credentials;
use cuadre_lambda::problem::Problem;
use lambda_http::http::StatusCode;

use crate::app::App;
use crate::problems;

pub(crate) async fn credentials(app: &App, tenant: &Tenant) -> Result<Credentials, Problem> {
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
        Err(e) => Err(problems::store(e)),
    }
}
