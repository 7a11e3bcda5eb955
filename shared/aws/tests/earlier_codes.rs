//! Every code an order ever had leads to it, and a stand-in operation number is adopted once:
//! against the AWS emulator (started by `cuadre-testing`).

use cuadre_aws::DynamoStore;
use cuadre_core::store::{OrderStore, PaymentStore, StoreError};
use cuadre_core::{OperationNumber, Order, OrderStatus, TenantId};
use cuadre_testing::builders::cip;
use cuadre_testing::{local_aws, unique_tenant, OrderBuilder, PaymentBuilder};

async fn store() -> DynamoStore {
    local_aws().store().await
}

async fn found(store: &DynamoStore, tenant: &TenantId, code: &str) -> Option<Order> {
    store.find_order_by_cip(tenant, &cip(code)).await.unwrap()
}

#[tokio::test]
async fn a_reissued_order_is_found_by_each_of_its_codes() {
    let store = store().await;
    let tenant = unique_tenant("earlier");
    let first = OrderBuilder::new(&tenant, "R-1")
        .cip("5001")
        .status(OrderStatus::Cancelled)
        .create(&store)
        .await;
    let mut reissued = first.with_new_cip(cip("5002"));
    reissued.status = OrderStatus::Pending;
    let reissued = store.replace_order(&first, &reissued).await.unwrap();
    assert_eq!(reissued.earlier_cips, [cip("5001")]);
    let third = store
        .replace_order(&reissued, &reissued.with_new_cip(cip("5003")))
        .await
        .unwrap();
    assert_eq!(third.earlier_cips, [cip("5001"), cip("5002")]);
    for code in ["5001", "5002", "5003"] {
        assert_eq!(
            found(&store, &tenant, code).await.as_ref(),
            Some(&third),
            "{code}"
        );
    }
    assert_eq!(found(&store, &tenant, "5004").await, None);

    // A code learnt later (a timed-out creation's) leads to the order as well.
    let mut learnt = third.clone();
    learnt.learn_cip(cip("4999"));
    let learnt = store.replace_order(&third, &learnt).await.unwrap();
    assert_eq!(found(&store, &tenant, "4999").await, Some(learnt.clone()));

    // A stale writer changes nothing: neither the order nor its codes' lookups.
    let mut stale = third.with_new_cip(cip("6000"));
    stale.concept = Some("stale".into());
    assert!(matches!(
        store.replace_order(&third, &stale).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(found(&store, &tenant, "6000").await, None);
    assert_eq!(found(&store, &tenant, "5003").await, Some(learnt));
}

#[tokio::test]
async fn a_stand_in_adopts_its_settlement_lines_number_once() {
    let store = store().await;
    let tenant = unique_tenant("standin");
    let payment = PaymentBuilder::new(&tenant, "5101", "~0123456789abc").build();
    store.record_payment(&payment).await.unwrap();
    let real = OperationNumber::parse("000555").unwrap();
    let adopted = store.adopt_operation_number(&payment, &real).await.unwrap();
    assert_eq!(adopted.settled_as, Some(real.clone()));
    assert_eq!(
        adopted.operation_number, payment.operation_number,
        "its identity stays"
    );
    let again = OperationNumber::parse("000556").unwrap();
    assert!(matches!(
        store.adopt_operation_number(&payment, &again).await,
        Err(StoreError::Conflict(_))
    ));
    let stored = store
        .get_payment(&tenant, &payment.cip, &payment.operation_number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.settled_as, Some(real));
    // A payment that is not there adopts nothing.
    let ghost = PaymentBuilder::new(&tenant, "5102", "~fffffffffffff").build();
    assert!(store
        .adopt_operation_number(&ghost, &OperationNumber::parse("1").unwrap())
        .await
        .is_err());
}
