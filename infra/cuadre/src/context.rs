//! The AWS side of the CLI, built once per run: SDK configuration (with `AWS_ENDPOINT_URL` as the
//! optional emulator endpoint), the DynamoDB store and the SSM secret store. With `--stack NAME`
//! the table, the secrets prefix and the public URLs come from the deployed stack's outputs
//! (CloudFormation `DescribeStacks`), so an operator never types them.

use std::collections::BTreeMap;

use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};
use cuadre_core::TenantId;

/// The local emulator's prefix, when neither `--stack` nor `--secrets-prefix` says otherwise.
pub const LOCAL_SECRETS_PREFIX: &str = "/cuadre/local";

/// Where cuadre's data lives. Flatten into any command group that talks to AWS.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
    /// The deployed CloudFormation stack (`sam deploy --stack-name`): table, secrets prefix and URLs
    /// are read from its outputs.
    #[arg(long, env = "CUADRE_STACK", global = true, value_name = "NAME")]
    pub stack: Option<String>,
    /// The DynamoDB single table of the stage (instead of --stack).
    #[arg(long, env = "TABLE_NAME", global = true, value_name = "TABLE")]
    pub table: Option<String>,
    /// SSM Parameter Store prefix for tenant secrets (the stack's `SecretsPrefix` output;
    /// default /cuadre/local, the local emulator's).
    #[arg(long, env = "SECRETS_PREFIX", global = true, value_name = "PREFIX")]
    pub secrets_prefix: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "no DynamoDB table: pass --stack NAME (a deployed stack) or --table / TABLE_NAME \
         (`. .local/aws.env` sets it for the local emulator)"
    )]
    MissingTable,
    #[error("secrets prefix {0:?} must start with `/` (e.g. /cuadre/prod)")]
    BadSecretsPrefix(String),
    #[error("could not read stack {stack}: {cause}")]
    Stack { stack: String, cause: String },
    #[error("stack {stack} has no output {output} (is it a cuadre stack, fully deployed?)")]
    MissingOutput { stack: String, output: &'static str },
    #[error(
        "--{flag} {given} disagrees with stack {stack}'s {stack_value}: drop the flag (or the \
         variable) or pick the right stack"
    )]
    Disagrees {
        flag: &'static str,
        given: String,
        stack: String,
        stack_value: String,
    },
}

/// A deployed stack's outputs, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackOutputs {
    pub name: String,
    pub outputs: BTreeMap<String, String>,
}

impl StackOutputs {
    pub fn get(&self, output: &'static str) -> Result<&str, ContextError> {
        self.outputs
            .get(output)
            .map(String::as_str)
            .ok_or_else(|| ContextError::MissingOutput {
                stack: self.name.clone(),
                output,
            })
    }

    /// The URL to register with PagoEfectivo as this merchant's notification URL.
    pub fn notification_url(&self, tenant: &TenantId) -> Result<String, ContextError> {
        Ok(self
            .get("NotificationUrlPattern")?
            .replace("{tenant_id}", tenant.as_str()))
    }
}

/// Reads a stack's outputs through the SDK.
pub async fn describe_stack(
    config: &aws_config::SdkConfig,
    stack: &str,
) -> Result<StackOutputs, ContextError> {
    let failed = |cause: String| ContextError::Stack {
        stack: stack.to_string(),
        cause,
    };
    let answer = aws_sdk_cloudformation::Client::new(config)
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| failed(aws_sdk_cloudformation::error::DisplayErrorContext(e).to_string()))?;
    let found = answer
        .stacks()
        .first()
        .ok_or_else(|| failed("no such stack".into()))?;
    let outputs = found
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
        .collect();
    Ok(StackOutputs {
        name: stack.to_string(),
        outputs,
    })
}

/// The clients a command needs; cheap to pass by reference.
pub struct Context {
    pub store: DynamoStore,
    pub secrets: SsmSecrets,
    pub secrets_prefix: String,
    pub endpoint: AwsEndpoint,
    /// The stack the command acts on, when `--stack` named one.
    pub stack: Option<StackOutputs>,
}

