//! Two onboardings of one tenant id at once, against the AWS emulator (DynamoDB + SSM through the
//! ports `cuadre tenant create` uses): exactly one wins, and the loser changes nothing — the
//! stored tenant's secrets are the winner's, and the loser leaves no API key.

use chrono::{SubsecRound, Utc};
use cuadre_aws::{DynamoStore, SsmSecrets};
use cuadre_core::store::{ApiKeyStore, SecretStore, TenantStore};
use cuadre_core::tenants::{provision, Provisioned, TenantError, TenantRandomness};
use cuadre_core::TenantId;
use cuadre_testing::{unique_tenant, TenantSetup, TestAws};

/// How many tenant ids race: the interleaving differs from one to the next.
const RACES: usize = 10;

async fn onboard(
    store: &DynamoStore,
    secrets: &SsmSecrets,
    id: &TenantId,
    gateway_secret: &str,
) -> Result<Provisioned, TenantError> {
    let mut setup = TenantSetup::with_id(id.clone());
    setup.new.gateway_secret_key = gateway_secret.to_string();
    provision(
        store,
        store,
        secrets,
        &setup.secrets_prefix,
        setup.new,
        TenantRandomness {
            api_key_id: rand::random(),
            api_key_secret: rand::random(),
            notification_secret: rand::random(),
        },
        // The table keeps whole seconds: so the stored tenant compares equal to the returned one.
        Utc::now().trunc_subsecs(0),
    )
    .await
}

/// The secret `name` holds, which must exist.
async fn secret(secrets: &SsmSecrets, name: &str) -> String {
    secrets
        .get_secret(name)
        .await
        .expect("SSM answers")
        .unwrap_or_else(|| panic!("no secret at {name}"))
}

#[tokio::test]
async fn concurrent_onboardings_of_one_id_leave_only_the_winners_secrets() {
    let aws = TestAws::connect().await;
    let (store, secrets) = (&*aws.store, &*aws.secrets);
    let mut winners = [0usize; 2];
    for race in 0..RACES {
        let id = unique_tenant("race");
        let gateway = [format!("gateway-a-{race}"), format!("gateway-b-{race}")];
        let (a, b) = tokio::join!(
            onboard(store, secrets, &id, &gateway[0]),
            onboard(store, secrets, &id, &gateway[1]),
        );
        let (winner, w, loser) = match (a, b) {
            (Ok(p), Err(e)) => (p, 0, e),
            (Err(e), Ok(p)) => (p, 1, e),
            (Ok(_), Ok(_)) => panic!("race {race}: both onboardings of {id} succeeded"),
            (Err(a), Err(b)) => panic!("race {race}: both onboardings of {id} failed: {a}; {b}"),
        };
        winners[w] += 1;
        assert!(
            matches!(&loser, TenantError::AlreadyExists(t) if *t == id),
            "race {race}: the loser must get AlreadyExists({id}), got: {loser}"
        );
        assert_eq!(loser.to_string(), format!("tenant {id} already exists"));

        let stored = store
            .get_tenant(&id)
            .await
            .unwrap()
            .expect("the winner's tenant is stored");
        assert_eq!(stored, winner.tenant, "race {race}: the stored tenant");
        assert_eq!(
            secret(secrets, &stored.secret_ref).await,
            gateway[w],
            "race {race}: the gateway secret key is the winner's"
        );
        let signing_ref = stored
            .notification_secret_ref
            .as_deref()
            .expect("a notification secret ref");
        assert_eq!(
            secret(secrets, signing_ref).await,
            winner.notification_secret,
            "race {race}: the notification signing secret is the winner's"
        );
        let keys = store.list_api_keys(&id).await.unwrap();
        assert_eq!(
            keys.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(),
            [winner.api_key.record.key_id.as_str()],
            "race {race}: only the winner's API key exists"
        );
    }
    eprintln!(
        "winners over {RACES} races: first {}, second {}",
        winners[0], winners[1]
    );
}

/// A later, plain duplicate is refused before anything is written, and the first tenant keeps
/// its secrets.
#[tokio::test]
async fn a_later_duplicate_changes_nothing() {
    let aws = TestAws::connect().await;
    let (store, secrets) = (&*aws.store, &*aws.secrets);
    let id = unique_tenant("dup");
    let first = onboard(store, secrets, &id, "gateway-first").await.unwrap();
    let second = onboard(store, secrets, &id, "gateway-second").await;
    assert!(
        matches!(&second, Err(TenantError::AlreadyExists(t)) if *t == id),
        "{second:?}"
    );
    let stored = store.get_tenant(&id).await.unwrap().unwrap();
    assert_eq!(stored, first.tenant);
    assert_eq!(secret(secrets, &stored.secret_ref).await, "gateway-first");
    assert_eq!(
        secret(secrets, stored.notification_secret_ref.as_deref().unwrap()).await,
        first.notification_secret
    );
    assert_eq!(store.list_api_keys(&id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_rotations_never_overwrite_the_secret_the_winner_showed() {
    use cuadre_core::tenants::rotate_notification_secret;
    let aws = TestAws::connect().await;
    let (store, secrets) = (&*aws.store, &*aws.secrets);
    for race in 0..RACES {
        let id = unique_tenant("rotrace");
        let prefix = TenantSetup::with_id(id.clone()).secrets_prefix;
        onboard(store, secrets, &id, "gateway").await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let (a, b) = tokio::join!(
            rotate_notification_secret(store, secrets, &prefix, &id, rand::random(), now),
            rotate_notification_secret(store, secrets, &prefix, &id, rand::random(), now),
        );
        let (tenant, shown) = match (a, b) {
            (Ok(won), Err(_)) | (Err(_), Ok(won)) => won,
            (Ok((t, _)), Ok(_)) => panic!("race {race}: both rotations of {} won", t.tenant_id),
            (Err(a), Err(b)) => panic!("race {race}: both rotations failed: {a}; {b}"),
        };
        let signing = tenant.notification_secret_ref.as_deref().unwrap();
        assert_eq!(
            secret(secrets, signing).await,
            shown,
            "race {race}: the stored signing secret is the one the winner showed"
        );
    }
}
