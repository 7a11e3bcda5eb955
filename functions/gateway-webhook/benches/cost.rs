//! The cost of the payment path, on the AWS emulator: the AWS calls one accepted `cip.paid`
//! notification makes (counted by an interceptor on every SDK client the handler uses, by service
//! and operation), and the DynamoDB write units of an order's paid and settled steps (by
//! DynamoDB's sizing rules, [`cuadre_aws::WriteMeter`]; transactions count double).
//!
//! `cargo bench -p gateway-webhook --bench cost` (or `cargo test -p gateway-webhook --bench cost`
//! for a quick unoptimised run: the figures are counts, the same in either). Prints one table; it
//! asserts nothing (the figures are reported, not gated).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use cuadre_aws::{DynamoStore, SqsMerchantEvents, SsmSecrets};
use cuadre_core::events::outbox::EventRecord;
use cuadre_core::events::{EventType, MerchantEvent};
use cuadre_core::store::OrderStore;
use cuadre_core::OrderStatus;
use cuadre_lambda::secrets::SecretCache;
use gateway_webhook::adapters::S3Archive;
use gateway_webhook::handle;
use lambda_http::http::StatusCode;
use support::{paid_body, sign, Harness, SECRET_KEY};

/// Counts every operation the clients start (retries are not separate calls here).
#[derive(Debug, Default, Clone)]
struct Calls(Arc<Mutex<BTreeMap<String, u32>>>);

impl Intercept for Calls {
    fn name(&self) -> &'static str {
        "CountCalls"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // JSON protocols name the operation in X-Amz-Target; S3 is a method on a bucket.
        let request = context.request();
        let name = match request.headers().get("x-amz-target") {
            Some(target) => target.to_string(),
            None => format!("S3.{}", request.method()),
        };
        *self.0.lock().unwrap().entry(name).or_default() += 1;
        Ok(())
    }
}

impl Calls {
    fn take(&self) -> BTreeMap<String, u32> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[tokio::main]
async fn main() {
    let mut h = Harness::new().await;
    let calls = Calls::default();
    let sdk = h.config.clone();
    let ddb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .interceptor(calls.clone())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let store = Arc::new(DynamoStore::new(ddb, h.var("TABLE_NAME")));
    h.app.store = store.clone();
    h.app.archive = Arc::new(S3Archive::new(s3, h.var("VOUCHERS_BUCKET")));
    h.app.secrets = Arc::new(SecretCache::new(Arc::new(SsmSecrets::new(ssm))));
    h.app.events = Arc::new(SqsMerchantEvents::new(
        sqs,
        h.var("MERCHANT_NOTIFICATIONS_QUEUE_URL"),
    ));

    let deliver = |cip: &str, op: &str| {
        let body = paid_body(cip, op, "25.50");
        let signature = sign(SECRET_KEY, body.as_bytes());
        h.request(body.as_bytes(), &[("pe-signature", &signature)])
    };
    // A first notification warms the secret cache (a container's first request).
    h.pending_order("COST-0", "8800000", "25.50").await;
    let cold = handle(&h.app, deliver("8800000", "1")).await;
    assert_eq!(cold.status(), StatusCode::OK);
    let cold_calls = calls.take();

    let order = h.pending_order("COST-1", "8800001", "25.50").await;
    calls.take();
    let before = store.meter().units();
    let warm = handle(&h.app, deliver("8800001", "2")).await;
    assert_eq!(warm.status(), StatusCode::OK);
    let paid_units = store.meter().units() - before;
    let warm_calls = calls.take();

    // The settled step as the reconcile worker writes it: the move with its order.settled.
    let paid = store
        .get_order(&order.tenant_id, &order.order_id)
        .await
        .unwrap()
        .unwrap();
    let settled = cuadre_core::Order {
        status: OrderStatus::Settled,
        ..paid.clone()
    };
    let event = MerchantEvent::order_changed(
        EventType::OrderSettled,
        &paid,
        &settled,
        None,
        chrono::Utc::now(),
    );
    let before = store.meter().units();
    store
        .transition_order_announcing(
            &paid,
            OrderStatus::Settled,
            &[EventRecord::new(event, chrono::Utc::now())],
        )
        .await
        .unwrap();
    let settled_units = store.meter().units() - before;

    let total = |m: &BTreeMap<String, u32>| m.values().sum::<u32>();
    println!("AWS calls per accepted notification");
    println!(
        "  first of a container: {} {cold_calls:?}",
        total(&cold_calls)
    );
    println!(
        "  warm:                 {} {warm_calls:?}",
        total(&warm_calls)
    );
    println!("DynamoDB write units");
    println!("  paid (webhook):       {paid_units}");
    println!("  settled (worker):     {settled_units}");
}
