//! The `meta` target end to end through the binary: `plan`, `apply`, `drift` and saved
//! plans of a configuration with `[backend] kind = "meta"`, against the Graph API
//! emulator (`socialform emulate meta`, the built binary, a child process on 127.0.0.1
//! with an ephemeral port). The emulator counts every request, so each plan and apply is
//! held against the request budget of config.md ("Targets"). No token value ever appears
//! in any output. Every emulator is killed when its test ends (also on failure, by `Drop`).

mod common;

use common::graph::{
    APP, Counts, Emulator, IG, NO_LIMIT, PAGE, PAGE_TOKEN, PAGE2, PAGE2_TOKEN, PNG, WA, WA_TOKEN,
    accounts,
};
use common::{socialform, text};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};

/// A Page's Messenger profile as Meta holds it.
fn page(emu: &Emulator, page: &str, token: &str) -> Value {
    emu.http(
        "GET",
        &format!(
            "/v26.0/{page}/messenger_profile?fields=greeting,ice_breakers,get_started,persistent_menu,whitelisted_domains"
        ),
        Some(token),
        None,
    )["data"][0]
        .clone()
}

/// The configuration: two Pages with their own tokens, the first Page's Instagram
/// account, a WhatsApp number with its own token and a picture.
fn config(emu: &Emulator, avatar: &str, instagram_ice_breakers: bool) -> String {
    let ig_ice = if instagram_ice_breakers {
        "ice_breakers = [{ question = \"Where is my flight?\", flow = \"FLIGHT_STATUS\" }]\n"
    } else {
        ""
    };
    format!(
        r#"[workspace]
name = "acme-bot"

[backend]
kind = "meta"
api_url = "{url}"
api_version = "v26.0"
account_tokens = {{ "{PAGE2}" = "CARGO_TOKEN", "{WA}" = "WA_TOKEN" }}

[profiles.acme_fb]
channel = "facebook"
account = "{PAGE}"
greeting = "Hello {{{{user_first_name}}}}!"
get_started = {{ flow = "GET_STARTED" }}
persistent_menu = [
  {{ label = "Manage my booking", url = "https://www.acme-air.example/manage" }},
  {{ label = "Talk to an agent", flow = "AGENT" }},
]
whitelisted_domains = ["https://www.acme-air.example"]

[profiles.acme_fb.locales.fr_FR]
greeting = "Bonjour {{{{user_first_name}}}} !"
persistent_menu = [{{ label = "Parler à un agent", flow = "AGENT" }}]

[profiles.acme_ig]
channel = "instagram"
account = "{IG}"
{ig_ice}
[profiles.cargo_fb]
channel = "facebook"
account = "{PAGE2}"
greeting = "Acme Cargo: ask about your shipment."

[profiles.acme_wa]
channel = "whatsapp"
account = "{WA}"
about = "Flights, bags and refunds, 24/7."
description = "Acme Air's customer care on WhatsApp."
vertical = "travel"
avatar_url = "{avatar}"
"#,
        url = emu.url
    )
}

/// `socialform ARGS` in `dir` with the three tokens in the environment.
fn run(dir: &Path, args: &[&str]) -> Output {
    socialform(dir, args)
        .env("META_TOKEN", PAGE_TOKEN)
        .env("CARGO_TOKEN", PAGE2_TOKEN)
        .env("WA_TOKEN", WA_TOKEN)
        .timeout(Duration::from_secs(60))
        .output()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Fails when a token value appears in an output.
fn no_token_in(out: &Output) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for t in [PAGE_TOKEN, PAGE2_TOKEN, WA_TOKEN, "EAAWrong"] {
        assert!(!all.contains(t), "a token in the output:\n{all}");
    }
}

