//! Nothing a configuration or the platform holds makes socialform panic, and nothing
//! reaches a person's terminal or a pull request with its control characters: arbitrary
//! and mutated configurations go through loading, the schema, the rules, the live checks,
//! the plan and every renderer (diagnostics human, JSON and GitHub; plan text, markdown
//! and JSON; drift; explain; snippet), and the renderers also get arbitrary spans, texts
//! and plans of their own. Bounded in cases and in time.

use std::time::{Duration, Instant};

use indexmap::IndexMap;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use socialform::catalog::Catalog;
use socialform::diagnostics::text::is_unsafe;
use socialform::diagnostics::{Code, Diagnostic, FileId, Format, Sources, Span, render};
use socialform::model::{Kind, MANAGER, Resource};
use socialform::model::{LiveResource, LiveState};
use socialform::plan::{self, Action, Basis, Change, FieldChange, Plan, Summary};
use socialform::rules::Profile;

/// Fails when text shown to a person holds a control character of its input (line
/// breaks are the renderer's own).
fn assert_clean(what: &str, out: &str) {
    if let Some(c) = out.chars().find(|&c| is_unsafe(c) && c != '\n') {
        panic!("{what}: {c:?} reached the output:\n{out}");
    }
}

/// Coloured output may hold the renderer's own SGR sequences (`ESC [ digits ; m`), and
/// nothing else unsafe.
fn assert_clean_coloured(what: &str, out: &str) {
    let mut rest = String::with_capacity(out.len());
    let mut chars = out.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == ';')
            {
                chars.next();
            }
            if chars.next() != Some('m') {
                panic!("{what}: an escape sequence that is not a colour:\n{out}");
            }
            continue;
        }
        rest.push(c);
    }
    assert_clean(what, &rest);
}

fn render_diagnostics(diags: &[Diagnostic], sources: &Sources) {
    let human = render(
        diags,
        sources,
        Format::Human {
            color: false,
            width: 80,
        },
    );
    assert_clean("human diagnostics", &human);
    let coloured = render(
        diags,
        sources,
        Format::Human {
            color: true,
            width: 100,
        },
    );
    assert_clean_coloured("coloured diagnostics", &coloured);
    let json = render(diags, sources, Format::Json);
    let parsed: Value = serde_json::from_str(&json).expect("the JSON report parses");
    assert_eq!(parsed.as_array().map(Vec::len), Some(diags.len()));
    let github = render(diags, sources, Format::Github);
    assert_eq!(
        github.lines().count(),
        diags.len(),
        "one annotation per line"
    );
    assert_clean("GitHub annotations", &github);
}

/// The platform as a hostile hand left it: every desired resource live, with each string
/// field's text replaced by `poison` and odd marks, so the plan diffs hostile values.
fn hostile_live(desired: &[Resource], poison: &str) -> LiveState {
    let resources = desired
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let fields: IndexMap<String, Value> = r
                .fields
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if i % 2 == 0 => Value::String(format!("{poison}{s}")),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .chain([(format!("x{poison}"), Value::String(poison.to_string()))])
                .collect();
            LiveResource {
                resource: Resource::new(&r.address, r.kind, fields),
                version: i as u64,
                managed_by: (i % 3 != 0).then(|| MANAGER.to_string()),
                applied_hash: Some(format!("h{poison}")),
                applied_by: (i % 2 == 0).then(|| format!("other/{poison}")),
            }
        })
        .collect();
    LiveState {
        catalog: Catalog {
            flows: vec![poison.to_string(), "welcome".into()],
            ..Catalog::default()
        },
        resources,
    }
}

