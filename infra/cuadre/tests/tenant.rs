//! `cuadre tenant ...` against the local AWS emulator, checked through the same ports the
//! functions use.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::{cuadre, describe, run, stderr, stdout};
use cuadre_aws::DynamoStore;
use cuadre_core::peru::ruc_check_digit;
use cuadre_core::store::{SecretStore, TenantStore};
use cuadre_core::tenants::{
    authenticate, gateway_secret_name, notification_secret_name, AuthError,
};
use cuadre_core::TenantId;
use cuadre_testing::{local_aws, unique_tenant};
use serde_json::Value;

const PREFIX: &str = "/cuadre/local";

fn valid_ruc() -> String {
    let tail = &uuid::Uuid::new_v4().as_u128().to_string()[..8];
    let first: String = format!("20{tail}");
    let mut digits = [0u8; 10];
    for (d, b) in digits.iter_mut().zip(first.bytes()) {
        *d = b - b'0';
    }
    format!("{first}{}", ruc_check_digit(&digits))
}

fn bad_ruc() -> String {
    let good = valid_ruc();
    let last = good.as_bytes()[10] - b'0';
    format!("{}{}", &good[..10], (last + 1) % 10)
}

fn gateway_secret() -> String {
    format!("pe-secret-{}", uuid::Uuid::new_v4().simple())
}

