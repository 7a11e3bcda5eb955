//! `cuadre sandbox`: the PagoEfectivo simulator on loopback, until Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use cuadre_gateway_sandbox::{serve_until, SandboxConfig, SandboxMerchant, SandboxState};
use tokio::net::TcpListener;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8091")]
    addr: SocketAddr,
    /// Register one merchant at start: its idService.
    #[arg(
        long,
        value_name = "N",
        requires_all = ["merchant_access_key", "merchant_secret_key_env"]
    )]
    merchant_id_service: Option<u32>,
    /// The merchant's access key.
    #[arg(long, value_name = "K", requires = "merchant_id_service")]
    merchant_access_key: Option<String>,
    /// Name of the environment variable holding the merchant's secret key.
    #[arg(long, value_name = "VAR", requires = "merchant_id_service")]
    merchant_secret_key_env: Option<String>,
    /// Where the sandbox posts the merchant's payment notifications.
    #[arg(long, value_name = "URL", requires = "merchant_id_service")]
    merchant_notification_url: Option<String>,
    /// Lifetime of issued tokens in seconds (the gateway's is 7200).
    #[arg(long, value_name = "S")]
    token_lifetime_secs: Option<u64>,
    /// URL that `cipUrl` pages are served under (default: http://<bound address>).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("environment variable {0} (from --merchant-secret-key-env) is not set or empty")]
    MissingSecret(String),
    #[error("--token-lifetime-secs must be at least 1")]
    ZeroTokenLifetime,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the sandbox stopped: {0}")]
    Serve(std::io::Error),
}

fn config(args: &SandboxArgs) -> Result<SandboxConfig, SandboxError> {
    let mut config = SandboxConfig {
        public_url: args
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_string()),
        ..SandboxConfig::default()
    };
    if let Some(secs) = args.token_lifetime_secs {
        if secs == 0 {
            return Err(SandboxError::ZeroTokenLifetime);
        }
        config.token_lifetime = Duration::from_secs(secs);
    }
    if let (Some(id_service), Some(access_key), Some(var)) = (
        args.merchant_id_service,
        &args.merchant_access_key,
        &args.merchant_secret_key_env,
    ) {
        let secret = std::env::var(var)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| SandboxError::MissingSecret(var.clone()))?;
        let mut merchant = SandboxMerchant::new(id_service, access_key.clone(), secret);
        merchant.notification_url = args.merchant_notification_url.clone();
        config.merchants.push(merchant);
    }
    Ok(config)
}

pub async fn run(args: SandboxArgs) -> Result<(), SandboxError> {
    let config = config(&args)?;
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: args.addr,
            source,
        })?;
    let bound = listener.local_addr().map_err(SandboxError::Serve)?;
    let url = format!("http://{bound}");
    print_banner(&url, &args);
    let state = SandboxState::new(config);
    serve_until(listener, state, async {
        // If the signal cannot be installed, serve until the process is killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await
    .map_err(SandboxError::Serve)?;
    outln!("PagoEfectivo sandbox stopped.");
    Ok(())
}

fn print_banner(url: &str, args: &SandboxArgs) {
    outln!("PagoEfectivo sandbox listening on {url}  (Ctrl-C stops it)");
    outln!();
    outln!("Point cuadre at it:  export PAGOEFECTIVO_BASE_URL={url}");
    if let Some(id) = args.merchant_id_service {
        outln!(
            "Merchant registered: idService {id}{}",
            args.merchant_notification_url
                .as_deref()
                .map(|u| format!(", notifications to {u}"))
                .unwrap_or_default()
        );
    }
    outln!();
    outln!("Register a merchant (as often as needed; same idService replaces it):");
    outln!("  curl -sS -X POST {url}/sandbox/merchants -H 'Content-Type: application/json' \\");
    outln!("    -d '{{\"idService\": 1234, \"accessKey\": \"<access key>\", \"secretKey\": \"<secret key>\",");
    outln!("         \"notificationUrl\": \"http://127.0.0.1:3000/notifications\"}}'");
    outln!("  optional: \"maxAmount\" (above it, CIP creation answers 511), \"codeService\"");
    outln!();
    outln!("Gateway contract (paths under {url}):");
    for (method, path, what) in GATEWAY_ROUTES {
        outln!("  {method:<7}{path:<26}{what}");
    }
    outln!("Controls:");
    for (method, path, what) in CONTROL_ROUTES {
        outln!("  {method:<16}{path:<30}{what}");
    }
}

const GATEWAY_ROUTES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/v1/authorizations",
        "token (accessKey, idService, dateRequest, hashString)",
    ),
    ("POST", "/v1/cips", "create a CIP"),
    ("POST", "/v1/cips/search", "search CIPs"),
    ("PATCH", "/v1/cips/{cip}", "extend a CIP"),
    ("DELETE", "/v1/cips/{cip}", "delete a CIP"),
    ("GET", "/cip/{page}", "the CIP's payment page"),
];

const CONTROL_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/sandbox/health", "liveness"),
    ("POST", "/sandbox/merchants", "register a merchant (see above)"),
    ("GET", "/sandbox/stats", "counters"),
    ("GET", "/sandbox/cips", "every CIP"),
    ("GET", "/sandbox/cips/{cip}", "one CIP"),
    (
        "POST",
        "/sandbox/cips/{cip}/pay",
        "pay and notify; optional body: operationNumber, amount, currency, paymentDate, force, notify, eventType",
    ),
    ("POST", "/sandbox/cips/{cip}/expire", "expire; optional body: {\"notify\": true}"),
    ("POST", "/sandbox/cips/{cip}/reverse", "reverse a payment; optional body: {\"notify\": true}"),
    ("GET", "/sandbox/notifications", "every notification delivery, with body and signature"),
    (
        "GET|POST|DELETE",
        "/sandbox/faults",
        "faults: failNextCreates, delayNextCreates + delayMs, rejectNextAuthorizations",
    ),
    ("POST", "/sandbox/tokens/revoke", "invalidate every issued token"),
    ("POST", "/sandbox/settings", "{\"tokenLifetimeSecs\": N}"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        a: SandboxArgs,
    }

    #[test]
    fn a_merchant_needs_its_keys() {
        assert!(T::try_parse_from(["t", "--merchant-id-service", "1"]).is_err());
        assert!(T::try_parse_from(["t", "--merchant-access-key", "k"]).is_err());
        let t = T::try_parse_from(["t", "--token-lifetime-secs", "5"]).unwrap();
        let c = config(&t.a).unwrap();
        assert_eq!(c.token_lifetime, Duration::from_secs(5));
        assert!(c.merchants.is_empty());
        let t = T::try_parse_from([
            "t",
            "--merchant-id-service",
            "1",
            "--merchant-access-key",
            "k",
            "--merchant-secret-key-env",
            "CUADRE_TEST_SURELY_UNSET_VAR",
        ])
        .unwrap();
        assert!(matches!(config(&t.a), Err(SandboxError::MissingSecret(_))));
    }
}
