//! Library tests of the preview: locales and their fallbacks, the Get Started precedence,
//! the composer, before sides rebuilt from a plan, and plans for something else.

use indexmap::IndexMap;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use super::*;
use crate::plan::{Basis, FieldChange, Summary};

fn resource(address: &str, kind: Kind, fields: Value) -> Resource {
    let fields: IndexMap<String, Value> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Resource::new(address, kind, fields)
}

fn config(name: &str) -> Config {
    let mut c = Config::default();
    c.workspace.name = name.to_string();
    c
}

fn page_of(resources: &[Resource], plan: Option<&Plan>) -> Html {
    let config = config("w");
    let dir = tempfile::tempdir().unwrap();
    let input = Input {
        config: &config,
        resources,
        dir: dir.path(),
        source: "test",
        catalog: None,
        plan,
    };
    let entries = entries(resources, plan).unwrap();
    Html::parse_document(&page::render(&input, &entries).unwrap())
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn texts(html: &Html, s: &str) -> Vec<String> {
    html.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// A Facebook profile of version 2 of the format: locales, the composer switch.
fn localized_profile() -> Resource {
    resource(
        "profile.fb",
        Kind::Profile,
        json!({
            "channel": "facebook",
            "account": "42",
            "greeting": "Hello {{user_first_name}}!",
            "ice_breakers": [{"question": "Where is my bag?", "flow": "baggage"}],
            "get_started": {"flow": "welcome"},
            "persistent_menu": [{"label": "Agent", "flow": "agent"}],
            "composer_input_disabled": true,
            "whitelisted_domains": ["https://acme.example"],
            "locales": {
                "fr_FR": {
                    "greeting": "Bonjour {{user_full_name}} !",
                    "ice_breakers": [{"question": "Où est mon sac ?", "flow": "baggage"}]
                },
                "es_LA": {"persistent_menu": [{"label": "Agente", "url": "https://acme.example/es"}]}
            }
        }),
    )
}

#[test]
fn every_locale_with_its_fallbacks() {
    let html = page_of(&[localized_profile()], None);
    let card = |code: &str| format!(r#"[data-address="profile.fb"] [data-locale="{code}"]"#);
    let codes: Vec<String> = html
        .select(&sel(r#"[data-address="profile.fb"] [data-locale]"#))
        .map(|e| e.value().attr("data-locale").unwrap().to_string())
        .collect();
    assert_eq!(codes, ["default", "fr_FR", "es_LA"]);

    assert_eq!(
        texts(&html, &format!("{} .greeting", card("default"))),
        ["Hello Alex!"]
    );
    assert_eq!(
        texts(&html, &format!("{} .greeting", card("fr_FR"))),
        ["Bonjour Alex Martin !"]
    );
    // es_LA has no greeting and no ice breakers of its own: the default ones, said so
    assert_eq!(
        texts(&html, &format!("{} .greeting", card("es_LA"))),
        ["Hello Alex!"]
    );
    assert_eq!(
        html.select(&sel(&format!("{} .fallback", card("es_LA"))))
            .count(),
        2
    );
    assert_eq!(
        texts(&html, &format!("{} .ice-breakers .btn", card("fr_FR"))),
        ["Où est mon sac ?"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu .btn", card("fr_FR"))),
        ["Agent"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu .btn", card("es_LA"))),
        ["Agente"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu .btn-url .url", card("es_LA"))),
        ["https://acme.example/es"]
    );

    // ice breakers win over Get Started, in every locale
    assert_eq!(html.select(&sel(".get-started")).count(), 0);
    assert_eq!(
        html.select(&sel(r#"[data-address="profile.fb"] .m-body .note"#))
            .count(),
        3
    );
    // the composer is disabled everywhere
    let composers: Vec<&str> = html
        .select(&sel(r#"[data-address="profile.fb"] .composer"#))
        .map(|e| e.value().attr("data-disabled").unwrap())
        .collect();
    assert_eq!(composers, ["true", "true", "true"]);
    // a key no mock-up shows is listed, not lost
    assert_eq!(
        texts(
            &html,
            r#"[data-address="profile.fb"] .extras [data-key="whitelisted_domains"] dd"#
        ),
        ["https://acme.example"]
    );
    // the page's name falls back to the account id without a catalog
    assert_eq!(texts(&html, r#"[data-locale="default"] .m-name"#), ["42"]);
}

#[test]
fn get_started_without_ice_breakers_and_no_greeting_on_instagram() {
    let ig = resource(
        "profile.ig",
        Kind::Profile,
        json!({"channel": "instagram", "account": "7", "get_started": {"flow": "welcome"},
               "locales": {"fr_FR": {"persistent_menu": [{"label": "Aide", "flow": "help"}]}}}),
    );
    let html = page_of(&[ig], None);
    assert_eq!(
        texts(&html, ".get-started .btn"),
        ["Get Started", "Get Started"]
    );
    assert_eq!(html.select(&sel(".greeting")).count(), 0);
    let composers: Vec<&str> = html
        .select(&sel(".composer"))
        .map(|e| e.value().attr("data-disabled").unwrap())
        .collect();
    assert_eq!(composers, ["false", "false"]);
    assert_eq!(
        texts(&html, r#"[data-locale="fr_FR"] .menu .btn"#),
        ["Aide"]
    );
    assert_eq!(
        html.select(&sel(r#"[data-locale="default"] .menu"#))
            .count(),
        0
    );
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: "1".to_string(),
        workspace: "w".to_string(),
        changes,
        unmanaged: Vec::new(),
        summary: Summary::default(),
        basis: Basis {
            config: "c".to_string(),
            config_hash: String::new(),
            live: IndexMap::new(),
        },
    }
}

fn change(address: &str, kind: Kind, action: Action, fields: Vec<(&str, Value, Value)>) -> Change {
    Change {
        address: address.to_string(),
        kind,
        action,
        drift: false,
        drift_reason: None,
        destructive: false,
        fields: fields
            .into_iter()
            .map(|(path, before, after)| FieldChange {
                path: path.to_string(),
                before,
                after,
            })
            .collect(),
    }
}

#[test]
fn before_sides_from_the_plan() {
    let pm = resource(
        "proactive_message.help",
        Kind::ProactiveMessage,
        json!({"name": "Help", "message": "Need a hand?", "frequency": "once_per_visit",
               "response": {"type": "agent", "follow_up": "An agent joins you now.", "ask_name": true, "ask_email": false},
               "trigger": {"event": "page_view", "after": "45s"}, "when": "device.language is \"fr\""}),
    );
    let p = plan(vec![
        change(
            "proactive_message.help",
            Kind::ProactiveMessage,
            Action::Update,
            vec![
                (
                    "response.follow_up",
                    json!("An agent joins you soon."),
                    json!("An agent joins you now."),
                ),
                ("response.ask_email", json!(true), json!(false)),
                ("message", json!("Need help?"), json!("Need a hand?")),
                ("tags", json!(["old"]), Value::Null),
            ],
        ),
        change(
            "group.gone",
            Kind::Group,
            Action::Delete,
            vec![
                ("name", json!("Gone group"), Value::Null),
                ("profiles", json!(["fb"]), Value::Null),
                ("groups", json!([]), Value::Null),
            ],
        ),
    ]);
    let es = entries(std::slice::from_ref(&pm), Some(&p)).unwrap();
    let before = es[0].before.as_ref().unwrap();
    assert_eq!(before["response"]["follow_up"], "An agent joins you soon.");
    assert_eq!(before["response"]["ask_email"], true);
    assert_eq!(before["response"]["type"], "agent");
    assert_eq!(before["message"], "Need help?");
    assert_eq!(before["tags"], json!(["old"]));
    assert_eq!(es[0].after.as_ref().unwrap()["message"], "Need a hand?");
    assert_eq!(es[1].address, "group.gone");
    assert!(es[1].after.is_none());
    assert_eq!(es[1].before.as_ref().unwrap()["name"], "Gone group");

    let html = page_of(&[pm], Some(&p));
    let side = |s: &str| format!(r#"[data-address="proactive_message.help"] [data-side="{s}"]"#);
    assert_eq!(
        texts(&html, &format!("{} .follow-up del", side("before"))),
        ["soon"]
    );
    assert_eq!(
        texts(&html, &format!("{} .follow-up ins", side("after"))),
        ["now"]
    );
    assert_eq!(
        texts(&html, &format!("{} .follow-up ins", side("before"))),
        Vec::<String>::new()
    );
    assert_eq!(
        html.select(&sel(&format!("{} .form .field", side("before"))))
            .count(),
        2
    );
    assert_eq!(
        html.select(&sel(&format!("{} .form .field", side("after"))))
            .count(),
        1
    );
    // the deleted group is in the before tree only
    assert_eq!(
        html.select(&sel(r#"[data-side="before"] [data-address="group.gone"]"#))
            .count(),
        1
    );
    assert_eq!(
        html.select(&sel(r#"[data-side="after"] [data-address="group.gone"]"#))
            .count(),
        0
    );
}

#[test]
fn set_path_creates_and_removes() {
    let mut v = json!({"a": {"b": 1}, "c": 2});
    set_path(&mut v, "a.b", &Value::Null);
    set_path(&mut v, "x.y.z", &json!("new"));
    set_path(&mut v, "c", &json!([1]));
    assert_eq!(v, json!({"a": {}, "c": [1], "x": {"y": {"z": "new"}}}));
}

#[test]
fn plans_for_something_else_are_refused() {
    let c = config("w");
    let rs = crate::rules::desired_of(&c);
    let mut p = plan(Vec::new());
    p.basis.config_hash = crate::rules::config_hash(&c, &rs);
    assert!(check_plan(&p, &c, &rs).is_ok());
    p.workspace = "other".to_string();
    assert!(matches!(
        check_plan(&p, &c, &rs),
        Err(PreviewError::OtherWorkspace { .. })
    ));
    p.workspace = "w".to_string();
    p.basis.config_hash = "sha256:0".to_string();
    assert!(matches!(
        check_plan(&p, &c, &rs),
        Err(PreviewError::OtherConfiguration)
    ));
    p.format_version = "9".to_string();
    assert!(matches!(
        check_plan(&p, &c, &rs),
        Err(PreviewError::FormatVersion(_))
    ));
    // an update of something the configuration does not declare
    let p = plan(vec![change(
        "profile.nope",
        Kind::Profile,
        Action::Update,
        vec![],
    )]);
    assert!(matches!(
        entries(&[], Some(&p)),
        Err(PreviewError::UnknownAddress(_))
    ));
}

fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        Just(json!("{{user_first_name}} https://www.x.example/é")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("label".to_string()),
                        Just("question".to_string()),
                        Just("flow".to_string()),
                        Just("url".to_string()),
                        Just("fr_FR".to_string()),
                        Just("greeting".to_string()),
                        "[a-z_]{1,8}"
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Whatever the fields hold (the page is built from JSON, not from validated types),
    /// the page renders, before and after, without a panic or an error.
    #[test]
    fn any_fields_render(
        channel in proptest::sample::select(vec!["facebook", "instagram", "x", "whatsapp", "live_chat", "other"]),
        keys in proptest::collection::vec(
            (proptest::sample::select(vec![
                "greeting", "ice_breakers", "persistent_menu", "get_started", "locales",
                "composer_input_disabled", "bio", "url", "custom_profiles", "quick_replies",
                "attached_quick_replies", "websites", "vertical", "name", "account", "avatar",
                "response", "trigger", "when", "profiles", "groups", "color",
            ]), json_value()),
            0..8,
        ),
        other in json_value(),
    ) {
        let mut fields = serde_json::Map::new();
        fields.insert("channel".to_string(), json!(channel));
        for (k, v) in keys {
            fields.insert(k.to_string(), v);
        }
        let fields = Value::Object(fields);
        let mut rs = Vec::new();
        for (address, kind) in [
            ("profile.p", Kind::Profile),
            ("proactive_message.m", Kind::ProactiveMessage),
            ("group.g", Kind::Group),
            ("reply_profiles[\"M\"]", Kind::ReplyProfiles),
            ("messaging", Kind::Messaging),
        ] {
            rs.push(resource(address, kind, fields.clone()));
        }
        let changes = rs
            .iter()
            .map(|r| change(&r.address, r.kind, Action::Update, vec![("greeting", other.clone(), Value::Null), ("response.follow_up", other.clone(), json!("x"))]))
            .collect();
        let p = plan(changes);
        let _ = page_of(&rs, None);
        let _ = page_of(&rs, Some(&p));
    }
}
