//! SDK configuration. In production nothing is overridden; locally and in tests an endpoint
//! override points every client at the emulator on loopback.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

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

/// Loads the shared SDK configuration once per process (no network call: credentials resolve lazily).
pub async fn load_sdk_config(endpoint: &AwsEndpoint) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = &endpoint.url {
        // The emulator accepts any credentials; fixed ones keep a developer's real profile out of it.
        loader = loader
            .endpoint_url(url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "cuadre-local",
            ));
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
    pub async fn load(endpoint: AwsEndpoint) -> AwsContext {
        AwsContext {
            sdk: load_sdk_config(&endpoint).await,
            endpoint,
        }
    }

    /// From `AWS_ENDPOINT_URL` (unset in AWS).
    pub async fn from_env() -> AwsContext {
        AwsContext::load(AwsEndpoint::from_env()).await
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        s3_client(&self.sdk, &self.endpoint)
    }
}

/// An S3 client; path-style addressing against the emulator (no wildcard DNS on loopback).
pub fn s3_client(config: &SdkConfig, endpoint: &AwsEndpoint) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(endpoint.is_emulated())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}
