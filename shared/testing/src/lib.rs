//! Test support shared by every crate's emulator tests.
//!
//! [`local_aws`] makes sure the AWS emulator is running with the resources `template.yaml`
//! declares (through `infra/local-aws up`, the same script developers use) and reads the
//! environment it wrote. Tests isolate themselves by tenant: each takes a fresh [`unique_tenant`],
//! which is also how production keeps merchants apart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aws_config::SdkConfig;
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore};
use cuadre_core::TenantId;

/// The running emulator and the variables `infra/local-aws` wrote for it.
#[derive(Debug)]
pub struct LocalAws {
    pub endpoint: String,
    pub vars: HashMap<String, String>,
}

impl LocalAws {
    /// A variable from the template's function environment, e.g. `TABLE_NAME`.
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{name} is missing from .local/aws.env"))
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

/// A tenant id no other test uses.
pub fn unique_tenant(prefix: &str) -> TenantId {
    let id = format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    TenantId::parse(&id).expect("test tenant ids are valid")
}
