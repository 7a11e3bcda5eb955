//! `infra/template-check` (run by `make lint`) checks the template as CloudFormation deploys it:
//! SAM-transformed, then cfn-lint. A circular dependency through SAM resources only exists after
//! the transform (`cfn-lint template.yaml` does not see it), so this plants the one the template
//! once had, the issue-code function's environment naming the HTTP API whose routes point back at
//! the function, and expects the check to refuse it with E3004; the real template must pass.
//!
//! Needs `<repo>/.venv` (created by `infra/local-aws up`, which `make test` runs first). Reads only
//! the repository; writes under Cargo's target tmp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<target>/tmp/template-check-<pid>/<name>`, inside the repository's target dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("template-check-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    // the pid folder, once the other test has left it too
    let _ = dir.parent().map(std::fs::remove_dir);
}

fn template_check(template: &Path, out: &Path) -> (Output, String) {
    let script = repo().join("infra/template-check");
    let output = Command::new(&script)
        .arg("--template")
        .arg(template)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains(".venv/bin/python is missing") && !text.contains("No module named"),
        "infra/template-check has no venv: run `infra/local-aws up` (make test does)\n{text}"
    );
    (output, text)
}

/// The template with `IssueCodeFunction`'s environment naming `CuadreApi`, the API its own
/// `HttpApi` events add routes to: after the transform the API's integrations `GetAtt` the
/// function and the function `Ref`s the API.
fn plant_cycle(template: &str) -> String {
    let planted = "          PLANTED_CYCLE_URL: !Sub \"https://${CuadreApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}\"\n";
    let lines: Vec<&str> = template.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "  IssueCodeFunction:")
        .expect("template.yaml has no IssueCodeFunction resource");
    // the resource ends where the next two-space key (the next resource) begins
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.trim().starts_with('#'))
        .map_or(lines.len(), |i| start + 1 + i);
    let block = &lines[start..end];
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    if let Some(i) = block
        .iter()
        .position(|l| l.trim_end() == "        Variables:")
    {
        out.extend(block[..=i].iter().map(|l| l.to_string()));
        out.push(planted.to_string());
        out.extend(block[i + 1..].iter().map(|l| l.to_string()));
    } else {
        let i = block
            .iter()
            .position(|l| l.trim_end() == "    Properties:")
            .expect("IssueCodeFunction has no Properties");
        out.extend(block[..=i].iter().map(|l| l.to_string()));
        out.push("      Environment:\n        Variables:\n".to_string());
        out.push(planted.to_string());
        out.extend(block[i + 1..].iter().map(|l| l.to_string()));
    }
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    out.concat()
}

#[test]
fn template_check_refuses_a_cycle_through_serverless_resources() {
    let dir = scratch("planted");
    let original = std::fs::read_to_string(repo().join("template.yaml")).unwrap();
    let planted = plant_cycle(&original);
    assert!(
        planted.contains("PLANTED_CYCLE_URL"),
        "the cycle was not planted"
    );
    let template = dir.join("template.yaml");
    std::fs::write(&template, planted).unwrap();

    let (output, text) = template_check(&template, &dir.join("template.json"));

    assert!(
        !output.status.success(),
        "template-check passed a template with a circular dependency:\n{text}"
    );
    let cycle = text
        .lines()
        .find(|l| l.starts_with("E3004") && l.contains("IssueCodeFunction"))
        .unwrap_or_else(|| panic!("no E3004 naming IssueCodeFunction:\n{text}"));
    assert!(cycle.contains("CuadreApi"), "{cycle}");
    assert!(text.contains("template-check: FAILED"), "{text}");
    // the transformed JSON is written even when it has errors (it is what was linted)
    assert!(dir.join("template.json").exists());
    cleanup(&dir);
}

#[test]
fn template_check_passes_the_real_template() {
    let dir = scratch("real");
    let out = dir.join("template.json");
    let (output, text) = template_check(&repo().join("template.yaml"), &out);

    assert!(
        output.status.success(),
        "infra/template-check finds errors in template.yaml:\n{text}"
    );
    assert!(text.contains("template-check: ok"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // the transform ran: the SAM function is a Lambda function with its own role now
    assert_eq!(
        json["Resources"]["IssueCodeFunction"]["Type"],
        "AWS::Lambda::Function"
    );
    assert!(json.get("Transform").is_none());

    // infra/deploy-check starts each function with the environment this JSON gives it: every
    // intrinsic the template uses there must resolve, for every function
    let env = Command::new(env!("CARGO_BIN_EXE_cuadre-coldstart"))
        .arg("--env-from")
        .arg(&out)
        .arg("--print-env")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&env.stdout);
    assert!(
        env.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&env.stderr)
    );
    let functions = printed.lines().filter(|l| !l.starts_with(' ')).count();
    let lambdas = json["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::Function")
        .count();
    assert!(
        lambdas >= 8,
        "{lambdas} functions in the transformed template"
    );
    assert_eq!(functions, lambdas, "{printed}");
    let with_table = printed
        .lines()
        .filter(|l| l.starts_with("  TABLE_NAME=cuadre-CuadreTable-"))
        .count();
    assert_eq!(
        with_table, lambdas,
        "the Globals reach every function:\n{printed}"
    );
    cleanup(&dir);
}
