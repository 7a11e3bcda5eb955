//! The once-only markers (`OnceStore`) against the emulator: real conditional writes.

use cuadre_aws::DynamoStore;
use cuadre_core::store::{OnceClaim, OnceStore};
use cuadre_core::TenantId;
use cuadre_testing::{local_aws, unique_tenant};

async fn claim(
    store: &DynamoStore,
    tenant: &TenantId,
    key: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> OnceClaim {
    store
        .claim_once(tenant, key, holder, now, until)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_is_claimed_by_one_holder_and_done_once() {
    let store = local_aws().store().await;
    let t = unique_tenant("once");
    let key = "buyer-email:ORD-1";
    let now = 1_000_000;

    assert_eq!(
        claim(&store, &t, key, "a", now, now + 60).await,
        OnceClaim::Claimed
    );
    // While a's lease runs, nobody else gets it, and b cannot release a's claim.
    assert_eq!(
        claim(&store, &t, key, "b", now + 10, now + 70).await,
        OnceClaim::Held
    );
    store.release_once(&t, key, "b").await.unwrap();
    assert_eq!(
        claim(&store, &t, key, "b", now + 10, now + 70).await,
        OnceClaim::Held
    );
    // a gives it back after a failure: b may take it at once.
    store.release_once(&t, key, "a").await.unwrap();
    assert_eq!(
        claim(&store, &t, key, "b", now + 11, now + 71).await,
        OnceClaim::Claimed
    );
    // b dies holding it; after the lease, c takes over.
    assert_eq!(
        claim(&store, &t, key, "c", now + 72, now + 132).await,
        OnceClaim::Claimed
    );
    store.complete_once(&t, key, now + 80).await.unwrap();
    store.complete_once(&t, key, now + 81).await.unwrap();
    store.release_once(&t, key, "c").await.unwrap();
    for later in [now + 90, now + 1_000_000] {
        assert_eq!(
            claim(&store, &t, key, "d", later, later + 60).await,
            OnceClaim::Done
        );
    }
    // Keys and tenants are separate.
    assert_eq!(
        claim(&store, &t, "buyer-email:ORD-2", "a", now, now + 60).await,
        OnceClaim::Claimed
    );
    assert_eq!(
        claim(&store, &unique_tenant("once"), key, "a", now, now + 60).await,
        OnceClaim::Claimed
    );
}

#[tokio::test]
async fn completing_without_a_claim_still_marks_it_done() {
    let store = local_aws().store().await;
    let t = unique_tenant("once");
    store.complete_once(&t, "k", 5).await.unwrap();
    assert_eq!(claim(&store, &t, "k", "a", 6, 66).await, OnceClaim::Done);
}