fn render_plans(config: &socialform::rules::Config, desired: &[Resource], poison: &str) {
    let hashes: Vec<String> = desired.iter().map(Resource::hash).collect();
    for live in [LiveState::default(), hostile_live(desired, poison)] {
        let planned = plan::build(&plan::Input {
            workspace: &config.workspace.name,
            prune: true,
            config_path: "cfg".into(),
            config_hash: "h".into(),
            config_id: "test/w",
            desired,
            hashes: &hashes,
            live: &live,
        });
        let p = &planned.plan;
        assert_clean("plan text", &plan::render::text(p, false));
        assert_clean_coloured("coloured plan", &plan::render::text(p, true));
        assert_clean("plan markdown", &plan::render::markdown(p));
        let changed: Vec<bool> = planned.steps.iter().map(|s| s.config_changed).collect();
        assert_clean("drift", &plan::render::drift(p, &changed, false));
        let json: Plan = serde_json::from_str(&plan::to_json(p)).expect("the plan JSON parses");
        assert_eq!(&json, p);
        // explain, for every mailbox and folder the configuration sets, on every channel.
        let mut catalog = live.catalog.clone();
        for (name, mailbox) in &config.mailboxes {
            catalog.mailboxes.push(socialform::catalog::MailboxInfo {
                name: name.clone(),
                topics: vec![poison.to_string()],
                folders: mailbox
                    .folders
                    .keys()
                    .map(|f| socialform::catalog::FolderInfo {
                        name: f.clone(),
                        custom: f.len() % 2 == 0,
                    })
                    .collect(),
            });
        }
        catalog.topics.push(socialform::catalog::Topic {
            name: poison.to_string(),
            accounts: vec![poison.to_string()],
        });
        catalog.accounts.push(socialform::catalog::Account {
            channel: "x".into(),
            account: poison.to_string(),
            display_name: poison.to_string(),
        });
        let with_catalog = LiveState {
            catalog,
            resources: live.resources.clone(),
        };
        for (name, mailbox) in &config.mailboxes {
            let folders = std::iter::once(None).chain(mailbox.folders.keys().map(Some));
            for folder in folders {
                for channel in ["x", "facebook", "live_chat", poison] {
                    let query = socialform::tools::explain::Query {
                        mailbox: name,
                        folder: folder.map(String::as_str),
                        channel,
                    };
                    if let Ok(e) =
                        socialform::tools::explain::explain(config, &with_catalog, &query)
                    {
                        assert_clean("explain", &socialform::tools::explain::render(&e));
                    }
                }
            }
        }
        // snippet, for every live chat profile.
        for (id, p) in &config.profiles {
            if matches!(p, Profile::LiveChat(_))
                && let Ok(s) = socialform::tools::snippet::snippet(config, &live, id)
            {
                assert_clean("snippet", &socialform::tools::snippet::render(&s));
            }
        }
    }
}

