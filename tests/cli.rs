//! The command line's wiring: formats, exit codes, usage errors. Rules are tested at
//! library level (tests/fixtures.rs); this only proves the binary hands them out right.

use std::path::Path;
use std::process::{Command, Output};

fn socialform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socialform"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// A one-file fixture, copied alone to the same relative path in a temporary directory:
/// in its own folder it has other `*.toml` files beside it, and a file that is part of a
/// directory is refused. Run with `in_copy` so reports name the same path.
fn fixture(name: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let rel = Path::new("tests/fixtures").join(name);
    std::fs::create_dir_all(tmp.path().join(rel.parent().unwrap())).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel),
        tmp.path().join(&rel),
    )
    .unwrap();
    (tmp, rel.to_string_lossy().into_owned())
}

fn in_copy(copy: &(tempfile::TempDir, String), args: &[&str]) -> Output {
    let mut args: Vec<&str> = args.to_vec();
    args.push(&copy.1);
    Command::new(env!("CARGO_BIN_EXE_socialform"))
        .args(args)
        .current_dir(copy.0.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

#[test]
fn validate_clean_exits_0() {
    let out = socialform(&["validate", "examples/minimal"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("validate ok"));
}

#[test]
fn validate_errors_exit_1_with_human_report_on_stderr() {
    let out = in_copy(&fixture("invalid/groups.toml"), &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("groups::cycle"), "{err}");
    assert!(err.contains("groups.toml:"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn json_format_is_an_array_with_the_spec_fields() {
    let out = in_copy(
        &fixture("invalid/unknown_key.toml"),
        &["validate", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let first = &v.as_array().unwrap()[0];
    for key in [
        "code", "severity", "message", "file", "line", "column", "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["code"], "schema::unknown_key");
    assert_eq!(first["line"], 6);
    assert_eq!(first["column"], 1);
    assert_eq!(first["help"], "did you mean `color`?");
}

#[test]
fn github_format_prints_annotations() {
    let out = in_copy(
        &fixture("invalid/backend_secret.toml"),
        &["validate", "--format", "github"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("::error file=tests/fixtures/invalid/backend_secret.toml,line=7,col=1,title=backend%3A%3Asecret_in_config::"), "{text}");
}

#[test]
fn warnings_pass_unless_denied() {
    let copy = fixture("valid/warnings_only.toml");
    assert_eq!(in_copy(&copy, &["validate"]).status.code(), Some(0));
    assert_eq!(
        in_copy(&copy, &["validate", "--deny-warnings"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn usage_errors_exit_1_never_2() {
    assert_eq!(
        socialform(&["validate", "--format", "xml"]).status.code(),
        Some(1)
    );
    assert_eq!(socialform(&["no-such-command"]).status.code(), Some(1));
    assert_eq!(socialform(&["--help"]).status.code(), Some(0));
}

#[test]
fn missing_configuration_is_an_error() {
    let out = socialform(&["validate", "tests/fixtures"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `socialform.toml`"));
    let out = socialform(&["validate", "does/not/exist"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn schema_prints_the_committed_schema() {
    let out = socialform(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/socialform.schema.json"))
            .unwrap();
    assert_eq!(out.stdout, committed);
}
