//! Big and deep hostile inputs finish, and their output is right. These are functional
//! tests, not timings: each input once took quadratic time (or overflowed the stack) and
//! the figures live in `scripts/bench-scale.sh`. Sizes are what a debug build on a shared
//! machine runs in a few seconds each; the quadratic versions took minutes.

use indexmap::IndexMap;
use serde_json::{Value, json};
use socialform::catalog::Catalog;
use socialform::diagnostics::{Format, render};
use socialform::model::{Kind, MANAGER, Resource};
use socialform::model::{LiveResource, LiveState};
use socialform::pipeline::Validation as Loaded;
use socialform::plan;

fn load_text(text: &str) -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("socialform.toml");
    std::fs::write(&file, text).unwrap();
    let loaded = socialform::pipeline::validate(socialform::pipeline::load(&file).unwrap());
    (dir, loaded)
}

fn codes(loaded: &Loaded, code: &str) -> usize {
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == code)
        .count()
}

fn human(loaded: &Loaded) -> String {
    render(
        &loaded.diagnostics,
        &loaded.sources,
        Format::Human {
            color: false,
            width: 100,
        },
    )
}

const BASE: &str = "[workspace]\nname = \"w\"\n";

const MESSAGE: &str = r#"
[proactive_messages.m]
name = "n"
brand = "b"
channel = "c"
message = "m"
frequency = "once_per_visit"
response = { type = "agent", follow_up = "f" }
trigger = { event = "page_view", after = "10s" }
"#;

#[test]
fn a_when_with_100_000_parentheses_is_a_diagnostic() {
    let n = 100_000;
    let expr = format!(
        "{}device.language is \\\"fr\\\"{}",
        "(".repeat(n),
        ")".repeat(n)
    );
    let (_d, loaded) = load_text(&format!("{BASE}{MESSAGE}when = \"{expr}\"\n"));
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "proactive::when_syntax")
        .expect("a when_syntax diagnostic");
    assert!(d.message.contains("deeper than 32"), "{}", d.message);
    // The report of a 200 KB line shows a window of it.
    assert!(human(&loaded).len() < 5_000);
}

#[test]
fn conditions_nested_100_000_levels_are_a_diagnostic() {
    let n = 100_000;
    let leaf = r#"{ field = "device.language", op = "is", value = "fr" }"#;
    let nested = format!("{}{leaf}{}", "{ all = [".repeat(n), "] }".repeat(n));
    let (_d, loaded) = load_text(&format!(
        "{BASE}{MESSAGE}conditions = {{ all = [{nested}] }}\n"
    ));
    // The TOML parser stops at its own depth; the run stops there, as on any syntax error.
    assert!(
        codes(&loaded, "config::syntax") >= 1,
        "{:?}",
        loaded.diagnostics
    );
    assert!(human(&loaded).contains("recurse"));
}

#[test]
fn conditions_deeper_than_32_groups_are_reported_once() {
    let leaf = r#"{ field = "device.language", op = "is", value = "fr" }"#;
    let mut group = format!("{{ any = [{leaf}, {leaf}] }}");
    for _ in 0..35 {
        group = format!("{{ all = [{leaf}, {group}] }}");
    }
    let (_d, loaded) = load_text(&format!(
        "{BASE}{MESSAGE}conditions = {{ all = [{group}] }}\n"
    ));
    assert_eq!(codes(&loaded, "proactive::conditions_too_deep"), 1);
}

#[test]
fn arrays_and_tables_nested_past_128_levels_stop_the_run() {
    // A dotted key in each inline table: 78 levels of 78 keys, within the TOML parser's
    // own limits, 6,084 levels deep in all.
    let key = vec!["a"; 78].join(".");
    let text = format!(
        "{BASE}x = {}1{}\n",
        format!("{{{key} = ").repeat(78),
        "}".repeat(78)
    );
    let (_d, loaded) = load_text(&text);
    assert_eq!(codes(&loaded, "config::too_deep"), 1);
    assert_eq!(loaded.diagnostics.len(), 1);
}

