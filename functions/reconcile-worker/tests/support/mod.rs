//! Shared setup for the worker's tests: the emulator (DynamoDB, S3, SQS, SSM) with the template's
//! resources, the PagoEfectivo sandbox on loopback, a provisioned tenant, and queue helpers.
#![allow(dead_code)] // each test binary uses its own part of this

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{DateTime, TimeDelta, Utc};
use cuadre_aws::queue::SqsJobQueue;
use cuadre_aws::{DynamoStore, SqsMerchantEvents, SsmSecrets};
use cuadre_core::store::OrderStore;
use cuadre_core::tenants::{provision, NewTenant, TenantRandomness};
use cuadre_core::{Cip, Currency, Money, Order, OrderId, OrderStatus, Ruc, TenantId};
use cuadre_gateway::{CreateCip, Credentials, GatewayClient, GatewayConfig};
use cuadre_gateway_sandbox::{RunningSandbox, SandboxBuilder, SandboxMerchant};
use cuadre_lambda::secrets::SecretCache;
use cuadre_testing::{local_aws, unique_tenant};
use reconcile_worker::adapters::S3Objects;
use reconcile_worker::{App, Settings};

pub const ACCESS_KEY: &str = "YTQ3Mjk1YjllYjlkYTA0";
pub const SECRET_KEY: &str = "sandbox-secret-key";

pub struct Harness {
    pub store: Arc<DynamoStore>,
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub sandbox: RunningSandbox,
    pub gateway: GatewayClient,
    pub credentials: Credentials,
    pub tenant: TenantId,
    pub secrets: Arc<SecretCache>,
}

impl Harness {
    pub async fn new(prefix: &str) -> Harness {
        let id_service = 1000 + (rand::random::<u16>() % 8000) as u32;
        let sandbox = SandboxBuilder::default()
            .merchant(SandboxMerchant::new(id_service, ACCESS_KEY, SECRET_KEY))
            .start()
            .await
            .unwrap();
        let aws = local_aws();
        let config = aws.sdk_config().await;
        let store = Arc::new(aws.store().await);
        let ssm = Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&config)));
        let tenant = provision(
            store.as_ref(),
            store.as_ref(),
            ssm.as_ref(),
            "/cuadre/test",
            NewTenant {
                tenant_id: unique_tenant(prefix),
                name: "Bodega Central".into(),
                ruc: Ruc::parse("20100047218").unwrap(),
                id_service,
                access_key: ACCESS_KEY.into(),
                gateway_secret_key: SECRET_KEY.into(),
                default_expiry_hours: None,
                high_value_thresholds: Default::default(),
                notification_url: None,
                buyer_emails: false,
            },
            TenantRandomness {
                api_key_id: rand::random(),
                api_key_secret: rand::random(),
                notification_secret: rand::random(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
        let gateway = GatewayClient::new(
            GatewayConfig::new(sandbox.url()).with_timeout(Duration::from_secs(5)),
        )
        .unwrap();
        Harness {
            store,
            sqs: aws.sqs().await,
            s3: aws.s3().await,
            bucket: aws.var("REPORTS_BUCKET").to_string(),
            sandbox,
            gateway,
            credentials: Credentials::new(id_service, ACCESS_KEY, SECRET_KEY),
            tenant: tenant.tenant.tenant_id,
            secrets: Arc::new(SecretCache::new(ssm)),
        }
    }

    /// The worker over the real adapters; jobs and events go to the given queue URLs.
    pub fn app(&self, jobs_url: &str, events_url: &str, settings: Settings) -> App {
        App {
            store: self.store.clone(),
            objects: Arc::new(S3Objects::new(self.s3.clone(), self.bucket.clone())),
            jobs: Arc::new(SqsJobQueue::new(self.sqs.clone(), jobs_url)),
            events: Arc::new(SqsMerchantEvents::new(self.sqs.clone(), events_url)),
            gateway: Arc::new(self.gateway.clone()),
            secrets: self.secrets.clone(),
            settings,
            clock: Arc::new(Utc::now),
        }
    }

    /// A code issued at the sandbox, and its order in the store.
    pub async fn issued_order(&self, id: &str, amount: &str, expires_at: DateTime<Utc>) -> Order {
        let money = Money::from_json_number(amount, Currency::Pen).unwrap();
        let mut request = CreateCip::new(
            OrderId::parse(id).unwrap(),
            money,
            "ana.quispe@example.pe",
            "987654321",
            "+51",
        );
        request.date_expiry = Some(expires_at);
        let issued = self
            .gateway
            .create_cip(&self.credentials, &request)
            .await
            .unwrap();
        self.order(id, issued.cip.as_str(), amount, expires_at)
            .await
    }

    /// An order in the store only (its code unknown to the sandbox).
    pub async fn order(
        &self,
        id: &str,
        cip: &str,
        amount: &str,
        expires_at: DateTime<Utc>,
    ) -> Order {
        let order = Order {
            tenant_id: self.tenant.clone(),
            order_id: OrderId::parse(id).unwrap(),
            cip: Some(Cip::parse(cip).unwrap()),
            amount: Money::from_json_number(amount, Currency::Pen).unwrap(),
            status: OrderStatus::Pending,
            issued_at: expires_at - TimeDelta::hours(48),
            expires_at,
            cip_url: None,
            channel: None,
            concept: None,
            buyer: None,
            pay_token: None,
            issuing_since: None,
            unknown_issue_attempts: 0,
            version: 1,
        };
        self.store.create_order(&order).await.unwrap();
        order
    }

    pub async fn status(&self, id: &str) -> OrderStatus {
        self.store
            .get_order(&self.tenant, &OrderId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap()
            .status
    }

    /// A queue of this test's own (deleted by [`Harness::drop_queue`]).
    pub async fn private_queue(&self, name: &str) -> String {
        let name = format!("{name}-{}", &uuid_like());
        self.sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap()
    }

    pub async fn drop_queue(&self, url: &str) {
        let _ = self.sqs.delete_queue().queue_url(url).send().await;
    }

    /// Receives (briefly hidden) messages of `url` that `mine` accepts, deletes them and returns
    /// them; others' messages are made visible again at once. Stops after `want` or `wait`.
    pub async fn take(
        &self,
        url: &str,
        want: usize,
        wait: Duration,
        mine: impl Fn(&str) -> bool,
    ) -> Vec<aws_sdk_sqs::types::Message> {
        let deadline = std::time::Instant::now() + wait;
        let mut out = Vec::new();
        while out.len() < want && std::time::Instant::now() < deadline {
            let got = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for m in got.messages.unwrap_or_default() {
                let handle = m.receipt_handle.clone().unwrap();
                if mine(m.body.as_deref().unwrap_or("")) {
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .unwrap();
                    out.push(m);
                } else {
                    let _ = self
                        .sqs
                        .change_message_visibility()
                        .queue_url(url)
                        .receipt_handle(handle)
                        .visibility_timeout(0)
                        .send()
                        .await;
                }
            }
        }
        out
    }
}

pub fn uuid_like() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The SqsEvent Lambda would deliver for these messages (built from JSON: the struct is non-exhaustive).
pub fn sqs_event(messages: &[aws_sdk_sqs::types::Message]) -> SqsEvent {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            serde_json::json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ReconcileJobsQueue",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

/// Body of a message is a job or event of `tenant`.
pub fn of_tenant(body: &str, tenant: &TenantId) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["tenant_id"].as_str().map(|t| t == tenant.as_str()))
        .unwrap_or(false)
}
