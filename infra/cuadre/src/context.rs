//! The AWS side of the CLI, built once per run: SDK configuration (with `AWS_ENDPOINT_URL` as the
//! optional emulator endpoint), the DynamoDB store and the SSM secret store.

use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};

/// Where cuadre's data lives. Flatten into any command group that talks to AWS.
#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// The DynamoDB single table of the stage.
    #[arg(
        long,
        env = "TABLE_NAME",
        global = true,
        value_name = "TABLE",
        help_heading = "AWS"
    )]
    pub table: Option<String>,
    /// SSM Parameter Store prefix for tenant secrets (the stage's `SecretsPrefix`).
    #[arg(
        long,
        env = "SECRETS_PREFIX",
        global = true,
        default_value = "/cuadre/local",
        value_name = "PREFIX",
        help_heading = "AWS"
    )]
    pub secrets_prefix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "no DynamoDB table: pass --table or set TABLE_NAME (`. .local/aws.env` sets it for the local emulator)"
    )]
    MissingTable,
    #[error("secrets prefix {0:?} must start with `/` (e.g. /cuadre/prod)")]
    BadSecretsPrefix(String),
}

/// The clients a command needs; cheap to pass by reference.
pub struct Context {
    pub store: DynamoStore,
    pub secrets: SsmSecrets,
    pub secrets_prefix: String,
    pub endpoint: AwsEndpoint,
}

impl Context {
    /// Builds the clients (no network call: credentials resolve on first use).
    pub async fn load(args: &AwsArgs) -> Result<Context, ContextError> {
        let table = args
            .table
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ContextError::MissingTable)?
            .to_string();
        let prefix = args.secrets_prefix.trim();
        if !prefix.starts_with('/') || prefix.len() < 2 {
            return Err(ContextError::BadSecretsPrefix(prefix.to_string()));
        }
        let endpoint = AwsEndpoint::from_env();
        let config = load_sdk_config(&endpoint).await;
        Ok(Context {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            secrets: SsmSecrets::new(aws_sdk_ssm::Client::new(&config)),
            secrets_prefix: prefix.trim_end_matches('/').to_string(),
            endpoint,
        })
    }

    /// Where the commands act, for the operator to see (never a credential).
    pub fn describe(&self) -> String {
        match &self.endpoint.url {
            Some(url) => format!("table {} at {url}", self.store.table()),
            None => format!("table {} (AWS)", self.store.table()),
        }
    }
}
