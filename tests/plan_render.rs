//! Snapshots of the plan for people: text and markdown of list and text changes, of
//! creates and deletes, and the drift report in text and markdown. The plans are built
//! by the planner from desired and live resources, as `plan` builds them.
//!
//! To review a changed rendering: `cargo insta review` (or `INSTA_UPDATE=always cargo
//! test --test plan_render` and read the diff of `tests/snapshots/`).

use indexmap::IndexMap;
use serde_json::{Value, json};
use socialform::catalog::Catalog;
use socialform::model::{Kind, LiveResource, LiveState, MANAGER, Resource};
use socialform::plan::{self, Planned};

const CONFIG_ID: &str = "test/acme-air";

fn res(address: &str, kind: Kind, fields: Value) -> Resource {
    let fields: IndexMap<String, Value> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Resource::new(address, kind, fields)
}

/// A live resource as socialform applied it from this configuration.
fn applied(r: Resource, version: u64) -> LiveResource {
    let hash = r.hash();
    LiveResource {
        resource: r,
        version,
        managed_by: Some(MANAGER.into()),
        applied_hash: Some(hash),
        applied_by: Some(CONFIG_ID.into()),
    }
}

/// A live resource applied as `as_applied`, then edited by hand into `now`.
fn hand_edited(as_applied: &Resource, now: Resource, version: u64) -> LiveResource {
    LiveResource {
        resource: now,
        version,
        managed_by: Some(MANAGER.into()),
        applied_hash: Some(as_applied.hash()),
        applied_by: Some(CONFIG_ID.into()),
    }
}

fn build(desired: &[Resource], live: Vec<LiveResource>) -> Planned {
    let live = LiveState {
        catalog: Catalog::default(),
        resources: live,
    };
    let hashes: Vec<String> = desired.iter().map(Resource::hash).collect();
    plan::build(&plan::Input {
        workspace: "acme-air",
        prune: false,
        config_path: "care".into(),
        config_hash: "sha256:0".into(),
        config_id: CONFIG_ID,
        desired,
        hashes: &hashes,
        live: &live,
    })
}

fn facebook(greeting: &str, ice_breakers: Value, menu: Value) -> Resource {
    res(
        "profile.acme_fb",
        Kind::Profile,
        json!({
            "channel": "facebook",
            "account": "104857600123456",
            "greeting": greeting,
            "ice_breakers": ice_breakers,
            "persistent_menu": menu,
        }),
    )
}

