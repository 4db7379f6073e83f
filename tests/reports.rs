//! The machine-readable reports, end to end with the built binary on a sandbox:
//! `drift --format json|markdown` and `apply --format json` (done, failed half way,
//! refused, never planned), each JSON valid against its committed schema, standard
//! output holding the report only.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/cycle/basic";

fn socialform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socialform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    for f in ["socialform.toml", "catalog.toml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    (tmp, dir)
}

fn run(dir: &Path, args: &[&str], code: i32) -> Output {
    let out = socialform(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("socialform.toml");
    let s = std::fs::read_to_string(&path).unwrap();
    assert!(s.contains(from), "{from}");
    std::fs::write(&path, s.replacen(from, to, 1)).unwrap();
}

/// Parses standard output as one JSON document and checks it against `schema`.
fn valid(out: &Output, schema: &Value) -> Value {
    let stdout = text(&out.stdout);
    let value: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("standard output is one JSON document ({e}):\n{stdout}"));
    let validator = jsonschema::draft202012::new(schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{value:#}");
    value
}

fn committed_matches(file: &str, generated: String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("SOCIALFORM_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is out of date: run `SOCIALFORM_BLESS=1 cargo test --test reports` and commit it"
    );
}

#[test]
fn committed_drift_schema_matches_the_code() {
    committed_matches(
        socialform::plan::drift::SCHEMA_FILE,
        socialform::plan::drift::schema_text(),
    );
}

#[test]
fn committed_apply_report_schema_matches_the_code() {
    committed_matches(
        socialform::plan::apply_report::SCHEMA_FILE,
        socialform::plan::apply_report::schema_text(),
    );
}

#[test]
fn the_plan_schema_still_refuses_what_drift_adds() {
    // The drift report is its own document: the plan's schema stays the plan's.
    let mut change = serde_json::json!({
        "address": "profile.p", "kind": "profile", "action": "update", "drift": true,
        "destructive": false, "fields": [], "config_changed": false, "cause": "drift"
    });
    let plan_schema = socialform::plan::json_schema();
    let plan = |changes: Value| {
        serde_json::json!({
            "format_version": "1", "workspace": "w", "changes": changes, "unmanaged": [],
            "summary": {"create": 0, "update": 1, "replace": 0, "delete": 0},
            "basis": {"config": "c", "config_hash": "h", "live": {}}
        })
    };
    let validator = jsonschema::draft202012::new(&plan_schema).unwrap();
    assert!(!validator.is_valid(&plan(serde_json::json!([change.clone()]))));
    let drift = jsonschema::draft202012::new(&socialform::plan::drift::json_schema()).unwrap();
    assert!(drift.is_valid(&plan(serde_json::json!([change.clone()]))));
    change.as_object_mut().unwrap().remove("cause");
    assert!(!drift.is_valid(&plan(serde_json::json!([change]))));
}

#[test]
fn drift_as_markdown_and_as_json() {
    let (_tmp, dir) = workspace();
    run(&dir, &["apply", ".", "--auto-approve"], 0);
    let out = run(&dir, &["drift", ".", "--format", "markdown"], 0);
    let md = text(&out.stdout);
    assert!(
        md.starts_with("### socialform drift for `cycle`\n\nNo drift: the platform matches the configuration.\n\n"),
        "{md}"
    );
    assert!(
        md.contains("- `contact_attribute.phone`"),
        "unmanaged, listed: {md}"
    );
    // A hand edit (an ice breaker reworded in the platform's UI) and a pending change.
    let live = common::sandbox_state(&dir);
    let fb = live["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"]["address"] == "profile.acme_fb")
        .unwrap();
    let mut ice_breakers = fb["resource"]["fields"]["ice_breakers"].clone();
    ice_breakers[1]["flow"] = "baggage".into();
    common::sandbox_edit(&dir, "profile.acme_fb", &[("ice_breakers", ice_breakers)]);
    edit(
        &dir,
        r#"start_flow = "welcome""#,
        r#"start_flow = "orders""#,
    );

    let out = run(&dir, &["drift", ".", "--format", "markdown"], 2);
    let md = text(&out.stdout);
    assert!(
        md.contains("**Live** is what the platform holds now"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary><code>~ profile.acme_fb</code> ⚠️ drift: changed outside socialform since the last apply</summary>"),
        "{md}"
    );
    assert!(md.contains("| field | live | configuration |"), "{md}");
    assert!(
        md.contains(
            "| `ice_breakers` › \"I want a refund\" › `flow` | \"baggage\" | \"refunds\" |"
        ),
        "{md}"
    );
    assert!(
        md.contains("<code>~ profile.web_chat</code> pending configuration change</summary>"),
        "{md}"
    );
    assert!(md.contains("| drift | 1 |\n| pending change | 1 |"), "{md}");

    let out = run(&dir, &["drift", ".", "--format", "json"], 2);
    let report = valid(&out, &socialform::plan::drift::json_schema());
    let changes = report["changes"].as_array().unwrap();
    let by = |a: &str| changes.iter().find(|c| c["address"] == a).unwrap();
    assert_eq!(by("profile.acme_fb")["cause"], "drift");
    assert_eq!(by("profile.acme_fb")["config_changed"], false);
    assert_eq!(by("profile.web_chat")["cause"], "pending_change");
    assert_eq!(by("profile.web_chat")["config_changed"], true);
    assert_eq!(report["workspace"], "cycle");
}

#[test]
fn apply_json_reports_what_was_done() {
    let (_tmp, dir) = workspace();
    let schema = socialform::plan::apply_report::json_schema();
    let plan: Value =
        serde_json::from_slice(&run(&dir, &["plan", ".", "--format", "json"], 0).stdout).unwrap();
    let n = plan["changes"].as_array().unwrap().len();

    let out = run(
        &dir,
        &["apply", ".", "--auto-approve", "--format", "json"],
        0,
    );
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "applied");
    assert_eq!(report["workspace"], "cycle");
    assert_eq!(report["applied"].as_array().unwrap().len(), n);
    assert_eq!(
        report["summary"],
        serde_json::json!({"applied": n, "failed": 0, "not_attempted": 0})
    );
    // The plan for people and the progress went to standard error.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Plan for workspace `cycle`"), "{stderr}");
    assert!(stderr.contains("Apply complete"), "{stderr}");

    let out = run(
        &dir,
        &["apply", ".", "--auto-approve", "--format", "json"],
        0,
    );
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "nothing_to_do");
    assert_eq!(report["applied"], serde_json::json!([]));
}