fn create_args(id: &TenantId, ruc: &str) -> Vec<String> {
    [
        "tenant",
        "create",
        "--id",
        id.as_str(),
        "--name",
        "Bodega Doña Rosa SAC",
        "--ruc",
        ruc,
        "--id-service",
        "1234",
        "--access-key",
        "ak-test",
        "--high-value",
        "PEN=3000",
        "--high-value",
        "USD=800",
        "--notification-url",
        "https://rosa.example/notifications",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// The binary pointed at the local AWS emulator (started if needed), as `. .local/aws.env` would.
fn cuadre_aws() -> tokio::process::Command {
    let mut cmd = cuadre();
    cmd.envs(local_aws().client_env());
    cmd
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// `cuadre tenant create` with the gateway secret key on stdin, and `extra` flags.
async fn create_with_stdin(
    id: &TenantId,
    ruc: &str,
    extra: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut cmd = cuadre_aws();
    cmd.args(create_args(id, ruc))
        .arg("--secret-key-stdin")
        .args(extra);
    run(cmd, Some(stdin)).await
}

/// Creates a tenant through the CLI (`--json`), returning its output.
async fn create(id: &TenantId, secret: &str) -> Value {
    let out = create_with_stdin(id, &valid_ruc(), &["--json"], &format!("{secret}\n")).await;
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).expect("create --json prints JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn create_prints_a_working_key_and_keeps_the_secret_out_of_the_table() {
    let store = local_aws().store().await;
    let id = unique_tenant("cli");
    let secret = gateway_secret();

    let out = create_with_stdin(&id, &valid_ruc(), &[], &format!("{secret}\n")).await;
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    assert!(!text.contains(&secret) && !stderr(&out).contains(&secret));
    assert!(
        stderr(&out).contains("shown only this once"),
        "{}",
        describe(&out)
    );
    let key = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cdr_"))
        .unwrap_or_else(|| panic!("no API key printed:\n{}", describe(&out)));

    let record = authenticate(&store, Some(&bearer(key)))
        .await
        .expect("the printed key authenticates");
    assert_eq!(record.tenant_id, id);

    let tenant = store.get_tenant(&id).await.unwrap().expect("tenant stored");
    assert_eq!(tenant.id_service, 1234);
    assert_eq!(tenant.high_value_thresholds.len(), 2);
    assert_eq!(tenant.secret_ref, gateway_secret_name(PREFIX, &id));

    let secrets = local_aws().secrets().await;
    assert_eq!(
        secrets
            .get_secret(&tenant.secret_ref)
            .await
            .unwrap()
            .as_deref(),
        Some(secret.as_str())
    );
    let signing = secrets
        .get_secret(&notification_secret_name(PREFIX, &id))
        .await
        .unwrap()
        .expect("notification secret stored");
    assert!(text.contains(&signing), "the signing secret is shown once");

    assert_item_lacks(&store, &id, &secret).await;
}

/// The gateway secret key SSM holds for the tenant.
async fn gateway_secret_of(id: &TenantId) -> Option<String> {
    local_aws()
        .secrets()
        .await
        .get_secret(&gateway_secret_name(PREFIX, id))
        .await
        .unwrap()
}

/// Reads the tenant's raw item: no attribute holds the secret.
async fn assert_item_lacks(store: &DynamoStore, id: &TenantId, secret: &str) {
    let item = store
        .client()
        .get_item()
        .table_name(store.table())
        .key("PK", AttributeValue::S(format!("TENANT#{id}")))
        .key("SK", AttributeValue::S("TENANT".into()))
        .send()
        .await
        .expect("get_item")
        .item
        .expect("the tenant item exists");
    assert!(item.len() > 5, "expected a full tenant item: {item:?}");
    for (name, value) in &item {
        assert!(
            !format!("{value:?}").contains(secret),
            "attribute {name} holds the gateway secret"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_and_the_env_var_work_too() {
    let store = local_aws().store().await;
    let id = unique_tenant("cli");
    let secret = gateway_secret();
    let mut cmd = cuadre_aws();
    cmd.args(create_args(&id, &valid_ruc()))
        .args([
            "--json",
            "--no-buyer-emails",
            "--default-expiry-hours",
            "24",
        ])
        .env("PAGOEFECTIVO_SECRET_KEY", &secret);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!stdout(&out).contains(&secret));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tenant"]["tenant_id"], id.as_str());
    assert_eq!(v["tenant"]["high_value_thresholds"]["PEN"], "3000.00");
    assert_eq!(v["tenant"]["buyer_emails"], false);
    assert_eq!(v["tenant"]["default_expiry_hours"], 24);
    let key = v["api_key"]["api_key"].as_str().unwrap();
    authenticate(&store, Some(&bearer(key))).await.unwrap();
    assert_eq!(
        gateway_secret_of(&id).await.as_deref(),
        Some(secret.as_str())
    );
    assert_item_lacks(&store, &id, &secret).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_ruc_stores_nothing() {
    let store = local_aws().store().await;
    let id = unique_tenant("cli");
    let out = create_with_stdin(&id, &bad_ruc(), &[], "pe-secret\n").await;
    assert!(!out.status.success(), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.starts_with("error: invalid RUC"), "{}", describe(&out));
    assert!(err.contains("check digit"), "{}", describe(&out));
    assert!(store.get_tenant(&id).await.unwrap().is_none());
    assert!(gateway_secret_of(&id).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_key_is_required_and_never_an_argument() {
    let id = unique_tenant("cli");
    let out = run(
        {
            let mut c = cuadre_aws();
            c.args(create_args(&id, &valid_ruc()));
            c
        },
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("PAGOEFECTIVO_SECRET_KEY"),
        "{}",
        describe(&out)
    );
    let out = run(
        {
            let mut c = cuadre_aws();
            c.args(create_args(&id, &valid_ruc()))
                .args(["--secret-key", "pe-secret"]);
            c
        },
        None,
    )
    .await;
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(local_aws()
        .store()
        .await
        .get_tenant(&id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_tenant_is_refused_and_its_secret_kept() {
    let id = unique_tenant("cli");
    let first = gateway_secret();
    create(&id, &first).await;

    let out = create_with_stdin(&id, &valid_ruc(), &[], "another-secret\n").await;
    assert!(!out.status.success(), "{}", describe(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!("error: tenant {id} already exists"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        gateway_secret_of(&id).await.as_deref(),
        Some(first.as_str())
    );
}

/// Creates a tenant, rotates its key; returns (id, first key id, first key, second key).
async fn tenant_with_two_keys() -> (TenantId, String, String, String) {
    let store = local_aws().store().await;
    let id = unique_tenant("cli");
    let created = create(&id, &gateway_secret()).await;
    let first_key = created["api_key"]["api_key"].as_str().unwrap().to_string();
    let first_id = created["api_key"]["key_id"].as_str().unwrap().to_string();

    let mut cmd = cuadre_aws();
    cmd.args(["tenant", "rotate-key", "--id", id.as_str(), "--json"]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    let rotated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rotated["tenant_id"], id.as_str());
    let second_key = rotated["api_key"].as_str().unwrap().to_string();
    assert_ne!(second_key, first_key);
    for key in [&first_key, &second_key] {
        let record = authenticate(&store, Some(&bearer(key))).await.unwrap();
        assert_eq!(record.tenant_id, id);
    }
    (id, first_id, first_key, second_key)
}

async fn revoke_key(id: &TenantId, key_id: &str) -> std::process::Output {
    let mut cmd = cuadre_aws();
    cmd.args([
        "tenant",
        "revoke-key",
        "--id",
        id.as_str(),
        "--key-id",
        key_id,
    ]);
    run(cmd, None).await
}

async fn keys_json(id: &TenantId) -> Vec<Value> {
    let mut cmd = cuadre_aws();
    cmd.args(["tenant", "keys", "--id", id.as_str(), "--json"]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn list_row(id: &TenantId) -> Value {
    let mut cmd = cuadre_aws();
    cmd.args(["tenant", "list", "--json"]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    list.into_iter()
        .find(|t| t["tenant_id"] == id.as_str())
        .expect("the tenant is listed")
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_adds_a_second_valid_key() {
    let (id, first_id, first_key, second_key) = tenant_with_two_keys().await;

    // Keys and listing show the state, never a key.
    let keys = keys_json(&id).await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k["active"] == true));
    assert!(keys.iter().any(|k| k["key_id"] == first_id.as_str()));
    let text = serde_json::to_string(&keys).unwrap();
    assert!(!text.contains(&first_key) && !text.contains(&second_key));

    let row = list_row(&id).await;
    assert_eq!(row["active_keys"], 2);
    assert_eq!(row["revoked_keys"], 0);
    assert_eq!(row["id_service"], 1234);

    let mut cmd = cuadre_aws();
    cmd.args(["tenant", "list"]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains(id.as_str()));
    assert!(!stdout(&out).contains(&first_key));

    // Unknown key and unknown tenant are clear errors.
    let out = revoke_key(&id, "0000000000").await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has no API key 0000000000"),
        "{}",
        describe(&out)
    );
    let ghost = unique_tenant("ghost");
    for sub in ["rotate-key", "keys"] {
        let mut cmd = cuadre_aws();
        cmd.args(["tenant", sub, "--id", ghost.as_str()]);
        let out = run(cmd, None).await;
        assert!(!out.status.success());
        assert_eq!(
            stderr(&out).trim(),
            format!("error: tenant {ghost} does not exist")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_disables_only_that_key() {
    let store = local_aws().store().await;
    let (id, first_id, first_key, second_key) = tenant_with_two_keys().await;

    let out = revoke_key(&id, &first_id).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("revoked"), "{}", describe(&out));
    assert!(matches!(
        authenticate(&store, Some(&bearer(&first_key))).await,
        Err(AuthError::Revoked)
    ));
    let still = authenticate(&store, Some(&bearer(&second_key)))
        .await
        .unwrap();
    assert_eq!(still.tenant_id, id);

    let keys = keys_json(&id).await;
    let revoked: Vec<&Value> = keys.iter().filter(|k| k["active"] == false).collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["key_id"], first_id.as_str());
    assert!(revoked[0]["revoked_at"].is_string());
    let row = list_row(&id).await;
    assert_eq!(row["active_keys"], 1);
    assert_eq!(row["revoked_keys"], 1);

    // Revoking again is harmless and says so.
    let out = revoke_key(&id, &first_id).await;
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("already revoked"),
        "{}",
        describe(&out)
    );
}