fn check(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("socialform.toml");
    std::fs::write(&file, text).unwrap();
    let validation = socialform::pipeline::validate(socialform::pipeline::load(&file).unwrap());
    render_diagnostics(&validation.diagnostics, &validation.sources);
    let poison = "\u{1b}]0;t\u{7}\u{202e}|`<b>";
    match validation.into_valid() {
        Ok(valid) => {
            // The checks plan makes, against an empty catalog: every reference is unknown.
            let live = match socialform::pipeline::check_live(&valid, &Catalog::default()) {
                Ok(checked) => checked.diagnostics().to_vec(),
                Err(all) => all,
            };
            render_diagnostics(&live, valid.sources());
            render_plans(valid.config(), valid.desired(), poison);
        }
        // What decoded of an invalid configuration, through the renderers all the same.
        Err(invalid) => {
            let desired = socialform::rules::desired_of(invalid.config());
            render_plans(invalid.config(), &desired, poison);
        }
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
        Just("\\u001b[31m".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\u{0}\u{85}\u{9b}\u{7f}".to_string()),
        Just("\u{202e}\u{2066}".to_string()),
        Just("\r".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("99999999999999999999".to_string()),
        // Long lines: miette cannot place a label past column 65,535.
        Just("a".repeat(70_000)),
        Just("{{bad}} ".repeat(300)),
        Just(format!("\"{}\"", "x".repeat(20_001))),
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

/// Each property stops trying new cases after this long (a debug build on a shared
/// two-core machine); what ran is printed.
const BUDGET: Duration = Duration::from_secs(8);

/// Runs `test` on up to `cases` inputs within [`BUDGET`], and says how many ran.
fn run_bounded<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let start = Instant::now();
    let ran = std::cell::Cell::new(0u32);
    runner(cases)
        .run(&strategy, |value| {
            if start.elapsed() < BUDGET {
                test(value);
                ran.set(ran.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{name}: {} of {cases} cases in {:.1} s",
        ran.get(),
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn mutated_configurations_never_panic() {
    let seeds = seeds();
    run_bounded(
        "mutated configurations",
        400,
        (0..seeds.len(), proptest::collection::vec(edit(), 1..6)),
        |(i, edits)| check(&apply(&seeds[i], &edits)),
    );
}

#[test]
fn arbitrary_text_never_panics() {
    let toml_ish = "(\\[[a-z_.\"]{0,20}\\]\n|[a-z_]{1,12} = (\"[^\"\\\\]{0,20}\"|[0-9]{1,4}|true|\\[\\]|\\{\\})\n|#[^\n]{0,10}\n){0,12}";
    run_bounded(
        "arbitrary text",
        300,
        prop_oneof![toml_ish.prop_map(|s| s), any::<String>()],
        |text| {
            check(&text);
            check(&format!("[workspace]\nname = \"w\"\n{text}"));
        },
    );
}

/// Source text as hostile as text gets: long lines, control characters, CR without LF,
/// multi-byte characters, empty lines.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[ -~]{0,30}",
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("\u{1b}[31m\u{0}\u{85}\u{202e}".to_string()),
        Just("é✈️漢字👋🏽".to_string()),
        (1usize..100_000).prop_map(|n| "z".repeat(n)),
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

#[test]
fn diagnostic_renderers_take_any_span_and_any_text() {
    let strategy = (
        proptest::collection::vec(hostile_text(), 1..3),
        proptest::collection::vec(
            (
                0usize..3,
                any::<usize>(),
                0usize..200,
                proptest::collection::vec((0usize..3, any::<usize>(), 0usize..50), 0..4),
                hostile_string(),
                0usize..Code::ALL.len(),
            ),
            0..8,
        ),
    );
    run_bounded("diagnostic renderers", 300, strategy, |(texts, diags)| {
        let mut sources = Sources::default();
        for (i, t) in texts.iter().enumerate() {
            sources.add(
                format!("f{i}\u{1b}.toml"),
                format!("f{i}").into(),
                t.clone(),
            );
        }
        let n = texts.len();
        // Offsets anywhere, past the end and inside characters included.
        let span = |file: usize, start: usize, len: usize| {
            let file = file % n;
            let size = texts[file].len() + 10;
            let start = start % size;
            Span {
                file: FileId(file),
                range: start..start + len,
            }
        };
        let diags: Vec<Diagnostic> = diags
            .iter()
            .map(|(file, start, len, others, message, code)| {
                let mut d = Diagnostic::new(Code::ALL[*code], message.clone())
                    .at(span(*file, *start, *len), message.clone())
                    .help(format!("{message}\u{1b}[0m"));
                for (f, s, l) in others {
                    d = d.also(span(*f, *s, *l), "\u{7}other");
                }
                d
            })
            .collect();
        render_diagnostics(&diags, &sources);
    });
}

/// Names and values as hostile as they get: arbitrary, terminal escapes, markdown and
/// HTML syntax, long texts.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f-\\u{9f}a-z]{0,20}",
        Just("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}".to_string()),
        Just("a|b`c<d>&e\n\r\u{202e}".to_string()),
        (1usize..5_000).prop_map(|n| "word ".repeat(n)),
    ]
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        hostile_string().prop_map(Value::String),
        proptest::collection::vec(hostile_string(), 0..3)
            .prop_map(|v| Value::Array(v.into_iter().map(Value::String).collect())),
        (hostile_string(), hostile_string()).prop_map(|(k, v)| {
            let mut m = serde_json::Map::new();
            m.insert(k, Value::String(v));
            Value::Object(m)
        }),
    ]
}

#[test]
fn plan_renderers_take_any_name_and_value() {
    let field = (hostile_string(), hostile_value(), hostile_value());
    let change = (
        hostile_string(),
        0usize..4,
        any::<bool>(),
        proptest::option::of(hostile_string()),
        proptest::collection::vec(field, 0..4),
    );
    let strategy = (
        hostile_string(),
        proptest::collection::vec(change, 0..5),
        proptest::collection::vec(hostile_string(), 0..3),
    );
    run_bounded(
        "plan renderers",
        300,
        strategy,
        |(workspace, changes, unmanaged)| {
            let actions = [
                Action::Create,
                Action::Update,
                Action::Replace,
                Action::Delete,
            ];
            let changes: Vec<Change> = changes
                .into_iter()
                .map(|(address, action, drift, reason, fields)| Change {
                    address,
                    kind: Kind::Profile,
                    action: actions[action],
                    drift,
                    drift_reason: reason,
                    destructive: action == 2,
                    fields: fields
                        .into_iter()
                        .map(|(path, before, after)| FieldChange {
                            path,
                            before,
                            after,
                        })
                        .collect(),
                })
                .collect();
            let n = changes.len();
            let p = Plan {
                format_version: "1".into(),
                workspace,
                changes,
                unmanaged,
                summary: Summary::default(),
                basis: Basis {
                    config: "c".into(),
                    config_hash: "h".into(),
                    live: IndexMap::new(),
                },
            };
            assert_clean("plan text", &plan::render::text(&p, false));
            assert_clean_coloured("coloured plan", &plan::render::text(&p, true));
            assert_clean("plan markdown", &plan::render::markdown(&p));
            let changed: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
            assert_clean("drift", &plan::render::drift(&p, &changed, false));
            let back: Plan = serde_json::from_str(&plan::to_json(&p)).unwrap();
            assert_eq!(back, p);
        },
    );
}
