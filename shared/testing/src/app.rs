//! A test's world: the emulator's clients ([`TestAws`]) and, on them, a fresh tenant with its usual
//! set-up ([`TestApp`]).

use std::ops::Deref;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use cuadre_aws::{DynamoStore, SqsMerchantEvents, SsmSecrets};
use cuadre_core::access::NewApiKey;
use cuadre_core::store::{OrderStore, PaymentStore};
use cuadre_core::tenants::Provisioned;
use cuadre_core::{OperationNumber, Order, OrderStatus, Payment, Tenant, TenantId};
use cuadre_lambda::secrets::SecretCache;

use crate::aws::{local_aws, LocalAws};
use crate::builders::{cip, order_id, OrderBuilder, PaymentBuilder, VoucherBuilder};
use crate::events::RecordingEvents;
use crate::sqs::queue;
use crate::tenant::TenantSetup;

/// The emulator's SDK clients and the store over its table.
pub struct TestAws {
    pub local: &'static LocalAws,
    pub config: SdkConfig,
    pub store: Arc<DynamoStore>,
    pub secrets: Arc<SsmSecrets>,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl TestAws {
    /// Brings the emulator up if needed (see [`local_aws`]) and connects to it.
    pub async fn connect() -> TestAws {
        let local = local_aws();
        let config = local.sdk_config().await;
        TestAws {
            store: Arc::new(local.store().await),
            secrets: Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&config))),
            s3: local.s3().await,
            sqs: aws_sdk_sqs::Client::new(&config),
            config,
            local,
        }
    }

    /// A variable of the template's function environment, e.g. `VOUCHERS_BUCKET`.
    pub fn var(&self, name: &str) -> &'static str {
        self.local.var(name)
    }

    /// The functions' cache over the secret store.
    pub fn secret_cache(&self) -> Arc<SecretCache> {
        Arc::new(SecretCache::new(self.secrets.clone()))
    }

    /// Onboards a tenant on these clients.
    pub async fn provision(&self, setup: TenantSetup) -> Provisioned {
        setup.provision(&self.store, &self.secrets).await
    }

    /// A queue of the test's own, without a dead-letter queue; delete it with
    /// [`TestAws::delete_queue`].
    pub async fn private_queue(&self, prefix: &str) -> String {
        queue(prefix).create(&self.sqs).await.url
    }

    pub async fn delete_queue(&self, url: &str) {
        let _ = self.sqs.delete_queue().queue_url(url).send().await;
    }

    /// Puts an object (with its SHA-256 checksum, as the functions' uploads carry it).
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        bytes: impl Into<Vec<u8>>,
        content_type: Option<&str>,
    ) {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .body(ByteStream::from(bytes.into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {bucket}/{key}: {e:?}"));
    }

    /// An object's bytes (the test fails if it is not there).
    pub async fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        self.s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"))
            .body
            .collect()
            .await
            .expect("read the object")
            .into_bytes()
            .to_vec()
    }

    /// The keys under `prefix`, sorted.
    pub async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let out = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list {bucket}/{prefix}: {e:?}"));
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    }
}

/// A fresh tenant, provisioned as `cuadre tenant create` does it (tenant record, API key, gateway
/// and notification secrets in SSM), with the emulator's clients (through `Deref`) and a recorder
/// of the merchant events sent to the shared notifications queue ([`TestApp::events`]).
pub struct TestApp {
    pub aws: TestAws,
    pub tenant: Tenant,
    pub api_key: NewApiKey,
    /// The secret that signs this tenant's notifications.
    pub notification_secret: String,
    /// A sink on `MERCHANT_NOTIFICATIONS_QUEUE_URL` that records what it delivers.
    pub events: Arc<RecordingEvents>,
}

impl Deref for TestApp {
    type Target = TestAws;

    fn deref(&self) -> &TestAws {
        &self.aws
    }
}

impl TestApp {
    /// The usual tenant (see [`TenantSetup`]), its id starting with `prefix`.
    pub async fn new(prefix: &str) -> TestApp {
        TestApp::with(TenantSetup::new(prefix)).await
    }

    pub async fn with(setup: TenantSetup) -> TestApp {
        TestApp::on(TestAws::connect().await, setup).await
    }

    /// Onboards the tenant on clients already made.
    pub async fn on(aws: TestAws, setup: TenantSetup) -> TestApp {
        let provisioned = aws.provision(setup).await;
        let queue_url = aws.var("MERCHANT_NOTIFICATIONS_QUEUE_URL");
        let events = Arc::new(RecordingEvents::new(Arc::new(SqsMerchantEvents::new(
            aws.sqs.clone(),
            queue_url,
        ))));
        TestApp {
            aws,
            tenant: provisioned.tenant,
            api_key: provisioned.api_key,
            notification_secret: provisioned.notification_secret,
            events,
        }
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant.tenant_id
    }

    /// The API key, as the merchant sends it after `Bearer `.
    pub fn key(&self) -> &str {
        &self.api_key.plaintext
    }

    /// An order of this tenant (see [`OrderBuilder`] for the defaults).
    pub fn order(&self, id: &str) -> OrderBuilder {
        OrderBuilder::new(self.tenant_id(), id)
    }

    /// A payment of this tenant (see [`PaymentBuilder`]).
    pub fn payment(&self, cip: &str, operation_number: &str) -> PaymentBuilder {
        PaymentBuilder::new(self.tenant_id(), cip, operation_number)
    }

    /// A voucher of this tenant's order (see [`VoucherBuilder`]).
    pub fn voucher(&self, order: &str, voucher_id: &str) -> VoucherBuilder {
        VoucherBuilder::new(self.tenant_id(), order, voucher_id)
    }

    /// The stored order (the test fails if there is none).
    pub async fn get_order(&self, id: &str) -> Order {
        self.store
            .get_order(self.tenant_id(), &order_id(id))
            .await
            .expect("read the order")
            .unwrap_or_else(|| panic!("order {id} is stored"))
    }

    /// The stored payment of the code by this operation number, if any.
    pub async fn get_payment(&self, code: &str, operation_number: &str) -> Option<Payment> {
        let operation = OperationNumber::parse(operation_number)
            .unwrap_or_else(|e| panic!("{operation_number:?}: {e}"));
        self.store
            .get_payment(self.tenant_id(), &cip(code), &operation)
            .await
            .expect("read the payment")
    }

    pub async fn status(&self, id: &str) -> OrderStatus {
        self.get_order(id).await.status
    }
}

/// `impl Deref` from a test's own harness struct to the [`TestApp`] or [`TestAws`] in one of its
/// fields, so the harness reads like them (`h.store`, `h.tenant_id()`):
/// `cuadre_testing::deref_to!(Harness => env: TestApp);`
#[macro_export]
macro_rules! deref_to {
    ($harness:ty => $field:ident: $target:ty) => {
        impl ::std::ops::Deref for $harness {
            type Target = $target;

            fn deref(&self) -> &$target {
                &self.$field
            }
        }
    };
}