/// Every kind of list change, on the lists reviewers read: ice breakers, the menu, quick
/// replies, websites, tags, a group's profiles.
fn list_changes() -> Planned {
    let live = vec![
        applied(
            facebook(
                "Hello {{user_first_name}}! Welcome to Acme Air.",
                json!([
                    {"question": "Where is my flight?", "flow": "flight_status"},
                    {"question": "My bag did not arrive", "flow": "baggage"},
                    {"question": "I want a refund", "flow": "refunds"},
                ]),
                json!([
                    {"label": "Manage my booking", "url": "https://www.acme-air.example/manage"},
                    {"label": "Talk to an agent", "flow": "agent_handover"},
                ]),
            ),
            3,
        ),
        applied(
            res(
                "profile.acme_x_care",
                Kind::Profile,
                json!({
                    "channel": "x",
                    "account": "@AcmeAirCare",
                    "welcome_message": "Hi! What can we help you with?",
                    "quick_replies": [
                        {"label": "Flight status", "flow": "flight_status"},
                        {"label": "Baggage", "flow": "baggage"},
                        {"label": "Refunds", "flow": "refunds"},
                    ],
                }),
            ),
            4,
        ),
        applied(
            res(
                "profile.acme_wa",
                Kind::Profile,
                json!({
                    "channel": "whatsapp",
                    "account": "15550001234",
                    "websites": ["https://www.acme-air.example", "https://www.acme-air.example/help"],
                }),
            ),
            5,
        ),
        applied(
            res(
                "group.social",
                Kind::Group,
                json!({
                    "name": "Social media",
                    "profiles": ["acme_x_care", "acme_fb", "acme_ig", "acme_ig_2", "acme_ig_3", "acme_ig_4", "acme_ig_5"],
                    "groups": [],
                }),
            ),
            6,
        ),
        applied(
            res(
                "proactive_message.checkout_help",
                Kind::ProactiveMessage,
                json!({"name": "Checkout help", "tags": ["proactive", "checkout"]}),
            ),
            7,
        ),
    ];
    let desired = vec![
        facebook(
            "Hello {{user_first_name}}! Welcome to Acme Air.",
            json!([
                {"question": "I want a refund", "flow": "refunds"},
                {"question": "Where is my flight?", "flow": "flight_info"},
                {"question": "Can I bring my dog?", "flow": "pets"},
            ]),
            json!([
                {"label": "Manage my booking", "url": "https://www.acme-air.example/manage"},
                {"label": "Talk to an agent", "flow": "agent_handover"},
                {"label": "Baggage", "flow": "baggage"},
            ]),
        ),
        res(
            "profile.acme_x_care",
            Kind::Profile,
            json!({
                "channel": "x",
                "account": "@AcmeAirCare",
                "welcome_message": "Hi! What can we help you with?",
                "quick_replies": [
                    {"label": "Flight status", "flow": "flight_status"},
                    {"label": "Baggage", "flow": "lost_baggage"},
                    {"label": "Refunds", "flow": "refunds"},
                ],
            }),
        ),
        res(
            "profile.acme_wa",
            Kind::Profile,
            json!({
                "channel": "whatsapp",
                "account": "15550001234",
                "websites": ["https://www.acme-air.example/help", "https://www.acme-air.example"],
            }),
        ),
        res(
            "group.social",
            Kind::Group,
            json!({
                "name": "Social media",
                "profiles": ["acme_fb", "acme_ig", "acme_ig_2", "acme_ig_3", "acme_ig_4", "acme_ig_5", "acme_x_care", "acme_messenger"],
                "groups": [],
            }),
        ),
        res(
            "proactive_message.checkout_help",
            Kind::ProactiveMessage,
            json!({"name": "Checkout help", "tags": ["proactive", "summer"]}),
        ),
    ];
    build(&desired, live)
}

#[test]
fn plan_text_of_list_changes() {
    insta::assert_snapshot!(plan::render::text(&list_changes().plan, false));
}

#[test]
fn plan_markdown_of_list_changes() {
    insta::assert_snapshot!(plan::render::markdown(&list_changes().plan));
}

fn message(address: &str, text: &str) -> Resource {
    res(
        address,
        Kind::ProactiveMessage,
        json!({"name": "Checkout help", "message": text}),
    )
}

/// Texts: a few words changed (a word diff), most words changed (before and after in
/// full), the same two on texts of several lines, and a text over the diff bound.
fn text_changes() -> Planned {
    let long_before: String = (0..600).map(|i| format!("w{i} ")).collect();
    let long_after = long_before.replace("w7 ", "seven ");
    let pairs = [
        (
            "proactive_message.a_few_words",
            "Need a hand with your booking? An agent can help you right now.",
            "Need a hand with your order? An agent can help you right away.",
        ),
        (
            "proactive_message.b_rewritten",
            "Need a hand with your booking?",
            "Questions about baggage allowances? Ask our assistant.",
        ),
        (
            "proactive_message.c_lines_few_words",
            "Hi!\nAsk us about flights, baggage or refunds.\nWe answer every day from 6am.",
            "Hi!\nAsk us about flights, bags or refunds.\nWe answer every day from 6am.",
        ),
        (
            "proactive_message.d_lines_rewritten",
            "Hi!\nWhat can we help you with?",
            "Hello from Acme Air.\nTell us your booking reference\nand we will take it from there.",
        ),
        (
            "proactive_message.e_over_the_bound",
            &long_before,
            &long_after,
        ),
    ];
    let live = pairs
        .iter()
        .enumerate()
        .map(|(i, (a, before, _))| applied(message(a, before), i as u64 + 1))
        .collect();
    let desired: Vec<Resource> = pairs
        .iter()
        .map(|(a, _, after)| message(a, after))
        .collect();
    build(&desired, live)
}

