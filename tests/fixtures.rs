//! Fixture tests: every case under `tests/fixtures/{valid,invalid}` is a root file or a
//! configuration directory whose expected diagnostics are written on the offending line:
//! `#~ code` for that line, `#~^ code` for the line above. The diagnostics produced must
//! be exactly those (code, file, line); `valid/` cases may expect warnings and notes but
//! no errors. `live/` cases hold a `catalog.toml` too: their diagnostics are those of
//! `validate` plus the checks `plan` makes against the live catalog.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use socialform::config::LoadError;
use socialform::diagnostics::Severity;
use socialform::pipeline::Validation;

type Key = (String, usize, String);

fn expectations(case: &Path) -> Vec<Key> {
    expectations_on(case, None)
}

/// The expectations of a case on `target` (`None`: every code written, whatever its
/// target).
fn expectations_on(case: &Path, target: Option<&str>) -> Vec<Key> {
    let files: Vec<PathBuf> = if case.is_dir() {
        let mut out = Vec::new();
        collect(case, &mut out);
        out
    } else {
        vec![case.to_path_buf()]
    };
    let mut expected = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("#~") else { continue };
            let mut rest = &line[pos + 2..];
            let mut line_no = i + 1;
            while let Some(r) = rest.strip_prefix('^') {
                line_no -= 1;
                rest = r;
            }
            for code in rest.split_whitespace() {
                let (only, code) = match code.split_once('=') {
                    Some((t, c)) => (Some(t), c),
                    None => (None, code),
                };
                if target.is_none() || only.is_none() || only == target {
                    expected.push((name.clone(), line_no, code.to_string()));
                }
            }
        }
    }
    expected.sort();
    expected
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") && !path.ends_with("catalog.toml") {
            out.push(path);
        }
    }
}

/// A case: a configuration directory, or one file taken on its own.
fn load(case: &Path) -> Result<Validation, LoadError> {
    let loaded = if case.is_dir() {
        socialform::pipeline::load(case)?
    } else {
        socialform::pipeline::load_standalone(case)?
    };
    Ok(socialform::pipeline::validate(loaded))
}

fn run_case(case: &Path) -> Result<(), String> {
    run_case_expecting(case, expectations(case))
}

fn run_case_expecting(case: &Path, expected: Vec<Key>) -> Result<(), String> {
    let validation = load(case).map_err(|e| format!("{}: load failed: {e}", case.display()))?;
    let valid;
    let (diagnostics, sources) =
        if case.is_dir() && case.parent().is_some_and(|p| p.ends_with("live")) {
            let catalog = socialform::backend::sandbox::read_catalog(&case.join("catalog.toml"))
                .map_err(|e| format!("{}: {e}", case.display()))?;
            // The live checks take a valid configuration and report every diagnostic of the
            // run, the offline ones with theirs.
            valid = validation.into_valid().map_err(|v| {
                format!("{}: does not validate: {:?}", case.display(), v.diagnostics)
            })?;
            let diagnostics = match socialform::pipeline::check_live(&valid, &catalog) {
                Ok(checked) => checked.diagnostics().to_vec(),
                Err(all) => all,
            };
            (diagnostics, valid.sources())
        } else {
            (validation.diagnostics.clone(), &validation.sources)
        };
    let mut actual: Vec<Key> = diagnostics
        .iter()
        .map(|d| match &d.primary {
            Some(l) => {
                let file = sources.get(l.span.file);
                let name = file.path.file_name().unwrap().to_string_lossy().to_string();
                (
                    name,
                    file.line_col(l.span.range.start).0,
                    d.code.as_str().to_string(),
                )
            }
            None => (String::new(), 0, d.code.as_str().to_string()),
        })
        .collect();
    actual.sort();
    if actual != expected {
        let rendered = socialform::diagnostics::render(
            &diagnostics,
            sources,
            socialform::diagnostics::Format::Human {
                color: false,
                width: 100,
            },
        );
        return Err(format!(
            "{}:\n  expected: {expected:?}\n  actual:   {actual:?}\n{rendered}",
            case.display()
        ));
    }
    Ok(())
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn invalid_fixtures_report_exactly_their_annotations() {
    let cases = cases("invalid");
    assert!(cases.len() >= 30, "only {} invalid fixtures", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    for case in &cases {
        assert!(
            !expectations(case).is_empty(),
            "{} expects nothing: it belongs in valid/",
            case.display()
        );
    }
}

#[test]
fn valid_fixtures_have_no_errors() {
    let cases = cases("valid");
    assert!(cases.len() >= 5);
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for case in &cases {
        let loaded = load(case).unwrap();
        assert!(
            loaded
                .diagnostics
                .iter()
                .all(|d| d.severity != Severity::Error),
            "{}",
            case.display()
        );
    }
}

#[test]
fn live_fixtures_report_exactly_their_annotations() {
    let cases = cases("live");
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `targets/` case on `target`: a copy whose `kind = "sandbox"` line names `target`,
/// with the same file name and lines.
fn on_target(case: &Path, target: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(case).unwrap();
    assert!(
        text.lines().any(|l| l.trim() == "kind = \"sandbox\""),
        "{}: a targets/ case has `kind = \"sandbox\"` in its [backend]",
        case.display()
    );
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim() == "kind = \"sandbox\"" {
                format!("kind = \"{target}\"")
            } else {
                l.to_string()
            }
        })
        .collect();
    let copy = dir.join(case.file_name().unwrap());
    std::fs::write(&copy, out.join("\n") + "\n").unwrap();
    copy
}

#[test]
fn target_fixtures_differ_where_the_targets_do() {
    let cases = cases("targets");
    assert!(cases.len() >= 3);
    let mut failures = Vec::new();
    for case in &cases {
        for target in ["sandbox", "meta"] {
            let dir = tempfile::tempdir().unwrap();
            let copy = on_target(case, target, dir.path());
            let expected = expectations_on(case, Some(target));
            if let Err(e) = run_case_expecting(&copy, expected) {
                failures.push(format!("on {target}: {e}"));
            }
        }
        let (meta, sandbox) = (
            expectations_on(case, Some("meta")),
            expectations_on(case, Some("sandbox")),
        );
        assert_ne!(
            meta,
            sandbox,
            "{}: the same on both targets",
            case.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    let mut covered: BTreeMap<String, usize> = BTreeMap::new();
    let all = [
        cases("invalid"),
        cases("valid"),
        cases("live"),
        cases("targets"),
    ]
    .concat();
    for case in &all {
        for (_, _, code) in expectations(case) {
            *covered.entry(code).or_default() += 1;
        }
    }
    // An I/O failure needs an unreadable file, and `schema::invalid` is the safety net
    // for a value the schema accepts but the types do not decode, which no known input
    // reaches. A file over 8 MiB is not committed: tests/hostile.rs builds one.
    // `platform::orphaned` is about live resources, not a configuration: tests/platform.rs.
    let missing: Vec<&str> = socialform::diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| {
            ![
                "config::io",
                "schema::invalid",
                "config::too_large",
                "platform::orphaned",
            ]
            .contains(c)
        })
        .filter(|c| !covered.contains_key(*c))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn examples_validate_clean() {
    for example in ["examples/acme", "examples/minimal", "examples/meta-bot"] {
        let loaded = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(example)).unwrap();
        let bad: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Info)
            .collect();
        assert!(bad.is_empty(), "{example}: {bad:?}");
    }
}
