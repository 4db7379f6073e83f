//! The plan / apply / drift cycle, end to end: the built binary against a sandbox in a
//! temporary directory. Diff and ordering are tested at library level (src/plan/tests.rs);
//! these prove the wiring, the exit codes and the safety rails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_dir, edit, plan_json, text};
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/cycle/basic";

/// A copy of the fixture in a fresh temporary directory.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    common::workspace(FIXTURE, "cfg", Some(&["socialform.toml", "catalog.toml"]))
}

fn run_ok(dir: &Path, args: &[&str], code: i32) -> Output {
    common::socialform(dir, args).assert_code(code)
}

/// Changes one field of a live resource behind socialform's back, as an edit in the
/// platform's UI would: fields and version move, the applied hash does not.
fn hand_edit(dir: &Path, address: &str, field: &str, value: Value) {
    common::sandbox_edit(dir, address, &[(field, value)]);
}

fn live_state(dir: &Path) -> Value {
    common::sandbox_state(dir)
}

#[test]
fn plan_apply_then_nothing_left_to_do() {
    let (_tmp, dir) = workspace();
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 2);
    let first = plan_json(&dir);
    assert_eq!(first["format_version"], "1");
    assert_eq!(first["workspace"], "cycle");
    let addresses: Vec<&str> = first["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    let pos = |a: &str| addresses.iter().position(|x| *x == a).unwrap();
    assert!(pos("profile.web_chat") < pos("group.everything"));
    assert!(
        pos("group.social") < pos("group.everything"),
        "a group after the groups it holds"
    );
    assert!(
        first["unmanaged"]
            .as_array()
            .unwrap()
            .contains(&Value::from("profile.instagram_17841400000000001"))
    );

    let out = run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    assert!(
        text(&out.stderr).contains("Apply complete"),
        "{}",
        text(&out.stderr)
    );
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 0);
    assert_eq!(plan_json(&dir)["changes"], Value::Array(vec![]));
    let out = run_ok(&dir, &["drift", "."], 0);
    assert!(text(&out.stdout).contains("No drift"));
}