#[test]
fn plan_text_of_text_changes() {
    insta::assert_snapshot!(plan::render::text(&text_changes().plan, false));
}

#[test]
fn plan_markdown_of_text_changes() {
    insta::assert_snapshot!(plan::render::markdown(&text_changes().plan));
}

/// What a first plan shows: creates (lists as TOML arrays, a multi-line text by lines)
/// and a delete.
#[test]
fn plan_text_and_markdown_of_creates_and_deletes() {
    let chat = res(
        "profile.acme_web_chat",
        Kind::Profile,
        json!({
            "channel": "live_chat",
            "allowed_domains": ["https://www.acme-air.example", "https://booking.acme-air.example"],
            "start_flow": "welcome",
            "attached_quick_replies": [
                {"label": "Flight status", "flow": "flight_status"},
                {"label": "Talk to an agent", "flow": "agent_handover"},
            ],
        }),
    );
    let group = res(
        "group.messaging",
        Kind::Group,
        json!({"name": "Messaging", "profiles": ["acme_wa", "acme_web_chat"], "groups": []}),
    );
    let gone = res(
        "proactive_message.old_promo",
        Kind::ProactiveMessage,
        json!({"name": "Old promo", "message": "Summer sale!\nUp to 30% off.", "tags": ["promo"]}),
    );
    let p = build(&[chat, group], vec![applied(gone, 9)]);
    insta::assert_snapshot!(
        "creates_and_deletes_text",
        plan::render::text(&p.plan, false)
    );
    insta::assert_snapshot!(
        "creates_and_deletes_markdown",
        plan::render::markdown(&p.plan)
    );
}

/// Drift and pending changes told apart: a hand edit only (drift), a configuration
/// change only (pending), both on one resource, a resource to create, one removed from
/// the configuration, one applied last by another configuration.
fn drift_cases() -> Planned {
    let menu_before = json!([
        {"label": "Manage my booking", "url": "https://www.acme-air.example/manage"},
        {"label": "Talk to an agent", "flow": "agent_handover"},
    ]);
    let fb_applied = facebook(
        "Hello {{user_first_name}}! Welcome to Acme Air.",
        json!([{"question": "Where is my flight?", "flow": "flight_status"}]),
        menu_before.clone(),
    );
    // Someone reordered the menu and edited the greeting in the platform's UI.
    let fb_now = facebook(
        "Hello {{user_first_name}}! Welcome to Acme Air, the best airline.",
        json!([{"question": "Where is my flight?", "flow": "flight_status"}]),
        json!([
            {"label": "Talk to an agent", "flow": "agent_handover"},
            {"label": "Manage my booking", "url": "https://www.acme-air.example/manage"},
        ]),
    );
    let group_applied = res(
        "group.social",
        Kind::Group,
        json!({"name": "Social media", "profiles": ["acme_fb", "acme_ig"], "groups": []}),
    );
    let group_now = res(
        "group.social",
        Kind::Group,
        json!({"name": "Social", "profiles": ["acme_fb", "acme_ig"], "groups": []}),
    );
    let group_desired = res(
        "group.social",
        Kind::Group,
        json!({"name": "Social media", "profiles": ["acme_fb", "acme_ig", "acme_x_care"], "groups": []}),
    );
    let chat = |flow: &str| {
        res(
            "profile.acme_web_chat",
            Kind::Profile,
            json!({"channel": "live_chat", "start_flow": flow}),
        )
    };
    let mut other = applied(
        res(
            "contact_attribute.loyalty_tier",
            Kind::ContactAttribute,
            json!({"label": "Tier", "type": "dropdown", "options": ["Gold", "Silver"]}),
        ),
        12,
    );
    other.applied_by = Some("other/acme-air".into());
    let attribute_desired = res(
        "contact_attribute.loyalty_tier",
        Kind::ContactAttribute,
        json!({"label": "Loyalty tier", "type": "dropdown", "options": ["Platinum", "Gold", "Silver"]}),
    );
    let old_group = res(
        "group.legacy",
        Kind::Group,
        json!({"name": "Legacy", "profiles": ["acme_fb"], "groups": []}),
    );
    let live = vec![
        hand_edited(&fb_applied, fb_now, 8),
        hand_edited(&group_applied, group_now, 9),
        applied(chat("welcome"), 10),
        other,
        applied(old_group, 11),
    ];
    let desired = vec![
        fb_applied,
        group_desired,
        chat("agent_handover"),
        attribute_desired,
        res(
            "profile.acme_web_chat_2",
            Kind::Profile,
            json!({"channel": "live_chat", "start_flow": "welcome"}),
        ),
    ];
    build(&desired, live)
}

