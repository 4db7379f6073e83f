//! The command line's wiring: formats, exit codes, usage errors. Rules are tested at
//! library level (tests/fixtures.rs); this only proves the binary hands them out right.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::text;

fn socialform(args: &[&str]) -> Output {
    common::socialform(&common::root(), args).output()
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

/// The absolute path of a one-file fixture's copy.
fn abs(copy: &(tempfile::TempDir, String)) -> String {
    copy.0.path().join(&copy.1).to_string_lossy().into_owned()
}

fn in_copy(copy: &(tempfile::TempDir, String), args: &[&str]) -> Output {
    let mut args: Vec<&str> = args.to_vec();
    args.push(&copy.1);
    common::socialform(copy.0.path(), &args).output()
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

/// A copy of `examples/acme` in a temporary directory (plans write the sandbox there), with
/// `edit` applied to the text of each file.
fn acme_copy(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path, edit: &dyn Fn(&str, String) -> String) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &to.join(&name), edit);
            } else {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                std::fs::write(to.join(&name), edit(&name, text)).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    copy(&src, tmp.path(), &edit);
    tmp
}

#[test]
fn allowed_codes_are_not_printed_and_do_not_fail() {
    let copy = fixture("valid/warnings_only.toml");
    let path = abs(&copy);
    // The X bio note never fails a run; the warning fails --deny-warnings unless allowed.
    let out = socialform(&["validate", "--deny-warnings", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("facebook::case_creation_flow_overlap"),
        "{err}"
    );
    assert!(err.contains("x::weighted_count_differs"), "{err}");
    let out = socialform(&[
        "validate",
        "--deny-warnings",
        "--allow",
        "facebook::case_creation_flow_overlap",
        "--allow",
        "x::weighted_count_differs",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(!err.contains("case_creation_flow_overlap"), "{err}");
    assert!(!err.contains("weighted_count_differs"), "{err}");
    assert!(err.contains("0 errors, 0 warnings"), "{err}");
}

#[test]
fn allow_on_the_command_line_takes_only_warning_and_info_codes() {
    let copy = fixture("valid/warnings_only.toml");
    let path = abs(&copy);
    let out = socialform(&["validate", "--allow", "limits::too_long", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error code"),
        "{}",
        text(&out.stderr)
    );
    let out = socialform(&["validate", "--allow", "proactive::every_tim", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("did you mean `proactive::every_time`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn plan_json_stdout_is_the_plan_and_diagnostics_go_to_stderr() {
    // One warning (every_time); the contacts note is for `validate` only.
    let tmp = acme_copy(|name, text| {
        if name == "baggage.toml" {
            text.replace("once_per_customer", "every_time")
        } else {
            text
        }
    });
    let dir = tmp.path().to_string_lossy().into_owned();
    for diagnostics in ["json", "github", "human"] {
        let out = socialform(&[
            "plan",
            &dir,
            "--format",
            "json",
            "--diagnostics",
            diagnostics,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let plan: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("stdout is exactly the plan JSON");
        assert_eq!(plan["format_version"], "1");
        let err = text(&out.stderr);
        // (GitHub annotations escape the `::` of the code in their title)
        assert!(err.contains("every_time"), "{diagnostics}: {err}");
        assert!(!err.contains("matched_by_user_id"), "{diagnostics}: {err}");
    }
    // `[workspace] allow` hides the warning from plan too.
    std::fs::write(
        tmp.path().join("socialform.toml"),
        std::fs::read_to_string(tmp.path().join("socialform.toml"))
            .unwrap()
            .replace(
                "prune = false",
                "prune = false\nallow = [\"proactive::every_time\"]",
            ),
    )
    .unwrap();
    let out = socialform(&["plan", &dir, "--diagnostics", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).trim(), "[]");
    // validate still shows the note.
    let out = socialform(&["validate", &dir]);
    assert!(text(&out.stderr).contains("contacts::matched_by_user_id"));
}

#[test]
fn a_closed_output_pipe_ends_quietly_with_the_same_exit_code() {
    let tmp = acme_copy(|_, t| t);
    let dir = tmp.path().to_string_lossy().into_owned();
    let groups = fixture("invalid/groups.toml");
    let run = |args: &[&str], close_stderr: bool| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_socialform"));
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .stdout(writer);
        if close_stderr {
            let (r, w) = std::io::pipe().unwrap();
            drop(r);
            cmd.stderr(w);
        } else {
            cmd.stderr(std::process::Stdio::piped());
        }
        cmd.output().unwrap()
    };
    let out = run(&["plan", &dir], false);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "no panic, no error message");
    let out = run(&["plan", &dir, "--detailed-exitcode"], false);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "");
    let out = run(&["schema"], false);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
    let out = run(&["validate", "--format", "json", &abs(&groups)], false);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "");
    // Both channels closed: still no panic (101), still the command's own code.
    let out = run(&["validate", &abs(&groups)], true);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["validate", &dir], true);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn schema_out_creates_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("schemas/nested/socialform.schema.json");
    let out = socialform(&["schema", "--out", &target.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/socialform.schema.json"))
            .unwrap();
    assert_eq!(std::fs::read(target).unwrap(), committed);
}

#[test]
fn export_infers_its_format_from_the_file_name() {
    let tmp = acme_copy(|_, t| t);
    let dir = tmp.path().to_string_lossy().into_owned();
    let out = socialform(&["apply", &dir, "--auto-approve"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let xlsx = tmp.path().join("groups.xlsx");
    let csv = tmp.path().join("groups.csv");
    let run = |args: &[&str]| socialform(&[&["export", "groups", &dir][..], args].concat());
    assert_eq!(
        run(&["--out", &xlsx.to_string_lossy()]).status.code(),
        Some(0)
    );
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "a workbook"
    );
    assert_eq!(
        run(&["--out", &csv.to_string_lossy()]).status.code(),
        Some(0)
    );
    let written = std::fs::read(&csv).unwrap();
    assert!(written.starts_with(b"group_id,group_name"), "a CSV");
    // Without --out and --format: CSV on standard output, the same rows.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, written);
    // An extension that contradicts --format is a usage error, and writes nothing.
    let other = tmp.path().join("other.csv");
    let out = run(&["--format", "xlsx", "--out", &other.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--format xlsx"),
        "{}",
        text(&out.stderr)
    );
    assert!(!other.exists());
}
