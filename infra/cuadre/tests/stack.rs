//! `cuadre --stack NAME …` against a stack in the emulator's CloudFormation, created from the
//! template as the SAM translator expands it (`infra/template-check`, the same expansion `make lint`
//! checks): the CLI finds the stack's table and secrets prefix in its outputs and prints the URL to
//! register with PagoEfectivo. moto creates the tables, buckets, queues, topics, roles, functions
//! (from a placeholder package) and rules, and skips what it does not emulate (API Gateway v2,
//! CloudWatch alarms and dashboards, …); this test prints which.
//!
//! The stack goes into an emulator of its own: once moto holds Lambda functions, its state
//! endpoint (which other tests read for sent e-mails) tries to reach Docker and fails, so a stack
//! in the shared emulator would break tests running beside this one.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use aws_sdk_cloudformation::types::{Capability, Parameter};
use common::{cuadre, describe, run, stderr};
use cuadre_aws::{load_sdk_config, AwsEndpoint, DynamoStore, SsmSecrets};
use cuadre_core::store::{SecretStore, TenantStore};
use cuadre_core::tenants::notification_secret_name;
use cuadre_core::TenantId;
use cuadre_testing::{local_aws, repo_root, unique_suffix};
use serde_json::Value;

/// An empty zip archive: what the stack's functions are created from (moto never runs them).
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// The expanded template, and the code packages its functions name (bucket, key).
fn expanded_template(dir: &std::path::Path) -> (Value, Vec<(String, String)>) {
    let out = dir.join("template.json");
    let status = Command::new(repo_root().join("infra/template-check"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run infra/template-check");
    assert!(status.success(), "infra/template-check failed");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // moto 5.2.5 fails a whole stack whose output reads an attribute (`Fn::GetAtt`) of a resource
    // type it does not model (here the custom domain's RegionalDomainName): leave that one out.
    let outputs = doc["Outputs"].as_object_mut().unwrap();
    outputs.retain(|_, o| {
        o["Value"]["Fn::GetAtt"][0]
            .as_str()
            .is_none_or(|target| target != "ApiDomain")
    });
    // Likewise a dashboard whose body names the alarms (`${Alarm.Arn}`): moto skips alarms, so the
    // reference is undefined to it. Neither is what this test is about.
    doc["Resources"]
        .as_object_mut()
        .unwrap()
        .retain(|_, r| r["Type"] != "AWS::CloudWatch::Dashboard");
    let code = doc["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::Function")
        .map(|r| {
            let c = &r["Properties"]["Code"];
            (
                c["S3Bucket"].as_str().unwrap().to_string(),
                c["S3Key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (doc, code)
}

/// A moto server on a free loopback port, stopped when dropped.
struct PrivateMoto {
    child: std::process::Child,
    url: String,
}

impl PrivateMoto {
    fn start() -> PrivateMoto {
        local_aws(); // the shared one's set-up installs moto into the repo's venv
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(repo_root().join(".venv/bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        PrivateMoto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The CLI's environment: the shared emulator's region and credentials, this endpoint.
    fn client_env(&self) -> Vec<(&str, &str)> {
        let mut env: Vec<(&str, &str)> = local_aws()
            .client_env()
            .into_iter()
            .filter(|(name, _)| !matches!(*name, "AWS_ENDPOINT_URL" | "TABLE_NAME"))
            .collect();
        env.push(("AWS_ENDPOINT_URL", &self.url));
        env
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_takes_table_prefix_and_urls_from_the_stack() {
    let aws = local_aws();
    let moto = PrivateMoto::start();
    let endpoint = AwsEndpoint {
        url: Some(moto.url.clone()),
    };
    let config = load_sdk_config(&endpoint).await;
    let suffix = unique_suffix();
    let dir = std::env::temp_dir().join(format!("cuadre-stack-{suffix}"));
    std::fs::create_dir_all(&dir).unwrap();
    let (template, packages) = expanded_template(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    let s3 = cuadre_aws::config::s3_client(&config, &endpoint);
    for (bucket, key) in &packages {
        let _ = s3.create_bucket().bucket(bucket).send().await; // already there from another run
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(EMPTY_ZIP.to_vec().into())
            .send()
            .await
            .expect("upload a placeholder package");
    }

    let stack = format!("cuadre-t{suffix}");
    let stage = format!("t{suffix}");
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(template.to_string())
        .capabilities(Capability::CapabilityIam)
        .parameters(
            Parameter::builder()
                .parameter_key("Stage")
                .parameter_value(&stage)
                .build(),
        )
        .parameters(
            Parameter::builder()
                .parameter_key("DomainName")
                .parameter_value("pagos.example.pe")
                .build(),
        )
        .send()
        .await
        .expect("create the stack");
    let described = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let found = &described.stacks()[0];
    assert_eq!(
        found.stack_status().map(|s| s.as_str()),
        Some("CREATE_COMPLETE"),
        "{:?}",
        found.stack_status_reason()
    );
    let outputs: BTreeMap<&str, &str> = found
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?, o.output_value()?)))
        .collect();
    let resources = cfn
        .list_stack_resources()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    // moto lists what it skipped without a type or id: the skipped are the template's resources
    // of each type beyond the ones it created.
    let mut created: BTreeMap<String, usize> = BTreeMap::new();
    for r in resources.stack_resource_summaries() {
        if let Some(t) = r.resource_type().filter(|t| !t.is_empty()) {
            *created.entry(t.to_string()).or_default() += 1;
        }
    }
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for r in template["Resources"].as_object().unwrap().values() {
        *skipped
            .entry(r["Type"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for (t, n) in &created {
        if let Some(total) = skipped.get_mut(t) {
            *total = total.saturating_sub(*n);
        }
    }
    skipped.retain(|_, n| *n > 0);
    println!("moto created: {created:?}\nmoto skipped: {skipped:?}");
    assert!(
        created.contains_key("AWS::DynamoDB::Table") && created.contains_key("AWS::SQS::Queue")
    );

    let table = outputs["TableName"];
    let prefix = outputs["SecretsPrefix"];
    assert_eq!(prefix, format!("/cuadre/{stage}"));

    // Onboard through the stack alone: no --table, no --secrets-prefix.
    let id = TenantId::parse(&format!("stack-{suffix}")).unwrap();
    let mut cmd = cuadre();
    cmd.envs(moto.client_env())
        .env("PAGOEFECTIVO_SECRET_KEY", "pe-secret-stack")
        .args(["--stack", &stack, "tenant", "create", "--id", id.as_str()])
        .args(["--name", "Tienda Stack SAC", "--ruc", "20100047218"])
        .args(["--id-service", "4321", "--access-key", "ak-stack", "--json"]);
    let out = run(cmd, None).await;
    assert!(out.status.success(), "{}", describe(&out));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        created["pagoefectivo_notification_url"],
        format!("https://pagos.example.pe/v1/webhooks/pagoefectivo/{id}")
    );

    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
    let tenant = store
        .get_tenant(&id)
        .await
        .unwrap()
        .expect("in the stack's table");
    assert!(
        tenant.secret_ref.starts_with(prefix),
        "{}",
        tenant.secret_ref
    );
    let ssm = SsmSecrets::new(aws_sdk_ssm::Client::new(&config));
    assert!(ssm
        .get_secret(&notification_secret_name(prefix, &id))
        .await
        .unwrap()
        .is_some());

    // A flag that contradicts the stack is refused, not preferred.
    let mut cmd = cuadre();
    cmd.envs(moto.client_env())
        .env("TABLE_NAME", aws.var("TABLE_NAME"))
        .args(["--stack", &stack, "tenant", "show", "--id", id.as_str()]);
    let out = run(cmd, None).await;
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("disagrees with stack"),
        "{}",
        describe(&out)
    );

    // A stack that is not there says so.
    let mut cmd = cuadre();
    cmd.envs(moto.client_env())
        .args(["--stack", "no-such-stack", "tenant", "list"]);
    let out = run(cmd, None).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("could not read stack no-such-stack"),
        "{}",
        describe(&out)
    );
}
