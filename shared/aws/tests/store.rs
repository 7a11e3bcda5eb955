//! The DynamoDB store against the AWS emulator (started by `cuadre-testing`): real SDK, real
//! requests, real conditional-write failures.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cuadre_aws::DynamoStore;
use cuadre_core::records::IdempotencyStatus;
use cuadre_core::store::{
    Created, ExceptionStore, IdempotencyStart, IdempotencyStore, OrderStore, PaymentStore,
    StoreError, TenantStore,
};
use cuadre_core::{
    Cip, Currency, ExceptionKey, ExceptionKind, ExceptionRecord, ExceptionStatus,
    IdempotencyRecord, Money, Order, OrderId, OrderStatus, Payment, TenantId,
};
use cuadre_testing::{local_aws, unique_tenant, OrderBuilder, PaymentBuilder, TenantRecordBuilder};

async fn store() -> DynamoStore {
    local_aws().store().await
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap()
}

fn order(tenant: &TenantId, id: &str, cip: &str) -> Order {
    OrderBuilder::new(tenant, id)
        .cip(cip)
        .issued_at(t0())
        .channel("api")
        .build()
}

/// The stored order (the test fails if there is none).
async fn stored(store: &DynamoStore, tenant: &TenantId, id: &OrderId) -> Order {
    store.get_order(tenant, id).await.unwrap().unwrap()
}

fn payment(tenant: &TenantId, cip: &str, op: &str) -> Payment {
    PaymentBuilder::new(tenant, cip, op)
        .paid_at(t0() + Duration::hours(1))
        .build()
}

#[tokio::test]
async fn creates_reads_and_finds_an_order_by_cip() {
    let store = store().await;
    let tenant = unique_tenant("store");
    let o = order(&tenant, "A-1", "11546901");
    store.create_order(&o).await.unwrap();
    assert_eq!(
        store.get_order(&tenant, &o.order_id).await.unwrap(),
        Some(o.clone())
    );
    let by_cip = store
        .find_order_by_cip(&tenant, o.cip.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(by_cip, Some(o.clone()));
    assert!(store
        .find_order_by_cip(&tenant, &Cip::parse("999").unwrap())
        .await
        .unwrap()
        .is_none());
    // the same order id again is a conflict, not an overwrite
    assert!(matches!(
        store.create_order(&o).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn concurrent_transitions_of_one_order_have_one_winner() {
    let store = Arc::new(store().await);
    let tenant = unique_tenant("race");
    let o = order(&tenant, "RACE-1", "2001");
    store.create_order(&o).await.unwrap();
    // Both read version 1; one pays, the other expires.
    let (a, b) = tokio::join!(
        {
            let (store, o) = (store.clone(), o.clone());
            async move { store.transition_order(&o, OrderStatus::Paid).await }
        },
        {
            let (store, o) = (store.clone(), o.clone());
            async move { store.transition_order(&o, OrderStatus::Expired).await }
        }
    );
    let results = [a, b];
    let wins: Vec<&Order> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(wins.len(), 1, "exactly one transition wins: {results:?}");
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict(_)))));
    let stored = stored(&store, &tenant, &o.order_id).await;
    assert_eq!(stored.status, wins[0].status);
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn many_concurrent_writers_one_winner() {
    let store = Arc::new(store().await);
    let tenant = unique_tenant("race10");
    let o = order(&tenant, "RACE-10", "2010");
    store.create_order(&o).await.unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (store, o) = (store.clone(), o.clone());
            tokio::spawn(async move { store.transition_order(&o, OrderStatus::Paid).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn illegal_transition_is_refused_before_writing() {
    let store = store().await;
    let tenant = unique_tenant("illegal");
    let o = order(&tenant, "P-1", "3001");
    store.create_order(&o).await.unwrap();
    let paid = store.transition_order(&o, OrderStatus::Paid).await.unwrap();
    let err = store
        .transition_order(&paid, OrderStatus::Expired)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IllegalTransition(_)), "{err}");
    // a stale copy cannot overwrite the newer state
    let stale = store
        .transition_order(&o, OrderStatus::Cancelled)
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict(_)));
    assert_eq!(
        stored(&store, &tenant, &o.order_id).await.status,
        OrderStatus::Paid
    );
}

