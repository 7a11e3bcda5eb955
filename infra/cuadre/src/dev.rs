//! `cuadre dev`: the whole of cuadre in one local process, until Ctrl-C.
//!
//! `infra/local-aws up` (the AWS emulator with the template's tables, buckets and queues), the
//! PagoEfectivo sandbox on its own port with a merchant registered, and the local platform
//! (`cuadre-platform`) serving the template's routes with the functions' own handlers, polling
//! their queues and ticking their schedules. Ctrl-C stops what it started (the emulator too, when
//! this command started it).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use cuadre_gateway_sandbox::{serve_until, SandboxConfig, SandboxMerchant, SandboxState};
use cuadre_platform::local_aws::{find_repo, LocalAws, LocalAwsError};
use cuadre_platform::schedule::parse_duration;
use cuadre_platform::template::TemplateError;
use cuadre_platform::{
    register_functions, BoundPlatform, PlatformConfig, PlatformError, Registry, RunningPlatform,
    Template,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The sandbox merchant `cuadre dev` registers unless told otherwise. Sandbox-only credentials:
/// they mean nothing to the real gateway.
pub const DEMO_MERCHANT: &str = "1234:cuadre-demo-access-key:cuadre-demo-secret-key";

/// The tenant id the banner suggests; the sandbox's notifications go to its webhook URL.
pub const DEV_TENANT: &str = "demo";

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Port of the API and the buyer pages (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Port of the PagoEfectivo sandbox (0 picks a free one).
    #[arg(long, default_value_t = 8091)]
    sandbox_port: u16,
    /// Run every scheduled function at this interval instead of its rate(...), e.g. 30s or 2m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    schedule_every: Option<Duration>,
    /// Merchant registered in the sandbox at start, as IDSERVICE:ACCESSKEY:SECRETKEY
    /// (sandbox-only credentials; onboard the same ones with `cuadre tenant create`).
    #[arg(long, value_name = "ID:ACCESS:SECRET", default_value = DEMO_MERCHANT, value_parser = parse_merchant)]
    sandbox_merchant: MerchantSpec,
    /// Register no merchant in the sandbox.
    #[arg(long)]
    no_sandbox_merchant: bool,
    /// The SAM template to run (default: the repository's template.yaml).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
}

/// A sandbox merchant's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantSpec {
    pub id_service: u32,
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for MerchantSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantSpec")
            .field("id_service", &self.id_service)
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

pub fn parse_merchant(text: &str) -> Result<MerchantSpec, String> {
    let mut parts = text.splitn(3, ':');
    let (Some(id), Some(access), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected IDSERVICE:ACCESSKEY:SECRETKEY".into());
    };
    let id_service = id
        .trim()
        .parse()
        .map_err(|_| format!("idService {id:?} is not a number"))?;
    if access.trim().is_empty() || secret.trim().is_empty() {
        return Err("the access key and the secret key must not be empty".into());
    }
    Ok(MerchantSpec {
        id_service,
        access_key: access.trim().to_string(),
        secret_key: secret.trim().to_string(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error("no repository found (a folder with template.yaml and infra/local-aws) above {0}")]
    NoRepo(String),
    #[error(transparent)]
    LocalAws(#[from] LocalAwsError),
    #[error("{path}: {source}")]
    Template { path: String, source: TemplateError },
    #[error("cannot listen on {addr} for the sandbox: {source}")]
    SandboxBind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Build(#[from] cuadre_platform::BuildError),
}

/// What `start` needs.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub port: u16,
    pub sandbox_port: u16,
    pub schedule_every: Option<Duration>,
    pub merchant: Option<MerchantSpec>,
    pub template: Option<PathBuf>,
}

/// Everything `start` started.
pub struct Local {
    pub template_path: PathBuf,
    pub aws: LocalAws,
    pub platform: RunningPlatform,
    pub sandbox_url: String,
    pub merchant: Option<MerchantSpec>,
    /// The gateway-webhook route, with `{tenant_id}` still in it: where the sandbox posts a
    /// merchant's payment notifications once [`Local::notify_tenant`] names the tenant.
    pub notification_url: Option<String>,
    pub sandbox: SandboxState,
    sandbox_stop: oneshot::Sender<()>,
    sandbox_task: JoinHandle<std::io::Result<()>>,
}

/// The repository this command works in: the current directory's, else the one it was built in.
pub fn repo() -> Result<PathBuf, DevError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    find_repo(&cwd)
        .or_else(|| find_repo(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .ok_or_else(|| DevError::NoRepo(cwd.display().to_string()))
}

/// Emulator, sandbox and platform, in that order.
pub async fn start(options: StartOptions) -> Result<Local, DevError> {
    let repo = repo()?;
    let template_path = options
        .template
        .clone()
        .unwrap_or_else(|| repo.join("template.yaml"));
    let template = Template::load(&template_path).map_err(|source| DevError::Template {
        path: template_path.display().to_string(),
        source,
    })?;
    let aws = LocalAws::up(&repo).await?;

    let sandbox_addr = SocketAddr::from(([127, 0, 0, 1], options.sandbox_port));
    let sandbox_listener =
        TcpListener::bind(sandbox_addr)
            .await
            .map_err(|source| DevError::SandboxBind {
                addr: sandbox_addr,
                source,
            })?;
    let sandbox_url = match sandbox_listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        Err(source) => {
            return Err(DevError::SandboxBind {
                addr: sandbox_addr,
                source,
            })
        }
    };

    let mut config = PlatformConfig::new(template.clone(), aws.env.clone(), sandbox_url.clone());
    config.addr = SocketAddr::from(([127, 0, 0, 1], options.port));
    config.schedule_every = options.schedule_every;
    let bound = BoundPlatform::bind(config).await?;
    let notification_url = webhook_path(&template).map(|path| format!("{}{path}", bound.url()));

    let mut sandbox_config = SandboxConfig {
        // Its own range of CIPs: platforms sharing one emulator take each other's queue messages,
        // and a code looked up in the wrong sandbox must be unknown there, not someone else's.
        first_cip: 2_000_000 + u64::from(rand::random::<u32>() % 7_000_000),
        ..SandboxConfig::default()
    };
    if let Some(m) = &options.merchant {
        // Notifications need the tenant in their URL: `Local::notify_tenant` adds it once known.
        sandbox_config.merchants.push(SandboxMerchant::new(
            m.id_service,
            m.access_key.clone(),
            m.secret_key.clone(),
        ));
    }
    let sandbox = SandboxState::new(sandbox_config);
    let (sandbox_stop, stopped) = oneshot::channel::<()>();
    let sandbox_task = tokio::spawn(serve_until(sandbox_listener, sandbox.clone(), async {
        let _ = stopped.await;
    }));

    let mut registry = Registry::new();
    register_functions(&mut registry, bound.hosting())?;
    let platform = bound.serve(registry).await?;
    Ok(Local {
        template_path,
        aws,
        platform,
        sandbox_url,
        merchant: options.merchant,
        notification_url,
        sandbox,
        sandbox_stop,
        sandbox_task,
    })
}

/// The path of the gateway-webhook function's POST route, when the template has one.
fn webhook_path(template: &Template) -> Option<String> {
    template
        .function("gateway-webhook")?
        .http
        .iter()
        .find(|r| r.method.as_deref() == Some("POST"))
        .and_then(|r| r.path.clone())
}

/// `notification_url` with the tenant in it (the route's one path parameter).
pub fn tenant_notification_url(template_url: &str, tenant_id: &str) -> String {
    match (template_url.find('{'), template_url.find('}')) {
        (Some(open), Some(close)) if open < close => format!(
            "{}{tenant_id}{}",
            &template_url[..open],
            &template_url[close + 1..]
        ),
        _ => template_url.to_string(),
    }
}

impl Local {
    /// Points the sandbox merchant's notifications at `tenant_id`'s webhook URL (what a merchant
    /// does once in PagoEfectivo's back office after onboarding); returns that URL.
    pub fn notify_tenant(&self, tenant_id: &str) -> Option<String> {
        let m = self.merchant.as_ref()?;
        let url = tenant_notification_url(self.notification_url.as_deref()?, tenant_id);
        self.sandbox.register_merchant(
            SandboxMerchant::new(m.id_service, m.access_key.clone(), m.secret_key.clone())
                .with_notification_url(url.clone()),
        );
        Some(url)
    }

    /// The gateway's settlement file arrives: the canonical CSV (its header, then `lines`) put at
    /// `settlements/{tenant}/{name}` in the reports bucket, where the reconcile worker imports it.
    /// Returns its `s3://` address.
    pub async fn put_settlement_file(
        &self,
        tenant_id: &str,
        name: &str,
        lines: &[String],
    ) -> Result<String, String> {
        let mut csv = cuadre_files::SETTLEMENT_COLUMNS.join(",");
        for line in lines {
            csv.push('\n');
            csv.push_str(line);
        }
        csv.push('\n');
        let env = &self.aws.env;
        let bucket = env
            .vars
            .get("REPORTS_BUCKET")
            .cloned()
            .ok_or("REPORTS_BUCKET is not in the emulator's environment")?;
        let key = format!("settlements/{tenant_id}/{name}");
        let aws = cuadre_aws::AwsContext::lambda(cuadre_aws::AwsEndpoint {
            url: env.endpoint().map(str::to_string),
        });
        aws.s3()
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .content_type("text/csv")
            .body(csv.into_bytes().into())
            .send()
            .await
            .map_err(|e| format!("put s3://{bucket}/{key}: {e}"))?;
        Ok(format!("s3://{bucket}/{key}"))
    }

    /// Runs reconciliation for one tenant as of `as_of`: the scheduled dispatcher with the event's
    /// `time` set and the tenant named, as `aws lambda invoke` would.
    pub async fn reconcile_tenant(
        &self,
        tenant_id: &str,
        as_of: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), String> {
        let event = serde_json::json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "region": "us-east-1",
            "resources": [],
            // This merchant only: the emulator may hold other tenants (tests, earlier runs).
            "detail": {"tenant_id": tenant_id},
        });
        self.platform
            .invoke_schedule("reconcile-dispatch", event)
            .await
            .map_err(|e| format!("reconcile-dispatch: {e}"))
    }

    /// Stops the platform and the sandbox, and the emulator if `start` started it.
    pub async fn stop(self) -> Result<(), DevError> {
        self.platform.stop().await;
        let _ = self.sandbox_stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.sandbox_task).await;
        if let Some(report) = self.aws.down_if_started().await? {
            errln!("{}", report.trim());
        }
        Ok(())
    }

    pub fn print_banner(&self) {
        let url = &self.platform.url;
        let emulator = self.aws.env.endpoint().unwrap_or("?");
        outln!("cuadre local platform  (Ctrl-C stops everything it started)");
        outln!();
        outln!("  API            {url}/v1/payment-codes");
        outln!("  buyer pages    {url}/pay/{{token}}");
        outln!("  OpenAPI        {url}/openapi.yaml  ({url}/openapi.json)");
        outln!(
            "  PagoEfectivo   {}  (sandbox; controls under /sandbox/...)",
            self.sandbox_url
        );
        outln!(
            "  AWS emulator   {emulator}  ({})",
            if self.aws.started {
                "started now, stopped on exit"
            } else {
                "already running, left running"
            }
        );
        outln!("  template       {}", self.template_path.display());
        outln!();
        outln!("Functions:");
        for h in &self.platform.hosted {
            outln!(
                "  {:<20} {:<45} {}",
                h.binary,
                h.trigger,
                if h.hosted { "hosted" } else { "not hosted yet" }
            );
        }
        if let Some(m) = &self.merchant {
            outln!();
            outln!(
                "Sandbox merchant: idService {}, access key {}{}",
                m.id_service,
                m.access_key,
                self.notification_url
                    .as_deref()
                    .map(|u| format!(
                        ", notifications to {}",
                        tenant_notification_url(u, DEV_TENANT)
                    ))
                    .unwrap_or_default()
            );
            outln!("Onboard it (in another shell, from the repository):");
            outln!("  . .local/aws.env");
            outln!(
                "  echo '{}' | cargo run -q -p cuadre -- tenant create --id {DEV_TENANT} --name 'Bodega Demo SAC' \\",
                m.secret_key
            );
            outln!(
                "      --ruc 20100047218 --id-service {} --access-key {} --secret-key-stdin",
                m.id_service,
                m.access_key
            );
            outln!("then issue a code:");
            outln!("  curl -sS -X POST {url}/v1/payment-codes -H \"Authorization: Bearer $API_KEY\" \\");
            outln!("    -H 'Content-Type: application/json' -d '{{\"order_id\": \"A-1\", \"amount\": 150.00, \"currency\": \"PEN\",");
            outln!("    \"channel\": \"api\", \"buyer\": {{\"email\": \"ana@example.pe\", \"name\": \"Ana\", \"last_name\": \"Quispe\",");
            outln!("    \"phone\": \"987654321\", \"phone_country_code\": \"+51\"}}}}'");
        }
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
pub async fn until_stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

pub async fn run(args: DevArgs) -> Result<(), DevError> {
    let local = start(StartOptions {
        port: args.port,
        sandbox_port: args.sandbox_port,
        schedule_every: args.schedule_every,
        merchant: (!args.no_sandbox_merchant).then_some(args.sandbox_merchant),
        template: args.template,
    })
    .await?;
    local.notify_tenant(DEV_TENANT);
    local.print_banner();
    until_stopped().await;
    outln!();
    outln!("stopping...");
    local.stop().await?;
    outln!("cuadre local platform stopped.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_specs() {
        let m = parse_merchant(DEMO_MERCHANT).unwrap();
        assert_eq!(m.id_service, 1234);
        assert_eq!(m.secret_key, "cuadre-demo-secret-key");
        assert!(!format!("{m:?}").contains("secret-key"));
        assert_eq!(parse_merchant("1:a:b:c").unwrap().secret_key, "b:c");
        assert!(parse_merchant("x:a:b").is_err());
        assert!(parse_merchant("1:a").is_err());
        assert!(parse_merchant("1::b").is_err());
    }

    #[test]
    fn the_tenant_goes_into_the_webhook_route() {
        assert_eq!(
            tenant_notification_url("http://h/v1/webhooks/pagoefectivo/{tenant_id}", "acme"),
            "http://h/v1/webhooks/pagoefectivo/acme"
        );
        assert_eq!(tenant_notification_url("http://h/x", "acme"), "http://h/x");
    }
}
