//! `cuadre`: the operator CLI. Thin: parse the command line, run one subcommand group, print
//! `error: <message>` and exit non-zero on failure.
//!
//! Adding a command group (e.g. `reconcile`, `scenario`, `voucher`): write `src/<group>.rs` with an
//! `Args` struct, a `thiserror` error and `pub async fn run(args) -> Result<(), Error>`, then add
//! one variant to [`Command`] and one to [`CliError`], and one arm in [`run`]. A group that talks to
//! AWS takes the global [`cuadre::context::AwsArgs`] and calls [`cuadre::context::Context::load`].

use cuadre::{demo, dev, errln, events, reconcile, sandbox, tenant, voucher, webhook};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cuadre",
    version,
    about = "Operate cuadre: onboard merchants, run the PagoEfectivo sandbox, send test notifications.",
    long_about = "Operate cuadre: onboard merchants, run the PagoEfectivo sandbox, send test notifications.\n\n\
                  AWS access follows the SDK's usual configuration; AWS_ENDPOINT_URL points every client \
                  at an emulator (`. .local/aws.env` sets it, with TABLE_NAME, for the local one)."
)]
struct Cli {
    /// Where the commands that touch AWS act (`--stack NAME`, or `--table`/`--secrets-prefix`);
    /// global, so `cuadre --stack cuadre tenant list` and `cuadre tenant list --stack cuadre` agree.
    #[command(flatten)]
    aws: cuadre::context::AwsArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Merchants (tenants): create, list, and manage their API keys.
    Tenant(tenant::TenantArgs),
    /// Run the PagoEfectivo sandbox on loopback until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// Send a signed PagoEfectivo payment notification, to test a receiver.
    Webhook(webhook::WebhookArgs),
    /// Merchant events: send a signed sample, follow a tenant's events, redrive the DLQ.
    Events(events::EventsArgs),
    /// Reconcile orders, payments, settlements and vouchers from files (offline).
    Reconcile(reconcile::ReconcileArgs),
    /// Synthetic inputs for `cuadre reconcile` (benchmarks, tests, demos).
    Scenario(reconcile::ScenarioArgs),
    /// Read vouchers: print the fields a voucher shows.
    Voucher(voucher::VoucherArgs),
    /// Run cuadre locally until Ctrl-C: AWS emulator, PagoEfectivo sandbox, and the functions'
    /// own handlers behind the template's routes, queues and schedules.
    Dev(dev::DevArgs),
    /// Tell the demo story against a fresh local platform and print the orders; exit 0 only if it
    /// came out as expected.
    Demo(demo::DemoArgs),
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Tenant(#[from] tenant::TenantCommandError),
    #[error(transparent)]
    Sandbox(#[from] sandbox::SandboxError),
    #[error(transparent)]
    Webhook(#[from] webhook::WebhookError),
    #[error(transparent)]
    Events(#[from] events::EventsError),
    #[error(transparent)]
    Reconcile(#[from] reconcile::ReconcileError),
    #[error(transparent)]
    Voucher(#[from] voucher::VoucherError),
    #[error(transparent)]
    Dev(#[from] dev::DevError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
}

async fn run(aws: cuadre::context::AwsArgs, command: Command) -> Result<(), CliError> {
    match command {
        Command::Tenant(args) => tenant::run(&aws, args).await?,
        Command::Sandbox(args) => sandbox::run(args).await?,
        Command::Webhook(args) => webhook::run(args).await?,
        Command::Events(args) => events::run(args).await?,
        Command::Dev(args) => dev::run(args).await?,
        Command::Demo(args) => demo::run(args).await?,
        Command::Reconcile(args) => reconcile::run(args)?,
        Command::Scenario(args) => reconcile::run_scenario(args)?,
        Command::Voucher(args) => voucher::run(args).await?,
    }
    Ok(())
}

/// Logs go to stderr, filtered by `CUADRE_LOG` (not `RUST_LOG`, which `.local/aws.env` sets for the
/// functions); quiet by default so command output stays readable.
fn init_tracing(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUADRE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    // A second init (never expected) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(match cli.command {
        Command::Sandbox(_) => "warn,cuadre_gateway=info",
        Command::Dev(_) => {
            "warn,cuadre_platform=info,cuadre_gateway=info,issue_code=info,buyer_page=info"
        }
        // The story's own output is the point; the functions' warnings would interleave with it.
        Command::Demo(_) => "error",
        _ => "warn",
    });
    match run(cli.aws, cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