#[test]
fn apply_json_reports_a_failure_half_way() {
    let (_tmp, dir) = workspace();
    // The configuration enables `phone`, a platform attribute; the platform then loses
    // it while its catalog still lists it: the plan creates it and the platform refuses.
    edit(
        &dir,
        "[contact_attributes.email]",
        "[contact_attributes.phone]\nenabled = true\n\n[contact_attributes.email]",
    );
    run(&dir, &["plan", "."], 0);
    common::sandbox_lose(
        &dir.join(".socialform/sandbox.db"),
        "contact_attribute.phone",
    );
    let plan: Value =
        serde_json::from_slice(&run(&dir, &["plan", ".", "--format", "json"], 0).stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let k = changes
        .iter()
        .position(|c| c["address"] == "contact_attribute.phone")
        .unwrap();
    assert!(
        k > 0 && k + 1 < changes.len(),
        "half way: {k} of {}",
        changes.len()
    );

    let out = run(
        &dir,
        &[
            "apply",
            ".",
            "--auto-approve",
            "--format",
            "json",
            "--parallelism",
            "1",
        ],
        1,
    );
    let report = valid(&out, &socialform::plan::apply_report::json_schema());
    assert_eq!(report["status"], "failed");
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["address"], "contact_attribute.phone");
    assert_eq!(failed[0]["action"], "create");
    assert_eq!(failed[0]["kind"], "contact_attribute");
    assert_eq!(
        failed[0]["error"],
        "the platform refused `contact_attribute.phone`: a platform contact attribute cannot be created or deleted"
    );
    let addresses = |key: &str| -> Vec<Value> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["address"].clone())
            .collect()
    };
    let planned: Vec<Value> = changes.iter().map(|c| c["address"].clone()).collect();
    assert_eq!(addresses("applied"), planned[..k]);
    assert_eq!(addresses("not_attempted"), planned[k + 1..]);
    assert_eq!(
        report["summary"],
        serde_json::json!({"applied": k, "failed": 1, "not_attempted": changes.len() - k - 1})
    );
    // The diagnostics stay on standard error.
    assert!(text(&out.stderr).contains("error: contact_attribute.phone (create) failed"));
}

#[test]
fn apply_json_reports_refusals_and_errors() {
    let (_tmp, dir) = workspace();
    let schema = socialform::plan::apply_report::json_schema();
    // No terminal and no --auto-approve: refused, every change left.
    let out = run(&dir, &["apply", ".", "--format", "json"], 1);
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "refused");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("apply needs confirmation"),
        "{report:#}"
    );
    assert!(report["applied"].as_array().unwrap().is_empty());
    assert!(!report["not_attempted"].as_array().unwrap().is_empty());

    // A saved plan gone stale: refused, nothing applied.
    run(&dir, &["plan", ".", "--out", "plan.json"], 0);
    edit(
        &dir,
        r#"start_flow = "welcome""#,
        r#"start_flow = "orders""#,
    );
    let out = run(&dir, &["apply", "plan.json", "--format", "json"], 1);
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "refused");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("is stale, nothing was applied"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["applied"], 0);

    // A configuration that does not validate: no plan, the diagnostics on stderr.
    edit(&dir, r#"start_flow = "orders""#, r#"start_flow = 3"#);
    let out = run(
        &dir,
        &["apply", ".", "--auto-approve", "--format", "json"],
        1,
    );
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "error");
    assert_eq!(report["workspace"], Value::Null);
    assert!(!text(&out.stderr).is_empty());

    // A plan file that is not one: an error, said on stderr too.
    std::fs::write(dir.join("broken.json"), "{").unwrap();
    let out = run(&dir, &["apply", "broken.json", "--format", "json"], 1);
    let report = valid(&out, &schema);
    assert_eq!(report["status"], "error");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("is not a socialform plan file")
    );
    assert!(text(&out.stderr).contains("error: "));
}
