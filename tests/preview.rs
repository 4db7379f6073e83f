//! `socialform preview`, end to end: the built binary writes the page, and the tests
//! parse its HTML (scraper) to check its structure: every profile, channel and locale of
//! `examples/acme`, a saved plan's changes before and after, escaping of hostile values,
//! plans for something else refused. Then a real browser (headless Chromium driven by
//! Playwright, tests/browser/) loads the pages: no console error, no request leaving the
//! file, nothing overflowing its card at 375 and 1280 px, a screenshot per channel.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{copy_dir_skipping, edit, root, text};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

fn socialform(dir: &Path, args: &[&str]) -> Output {
    common::socialform(dir, args).output()
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    common::socialform(dir, args).assert_code(0)
}

/// Runs `preview` and returns the page's path (what the command prints) and its HTML.
fn preview(dir: &Path, args: &[&str]) -> (PathBuf, Html) {
    let mut all = vec!["preview"];
    all.extend(args);
    let out = run_ok(dir, &all);
    let path = PathBuf::from(text(&out.stdout).trim());
    let path = if path.is_absolute() {
        path
    } else {
        dir.join(path)
    };
    let html = std::fs::read_to_string(&path).expect("the printed path is the page");
    (path, Html::parse_document(&html))
}

/// `[data-address=...]` for any address (reply profiles' addresses hold double quotes).
fn at(address: &str) -> String {
    if address.contains('"') {
        format!("[data-address='{address}']")
    } else {
        format!(r#"[data-address="{address}"]"#)
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e:?}"))
}

fn all<'a>(html: &'a Html, s: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel(s)).collect()
}

fn texts(html: &Html, s: &str) -> Vec<String> {
    all(html, s).iter().map(|e| inner(e)).collect()
}

