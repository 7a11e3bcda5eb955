//! A loopback simulator of PagoEfectivo's CIP API, for local runs and tests.
//!
//! It speaks the contract of `docs/pagoefectivo.md` (authorization with `hashString`, bearer
//! tokens, field validation with `111`/`112`/`113`, `511`, CIP numbers and pages, search, extend,
//! delete) and adds control endpoints under `/sandbox/...` to pay, expire and reverse codes,
//! and to inject faults. Paying posts the signed notification to the merchant's URL, retrying
//! once like the real gateway.
//!
//! Its own crate so that the functions deployed to Lambda, which link `cuadre-gateway`'s client,
//! do not carry the simulator and its HTTP server; they use it as a dev-dependency only.

mod config;
mod control;
mod gateway;
mod state;

use std::net::SocketAddr;

use tokio::net::TcpListener;

pub use config::{RunningSandbox, SandboxBuilder, SandboxConfig, SandboxMerchant};
pub use control::{
    ControlError, DeliveryReport, PayOutcome, PayRequest, StatusChange, StatusChangeRequest,
};
pub(crate) use state::{CipRecord, PaymentRecord, TokenRecord};
pub use state::{Faults, SandboxState, SandboxStats};

/// Serves the sandbox on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, state: SandboxState) -> std::io::Result<()> {
    serve_until(listener, state, std::future::pending()).await
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve_until(
    listener: TcpListener,
    state: SandboxState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    {
        let mut data = state.data();
        if data.public_url.is_none() {
            data.public_url = Some(format!("http://{addr}"));
        }
    }
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// What `cuadre sandbox` runs: binds `addr`, serves until Ctrl-C.
pub async fn run_sandbox(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let state = SandboxState::new(config);
    tracing::info!(url = %format!("http://{bound}"), "PagoEfectivo sandbox listening");
    serve_until(listener, state, async {
        // If the signal cannot be installed, keep serving until the process is killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await
}

/// Every route: the gateway's contract plus `/sandbox/...` controls.
pub fn router(state: SandboxState) -> axum::Router {
    use axum::routing::{get, patch, post};
    axum::Router::new()
        .route("/v1/authorizations", post(gateway::authorize))
        .route("/v1/cips", post(gateway::create_cip))
        .route("/v1/cips/search", post(gateway::search_cips))
        .route(
            "/v1/cips/{cip}",
            patch(gateway::extend_cip).delete(gateway::delete_cip),
        )
        .route("/cip/{page}", get(gateway::cip_page))
        .route("/sandbox/health", get(control::health))
        .route("/sandbox/merchants", post(control::register_merchant))
        .route("/sandbox/stats", get(control::stats))
        .route(
            "/sandbox/faults",
            get(control::get_faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route("/sandbox/tokens/revoke", post(control::revoke_tokens))
        .route("/sandbox/settings", post(control::settings))
        .route("/sandbox/notifications", get(control::notifications))
        .route("/sandbox/cips", get(control::list_cips))
        .route("/sandbox/cips/{cip}", get(control::get_cip))
        .route("/sandbox/cips/{cip}/pay", post(control::pay))
        .route("/sandbox/cips/{cip}/expire", post(control::expire))
        .route("/sandbox/cips/{cip}/reverse", post(control::reverse))
        .with_state(state)
}