fn expect(out: &Output, want: i32, what: &str) {
    no_token_in(out);
    assert_eq!(
        code(out),
        want,
        "{what}:\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The Messenger Profile calls of an apply on one Page or account, over its plan's read:
/// at most one POST of the domains alone, one POST and one DELETE.
fn within_messenger_budget(c: &Counts, account: &str) {
    assert_eq!(c.count(account, "GET messenger_profile"), 1, "{account}");
    assert!(c.count(account, "POST messenger_profile") <= 2, "{account}");
    assert!(
        c.count(account, "DELETE messenger_profile") <= 1,
        "{account}"
    );
}

#[test]
fn plan_apply_drift_and_stale_plans_within_the_budget() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let avatar = emu.file("avatar.png", PNG);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("bot");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("socialform.toml"), config(&emu, &avatar, true)).unwrap();
    let d = dir.to_str().unwrap();

    // A first plan: every declared account read once, nothing written.
    emu.take_counts();
    let out = run(
        work.path(),
        &["plan", d, "--detailed-exitcode", "--format", "json"],
    );
    expect(&out, 2, "a first plan has changes");
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["summary"]["update"], 4, "{plan}");
    let c = emu.take_counts();
    assert_eq!(c.total(), 4);
    for id in [PAGE, IG, PAGE2] {
        assert_eq!(c.calls(id), ["GET messenger_profile"], "{id}");
    }
    assert_eq!(c.calls(WA), ["GET whatsapp_business_profile"]);

    // Apply: within the budget, the picture downloaded and uploaded once.
    let out = run(work.path(), &["apply", d, "--auto-approve"]);
    expect(&out, 0, "apply");
    let c = emu.take_counts();
    for id in [PAGE, IG, PAGE2] {
        within_messenger_budget(&c, id);
    }
    assert_eq!(c.count(PAGE2, "POST messenger_profile"), 1);
    assert_eq!(c.count(WA, "GET whatsapp_business_profile"), 1);
    assert_eq!(c.count(WA, "POST whatsapp_business_profile"), 1);
    assert_eq!(c.count(APP, "POST uploads"), 1, "the picture is uploaded");
    assert_eq!(c.count(APP, "POST upload"), 1);
    let live = page(&emu, PAGE, PAGE_TOKEN);
    assert_eq!(
        live["whitelisted_domains"],
        json!(["https://www.acme-air.example/"])
    );
    let greetings = live["greeting"].as_array().unwrap();
    assert!(greetings.iter().any(|g| g["locale"] == "fr_FR"), "{live}");
    let cargo = page(&emu, PAGE2, PAGE2_TOKEN);
    assert_eq!(
        cargo["greeting"][0]["text"],
        "Acme Cargo: ask about your shipment."
    );
    emu.take_counts();

    // Applied: the next plan has no changes, and reads once per account.
    let out = run(work.path(), &["plan", d, "--detailed-exitcode"]);
    expect(&out, 0, "a plan after apply has no changes");
    assert_eq!(emu.take_counts().total(), 4);
    let out = run(work.path(), &["drift", d]);
    expect(&out, 0, "no drift after apply");
    emu.take_counts();

    // An edit made in Meta's UI is drift.
    let edited = emu.http(
        "POST",
        &format!("/v26.0/{PAGE}/messenger_profile"),
        Some(PAGE_TOKEN),
        Some(json!({"greeting": [
            {"locale": "default", "text": "Edited by hand"},
            {"locale": "fr_FR", "text": "Bonjour {{user_first_name}} !"}
        ]})),
    );
    assert_eq!(edited["result"], "success", "{edited}");
    let out = run(work.path(), &["drift", d]);
    expect(&out, 2, "drift reports the edit");
    assert!(
        text(&out.stdout).contains("profile.acme_fb"),
        "{}",
        text(&out.stdout)
    );

    // A plan saved, then the Page changed again: the saved plan is stale.
    let saved = work.path().join("plan.json");
    let out = run(work.path(), &["plan", d, "--out", saved.to_str().unwrap()]);
    expect(&out, 0, "plan --out");
    emu.http(
        "POST",
        &format!("/v26.0/{PAGE}/messenger_profile"),
        Some(PAGE_TOKEN),
        Some(json!({"get_started": {"payload": "SOMETHING_ELSE"}})),
    );
    emu.take_counts();
    let out = run(
        work.path(),
        &["apply", saved.to_str().unwrap(), "--auto-approve"],
    );
    expect(&out, 1, "a stale plan is refused");
    let err = text(&out.stderr);
    assert!(err.contains("stale") || err.contains("changed"), "{err}");
    assert_eq!(
        emu.take_counts().count(PAGE, "POST messenger_profile"),
        0,
        "nothing written"
    );
    assert_eq!(
        page(&emu, PAGE, PAGE_TOKEN)["get_started"]["payload"],
        "SOMETHING_ELSE"
    );

    // Applying the configuration puts it back.
    let out = run(work.path(), &["apply", d, "--auto-approve"]);
    expect(&out, 0, "apply over the edits");
    let out = run(work.path(), &["plan", d, "--detailed-exitcode"]);
    expect(&out, 0, "no changes once applied again");

    // Import writes what is live, locales included, and plans to no changes.
    let imported = work.path().join("imported");
    let out = run(
        work.path(),
        &["import", d, "--out", imported.to_str().unwrap()],
    );
    expect(&out, 0, "import");
    let fb = std::fs::read_to_string(imported.join("profiles/facebook.toml")).unwrap();
    assert!(fb.contains("fr_FR") && fb.contains("Bonjour"), "{fb}");
    assert!(fb.contains("whitelisted_domains"), "{fb}");
    let out = run(
        work.path(),
        &["plan", imported.to_str().unwrap(), "--detailed-exitcode"],
    );
    expect(&out, 0, "the imported configuration plans to no changes");

    // A removed key is deleted: one DELETE of that property, nothing else.
    std::fs::write(dir.join("socialform.toml"), config(&emu, &avatar, false)).unwrap();
    emu.take_counts();
    let out = run(work.path(), &["apply", d, "--auto-approve"]);
    expect(&out, 0, "apply of a removed key");
    let c = emu.take_counts();
    assert_eq!(c.count(IG, "DELETE messenger_profile"), 1);
    assert_eq!(c.count(IG, "POST messenger_profile"), 0);
    for id in [PAGE, PAGE2] {
        assert_eq!(c.calls(id), ["GET messenger_profile"], "{id}: untouched");
    }
    let ig = emu.http(
        "GET",
        "/v26.0/me/messenger_profile?fields=ice_breakers&platform=instagram",
        Some(PAGE_TOKEN),
        None,
    );
    assert!(
        ig["data"]
            .as_array()
            .is_none_or(|d| d.is_empty() || d[0].get("ice_breakers").is_none()),
        "{ig}"
    );
    let out = run(work.path(), &["plan", d, "--detailed-exitcode"]);
    expect(&out, 0, "no changes after the delete");
}