#[tokio::test]
async fn same_order_id_in_two_tenants_stays_separate() {
    let store = store().await;
    let (t1, t2) = (unique_tenant("iso"), unique_tenant("iso"));
    let mut o1 = order(&t1, "SHARED-ID", "4001");
    let mut o2 = order(&t2, "SHARED-ID", "4001");
    o1.amount = Money::parse("10", Currency::Pen).unwrap();
    o2.amount = Money::parse("20", Currency::Usd).unwrap();
    store.create_order(&o1).await.unwrap();
    store.create_order(&o2).await.unwrap();
    assert_eq!(stored(&store, &t1, &o1.order_id).await.amount, o1.amount);
    assert_eq!(stored(&store, &t2, &o2.order_id).await.amount, o2.amount);
    let cip = Cip::parse("4001").unwrap();
    assert_eq!(
        store
            .find_order_by_cip(&t1, &cip)
            .await
            .unwrap()
            .unwrap()
            .tenant_id,
        t1
    );
    assert_eq!(
        store
            .find_order_by_cip(&t2, &cip)
            .await
            .unwrap()
            .unwrap()
            .tenant_id,
        t2
    );
    store
        .transition_order(&o1, OrderStatus::Paid)
        .await
        .unwrap();
    assert_eq!(
        stored(&store, &t2, &o2.order_id).await.status,
        OrderStatus::Pending
    );
    // a page token from one tenant's listing is refused for another's
    for i in 0..3 {
        store
            .create_order(&order(&t1, &format!("L-{i}"), &format!("50{i}")))
            .await
            .unwrap();
    }
    let (_, token) = store
        .list_orders_by_status(&t1, OrderStatus::Pending, None, None, 1)
        .await
        .unwrap();
    let token = token.expect("more pages");
    let err = store
        .list_orders_by_status(&t2, OrderStatus::Pending, None, Some(token), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BadPageToken));
}

#[tokio::test]
async fn write_units_follow_item_sizes() {
    let store = store().await;
    let tenant = unique_tenant("wcu");
    let o = order(&tenant, "W-1", "6001");
    let before = store.meter().units();
    store.create_order(&o).await.unwrap();
    assert_eq!(
        store.meter().units() - before,
        1,
        "a small order is one write unit"
    );
    let mut big = order(&tenant, "W-2", "6002");
    big.concept = Some("x".repeat(2500));
    let before = store.meter().units();
    store.create_order(&big).await.unwrap();
    assert_eq!(
        store.meter().units() - before,
        3,
        "~2.8 KB rounds up to 3 units"
    );
    // an update is billed on the larger of before and after
    let before = store.meter().units();
    let small = Order {
        concept: None,
        ..big.clone()
    };
    store.replace_order(&big, &small).await.unwrap();
    assert_eq!(store.meter().units() - before, 3);
}

