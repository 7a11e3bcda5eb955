//! `cuadre dev` and `cuadre demo` as a developer runs them, over the local AWS emulator (started
//! first, so neither command stops it at the end).

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{cuadre, describe, run, stdout};
use tokio::io::{AsyncBufReadExt, BufReader};

/// One platform at a time: every platform polls the emulator's shared queues, and a reconcile job
/// taken by the other test's platform would be looked up in that platform's sandbox.
static ONE_PLATFORM: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread")]
async fn demo_tells_the_story_and_exits_zero() {
    let _alone = ONE_PLATFORM.lock().await;
    cuadre_testing::local_aws();
    let mut cmd = cuadre();
    cmd.arg("demo");
    let out = tokio::time::timeout(Duration::from_secs(300), run(cmd, None))
        .await
        .expect("the demo finishes");
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    let steps = text
        .lines()
        .filter(|l| {
            l.trim_start()
                .split('.')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .collect::<Vec<_>>();
    assert_eq!(steps.len(), cuadre::demo::STEPS.len(), "{}", describe(&out));
    assert!(
        steps.iter().all(|l| l.contains(" ok ")),
        "{}",
        describe(&out)
    );
    // One row per planned order, each with the status and exceptions the plan expects.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("DEMO-"))
        .collect();
    assert_eq!(rows.len(), cuadre::demo::PLAN.len(), "{}", describe(&out));
    for (row, plan) in rows.iter().zip(cuadre::demo::PLAN) {
        assert!(row.contains(plan.status), "{row}");
        assert!(plan.exceptions.iter().all(|k| row.contains(k)), "{row}");
        assert!(row.ends_with("yes"), "{row}");
    }
    assert!(text.contains("Open exceptions"), "{text}");
    assert!(text.contains("summary.json"), "{text}");
    assert!(text.contains("The story came out as expected."));
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_serves_until_interrupted() {
    let _alone = ONE_PLATFORM.lock().await;
    cuadre_testing::local_aws();
    let mut cmd = cuadre();
    cmd.args(["dev", "--port", "0", "--sandbox-port", "0"]);
    let mut child = cmd.spawn().expect("spawn cuadre dev");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    let (mut api, mut sandbox) = (None, None);
    while api.is_none() || sandbox.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("the banner in time")
            .unwrap()
            .unwrap_or_else(|| panic!("cuadre dev ended early:\n{banner}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["API", url, ..] => api = Some(url.to_string()),
            ["PagoEfectivo", url, ..] => sandbox = Some(url.to_string()),
            _ => {}
        }
        banner.push_str(&line);
        banner.push('\n');
    }
    let api = api.unwrap();
    let http = reqwest::Client::new();
    let response = http.get(format!("{api}/x")).send().await.unwrap();
    assert_eq!(response.status(), 401, "issue-code answers: {banner}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let health = http
        .get(format!("{}/sandbox/health", sandbox.unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("cuadre dev stops on Ctrl-C")
        .unwrap();
    assert!(status.success(), "exit {status:?}");
    let mut rest = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push_str(&line);
        rest.push('\n');
    }
    assert!(rest.contains("cuadre local platform stopped."), "{rest}");
    assert!(
        tokio::time::timeout(Duration::from_secs(2), http.get(&api).send())
            .await
            .map_or(true, |r| r.is_err()),
        "the port is closed"
    );
}