#[test]
fn a_rate_limit_fails_with_the_page_and_when_to_retry() {
    // Two Messenger Profile calls per Page per window: a plan's reads of the first Page
    // and of its Instagram account use them.
    let emu = Emulator::start(&accounts("", "", ""), &["--profile-rate-limit", "2/600"]);
    let avatar = emu.file("avatar.png", PNG);
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("socialform.toml"),
        config(&emu, &avatar, true),
    )
    .unwrap();
    let out = run(work.path(), &["plan"]);
    expect(&out, 0, "the first read is within the limit");
    let out = run(work.path(), &["plan"]);
    expect(&out, 1, "the second read is rate limited");
    let err = text(&out.stderr);
    assert!(
        err.contains("rate limit") && err.contains("retry in 10 minutes") && err.contains(PAGE),
        "{err}"
    );
}

#[test]
fn a_bad_or_missing_token_names_its_variable_never_its_value() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let avatar = emu.file("avatar.png", PNG);
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("socialform.toml"),
        config(&emu, &avatar, true),
    )
    .unwrap();
    let out = socialform(work.path(), &["plan"])
        .env("META_TOKEN", "EAAWrong-secret-value")
        .env("CARGO_TOKEN", PAGE2_TOKEN)
        .env("WA_TOKEN", WA_TOKEN)
        .timeout(Duration::from_secs(60))
        .output();
    expect(&out, 1, "a bad token");
    let err = text(&out.stderr);
    assert!(err.contains("META_TOKEN") && err.contains("190"), "{err}");
    let out = socialform(work.path(), &["plan"])
        .env_remove("META_TOKEN")
        .env("CARGO_TOKEN", PAGE2_TOKEN)
        .env("WA_TOKEN", WA_TOKEN)
        .timeout(Duration::from_secs(60))
        .output();
    expect(&out, 1, "a missing token");
    assert!(
        text(&out.stderr).contains("META_TOKEN"),
        "{}",
        text(&out.stderr)
    );
    // Nothing was written with either.
    assert_eq!(emu.take_counts().count(PAGE, "POST messenger_profile"), 0);
}

#[test]
fn the_meta_bot_example_validates_for_meta() {
    let out = socialform(
        &common::root(),
        &["validate", "examples/meta-bot", "--deny-warnings"],
    )
    .output();
    expect(&out, 0, "examples/meta-bot");
}
