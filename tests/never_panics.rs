//! `validate` never panics: arbitrary TOML-ish text and mutations of real configurations
//! go through loading, the schema, the rules and every renderer. Bounded in cases and time.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use socialform::diagnostics::{Format, render};

fn check(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("socialform.toml");
    std::fs::write(&file, text).unwrap();
    let loaded = socialform::config::load(&file).unwrap();
    for format in [
        Format::Json,
        Format::Github,
        Format::Human {
            color: false,
            width: 80,
        },
    ] {
        let _ = render(&loaded.diagnostics, &loaded.sources, format);
    }
}

fn seeds() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "examples/acme",
        "examples/acme/profiles",
        "examples/acme/proactive",
        "tests/fixtures/valid",
        "tests/fixtures/invalid",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let mut text = std::fs::read_to_string(&path).unwrap();
                if !text.contains("[workspace]") {
                    text.insert_str(0, "[workspace]\nname = \"w\"\n");
                }
                out.push(text);
            }
        }
    }
    out
}

/// Edits that keep text mostly TOML: the interesting inputs are near-valid ones.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    SwapLines(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        Just("\"".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("=".to_string()),
        Just("\n".to_string()),
        Just("[profiles.x]\nchannel = \"x\"\n".to_string()),
        Just("{{".to_string()),
        Just(" and (".to_string()),
        Just("é✈️漢".to_string()),
        Just("\\u00e9".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("99999999999999999999".to_string()),
        "[ -~]{0,12}",
    ];
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), fragment).prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(bytes.len())..end);
            }
            Edit::Insert(at, s) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, s.bytes());
            }
            Edit::SwapLines(a, b) => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let (a, b) = (a % lines.len(), b % lines.len());
                    lines.swap(a, b);
                }
                bytes = lines.join("\n").into_bytes();
            }
            Edit::Duplicate(at, n) => {
                let at = (at % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                bytes.splice(end..end, piece);
            }
        }
    }
    // Files are read as UTF-8; invalid bytes are their own (I/O) diagnostic.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

const BUDGET: Duration = Duration::from_secs(20);

#[test]
fn mutated_configurations_never_panic() {
    let seeds = seeds();
    let start = Instant::now();
    runner(400)
        .run(
            &(0..seeds.len(), proptest::collection::vec(edit(), 1..6)),
            |(i, edits)| {
                if start.elapsed() < BUDGET {
                    check(&apply(&seeds[i], &edits));
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn arbitrary_text_never_panics() {
    let start = Instant::now();
    let toml_ish = "(\\[[a-z_.\"]{0,20}\\]\n|[a-z_]{1,12} = (\"[^\"\\\\]{0,20}\"|[0-9]{1,4}|true|\\[\\]|\\{\\})\n|#[^\n]{0,10}\n){0,12}";
    runner(300)
        .run(
            &prop_oneof![toml_ish.prop_map(|s| s), any::<String>()],
            |text| {
                if start.elapsed() < BUDGET {
                    check(&text);
                    check(&format!("[workspace]\nname = \"w\"\n{text}"));
                }
                Ok(())
            },
        )
        .unwrap();
}
