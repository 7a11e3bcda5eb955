//! Who is calling: the merchant behind the request's API key.

use cuadre_core::access::ApiKeyRecord;
use cuadre_core::Tenant;
use cuadre_lambda::http::merchant;
use cuadre_lambda::problem::Problem;
use lambda_http::Request;

use crate::app::App;

/// The tenant and the API key it used.
pub(crate) struct Caller {
    pub tenant: Tenant,
    pub key: ApiKeyRecord,
}

impl Caller {
    /// The merchant behind the request's `Authorization: Bearer …` key.
    pub async fn of(app: &App, req: &Request) -> Result<Caller, Problem> {
        let (key, tenant) = merchant(req, app.store.as_ref(), app.store.as_ref()).await?;
        Ok(Caller { tenant, key })
    }

    /// Who did something when the request does not say: the API key's public id.
    pub fn default_actor(&self) -> String {
        format!("api-key:{}", self.key.key_id)
    }
}
