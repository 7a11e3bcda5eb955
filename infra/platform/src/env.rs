//! The environment each hosted function sees, without touching the process environment (several
//! functions, and tests, share one process): the emulator's variables from `.local/aws.env`
//! (the template's `Globals` environment resolved to local names), the function's own
//! `Environment.Variables`, and the platform's own URLs (`PAGOEFECTIVO_BASE_URL` = the sandbox,
//! `PUBLIC_BASE_URL` = the platform).

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::SdkConfig;
use cuadre_aws::{AwsContext, AwsEndpoint};
use cuadre_lambda::config::Env;
use serde_json::Value;

use crate::template::{local_name, Template, ACCOUNT_ID, REGION};

/// The variables `infra/local-aws up` wrote (`export NAME=value` lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsEnv {
    pub vars: BTreeMap<String, String>,
}

impl AwsEnv {
    pub fn from_file(path: &Path) -> std::io::Result<AwsEnv> {
        Ok(AwsEnv::parse(&std::fs::read_to_string(path)?))
    }

    pub fn parse(text: &str) -> AwsEnv {
        let vars = text
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if line.starts_with('#') {
                    return None;
                }
                let line = line.strip_prefix("export ").unwrap_or(line);
                let (name, value) = line.split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('\'')
                    .and_then(|v| v.strip_suffix('\''))
                    .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
                    .unwrap_or(value);
                Some((name.trim().to_string(), value.to_string()))
            })
            .collect();
        AwsEnv { vars }
    }

    pub fn from_vars<I, K, V>(vars: I) -> AwsEnv
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        AwsEnv {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// `AWS_ENDPOINT_URL`: the emulator.
    pub fn endpoint(&self) -> Option<&str> {
        self.vars
            .get("AWS_ENDPOINT_URL")
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// One function's configuration: its variables (read through [`Env`], as `main.rs` reads the
/// process environment) and the shared SDK configuration.
#[derive(Clone)]
pub struct FunctionEnv {
    pub binary: String,
    pub vars: BTreeMap<String, String>,
    pub aws: AwsContext,
}

impl std::fmt::Debug for FunctionEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionEnv")
            .field("binary", &self.binary)
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("endpoint", &self.aws.endpoint)
            .finish()
    }
}

impl Env for FunctionEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.var(name)
    }
}

/// Set by the platform for every function, whatever the template says (they name AWS URLs there).
pub const PLATFORM_VARS: [&str; 2] = ["PAGOEFECTIVO_BASE_URL", "PUBLIC_BASE_URL"];

/// What every function of one platform shares; hands out each function's [`FunctionEnv`].
#[derive(Clone)]
pub struct Hosting {
    pub template: Template,
    pub aws: AwsEnv,
    pub endpoint: AwsEndpoint,
    pub sdk: SdkConfig,
    /// The platform's own URL (`PUBLIC_BASE_URL`).
    pub public_url: String,
    /// The PagoEfectivo sandbox (`PAGOEFECTIVO_BASE_URL`).
    pub gateway_url: String,
}

impl Hosting {
    /// The environment `binary` runs with: emulator variables, then its template environment,
    /// then the platform's URLs.
    pub fn env(&self, binary: &str) -> FunctionEnv {
        let mut vars = self.aws.vars.clone();
        if let Some(function) = self.template.function(binary) {
            for (name, value) in &function.environment {
                if PLATFORM_VARS.contains(&name.as_str()) {
                    continue;
                }
                match self.resolve(value) {
                    Some(v) => {
                        vars.insert(name.clone(), v);
                    }
                    None => tracing::warn!(
                        binary,
                        variable = name,
                        "environment value has no local counterpart; left unset"
                    ),
                }
            }
        }
        vars.insert("PAGOEFECTIVO_BASE_URL".into(), self.gateway_url.clone());
        vars.insert("PUBLIC_BASE_URL".into(), self.public_url.clone());
        FunctionEnv {
            binary: binary.to_string(),
            vars,
            aws: AwsContext {
                sdk: self.sdk.clone(),
                endpoint: self.endpoint.clone(),
            },
        }
    }

    /// A template value as the emulator knows it: parameters, and tables, buckets and queues by
    /// the names `infra/local-aws` gave them.
    pub fn resolve(&self, value: &Value) -> Option<String> {
        if let Some(v) = self.template.resolve(value) {
            return Some(v);
        }
        let object = value.as_object()?;
        if let Some(id) = object.get("Ref").and_then(Value::as_str) {
            // The Globals variable that references the same resource already has its local value.
            let known = self
                .template
                .globals_env
                .iter()
                .find(|(_, v)| *v == value)
                .and_then(|(name, _)| self.aws.vars.get(name));
            if let Some(v) = known {
                return Some(v.clone());
            }
            return self.attribute(id, "Ref");
        }
        let parts = object.get("Fn::GetAtt")?.as_array()?;
        let id = parts.first()?.as_str()?;
        let attribute = parts.get(1)?.as_str()?;
        self.attribute(id, attribute)
    }

    fn attribute(&self, id: &str, attribute: &str) -> Option<String> {
        let name = local_name(id);
        let endpoint = self
            .endpoint
            .url
            .as_deref()
            .unwrap_or("http://127.0.0.1:5055");
        match (self.template.resource_type(id)?, attribute) {
            ("AWS::SQS::Queue", "Ref" | "QueueUrl") => {
                Some(format!("{endpoint}/{ACCOUNT_ID}/{name}"))
            }
            ("AWS::SQS::Queue", "Arn") => Some(format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}")),
            ("AWS::SQS::Queue", "QueueName") => Some(name),
            ("AWS::DynamoDB::Table" | "AWS::S3::Bucket", "Ref") => Some(name),
            ("AWS::DynamoDB::Table", "Arn") => Some(format!(
                "arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
            )),
            ("AWS::S3::Bucket", "Arn") => Some(format!("arn:aws:s3:::{name}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_env_file() {
        let env = AwsEnv::parse(
            "# written by infra/local-aws up\nexport AWS_ENDPOINT_URL=http://127.0.0.1:5055\n\
             export TABLE_NAME='cuadre-table'\nexport X=\"a b\"\n",
        );
        assert_eq!(env.endpoint(), Some("http://127.0.0.1:5055"));
        assert_eq!(env.vars["TABLE_NAME"], "cuadre-table");
        assert_eq!(env.vars["X"], "a b");
        assert_eq!(env.vars.len(), 3);
    }
}