fn changed(p: &Planned) -> Vec<bool> {
    p.steps.iter().map(|s| s.config_changed).collect()
}

#[test]
fn drift_markdown_with_its_legend() {
    let p = drift_cases();
    insta::assert_snapshot!(plan::render::drift_markdown(&p.plan, &changed(&p)));
}

#[test]
fn drift_text() {
    let p = drift_cases();
    insta::assert_snapshot!(plan::render::drift(&p.plan, &changed(&p), false));
}

#[test]
fn drift_markdown_without_differences() {
    let p = build(&[], vec![]);
    assert_eq!(
        plan::render::drift_markdown(&p.plan, &[]),
        "### socialform drift for `acme-air`\n\nNo drift: the platform matches the configuration.\n\n"
    );
}

/// The drift JSON is the plan JSON with `config_changed` and `cause` on each change,
/// valid against its committed schema, and the causes are those the text shows.
#[test]
fn drift_json_adds_config_changed_and_cause() {
    let p = drift_cases();
    let report = plan::drift::DriftReport::new(&p.plan, &changed(&p));
    let value: Value = serde_json::from_str(&plan::drift::to_json(&report)).unwrap();
    let causes: Vec<(&str, &str, bool)> = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["cause"].as_str().unwrap(),
                c["config_changed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            ("profile.acme_fb", "drift", false),
            ("profile.acme_web_chat", "pending_change", true),
            ("profile.acme_web_chat_2", "pending_change", true),
            ("group.social", "drift_and_pending_change", true),
            ("contact_attribute.loyalty_tier", "drift", false),
            ("group.legacy", "pending_change", true),
        ]
    );
    let schema = plan::drift::json_schema();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Without the two keys, each change is the plan's, field for field.
    let mut stripped = value.clone();
    for c in stripped["changes"].as_array_mut().unwrap() {
        let o = c.as_object_mut().unwrap();
        o.remove("config_changed");
        o.remove("cause");
    }
    assert_eq!(stripped, serde_json::to_value(&p.plan).unwrap());
}

/// A list of 100,000 items, reversed and edited, renders: the diff is a hash map and a
/// longest increasing subsequence, not a comparison of every pair.
#[test]
fn a_list_of_100_000_items_renders() {
    let n = 100_000;
    let before: Vec<Value> = (0..n)
        .map(|i| json!({"label": format!("b{i}"), "flow": "f"}))
        .collect();
    let mut after: Vec<Value> = before.iter().rev().cloned().collect();
    after[0] = json!({"label": format!("b{}", n - 1), "flow": "g"});
    after.push(json!({"label": "new", "flow": "f"}));
    let live = vec![applied(
        res(
            "profile.chat",
            Kind::Profile,
            json!({"channel": "live_chat", "attached_quick_replies": before}),
        ),
        1,
    )];
    let desired = vec![res(
        "profile.chat",
        Kind::Profile,
        json!({"channel": "live_chat", "attached_quick_replies": after}),
    )];
    let p = build(&desired, live);
    let text = plan::render::text(&p.plan, false);
    assert!(
        text.contains("attached_quick_replies (1 added, 1 changed, 99999 moved):"),
        "{}",
        &text[..text.len().min(2_000)]
    );
    let md = plan::render::markdown(&p.plan);
    assert_eq!(md.matches("(moved)").count(), 99_999);
}