#[test]
fn thousands_of_diagnostics_render_each_in_bounded_space() {
    let n = 10_000;
    let text: String = std::iter::once(BASE.to_string())
        .chain(
            (0..n).map(|i| format!("[profiles.p{i}]\nchannel = \"live_chat\"\ncolor = \"red\"\n")),
        )
        .collect();
    let (_d, loaded) = load_text(&text);
    assert_eq!(codes(&loaded, "format::invalid"), n);
    let out = human(&loaded);
    assert_eq!(out.matches("format::invalid").count(), n);
    // The last one still names its true line.
    assert!(out.contains(&format!("socialform.toml:{}:9]", 3 + 3 * (n - 1) + 2)));
    assert!(out.len() < n * 1_000, "{} bytes", out.len());
}

#[test]
fn a_greeting_with_10_000_tokens_points_at_each() {
    let n = 10_000;
    let greeting: String = (0..n).map(|i| format!("{{{{b{i}}}}} ")).collect();
    let text = format!(
        "{BASE}[profiles.fb]\nchannel = \"facebook\"\naccount = \"1\"\ngreeting = \"{greeting}\"\n"
    );
    let (_d, loaded) = load_text(&text);
    assert_eq!(codes(&loaded, "facebook::greeting_token"), n);
    let file = loaded.sources.get(socialform::diagnostics::FileId(0));
    let last = format!("{{{{b{}}}}}", n - 1);
    let at = text.find(&last).unwrap();
    let found = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "facebook::greeting_token")
        .filter_map(|d| d.primary.as_ref())
        .any(|l| l.span.range == (at..at + last.len()));
    assert!(found, "the last token's span is exact");
    let json: Value =
        serde_json::from_str(&render(&loaded.diagnostics, &loaded.sources, Format::Json)).unwrap();
    let (line, col) = file.line_col(at);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|d| d["line"] == line && d["column"] == col)
    );
    // 10,000 reports on one 100 KB line, each a window of it.
    let out = human(&loaded);
    assert!(out.len() < n * 1_000, "{} bytes", out.len());
}

#[test]
fn long_lists_check_uniqueness_and_membership_in_one_pass() {
    let n = 20_000;
    let tags: Vec<String> = (0..n).map(|i| format!("\"t{i}\"")).collect();
    let dup: Vec<&str> = vec!["\"same\""; n];
    let text = format!(
        "{BASE}{MESSAGE}when = 'device.language is \"fr\"'\ntags = [{}]\n[proactive_messages.m2]\nname = \"n\"\nbrand = \"b\"\nchannel = \"c\"\nmessage = \"m\"\nfrequency = \"once_per_visit\"\nresponse = {{ type = \"agent\", follow_up = \"f\" }}\ntrigger = {{ event = \"page_view\", after = \"10s\" }}\nwhen = 'device.language is \"fr\"'\ntags = [{}]\n",
        tags.join(", "),
        dup.join(", ")
    );
    let (_d, loaded) = load_text(&text);
    assert_eq!(codes(&loaded, "profiles::duplicate"), n - 1);
    assert_eq!(
        codes(&loaded, "limits::over_cap"),
        2,
        "two lists over 10,000"
    );

    let profiles: String = (0..n)
        .map(|i| format!("[profiles.p{i}]\nchannel = \"live_chat\"\n"))
        .collect();
    let members: Vec<String> = (0..n).map(|i| format!("\"p{i}\"")).collect();
    let unknown: Vec<String> = (0..n).map(|i| format!("\"q{i}\"")).collect();
    let text = format!(
        "{BASE}{profiles}[groups.all]\nprofiles = [{}, {}]\n",
        members.join(", "),
        unknown.join(", ")
    );
    let (_d, loaded) = load_text(&text);
    assert_eq!(codes(&loaded, "groups::unknown_member"), n);
    assert_eq!(codes(&loaded, "groups::too_many_items"), 1);
}

#[test]
fn unknown_names_against_a_big_catalog_list_twenty() {
    let n = 5_000;
    let profiles: String = (0..n)
        .map(|i| format!("[profiles.p{i}]\nchannel = \"live_chat\"\nstart_flow = \"missing{i}\"\n"))
        .collect();
    let (_d, loaded) = load_text(&format!("{BASE}{profiles}"));
    let catalog = Catalog {
        flows: (0..n).map(|i| format!("flow{i}")).collect(),
        ..Catalog::default()
    };
    let valid = loaded.into_valid().unwrap();
    let diags = socialform::pipeline::check_live(&valid, &catalog).unwrap_err();
    assert_eq!(diags.len(), n);
    let help = diags[0].help.as_deref().unwrap();
    assert!(help.ends_with(&format!("and {} more", n - 20)), "{help}");
    assert_eq!(help.matches("`flow").count(), 20, "{help}");
}

