//! Shared setup for the worker's tests (and the dispatcher's, which include this file): the
//! emulator (DynamoDB, S3, SQS, SSM) with the template's resources, the PagoEfectivo sandbox on
//! loopback, and a tenant provisioned with the sandbox merchant's credentials.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::Message;
use chrono::{DateTime, TimeDelta, Utc};
use cuadre_aws::queue::SqsJobQueue;
use cuadre_aws::SqsMerchantEvents;
use cuadre_core::{Cip, Order};
use cuadre_gateway::{Credentials, GatewayClient};
use cuadre_gateway_sandbox::{PayRequest, RunningSandbox};
use cuadre_testing::sandbox::{cip_request, gateway_client, sandbox_for};
use cuadre_testing::sqs::{self, Others};
use cuadre_testing::{TenantSetup, TestApp, TestMerchant};
use reconcile_worker::adapters::S3Objects;
use reconcile_worker::{App, Settings};

/// The tenant (its clients through `Deref`), the sandbox that knows its merchant, and the gateway
/// client pointed at it.
pub struct Harness {
    pub env: TestApp,
    pub sandbox: RunningSandbox,
    pub gateway: GatewayClient,
    pub credentials: Credentials,
}

cuadre_testing::deref_to!(Harness => env: TestApp);

impl Harness {
    pub async fn new(prefix: &str) -> Harness {
        let merchant = TestMerchant::random();
        let sandbox = sandbox_for(merchant.at_sandbox()).await;
        let setup = TenantSetup::new(prefix)
            .name("Bodega Central")
            .merchant(&merchant)
            .buyer_emails(false);
        Harness {
            env: TestApp::with(setup).await,
            gateway: gateway_client(sandbox.url(), Duration::from_secs(5)),
            credentials: merchant.credentials(),
            sandbox,
        }
    }

    /// The worker over the real adapters; jobs and events go to the given queue URLs.
    pub fn app(&self, jobs_url: &str, events_url: &str, settings: Settings) -> App {
        App {
            store: self.store.clone(),
            objects: Arc::new(S3Objects::new(
                self.s3.clone(),
                self.var("REPORTS_BUCKET").to_string(),
            )),
            jobs: Arc::new(SqsJobQueue::new(self.sqs.clone(), jobs_url)),
            events: Arc::new(SqsMerchantEvents::new(self.sqs.clone(), events_url)),
            gateway: Arc::new(self.gateway.clone()),
            secrets: self.secret_cache(),
            settings,
            clock: Arc::new(Utc::now),
        }
    }

    /// A code issued at the sandbox, and its order in the store.
    pub async fn issued_order(&self, id: &str, amount: &str, expires_at: DateTime<Utc>) -> Order {
        let mut request = cip_request(id, amount);
        request.date_expiry = Some(expires_at);
        let issued = self
            .gateway
            .create_cip(&self.credentials, &request)
            .await
            .unwrap();
        self.order(id, issued.cip.as_str(), amount, expires_at)
            .await
    }

    /// The sandbox takes the code's money at an agent, telling nobody (no notification).
    pub async fn paid_at_gateway(&self, cip: &Cip, operation_number: &str) {
        let paid = PayRequest {
            operation_number: Some(operation_number.into()),
            notify: false,
            ..PayRequest::default()
        };
        self.sandbox.state.pay(cip.as_str(), paid).await.unwrap();
    }

    /// An order in the store only (its code unknown to the sandbox), issued 48 hours before it
    /// expires.
    pub async fn order(
        &self,
        id: &str,
        cip: &str,
        amount: &str,
        expires_at: DateTime<Utc>,
    ) -> Order {
        self.env
            .order(id)
            .cip(cip)
            .amount(amount)
            .issued_at(expires_at - TimeDelta::hours(48))
            .expires_at(expires_at)
            .create(self.store.as_ref())
            .await
    }

    /// Receives (briefly hidden) messages of `url` that `mine` accepts, deletes them and returns
    /// them; others' messages are made visible again at once. Stops after `want` or `wait`.
    pub async fn take(
        &self,
        url: &str,
        want: usize,
        wait: Duration,
        mine: impl Fn(&str) -> bool,
    ) -> Vec<Message> {
        sqs::take(&self.sqs, url, want, wait, Others::HandBack, mine).await
    }
}

/// The SqsEvent Lambda would deliver for these messages of the jobs queue.
pub fn sqs_event(messages: &[Message]) -> SqsEvent {
    sqs::sqs_event_of(
        messages,
        "arn:aws:sqs:us-east-1:123456789012:ReconcileJobsQueue",
    )
}