impl Context {
    /// Builds the clients; with `--stack`, first reads the stack's outputs.
    pub async fn load(args: &AwsArgs) -> Result<Context, ContextError> {
        let endpoint = AwsEndpoint::from_env();
        let config = load_sdk_config(&endpoint).await;
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let stack = match given(&args.stack) {
            Some(name) => Some(describe_stack(&config, &name).await?),
            None => None,
        };
        let table = pick(
            "table",
            given(&args.table),
            stack.as_ref(),
            "TableName",
            None,
        )?
        .ok_or(ContextError::MissingTable)?;
        let prefix = pick(
            "secrets-prefix",
            given(&args.secrets_prefix),
            stack.as_ref(),
            "SecretsPrefix",
            Some(LOCAL_SECRETS_PREFIX),
        )?
        .unwrap_or_default();
        if !prefix.starts_with('/') || prefix.len() < 2 {
            return Err(ContextError::BadSecretsPrefix(prefix));
        }
        Ok(Context {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            secrets: SsmSecrets::new(aws_sdk_ssm::Client::new(&config)),
            secrets_prefix: prefix.trim_end_matches('/').to_string(),
            endpoint,
            stack,
        })
    }

    /// Where the commands act, for the operator to see (never a credential).
    pub fn describe(&self) -> String {
        let place = match &self.endpoint.url {
            Some(url) => format!("table {} at {url}", self.store.table()),
            None => format!("table {} (AWS)", self.store.table()),
        };
        match &self.stack {
            Some(stack) => format!("stack {}, {place}", stack.name),
            None => place,
        }
    }
}

/// A setting from the flag, else the stack's output, else the default; a flag that contradicts
/// the stack is refused rather than silently preferred (the wrong table is the worst outcome).
fn pick(
    flag: &'static str,
    given: Option<String>,
    stack: Option<&StackOutputs>,
    output: &'static str,
    default: Option<&str>,
) -> Result<Option<String>, ContextError> {
    match (given, stack) {
        (Some(given), Some(stack)) => {
            let stack_value = stack.get(output)?;
            if given.trim_end_matches('/') != stack_value.trim_end_matches('/') {
                return Err(ContextError::Disagrees {
                    flag,
                    given,
                    stack: stack.name.clone(),
                    stack_value: stack_value.to_string(),
                });
            }
            Ok(Some(given))
        }
        (Some(given), None) => Ok(Some(given)),
        (None, Some(stack)) => Ok(Some(stack.get(output)?.to_string())),
        (None, None) => Ok(default.map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> StackOutputs {
        StackOutputs {
            name: "cuadre-prod".into(),
            outputs: BTreeMap::from([
                (
                    "TableName".to_string(),
                    "cuadre-prod-CuadreTable-1X".to_string(),
                ),
                ("SecretsPrefix".to_string(), "/cuadre/prod".to_string()),
                (
                    "NotificationUrlPattern".to_string(),
                    "https://pagos.example.pe/v1/webhooks/pagoefectivo/{tenant_id}".to_string(),
                ),
            ]),
        }
    }

    #[test]
    fn the_stack_fills_what_the_flags_leave_out_and_refuses_contradictions() {
        let s = stack();
        assert_eq!(
            pick("table", None, Some(&s), "TableName", None).unwrap(),
            Some("cuadre-prod-CuadreTable-1X".to_string())
        );
        assert_eq!(
            pick(
                "secrets-prefix",
                Some("/cuadre/prod/".into()),
                Some(&s),
                "SecretsPrefix",
                None
            )
            .unwrap(),
            Some("/cuadre/prod/".to_string())
        );
        assert!(matches!(
            pick(
                "secrets-prefix",
                Some("/cuadre/local".into()),
                Some(&s),
                "SecretsPrefix",
                None
            ),
            Err(ContextError::Disagrees { .. })
        ));
        assert!(matches!(
            pick("x", None, Some(&s), "ApiUrl", None),
            Err(ContextError::MissingOutput {
                output: "ApiUrl",
                ..
            })
        ));
        assert_eq!(
            pick(
                "secrets-prefix",
                None,
                None,
                "SecretsPrefix",
                Some(LOCAL_SECRETS_PREFIX)
            )
            .unwrap(),
            Some(LOCAL_SECRETS_PREFIX.to_string())
        );
        assert_eq!(
            s.notification_url(&TenantId::parse("tienda-1").unwrap())
                .unwrap(),
            "https://pagos.example.pe/v1/webhooks/pagoefectivo/tienda-1"
        );
    }
}