fn live(address: &str, kind: Kind, fields: Value) -> LiveResource {
    let fields: IndexMap<String, Value> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let resource = Resource::new(address, kind, fields);
    LiveResource {
        applied_hash: Some(resource.hash()),
        resource,
        version: 1,
        managed_by: Some(MANAGER.to_string()),
        applied_by: None,
    }
}

#[test]
fn a_platform_nesting_20_000_groups_deep_plans_and_exports() {
    let n = 20_000;
    let resources: Vec<LiveResource> = (0..n)
        .map(|i| {
            live(
                &format!("group.g{i}"),
                Kind::Group,
                json!({ "name": format!("G{i}"), "profiles": [], "groups": [format!("g{}", i + 1)] }),
            )
        })
        .collect();
    let state = LiveState {
        catalog: Catalog::default(),
        resources,
    };
    // Nothing desired, prune: every group is deleted, outer ones first.
    let planned = plan::build(&plan::Input {
        workspace: "w",
        prune: true,
        config_path: "c".into(),
        config_hash: "h".into(),
        config_id: "t/w",
        desired: &[],
        hashes: &[],
        live: &state,
    });
    assert_eq!(planned.plan.summary.delete, n);
    assert_eq!(planned.plan.changes[0].address, "group.g0");
    let (waves, deps) = socialform::apply::dependencies(&planned);
    assert_eq!(waves.len(), 1);
    assert_eq!(deps[1], vec![0], "g1 is deleted after g0, which holds it");

    // The export walks the nesting with its own stack: 2,000 deep, one profile at the end.
    let mut resources: Vec<LiveResource> = (0..2_000)
        .map(|i| {
            let profiles = if i == 1_999 {
                json!(["chat"])
            } else {
                json!([])
            };
            live(
                &format!("group.g{i:04}"),
                Kind::Group,
                json!({ "profiles": profiles, "groups": [format!("g{:04}", i + 1)] }),
            )
        })
        .collect();
    resources.push(live(
        "profile.chat",
        Kind::Profile,
        json!({ "channel": "live_chat" }),
    ));
    let rows = socialform::tools::export::group_rows(&LiveState {
        catalog: Catalog::default(),
        resources,
    });
    assert_eq!(rows.len(), 2_000, "every group reaches the one profile");
    assert!(rows.iter().all(|r| r.profile == "chat"));
}

#[test]
fn a_long_text_change_is_shown_whole_not_diffed() {
    let before: String = (0..100_000).map(|i| format!("old{i} ")).collect();
    let after: String = (0..100_000).map(|i| format!("new{i} ")).collect();
    let p = plan::Plan {
        format_version: "1".into(),
        workspace: "w".into(),
        changes: vec![plan::Change {
            address: "proactive_message.m".into(),
            kind: Kind::ProactiveMessage,
            action: plan::Action::Update,
            drift: false,
            drift_reason: None,
            destructive: false,
            fields: vec![plan::FieldChange {
                path: "message".into(),
                before: Value::String(before),
                after: Value::String(after),
            }],
        }],
        unmanaged: vec![],
        summary: plan::Summary::default(),
        basis: plan::Basis {
            config: "c".into(),
            config_hash: "h".into(),
            live: IndexMap::new(),
        },
    };
    let text = plan::render::text(&p, false);
    assert!(
        text.contains("message:\n        - \"old0 old1"),
        "before in full"
    );
    assert!(
        text.contains("\n        + \"new0 new1"),
        "then after in full"
    );
    assert!(!text.contains("[-"), "no word diff");
}

#[test]
fn a_table_over_100_000_entries_is_over_the_cap() {
    let n = 100_001;
    let entries: String = (0..n).map(|i| format!("\"f{i}\" = {{}}\n")).collect();
    let (_d, loaded) = load_text(&format!("{BASE}[mailboxes.\"Care\".folders]\n{entries}"));
    assert_eq!(codes(&loaded, "limits::over_cap"), 1);
}
