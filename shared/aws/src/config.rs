//! SDK configuration. In production nothing is overridden; locally and in tests an endpoint
//! override points every client at the emulator on loopback.

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_s3::config::SharedHttpClient;
use aws_smithy_http_client::tls;

/// Where the AWS APIs are. `None` means the real AWS endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsEndpoint {
    pub url: Option<String>,
}

impl AwsEndpoint {
    /// Reads `AWS_ENDPOINT_URL`, the variable the SDKs already honour, so one setting serves all tools.
    pub fn from_env() -> Self {
        AwsEndpoint {
            url: std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|u| !u.is_empty()),
        }
    }

    pub fn is_emulated(&self) -> bool {
        self.url.is_some()
    }
}

/// The SDK configuration a Lambda function needs: region and credentials from the variables
/// Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`),
/// against the emulator when `endpoint` names one. Unlike [`load_sdk_config`], it does not build
/// aws-config's default provider chain (profiles, STS web identity, ECS, IMDS), which a
/// function never uses: that code stays out of the bootstrap, so it is smaller and starts sooner.
pub fn lambda_sdk_config(endpoint: &AwsEndpoint) -> SdkConfig {
    let builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client());
    match &endpoint.url {
        Some(url) => builder
            .endpoint_url(url)
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(emulator_credentials()))
            .build(),
        None => builder
            .region(
                ["AWS_REGION", "AWS_DEFAULT_REGION"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok().filter(|r| !r.is_empty()))
                    .map(Region::new),
            )
            .credentials_provider(SharedCredentialsProvider::new(
                EnvironmentVariableCredentialsProvider::new(),
            ))
            .build(),
    }
}

/// The SDKs' HTTPS client: rustls on ring, the one TLS stack of the binaries (reqwest's too).
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The emulator accepts any credentials; fixed ones keep a developer's real profile out of it.
fn emulator_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "cuadre-local")
}

/// Loads the shared SDK configuration with aws-config's default provider chain (the CLI on an
/// operator's machine: environment, profiles, web identity, ...). No network call: credentials
/// resolve lazily.
pub async fn load_sdk_config(endpoint: &AwsEndpoint) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if let Some(url) = &endpoint.url {
        loader = loader
            .endpoint_url(url)
            .region(Region::new("us-east-1"))
            .credentials_provider(emulator_credentials());
    }
    loader.load().await
}

/// The SDK configuration and where it points: what every function builds its clients from.
#[derive(Debug, Clone)]
pub struct AwsContext {
    pub sdk: SdkConfig,
    pub endpoint: AwsEndpoint,
}

impl AwsContext {
    /// A function's context ([`lambda_sdk_config`]).
    pub fn lambda(endpoint: AwsEndpoint) -> AwsContext {
        AwsContext {
            sdk: lambda_sdk_config(&endpoint),
            endpoint,
        }
    }

    /// A function's context in Lambda: the emulator when `AWS_ENDPOINT_URL` is set.
    pub fn from_env() -> AwsContext {
        AwsContext::lambda(AwsEndpoint::from_env())
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        s3_client(&self.sdk, &self.endpoint)
    }

    /// The store over the stage's single table.
    pub fn store(&self, table: impl Into<String>) -> crate::DynamoStore {
        crate::DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.sdk), table)
    }

    /// SSM Parameter Store, where tenants' secrets live.
    pub fn ssm(&self) -> crate::SsmSecrets {
        crate::SsmSecrets::new(aws_sdk_ssm::Client::new(&self.sdk))
    }
}

/// An S3 client; path-style addressing against the emulator (no wildcard DNS on loopback).
pub fn s3_client(config: &SdkConfig, endpoint: &AwsEndpoint) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(endpoint.is_emulated())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}