#[tokio::test]
async fn payments_are_recorded_once_per_cip_and_operation() {
    let store = store().await;
    let tenant = unique_tenant("pay");
    let p = payment(&tenant, "7001", "1253");
    assert!(matches!(
        store.record_payment(&p).await.unwrap(),
        Created::New(_)
    ));
    let mut again = p.clone();
    again.received_at = p.received_at + Duration::minutes(5);
    match store.record_payment(&again).await.unwrap() {
        Created::AlreadyExisted(existing) => assert_eq!(existing, p, "the first record stays"),
        other => panic!("expected the existing payment, got {other:?}"),
    }
    store
        .record_payment(&payment(&tenant, "7001", "9999"))
        .await
        .unwrap();
    let all = store.payments_for_cip(&tenant, &p.cip).await.unwrap();
    assert_eq!(all.len(), 2);
    let other = unique_tenant("pay");
    assert!(store
        .payments_for_cip(&other, &p.cip)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn exceptions_are_idempotent_and_updated_conditionally() {
    let store = store().await;
    let tenant = unique_tenant("exc");
    let key = ExceptionKey {
        kind: ExceptionKind::AmountMismatch,
        order_id: Some(OrderId::parse("E-1").unwrap()),
        cip: Some(Cip::parse("8001").unwrap()),
        operation_number: None,
    };
    let rec = ExceptionRecord::open(
        tenant.clone(),
        key.clone(),
        "paid 100.00, expected 150.00".into(),
        t0(),
    );
    assert!(matches!(
        store.raise_exception(&rec).await.unwrap(),
        Created::New(_)
    ));
    let ack = ExceptionRecord {
        status: ExceptionStatus::Acknowledged,
        acknowledged_by: Some("ana@merchant.pe".into()),
        ..rec.clone()
    };
    let stored = store.update_exception(&rec, &ack).await.unwrap();
    assert_eq!(stored.version, 2);
    // raising the same facts again changes nothing, not even the status a person set
    let again = ExceptionRecord::open(
        tenant.clone(),
        key,
        "again".into(),
        t0() + Duration::days(1),
    );
    match store.raise_exception(&again).await.unwrap() {
        Created::AlreadyExisted(existing) => {
            assert_eq!(existing.status, ExceptionStatus::Acknowledged)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.update_exception(&rec, &ack).await,
        Err(StoreError::Conflict(_))
    ));
    let for_order = store
        .exceptions_for_order(&tenant, &OrderId::parse("E-1").unwrap())
        .await
        .unwrap();
    assert_eq!(for_order.len(), 1);
    let (open, _) = store
        .list_exceptions(&tenant, Some(ExceptionStatus::Open), None, 10)
        .await
        .unwrap();
    assert!(open.is_empty());
    let (acked, _) = store
        .list_exceptions(&tenant, Some(ExceptionStatus::Acknowledged), None, 10)
        .await
        .unwrap();
    assert_eq!(acked.len(), 1);
}

async fn start(store: &DynamoStore, rec: &IdempotencyRecord, now: i64) -> IdempotencyStart {
    store.start(rec, now).await.unwrap()
}

#[tokio::test]
async fn idempotency_records_follow_the_powertools_protocol() {
    let store = store().await;
    let tenant = unique_tenant("idem");
    let now = t0().timestamp();
    let rec = IdempotencyRecord {
        tenant_id: tenant.clone(),
        key: "key-1".into(),
        status: IdempotencyStatus::InProgress,
        payload_hash: "aaa".into(),
        response: None,
        expires_at: now + 3600,
        in_progress_until: now + 30,
    };
    assert_eq!(start(&store, &rec, now).await, IdempotencyStart::Started);
    assert_eq!(start(&store, &rec, now).await, IdempotencyStart::InProgress);
    let other_body = IdempotencyRecord {
        payload_hash: "bbb".into(),
        ..rec.clone()
    };
    assert_eq!(
        start(&store, &other_body, now).await,
        IdempotencyStart::PayloadMismatch
    );
    store
        .complete(&tenant, "key-1", "{\"cip\":\"1\"}", now + 3600)
        .await
        .unwrap();
    assert_eq!(
        start(&store, &rec, now).await,
        IdempotencyStart::Completed("{\"cip\":\"1\"}".into())
    );
    assert_eq!(
        start(&store, &other_body, now).await,
        IdempotencyStart::PayloadMismatch
    );
    // expired records no longer count
    assert_eq!(
        start(&store, &rec, now + 7200).await,
        IdempotencyStart::Started
    );
    // an abandoned IN_PROGRESS record (its Lambda died) can be taken over after its lease
    let rec2 = IdempotencyRecord {
        key: "key-2".into(),
        ..rec.clone()
    };
    assert_eq!(start(&store, &rec2, now).await, IdempotencyStart::Started);
    assert_eq!(
        start(&store, &rec2, now + 31).await,
        IdempotencyStart::Started
    );
    store.abandon(&tenant, "key-2").await.unwrap();
    assert_eq!(start(&store, &rec2, now).await, IdempotencyStart::Started);
}

#[tokio::test]
async fn tenants_are_created_once_and_listed_without_a_scan() {
    let store = store().await;
    let tenant = TenantRecordBuilder::new(&unique_tenant("tn"))
        .created_at(t0())
        .build();
    store.create_tenant(&tenant).await.unwrap();
    assert!(matches!(
        store.create_tenant(&tenant).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_tenant(&tenant.tenant_id).await.unwrap(),
        Some(tenant.clone())
    );
    assert!(store
        .list_tenants()
        .await
        .unwrap()
        .iter()
        .any(|t| t.tenant_id == tenant.tenant_id));
}