fn inner(e: &ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

fn attrs(html: &Html, s: &str, attr: &str) -> Vec<String> {
    all(html, s)
        .iter()
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// A copy of `examples/acme` (without its sandbox state) in a temporary directory.
fn acme_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    copy_dir_skipping(&root().join("examples/acme"), &dir, &[".socialform"]);
    (tmp, dir)
}

/// The desired resources of a configuration, as the library sees them: what the page
/// must show.
fn desired(dir: &Path) -> Vec<socialform::model::Resource> {
    let valid = socialform::pipeline::validate(socialform::pipeline::load(dir).unwrap())
        .into_valid()
        .unwrap();
    valid.desired().to_vec()
}

/// What every page must be: its CSP, and nothing that could reach the network.
fn assert_self_contained(html: &Html) {
    assert_eq!(
        attrs(
            html,
            r#"meta[http-equiv="Content-Security-Policy"]"#,
            "content"
        ),
        ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    );
    assert!(all(html, "script, iframe, object, embed, link, base, form").is_empty());
    for src in attrs(html, "[src]", "src") {
        assert!(src.starts_with("data:image/"), "src {src}");
    }
    for href in attrs(html, "[href]", "href") {
        assert!(href.starts_with('#'), "href {href}");
    }
    for e in all(html, "*") {
        for (name, _) in e.value().attrs() {
            assert!(!name.starts_with("on"), "event handler attribute {name}");
        }
    }
}

#[test]
fn acme_every_profile_channel_and_locale() {
    let dir = root().join("examples/acme");
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let (path, html) = preview(&root(), &["examples/acme", "--out", out_dir]);
    assert_eq!(path, out.path().join("index.html"));
    assert_self_contained(&html);
    assert!(!all(&html, "[data-state]").is_empty());
    assert!(all(&html, r#"[data-state]:not([data-state="unchanged"])"#).is_empty());

    let resources = desired(&dir);
    let mut channels = Vec::new();
    for r in &resources {
        if r.kind == socialform::model::Kind::Group {
            let node = format!(r#"[data-address="groups"] {}"#, at(&r.address));
            assert_eq!(all(&html, &node).len(), 1, "{}", r.address);
            continue;
        }
        let entry = format!("article{}", at(&r.address));
        assert_eq!(all(&html, &entry).len(), 1, "{}", r.address);
        // without a plan, one side: what is (or will be) live
        assert_eq!(
            attrs(&html, &format!("{entry} > .sides > .side"), "data-side"),
            ["current"],
            "{}",
            r.address
        );
        if r.kind != socialform::model::Kind::Profile {
            continue;
        }
        let Some(channel) = r.fields.get("channel").and_then(Value::as_str) else {
            continue;
        };
        if !channels.contains(&channel) {
            channels.push(channel);
        }
        let in_section = format!(r#"section[data-channel="{channel}"] {entry}"#);
        assert_eq!(
            all(&html, &in_section).len(),
            1,
            "{} under {channel}",
            r.address
        );
        if matches!(channel, "facebook" | "instagram") {
            let mut locales = vec!["default".to_string()];
            if let Some(l) = r.fields.get("locales").and_then(Value::as_object) {
                locales.extend(l.keys().cloned());
            }
            assert_eq!(
                attrs(&html, &format!("{entry} [data-locale]"), "data-locale"),
                locales,
                "{}",
                r.address
            );
        }
    }
    // every channel of the configuration, and only those, in the page's order
    assert_eq!(channels.len(), 5);
    let sections = attrs(&html, "section[data-channel]", "data-channel");
    let mut sorted = sections.clone();
    sorted.sort();
    let mut expected: Vec<String> = channels.iter().map(|c| c.to_string()).collect();
    expected.sort();
    assert_eq!(sorted, expected);

    let fb = r#"article[data-address="profile.acme_fb"] [data-locale="default"]"#;
    // the page's name comes from the sandbox catalog; the greeting greets Alex
    assert_eq!(texts(&html, &format!("{fb} .m-name")), ["Acme Air"]);
    assert_eq!(
        texts(&html, &format!("{fb} .greeting")),
        ["Hello Alex! Welcome to Acme Air. Ask us about flights, baggage or refunds."]
    );
    assert_eq!(
        texts(&html, &format!("{fb} .ice-breakers .btn")),
        [
            "Where is my flight?",
            "My bag did not arrive",
            "I want a refund"
        ]
    );
    assert!(all(&html, &format!("{fb} .get-started")).is_empty());
    assert_eq!(
        texts(&html, &format!("{fb} .menu .btn")),
        ["Manage my booking", "Talk to an agent"]
    );
    assert_eq!(
        texts(&html, &format!("{fb} .menu .btn-url .url")),
        ["https://www.acme-air.example/manage"]
    );
    assert_eq!(
        attrs(&html, &format!("{fb} .composer"), "data-disabled"),
        ["false"]
    );
    // Instagram: the Get Started button, no greeting
    let ig = r#"article[data-address="profile.acme_ig"]"#;
    assert_eq!(
        texts(&html, &format!("{ig} .get-started .btn")),
        ["Get Started"]
    );
    assert!(all(&html, &format!("{ig} .greeting")).is_empty());

    // X: card, welcome message and its quick replies, custom profiles
    let x = r#"article[data-address="profile.acme_x_care"]"#;
    assert_eq!(texts(&html, &format!("{x} .x-name")), ["Acme Air Care"]);
    assert_eq!(
        texts(&html, &format!("{x} .x-url")),
        ["acme-air.example/help"]
    );
    assert_eq!(
        texts(&html, &format!("{x} .x-location")),
        ["Toulouse, France"]
    );
    assert_eq!(
        texts(&html, &format!("{x} .welcome")),
        ["Hi! You are talking to Acme Air customer care. What can we help you with?"]
    );
    assert_eq!(
        texts(&html, &format!("{x} .quick-reply .btn")),
        ["Flight status", "Baggage", "Refunds"]
    );
    assert_eq!(
        texts(&html, &format!("{x} .cp-name")),
        ["Acme Air Baggage Desk", "Acme Air Loyalty"]
    );
    // remote avatars: a placeholder and the URL as text, never an image request
    assert_eq!(
        all(&html, &format!("{x} .custom-profile svg.avatar")).len(),
        2
    );
    assert!(
        texts(&html, &format!("{x} .avatar-note .url"))
            .contains(&"https://cdn.acme-air.example/avatars/baggage.png".to_string())
    );

    // WhatsApp: the business profile card, the vertical as its label
    let wa = r#"article[data-address="profile.acme_wa"]"#;
    assert_eq!(
        texts(&html, &format!("{wa} .wa-name")),
        ["Acme Air Support"]
    );
    assert_eq!(
        texts(&html, &format!(r#"{wa} [data-field="vertical"] .wa-value"#)),
        ["Travel and transportation"]
    );
    assert_eq!(
        texts(&html, &format!(r#"{wa} [data-field="websites"] .wa-value"#)),
        [
            "https://www.acme-air.example",
            "https://www.acme-air.example/help"
        ]
    );
    assert_eq!(
        texts(&html, &format!(r#"{wa} [data-field="email"] .wa-value"#)),
        ["care@acme-air.example"]
    );

    // Live chat: start flow and attached quick replies
    let lc = r#"article[data-address="profile.acme_web_chat"]"#;
    assert_eq!(texts(&html, &format!("{lc} .w-start strong")), ["welcome"]);
    assert_eq!(
        texts(&html, &format!("{lc} .quick-reply .btn")),
        ["Flight status", "Talk to an agent"]
    );

    // Proactive messages: follow-up, what is asked, the rule in words, `when`
    let pm = r#"article[data-address="proactive_message.checkout_help"]"#;
    assert_eq!(
        texts(&html, &format!("{pm} .follow-up")),
        ["An agent will join you in a moment."]
    );
    assert_eq!(texts(&html, &format!("{pm} .form .field")), ["Name"]);
    assert_eq!(
        texts(&html, &format!(r#"{pm} [data-field="rule"]"#)),
        [
            "after 1 min 30 s on a page view, during the business hours of 'EMEA office hours', once per visit"
        ]
    );
    assert_eq!(
        texts(&html, &format!(r#"{pm} [data-field="when"]"#)),
        [
            r#"visitor.page_url contains_any ["/checkout", "/payment"] and (device.language is "fr" or visitor.visit_history is new_user)"#
        ]
    );
    let bot = r#"article[data-address="proactive_message.baggage_help"]"#;
    assert_eq!(
        texts(&html, &format!("{bot} .bot strong")),
        ["order_bot", "Track my bag"]
    );

    // Groups as a tree: social and messaging nested in all_care
    assert_eq!(
        attrs(
            &html,
            r#"[data-address="group.all_care"] > ul.tree > li"#,
            "data-address"
        ),
        ["group.social", "group.messaging"]
    );
    assert_eq!(
        attrs(
            &html,
            r#"[data-address="group.social"] .member"#,
            "data-profile"
        ),
        ["acme_x_care", "acme_fb", "acme_ig"]
    );
    // Reply profiles: a table per mailbox and folder
    let rp = r#"article[data-address='reply_profiles["Customer Care"]']"#;
    assert_eq!(
        texts(&html, &format!("{rp} tbody td:first-child")),
        ["X", "Facebook", "Instagram"]
    );
    assert_eq!(
        texts(&html, &format!("{rp} .card-title")),
        ["Customer Care"]
    );
    assert_eq!(
        texts(
            &html,
            r#"article[data-address='reply_profiles["Customer Care"]["VIP"]'] .card-title"#
        ),
        ["Customer Care › VIP"]
    );
}

/// The acme copy applied, then edited: a greeting and a menu changed, a proactive
/// message removed, a group added. Returns the saved plan's path.
fn planned_edit(dir: &Path) -> PathBuf {
    run_ok(dir, &["apply", ".", "--auto-approve"]);
    edit(
        dir,
        "profiles/facebook.toml",
        "Welcome to Acme Air. Ask us about flights, baggage or refunds.",
        "Welcome aboard Acme Air. Ask us about flights, bags or refunds.",
    );
    edit(
        dir,
        "profiles/facebook.toml",
        r#"label = "Talk to an agent""#,
        r#"label = "Chat with an agent""#,
    );
    std::fs::remove_file(dir.join("proactive/baggage.toml")).unwrap();
    let groups = dir.join("groups.toml");
    let mut g = std::fs::read_to_string(&groups).unwrap();
    g.push_str("\n[groups.night]\nname = \"Night shift\"\nprofiles = [\"acme_fb\"]\n");
    std::fs::write(&groups, g).unwrap();
    run_ok(dir, &["plan", ".", "--out", "plan.json"]);
    dir.join("plan.json")
}

#[test]
fn a_plan_before_and_after() {
    let (_tmp, dir) = acme_copy();
    let plan_path = planned_edit(&dir);
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    for expected in [
        ("profile.acme_fb", "update"),
        ("group.night", "create"),
        ("proactive_message.baggage_help", "delete"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }

    let (_, html) = preview(&dir, &["--plan", "plan.json", "--out", "page"]);
    assert_self_contained(&html);
    assert_eq!(
        attrs(&html, ".plan-summary", "data-changed"),
        ["3"],
        "the header counts the changes"
    );

    // every change: before and after sides, as its action says
    for (address, action) in &actions {
        let (scope, node) = if address.starts_with("group.") {
            (
                r#"article[data-address="groups"]"#.to_string(),
                format!(r#"[data-address="{address}"]"#),
            )
        } else {
            (
                format!(r#"article[data-address="{address}"]"#),
                String::new(),
            )
        };
        let side = |s: &str| format!("{scope} > .sides > .side[data-side=\"{s}\"] {node}");
        let shown = |s: &str| {
            if node.is_empty() {
                !all(
                    &html,
                    &format!("{} > :not(.side-label):not(.absent)", side(s)),
                )
                .is_empty()
            } else {
                !all(&html, &side(s)).is_empty()
            }
        };
        assert_eq!(shown("before"), *action != "create", "{address} before");
        assert_eq!(shown("after"), *action != "delete", "{address} after");
        assert!(all(&html, &format!("{scope} .side[data-side=\"current\"]")).is_empty());
    }

    // the greeting and the menu: word diffs, removed words before, added ones after
    let fb = |side: &str| {
        format!(
            r#"article[data-address="profile.acme_fb"] .side[data-side="{side}"] [data-locale="default"]"#
        )
    };
    assert_eq!(
        texts(&html, &format!("{} .greeting del", fb("before"))),
        ["to", "baggage"]
    );
    assert_eq!(
        texts(&html, &format!("{} .greeting ins", fb("after"))),
        ["aboard", "bags"]
    );
    assert!(all(&html, &format!("{} ins", fb("before"))).is_empty());
    assert!(all(&html, &format!("{} del", fb("after"))).is_empty());
    assert_eq!(
        texts(&html, &format!("{} .greeting", fb("before"))),
        ["Hello Alex! Welcome to Acme Air. Ask us about flights, baggage or refunds."]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu .btn", fb("before"))),
        ["Manage my booking", "Talk to an agent"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu .btn", fb("after"))),
        ["Manage my booking", "Chat with an agent"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu del", fb("before"))),
        ["Talk to"]
    );
    assert_eq!(
        texts(&html, &format!("{} .menu ins", fb("after"))),
        ["Chat with"]
    );
    // the deleted message is shown as it was, from the plan's fields
    let gone = r#"article[data-address="proactive_message.baggage_help"]"#;
    assert_eq!(
        texts(
            &html,
            &format!(r#"{gone} .side[data-side="before"] .proactive-message"#)
        ),
        ["Looking for your bag? Our assistant can track it for you."]
    );
    assert_eq!(attrs(&html, gone, "data-state"), ["delete"]);
    // the new group is in the after tree, under no other group
    assert_eq!(
        attrs(
            &html,
            r#"article[data-address="groups"] .side[data-side="after"] .groups-card > ul.tree > li"#,
            "data-address"
        ),
        ["group.all_care", "group.night"]
    );
    // unchanged resources once, with no highlight
    for address in ["profile.acme_wa", "profile.acme_x_care", "messaging"] {
        let entry = format!(r#"article[data-address="{address}"]"#);
        assert_eq!(
            attrs(&html, &format!("{entry} > .sides > .side"), "data-side"),
            ["current"],
            "{address}"
        );
        assert!(all(&html, &format!("{entry} ins, {entry} del")).is_empty());
    }
}

#[test]
fn a_plan_for_another_workspace_or_configuration_is_refused() {
    let (_tmp, dir) = acme_copy();
    let plan_path = planned_edit(&dir);
    let plan = std::fs::read_to_string(&plan_path).unwrap();

    let other = plan.replacen(
        r#""workspace": "acme-air""#,
        r#""workspace": "other-air""#,
        1,
    );
    assert_ne!(other, plan);
    std::fs::write(dir.join("other.json"), other).unwrap();
    let out = socialform(&dir, &["preview", "--plan", "other.json", "--out", "page"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("workspace `other-air`"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("page/index.html").exists());

    edit(&dir, "profiles/whatsapp.toml", "every day", "daily");
    let out = socialform(&dir, &["preview", "--plan", "plan.json", "--out", "page"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("another configuration"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("page/index.html").exists());

    std::fs::write(dir.join("junk.json"), "{}").unwrap();
    let out = socialform(&dir, &["preview", "--plan", "junk.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a socialform plan file"));
}

#[test]
fn default_out_dir_and_invalid_configurations() {
    let (_tmp, dir) = acme_copy();
    let (path, _) = preview(&dir, &[]);
    assert_eq!(
        path.canonicalize().unwrap(),
        dir.join(".socialform/preview/index.html")
            .canonicalize()
            .unwrap()
    );
    // the page is not part of the configuration: it validates as before
    run_ok(&dir, &["validate", "."]);

    edit(&dir, "profiles/facebook.toml", "greeting =", "greting =");
    std::fs::remove_file(&path).unwrap();
    let out = socialform(&dir, &["preview", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("schema::unknown_key") || text(&out.stderr).contains("greting")
    );
    assert!(!path.exists(), "no page for an invalid configuration");
}

/// A configuration whose values try to break out of the page, with long words and URLs
/// that must wrap, and avatars: a local one to inline and a remote one. (An avatar
/// outside the directory is `config::path_outside` for `validate`, so it never reaches
/// the page; the preview's own confinement is tested in `src/preview`.)
fn hostile() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile");
    std::fs::create_dir_all(dir.join("img")).unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
    std::fs::write(dir.join("img/desk.png"), png).unwrap();
    std::fs::write(
        dir.join("socialform.toml"),
        r#"
[workspace]
name = "hostile"

[profiles.evil_fb]
channel = "facebook"
account = "123"
greeting = "<script>alert('greeting')</script> {{user_first_name}} Supercalifragilisticexpialidocious-antidisestablishmentarianism-pneumonoultramicroscopic"
ice_breakers = [{ question = "\"><img src=x onerror=alert(1)>", flow = "f" }]
persistent_menu = [{ label = "</span></div><b>bold", url = "https://www.example.com/a/very/long/path/that/never/ends/and/keeps/going/on/and/on/forever/and/ever?with=query&and=more" }]

[profiles.evil_x]
channel = "x"
account = "@evil"
name = "<b>Evil</b>"
bio = "See https://www.example.com/a/very/long/path/that/never/ends and <i>more</i>"
privacy_policy_url = "https://example.com/privacy"
welcome_message = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
custom_profile_terms_accepted = true
custom_profiles = [
  { name = "Desk", avatar = "img/desk.png" },
  { name = "Remote", avatar = "https://cdn.example.com/x.png" },
]

[profiles.evil_wa]
channel = "whatsapp"
account = "555"
about = "<iframe src=https://evil.example>"
address = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
description = "d"
vertical = "prof_services"
websites = ["https://www.example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
"#,
    )
    .unwrap();
    (tmp, dir)
}

#[test]
fn hostile_values_are_text() {
    let (_tmp, dir) = hostile();
    let (_, html) = preview(&dir, &["--out", "page"]);
    assert_self_contained(&html);
    let fb = r#"article[data-address="profile.evil_fb"]"#;
    let greeting = texts(&html, &format!("{fb} .greeting"));
    assert_eq!(greeting.len(), 1);
    assert!(
        greeting[0].starts_with("<script>alert('greeting')</script> Alex "),
        "{greeting:?}"
    );
    assert_eq!(
        texts(&html, &format!("{fb} .ice-breakers .btn")),
        ["\"><img src=x onerror=alert(1)>"]
    );
    assert_eq!(
        texts(&html, &format!("{fb} .menu .btn")),
        ["</span></div><b>bold"]
    );
    assert!(all(&html, "b, i").is_empty());
    let x = r#"article[data-address="profile.evil_x"]"#;
    assert_eq!(texts(&html, &format!("{x} .x-name")), ["<b>Evil</b>"]);
    assert_eq!(
        texts(&html, &format!("{x} .x-bio")),
        ["See example.com/a/very/long/pa… and <i>more</i>"]
    );
    assert_eq!(
        texts(
            &html,
            r#"article[data-address="profile.evil_wa"] [data-field="about"] .wa-value"#
        ),
        ["<iframe src=https://evil.example>"]
    );
    assert_eq!(
        texts(
            &html,
            r#"article[data-address="profile.evil_wa"] [data-field="vertical"] .wa-value"#
        ),
        ["Professional services"]
    );
    // the local avatar inside the directory is inlined; the others are placeholders
    let custom = all(&html, &format!("{x} .custom-profile"));
    assert_eq!(custom.len(), 2);
    let img = sel("img.avatar");
    let srcs: Vec<Option<&str>> = custom
        .iter()
        .map(|c| c.select(&img).next().and_then(|i| i.value().attr("src")))
        .collect();
    assert!(
        srcs[0]
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    assert_eq!(srcs[1], None);
    let note = inner(&custom[1].select(&sel(".avatar-note")).next().unwrap());
    assert!(note.contains("Remote image"), "{note:?}");
}

/// The browser test's support: Chromium and tests/browser's node modules.
fn browser_missing() -> Option<String> {
    let chromium = std::env::var("SOCIALFORM_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    if !Path::new(&chromium).is_file() {
        return Some(format!(
            "no Chromium at {chromium} (apt-get install chromium, or set SOCIALFORM_CHROMIUM)"
        ));
    }
    let modules = root().join("tests/browser/node_modules/playwright-core");
    if !modules.is_dir() {
        return Some("tests/browser has no node_modules (run `npm ci` in tests/browser)".into());
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("no `node` on PATH".into()),
    }
}

#[test]
fn in_a_real_browser() {
    if let Some(why) = browser_missing() {
        assert!(
            std::env::var_os("SOCIALFORM_REQUIRE_BROWSER").is_none(),
            "SOCIALFORM_REQUIRE_BROWSER is set, but the browser test cannot run: {why}"
        );
        eprintln!("skipped: the browser test cannot run here: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let acme = out.path().join("acme");
    preview(&root(), &["examples/acme", "--out", acme.to_str().unwrap()]);
    let (_tmp, copy) = acme_copy();
    planned_edit(&copy);
    let (plan_page, _) = preview(&copy, &["--plan", "plan.json", "--out", "page"]);
    let (_tmp2, bad) = hostile();
    let (hostile_page, _) = preview(&bad, &["--out", "page"]);

    // SOCIALFORM_SCREENSHOTS=docs/preview refreshes the README's screenshots.
    let shots = std::env::var_os("SOCIALFORM_SCREENSHOTS")
        .map(|d| root().join(d))
        .unwrap_or_else(|| out.path().join("shots"));
    let page = |name: &str, p: &Path| format!("{name}={}", p.display());
    let run = Command::new("node")
        .arg(root().join("tests/browser/check.mjs"))
        .arg("--shots")
        .arg(&shots)
        .args(["--page", &page("acme", &acme.join("index.html"))])
        .args(["--page", &page("plan", &plan_page)])
        .args(["--page", &page("hostile", &hostile_page)])
        .current_dir(root().join("tests/browser"))
        .output()
        .expect("node runs");
    let report: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "no report ({e}):\nstdout:\n{}\nstderr:\n{}",
            text(&run.stdout),
            text(&run.stderr)
        )
    });
    if run.status.code() == Some(2) {
        assert!(
            std::env::var_os("SOCIALFORM_REQUIRE_BROWSER").is_none(),
            "SOCIALFORM_REQUIRE_BROWSER is set, but Chromium did not start: {}",
            report["error"]
        );
        eprintln!("skipped: Chromium did not start: {}", report["error"]);
        return;
    }
    assert_eq!(
        report["problems"],
        Value::Array(Vec::new()),
        "{}\n{}",
        serde_json::to_string_pretty(&report).unwrap(),
        text(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    // three pages, two widths each, every one with its cards measured
    let pages = report["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 6);
    assert!(pages.iter().all(|p| p["cards"].as_u64().unwrap() > 0));
    assert!(
        pages.iter().all(|p| p["requests"] == 1),
        "only the file itself"
    );
    // a screenshot per channel, and of the plan's change
    for name in [
        "facebook",
        "instagram",
        "x",
        "whatsapp",
        "live_chat",
        "proactive",
        "groups",
        "plan-change",
    ] {
        let file = shots.join(format!("{name}.png"));
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{name}.png is a PNG"
        );
        assert!(bytes.len() > 2_000, "{name}.png has content");
    }
}