#[test]
fn one_changed_field_is_exactly_one_change() {
    let (_tmp, dir) = workspace();
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    edit(
        &dir,
        "socialform.toml",
        r#"start_flow = "welcome""#,
        r#"start_flow = "orders""#,
    );
    let plan = plan_json(&dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    assert_eq!(changes[0]["address"], "profile.web_chat");
    assert_eq!(changes[0]["action"], "update");
    assert_eq!(changes[0]["drift"], false);
    assert_eq!(
        changes[0]["fields"],
        serde_json::json!([{ "path": "start_flow", "before": "welcome", "after": "orders" }])
    );
    assert_eq!(
        plan["summary"],
        serde_json::json!({ "create": 0, "update": 1, "replace": 0, "delete": 0 })
    );

    let out = run_ok(&dir, &["plan", ".", "--format", "markdown"], 0);
    assert!(
        text(&out.stdout).contains("<details><summary><code>~ profile.web_chat</code>"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_hand_edit_is_drift() {
    let (_tmp, dir) = workspace();
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    hand_edit(
        &dir,
        "group.social",
        "name",
        "Social (edited in the UI)".into(),
    );
    let out = run_ok(&dir, &["drift", "."], 2);
    let report = text(&out.stdout);
    assert!(
        report.contains("group.social") && report.contains("drift: changed outside socialform"),
        "{report}"
    );
    assert!(
        report.contains(r#"name: "Social (edited in the UI)" → "social""#),
        "{report}"
    );
    let plan = plan_json(&dir);
    assert_eq!(plan["changes"].as_array().unwrap().len(), 1);
    assert_eq!(plan["changes"][0]["drift"], true);

    // A pending configuration change is told apart from drift.
    edit(
        &dir,
        "socialform.toml",
        r#"start_flow = "welcome""#,
        r#"start_flow = "orders""#,
    );
    let out = run_ok(&dir, &["drift", "."], 2);
    assert!(
        text(&out.stdout).contains("profile.web_chat (pending configuration change)"),
        "{}",
        text(&out.stdout)
    );
    // Applying puts the platform back and clears the drift.
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    run_ok(&dir, &["drift", "."], 0);
}

#[test]
fn another_configuration_applied_to_the_same_sandbox_is_drift() {
    let (tmp, dir) = workspace();
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    // A second configuration of the same workspace, in another directory, sharing the
    // first one's sandbox (named on the command line: a configuration names no file
    // outside its directory): what it applies was changed outside the first one.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(dir.join("catalog.toml"), other.join("catalog.toml")).unwrap();
    let config = std::fs::read_to_string(dir.join("socialform.toml"))
        .unwrap()
        .replacen(r#"start_flow = "welcome""#, r#"start_flow = "orders""#, 1);
    std::fs::write(other.join("socialform.toml"), config).unwrap();
    let shared = "../cfg/.socialform/sandbox.db";
    run_ok(
        &other,
        &["apply", ".", "--auto-approve", "--sandbox", shared],
        0,
    );
    run_ok(&other, &["drift", ".", "--sandbox", shared], 0);

    let out = run_ok(&dir, &["drift", "."], 2);
    let report = text(&out.stdout);
    assert!(
        report.contains("profile.web_chat")
            && report.contains("last applied by another configuration (`other/cycle`)"),
        "{report}"
    );
    let plan = plan_json(&dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan}");
    assert_eq!(changes[0]["address"], "profile.web_chat");
    assert_eq!(changes[0]["drift"], true);
    // Applying this configuration takes the resource back; then neither sees drift on it.
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    run_ok(&dir, &["drift", "."], 0);
}

#[test]
fn a_stale_saved_plan_is_refused_and_changes_nothing() {
    let (_tmp, dir) = workspace();
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    edit(
        &dir,
        "socialform.toml",
        r#"start_flow = "welcome""#,
        r#"start_flow = "orders""#,
    );
    run_ok(&dir, &["plan", ".", "--out", "plan.json"], 0);
    hand_edit(&dir, "group.social", "name", "Moved".into());
    let before = live_state(&dir);
    let out = run_ok(&dir, &["apply", "plan.json"], 1);
    assert!(text(&out.stderr).contains("stale"), "{}", text(&out.stderr));
    assert_eq!(live_state(&dir), before, "nothing written");

    // A fresh plan applies, without confirmation (it was reviewed).
    run_ok(&dir, &["plan", ".", "--out", "plan.json"], 0);
    run_ok(&dir, &["apply", "plan.json"], 0);
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 0);

    // A configuration changed after the plan: refused too.
    edit(
        &dir,
        "socialform.toml",
        r#"start_flow = "orders""#,
        r#"start_flow = "welcome""#,
    );
    run_ok(&dir, &["plan", ".", "--out", "plan.json"], 0);
    edit(&dir, "socialform.toml", r#"vip = true"#, r#"vip = false"#);
    let out = run_ok(&dir, &["apply", "plan.json"], 1);
    assert!(
        text(&out.stderr).contains("configuration changed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_saved_plan_applies_in_a_fresh_checkout_elsewhere() {
    let (tmp, dir) = workspace();
    // The platform lives outside both checkouts; plan runs at the top of the first one.
    let state = tmp.path().join("platform/state.db");
    let state = state.to_str().unwrap();
    let first = tmp.path().join("ci/run-1/repo");
    std::fs::create_dir_all(&first).unwrap();
    copy_dir(&dir, &first.join("care"));
    run_ok(
        &first,
        &["plan", "care", "--out", "plan.json", "--sandbox", state],
        0,
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(first.join("plan.json")).unwrap()).unwrap();
    assert_eq!(
        saved["basis"]["config"], "care",
        "relative to where plan ran"
    );

    // A fresh checkout of the same commit somewhere else, with the saved plan; the first
    // checkout is gone.
    let second = tmp.path().join("ci/run-2/checkout");
    copy_dir(&first, &second);
    std::fs::remove_dir_all(&first).unwrap();
    let out = run_ok(&second, &["apply", "plan.json", "--sandbox", state], 0);
    assert!(
        text(&out.stderr).contains("Apply complete"),
        "{}",
        text(&out.stderr)
    );
    run_ok(
        &second,
        &["plan", "care", "--detailed-exitcode", "--sandbox", state],
        0,
    );
    // Its identity is the configuration hash: another configuration at that path is
    // refused.
    run_ok(
        &second,
        &["plan", "care", "--out", "plan.json", "--sandbox", state],
        0,
    );
    edit(
        &second.join("care"),
        "socialform.toml",
        r#"vip = true"#,
        r#"vip = false"#,
    );
    let out = run_ok(&second, &["apply", "plan.json", "--sandbox", state], 1);
    assert!(
        text(&out.stderr).contains("configuration changed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn apply_needs_approval_without_a_terminal() {
    let (_tmp, dir) = workspace();
    let out = run_ok(&dir, &["apply", "."], 1);
    assert!(
        text(&out.stderr).contains("--auto-approve"),
        "{}",
        text(&out.stderr)
    );
    let state = live_state(&dir);
    assert!(
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("managed_by").is_none()),
        "nothing applied"
    );
}

#[test]
fn deleting_many_resources_needs_allow_deletes() {
    let (_tmp, dir) = workspace();
    let chats: String = (0..10)
        .map(|i| format!("\n[profiles.chat_{i}]\nchannel = \"live_chat\"\n"))
        .collect();
    let path = dir.join("socialform.toml");
    let base = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{base}{chats}")).unwrap();
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    std::fs::write(&path, &base).unwrap();
    let out = run_ok(&dir, &["apply", ".", "--auto-approve"], 1);
    assert!(
        text(&out.stderr).contains("--allow-deletes"),
        "{}",
        text(&out.stderr)
    );
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 2);
    run_ok(
        &dir,
        &["apply", ".", "--auto-approve", "--allow-deletes"],
        0,
    );
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 0);
}

#[test]
fn live_references_are_checked_at_plan_time() {
    let (_tmp, dir) = workspace();
    edit(
        &dir,
        "socialform.toml",
        r#"flow = "baggage""#,
        r#"flow = "bagage""#,
    );
    edit(
        &dir,
        "socialform.toml",
        r#"brand = "acme""#,
        r#"brand = "acne""#,
    );
    run_ok(&dir, &["validate", "."], 0);
    let out = run_ok(&dir, &["plan", ".", "--diagnostics", "json"], 1);
    // Diagnostics go to standard error in every format: standard output is the plan's.
    assert!(out.stdout.is_empty());
    let diags: Value = serde_json::from_slice(&out.stderr).unwrap();
    let codes: Vec<&str> = diags
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"refs::unknown_flow") && codes.contains(&"refs::unknown_brand"),
        "{diags:#}"
    );
    let flow = diags
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "refs::unknown_flow")
        .unwrap();
    assert!(
        flow["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `baggage`?"),
        "{flow:#}"
    );
    assert_eq!(flow["file"], "socialform.toml");
}

#[test]
fn committed_plan_schema_matches_the_code() {
    common::assert_committed(
        socialform::plan::SCHEMA_FILE,
        &socialform::plan::schema_text(),
    );
}

#[test]
fn plans_validate_against_their_schema() {
    let (_tmp, dir) = workspace();
    let schema = socialform::plan::json_schema();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let plan = plan_json(&dir);
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
