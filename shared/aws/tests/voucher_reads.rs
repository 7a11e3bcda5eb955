//! The voucher reader's store methods against the emulator: vouchers by operation number, the
//! tenant's recent vouchers (a query, newest first), and status-lookup markers by due time.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cuadre_aws::DynamoStore;
use cuadre_core::store::{
    Created, StatusLookup, StatusLookupStore, StoreError, VoucherReadStore, VoucherStore,
};
use cuadre_core::{Cip, OperationNumber, OrderId, TenantId, Voucher, VoucherFields};
use cuadre_testing::{local_aws, unique_tenant, VoucherBuilder};

async fn store() -> DynamoStore {
    local_aws().store().await
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap()
}

fn voucher(tenant: &TenantId, id: &str, order: &str, minutes: i64) -> Voucher {
    VoucherBuilder::new(tenant, order, id)
        .perceptual_hash("g16:AAAA")
        .uploaded_at(t0() + Duration::minutes(minutes))
        .fields(VoucherFields {
            operation_number: Some("000123".into()),
            ..Default::default()
        })
        .build()
}

#[tokio::test]
async fn vouchers_are_found_by_id_operation_number_and_recency() -> Result<(), StoreError> {
    let s = store().await;
    let t = unique_tenant("vreads");
    let op = OperationNumber::parse("000123").unwrap();
    let a = voucher(&t, "va", "Pedido Ñ 1", 0);
    let b = voucher(&t, "vb", "Pedido Ñ 2", 10);
    let old = voucher(&t, "vold", "Pedido Ñ 3", -60 * 24 * 40);
    for v in [&a, &b, &old] {
        s.put_voucher(v).await?;
    }
    assert_eq!(s.get_voucher(&t, &a.order_id, "va").await?, Some(a.clone()));
    assert_eq!(s.get_voucher(&t, &b.order_id, "va").await?, None);

    s.index_voucher_operation(&a, &op).await?;
    s.index_voucher_operation(&a, &op).await?; // idempotent
    s.index_voucher_operation(&b, &op).await?;
    let mut by_op = s.vouchers_by_operation_number(&t, &op).await?;
    by_op.sort_by(|x, y| x.voucher_id.cmp(&y.voucher_id));
    assert_eq!(by_op, vec![a.clone(), b.clone()]);
    let other_op = OperationNumber::parse("999").unwrap();
    assert!(s
        .vouchers_by_operation_number(&t, &other_op)
        .await?
        .is_empty());
    // The index copies do not show up as vouchers of an order or of an image hash.
    assert_eq!(
        s.vouchers_for_order(&t, &a.order_id).await?,
        vec![a.clone()]
    );
    assert_eq!(s.vouchers_by_sha256(&t, &a.sha256).await?, vec![a.clone()]);

    let recent = s.recent_vouchers(&t, t0() - Duration::days(30), 10).await?;
    let ids: Vec<_> = recent.iter().map(|v| v.voucher_id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["vb", "va"],
        "newest first, the old one outside the window"
    );
    assert_eq!(
        s.recent_vouchers(&t, t0() - Duration::days(30), 1)
            .await?
            .len(),
        1
    );
    let other = unique_tenant("vreads");
    assert!(s
        .recent_vouchers(&other, t0() - Duration::days(90), 10)
        .await?
        .is_empty());
    Ok(())
}

#[tokio::test]
async fn status_lookups_are_one_per_order_and_listed_by_due_time() -> Result<(), StoreError> {
    let s = store().await;
    let t = unique_tenant("lookups");
    let lookup = |order: &str, due_minutes: i64| StatusLookup {
        tenant_id: t.clone(),
        order_id: OrderId::parse(order).unwrap(),
        cip: Cip::parse("12345678").unwrap(),
        due_at: t0() + Duration::minutes(due_minutes),
        voucher_id: format!("v-{due_minutes}"),
        requested_at: t0(),
    };
    let first = lookup("Pedido 1", 120);
    assert_eq!(
        s.schedule_status_lookup(&first).await?,
        Created::New(first.clone())
    );
    // A second voucher of the same order keeps the earlier marker.
    assert_eq!(
        s.schedule_status_lookup(&lookup("Pedido 1", 300)).await?,
        Created::AlreadyExisted(first.clone())
    );
    let second = lookup("Pedido 2", 180);
    s.schedule_status_lookup(&second).await?;

    let (due, _) = s
        .due_status_lookups(&t, t0() + Duration::minutes(120), None, 10)
        .await?;
    assert_eq!(
        due,
        vec![first.clone()],
        "due exactly at the instant counts"
    );
    let (page1, next) = s
        .due_status_lookups(&t, t0() + Duration::hours(5), None, 1)
        .await?;
    assert_eq!(page1, vec![first.clone()]);
    let (page2, _) = s
        .due_status_lookups(&t, t0() + Duration::hours(5), next, 1)
        .await?;
    assert_eq!(page2, vec![second.clone()]);

    s.clear_status_lookup(&t, &first.order_id).await?;
    s.clear_status_lookup(&t, &first.order_id).await?; // nothing left: no error
    let (left, _) = s
        .due_status_lookups(&t, t0() + Duration::hours(5), None, 10)
        .await?;
    assert_eq!(left, vec![second]);
    Ok(())
}

#[tokio::test]
async fn an_item_over_the_size_budget_is_refused_before_it_is_sent() -> Result<(), StoreError> {
    let s = store().await;
    let t = unique_tenant("vbudget");
    let mut big = voucher(&t, "vbig", "Pedido grande", 0);
    // 320 KB of warnings: under DynamoDB's 400 KB, over the store's budget.
    big.warnings = vec!["x".repeat(1000); 320];
    let err = s.put_voucher(&big).await.unwrap_err();
    assert!(matches!(err, StoreError::TooLarge(_)), "{err}");
    assert!(err.to_string().contains("budget"), "{err}");
    assert_eq!(s.get_voucher(&t, &big.order_id, "vbig").await?, None);
    // Just under the budget it is written.
    big.warnings = vec!["x".repeat(1000); 290];
    s.put_voucher(&big).await?;
    assert!(s.get_voucher(&t, &big.order_id, "vbig").await?.is_some());
    Ok(())
}
