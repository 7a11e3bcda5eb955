//! The AWS emulator: brought up once per test process through `infra/local-aws up` (the script
//! developers use), with the resources `template.yaml` declares, and the SDK clients pointed at it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aws_config::SdkConfig;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};

/// The running emulator and the variables `infra/local-aws` wrote for it.
#[derive(Debug)]
pub struct LocalAws {
    pub endpoint: String,
    pub vars: HashMap<String, String>,
}

/// What a process needs in its environment to reach the emulator, as `. .local/aws.env` sets it.
const CLIENT_VARS: [&str; 6] = [
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "TABLE_NAME",
];

impl LocalAws {
    /// A variable from the template's function environment, e.g. `TABLE_NAME`.
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{name} is missing from .local/aws.env"))
    }

    /// The variables a child process (the `cuadre` CLI) needs to use the emulator.
    pub fn client_env(&self) -> Vec<(&str, &str)> {
        CLIENT_VARS
            .iter()
            .filter_map(|name| self.vars.get(*name).map(|v| (*name, v.as_str())))
            .collect()
    }

    pub fn aws_endpoint(&self) -> AwsEndpoint {
        AwsEndpoint {
            url: Some(self.endpoint.clone()),
        }
    }

    pub async fn sdk_config(&self) -> SdkConfig {
        load_sdk_config(&self.aws_endpoint()).await
    }

    pub async fn store(&self) -> DynamoStore {
        let config = self.sdk_config().await;
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            self.var("TABLE_NAME"),
        )
    }

    pub async fn s3(&self) -> aws_sdk_s3::Client {
        cuadre_aws::config::s3_client(&self.sdk_config().await, &self.aws_endpoint())
    }

    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config().await)
    }

    /// The secret store (SSM Parameter Store) the functions read tenants' secrets from.
    pub async fn secrets(&self) -> SsmSecrets {
        SsmSecrets::new(aws_sdk_ssm::Client::new(&self.sdk_config().await))
    }
}

/// The repository root: the folder holding `template.yaml`.
pub fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("template.yaml").exists() {
        assert!(
            dir.pop(),
            "template.yaml not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

/// Brings the emulator up once per test process (`infra/local-aws up` serialises concurrent callers).
pub fn local_aws() -> &'static LocalAws {
    static LOCAL: OnceLock<LocalAws> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let root = repo_root();
        let local = root.join(".local");
        std::fs::create_dir_all(&local).expect("create .local");
        let status = Command::new(root.join("infra/local-aws"))
            .arg("up")
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run infra/local-aws up");
        assert!(
            status.success(),
            "infra/local-aws up failed: see .local/moto.log"
        );
        let vars = read_env_file(&local.join("aws.env"));
        let endpoint = vars
            .get("AWS_ENDPOINT_URL")
            .cloned()
            .expect("AWS_ENDPOINT_URL in .local/aws.env");
        LocalAws { endpoint, vars }
    })
}

/// Parses `export NAME=value` lines (values optionally single- or double-quoted).
pub fn read_env_file(path: &Path) -> HashMap<String, String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (name, value) = line.split_once('=')?;
            if name.starts_with('#') {
                return None;
            }
            let value = value.trim_matches('"').trim_matches('\'');
            Some((name.trim().to_string(), value.to_string()))
        })
        .collect()
}
