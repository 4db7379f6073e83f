//! The renderers' rules, one at a time; whole renderings are snapshot-tested in
//! `tests/plan_render.rs`.

use serde_json::{Value, json};

use super::*;
use crate::plan::{Basis, Summary};

fn plan_of(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: "1".into(),
        workspace: "w".into(),
        changes,
        unmanaged: vec![],
        summary: Summary::default(),
        basis: Basis {
            config: "c".into(),
            config_hash: "h".into(),
            live: Default::default(),
        },
    }
}

/// The text lines of one field change of an update.
fn lines(path: &str, before: Value, after: Value) -> String {
    let f = FieldChange {
        path: path.into(),
        before,
        after,
    };
    let mut out = String::new();
    fields::field(&mut out, &Style { color: false }, 0, &f, Action::Update);
    out
}

#[test]
fn strings_with_double_quotes_show_as_literal_strings() {
    assert_eq!(
        show(&Value::String(r#"visitor.page_url is "/""#.into())),
        r#"'visitor.page_url is "/"'"#
    );
    assert_eq!(show(&Value::String("plain".into())), r#""plain""#);
    assert_eq!(
        show(&Value::String(r#"it's "x""#.into())),
        r#""it's \"x\"""#
    );
}

#[test]
fn tables_and_arrays_show_as_toml() {
    assert_eq!(
        show(&json!({"label": "Refunds", "flow": "refunds", "odd key": [1, true, null]})),
        r#"{ label = "Refunds", flow = "refunds", "odd key" = [1, true, null] }"#
    );
    assert_eq!(show(&json!({})), "{}");
    assert_eq!(show(&json!([])), "[]");
    assert_eq!(show(&Value::Null), "(none)");
    // Deeper than the bound: JSON, still escaped.
    let mut deep = json!("\u{1b}");
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let shown = show(&deep);
    assert!(
        shown.contains("\\u001b") && !shown.contains('\u{1b}'),
        "{shown}"
    );
}

fn hostile_plan() -> Plan {
    let evil = "acme\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    let mut p = plan_of(vec![Change {
        address: format!("reply_profiles[\"{evil}\"]"),
        kind: crate::model::Kind::ReplyProfiles,
        action: Action::Update,
        drift: true,
        drift_reason: Some(format!("last applied by `{evil}`")),
        destructive: false,
        fields: vec![
            FieldChange {
                path: format!("x{evil}"),
                before: Value::String(format!("Hello {evil} there, how are you today my friend")),
                after: Value::String(format!("Hello {evil} friend, how are you today my friend")),
            },
            FieldChange {
                path: "when".into(),
                before: Value::Null,
                after: Value::String(format!("device.language is \"{evil}\"")),
            },
            FieldChange {
                path: "tags".into(),
                before: json!([evil, "\u{85}"]),
                after: Value::Null,
            },
            FieldChange {
                path: "welcome_message".into(),
                before: Value::String(format!("line one\n{evil}\nline three")),
                after: Value::String(format!(
                    "line one\n{evil}\nline 3\n  + profile.fake (create)"
                )),
            },
            FieldChange {
                path: "quick_replies".into(),
                before: json!([{"label": evil, "flow": "a"}]),
                after: json!([{"label": evil, "flow": evil}, {"label": "x|`y`<b>", "flow": "b"}]),
            },
        ],
    }]);
    p.workspace = evil.into();
    p.unmanaged = vec![format!("group.{evil}|`x`")];
    p
}

fn assert_clean(out: &str) {
    for c in out.chars() {
        assert!(!text::is_unsafe(c) || c == '\n', "{c:?} in {out}");
    }
}

#[test]
fn no_control_character_reaches_text_markdown_or_drift() {
    let plan = hostile_plan();
    let text = text(&plan, false);
    assert_clean(&text);
    assert!(text.contains("acme\\u{1b}]0;pwned\\u{7}"), "{text}");
    // A line of a multi-line text cannot pass for a line of the plan: it is indented
    // under its field, behind a marker.
    assert!(text.contains("  + profile.fake (create)"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("  + profile.fake")),
        "{text}"
    );
    let md = markdown(&plan);
    assert_clean(&md);
    assert!(md.contains("<code>group.acme"), "{md}");
    assert!(!md.contains("|`x`"), "{md}");
    assert!(!md.contains("<b>"), "{md}");
    // Every table row has its three cells: no value ends a cell or a row early.
    for row in md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| action"))
    {
        let cells = row.replace("\\|", "").matches('|').count();
        assert!(cells == 4 || cells == 3, "{row}");
    }
    let drift = drift(&plan, &[false], false);
    assert_clean(&drift);
    let drift_md = drift_markdown(&plan, &[false]);
    assert_clean(&drift_md);
    if std::env::var_os("SHOW_HOSTILE").is_some() {
        eprintln!("{text}\n{md}\n{drift}\n{drift_md}");
    }
    // With colour, the only escapes are the renderer's own.
    let coloured = super::text(&plan, true);
    assert!(!coloured.contains("\u{1b}]"), "{coloured}");
    assert!(!coloured.contains("\u{7}"), "{coloured}");
}

#[test]
fn texts_too_long_to_diff_are_shown_whole() {
    let a = "word ".repeat(WORD_DIFF_MAX / 5 + 1);
    let b = "other ".repeat(10);
    let out = lines(
        "message",
        Value::String(a.clone()),
        Value::String(b.clone()),
    );
    assert_eq!(
        out,
        format!("message:\n  - \"{a}\"\n  + \"{b}\"\n"),
        "before, then after, in full"
    );
}

#[test]
fn few_words_changed_is_a_word_diff_many_is_both_in_full() {
    let out = lines(
        "greeting",
        json!("Hello there, how are you today"),
        json!("Hello friend, how are you today"),
    );
    assert_eq!(
        out,
        "greeting: \"Hello [-there-]{+friend+}, how are you today\"\n"
    );
    let out = lines(
        "greeting",
        json!("Welcome aboard"),
        json!("Hi, thanks for flying with us"),
    );
    assert_eq!(
        out,
        "greeting:\n  - \"Welcome aboard\"\n  + \"Hi, thanks for flying with us\"\n"
    );
    // Short strings of other fields stay on one line.
    assert_eq!(
        lines("name", json!("a"), json!("b")),
        "name: \"a\" → \"b\"\n"
    );
    // A locale's greeting is a text like the default one.
    assert!(
        lines(
            "locales.fr_FR.greeting",
            json!("Bonjour à tous"),
            json!("Bonjour à toutes")
        )
        .contains("[-tous-]{+toutes+}")
    );
}

#[test]
fn multi_line_texts_keep_their_lines() {
    let out = lines(
        "welcome_message",
        json!("Hi!\nAsk us about flights, baggage or refunds.\nWe answer every day."),
        json!("Hi!\nAsk us about flights, bags or refunds.\nWe answer every day."),
    );
    assert_eq!(
        out,
        "welcome_message:\n  │ Hi!\n  │ Ask us about flights, [-baggage-]{+bags+} or refunds.\n  │ We answer every day.\n"
    );
    let out = lines(
        "welcome_message",
        json!("One\ntwo"),
        json!("Three\nfour\tfive"),
    );
    assert_eq!(
        out,
        "welcome_message:\n  - One\n  - two\n  + Three\n  + four\\tfive\n"
    );
    let mut created = String::new();
    fields::field(
        &mut created,
        &Style { color: false },
        0,
        &FieldChange {
            path: "welcome_message".into(),
            before: Value::Null,
            after: json!("a\nb"),
        },
        Action::Create,
    );
    assert_eq!(created, "welcome_message =\n  │ a\n  │ b\n");
}

#[test]
fn lists_element_by_element() {
    let out = lines(
        "ice_breakers",
        json!([
            {"question": "Where is my flight?", "flow": "flight_status"},
            {"question": "My bag did not arrive", "flow": "baggage"},
            {"question": "I want a refund", "flow": "refunds"},
        ]),
        json!([
            {"question": "I want a refund", "flow": "refunds"},
            {"question": "Where is my flight?", "flow": "flight_info"},
            {"question": "Can I bring my dog?", "flow": "pets"},
        ]),
    );
    assert_eq!(
        out,
        "ice_breakers (1 added, 1 removed, 1 changed, 1 moved):
  ↕ \"I want a refund\" (moved from position 3 to 1)
  ~ \"Where is my flight?\"
      flow: \"flight_status\" → \"flight_info\"
  - { question = \"My bag did not arrive\", flow = \"baggage\" }
  + { question = \"Can I bring my dog?\", flow = \"pets\" }
"
    );
    let out = lines(
        "tags",
        json!(["proactive", "checkout"]),
        json!(["proactive", "summer"]),
    );
    assert_eq!(
        out,
        "tags (1 added, 1 removed):\n    \"proactive\"\n  - \"checkout\"\n  + \"summer\"\n"
    );
    // A list set where there was none: every item added.
    let out = lines(
        "websites",
        Value::Null,
        json!(["https://a.example", "https://b.example"]),
    );
    assert_eq!(
        out,
        "websites (2 added):\n  + \"https://a.example\"\n  + \"https://b.example\"\n"
    );
}

#[test]
fn long_runs_of_unchanged_items_are_counted() {
    let before: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    let mut after = before.clone();
    after.push("new".into());
    let out = lines("profiles", json!(before), json!(after));
    assert_eq!(
        out,
        "profiles (1 added):\n    (10 unchanged)\n  + \"new\"\n"
    );
}

#[test]
fn lists_on_create_are_toml_arrays() {
    let mut out = String::new();
    let style = Style { color: false };
    for (path, v) in [
        ("tags", json!(["proactive", "baggage"])),
        (
            "attached_quick_replies",
            json!([{"label": "Flight status", "flow": "flight_status"}]),
        ),
        ("groups", json!([])),
    ] {
        fields::field(
            &mut out,
            &style,
            0,
            &FieldChange {
                path: path.into(),
                before: Value::Null,
                after: v,
            },
            Action::Create,
        );
    }
    assert_eq!(
        out,
        "tags = [\"proactive\", \"baggage\"]\nattached_quick_replies = [\n  { label = \"Flight status\", flow = \"flight_status\" },\n]\ngroups = []\n"
    );
}

#[test]
fn word_diff_marks_words() {
    let d = words::diff("Hello there, how are you", "Hello friend, how are you").unwrap();
    assert_eq!(
        fields::word_diff(&d, &Style { color: false }),
        "Hello [-there-]{+friend+}, how are you"
    );
    let coloured = fields::word_diff(&d, &Style { color: true });
    assert_eq!(
        coloured,
        "Hello \u{1b}[31;9mthere\u{1b}[0m\u{1b}[32;4mfriend\u{1b}[0m, how are you"
    );
}

#[test]
fn markdown_lists_and_texts() {
    let p = plan_of(vec![Change {
        address: "profile.acme_fb".into(),
        kind: crate::model::Kind::Profile,
        action: Action::Update,
        drift: false,
        drift_reason: None,
        destructive: false,
        fields: vec![
            FieldChange {
                path: "greeting".into(),
                before: json!("Welcome to Acme Air, ask us anything"),
                after: json!("Welcome aboard Acme Air, ask us anything"),
            },
            FieldChange {
                path: "persistent_menu".into(),
                before: json!([{"label": "Talk to an agent", "flow": "agent"}, {"label": "Old", "flow": "x"}]),
                after: json!([{"label": "Talk to an agent", "flow": "agent_handover"}]),
            },
        ],
    }]);
    let md = markdown(&p);
    assert!(
        md.contains("| `greeting` | \"Welcome <del>to</del> Acme Air, ask us anything\" | \"Welcome <ins>aboard</ins> Acme Air, ask us anything\" |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `persistent_menu` › \"Talk to an agent\" › `flow` | \"agent\" | \"agent_handover\" |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| `persistent_menu` (removed) | { label = \"Old\", flow = \"x\" } | — |"),
        "{md}"
    );
}