fn is_unsafe_but_newline(c: char) -> bool {
    socialform::diagnostics::text::is_unsafe(c) && c != '\n'
}

/// Strips the renderer's own colour sequences (`ESC [ digits ; m`).
fn without_colours(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == ';')
            {
                chars.next();
            }
            assert_eq!(chars.next(), Some('m'), "only colours: {s}");
            continue;
        }
        out.push(c);
    }
    out
}

fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        "[ab]{0,3}",
        "[\\x00-\\x1f\\x7f-\\u{9f}a|`<>\\n]{0,12}",
        Just("line one\n  + profile.fake (create)\n| x | y |".to_string()),
        Just("\u{1b}]8;;http://x\u{7}link\u{202e}".to_string()),
        (1usize..400).prop_map(|n| "word ".repeat(n)),
    ]
}

fn hostile_item() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        hostile_text().prop_map(Value::from),
        (hostile_text(), hostile_text()).prop_map(|(l, f)| json!({"label": l, "flow": f})),
        (hostile_text(), hostile_text()).prop_map(|(q, f)| json!({"question": q, "flow": f})),
        any::<i64>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            (hostile_text(), inner).prop_map(|(k, v)| json!({ "label": "x", k: v })),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    /// Any lists and texts, through every renderer for people: no control character of
    /// the input reaches the output, and no value breaks a markdown table.
    #[test]
    fn hostile_lists_and_texts_render_clean(
        before in proptest::collection::vec(hostile_item(), 0..6),
        after in proptest::collection::vec(hostile_item(), 0..6),
        old_text in hostile_text(),
        new_text in hostile_text(),
        drift in proptest::bool::ANY,
    ) {
        let field = |path: &str, b: Value, a: Value| plan::FieldChange { path: path.into(), before: b, after: a };
        let change = |action| plan::Change {
            address: "profile.p\u{1b}[2J".into(),
            kind: Kind::Profile,
            action,
            drift,
            drift_reason: drift.then(|| "by `x\u{7}`".to_string()),
            destructive: false,
            fields: vec![
                field("quick_replies", Value::Array(before.clone()), Value::Array(after.clone())),
                field("greeting", Value::from(old_text.clone()), Value::from(new_text.clone())),
                field("tags", Value::Null, Value::Array(after.clone())),
            ],
        };
        let p = plan::Plan {
            format_version: "1".into(),
            workspace: "w".into(),
            changes: vec![
                change(plan::Action::Update),
                change(plan::Action::Create),
                change(plan::Action::Delete),
            ],
            unmanaged: vec![],
            summary: plan::Summary::default(),
            basis: plan::Basis { config: "c".into(), config_hash: "h".into(), live: IndexMap::new() },
        };
        let changed = [true, false, true];
        let outputs = [
            plan::render::text(&p, false),
            without_colours(&plan::render::text(&p, true)),
            plan::render::markdown(&p),
            plan::render::drift(&p, &changed, false),
            plan::render::drift_markdown(&p, &changed),
        ];
        for out in &outputs {
            proptest::prop_assert!(!out.contains(is_unsafe_but_newline), "{}", out);
            // No line of the output starts as a change header but the renderer's own.
            let headers = out.lines().filter(|l| l.starts_with("  + profile.fake")).count();
            proptest::prop_assert_eq!(headers, 0);
        }
        for md in [&outputs[2], &outputs[4]] {
            for row in md.lines().filter(|l| l.starts_with("| ")) {
                let cells = row.replace("\\|", "").matches('|').count();
                proptest::prop_assert!(cells == 3 || cells == 4, "{}", row);
            }
        }
    }
}
