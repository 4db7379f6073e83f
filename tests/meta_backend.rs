//! The `meta` backend (`socialform::backend::meta::MetaBackend`) driven at library level
//! against the real Graph API emulator (`socialform emulate meta`, the built binary) on
//! 127.0.0.1 with an ephemeral port, over TCP: reads of empty and pre-filled profiles,
//! full updates of Facebook, Instagram and WhatsApp profiles (with a picture upload),
//! reads that find no change after a write, removed keys deleted, stale versions,
//! request counts held against the spec's budget (counted by the emulator), rate limits,
//! bad and missing tokens, two Pages with their own tokens, retried server errors.
//! Every emulator is killed when its test ends (also on failure, by `Drop`).

mod common;

use common::graph::{
    Emulator, IG, NO_LIMIT, PAGE, PAGE_TOKEN, PAGE2, PAGE2_TOKEN, PNG, WA, WA_TOKEN, accounts,
};

use indexmap::IndexMap;
use serde_json::{Value, json};

use socialform::backend::meta::{MetaBackend, MetaProfile, MetaSettings};
use socialform::backend::{Backend, BackendError};
use socialform::model::Channel;
use socialform::model::{Kind, Resource};
use socialform::model::{LiveResource, LiveState, Write, WriteOp};
use socialform::platform::Rejection;

fn counts(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = list.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    out.sort();
    out
}

fn profile(address: &str, channel: Channel, account: &str) -> MetaProfile {
    MetaProfile {
        address: address.into(),
        channel,
        account: account.into(),
        avatar_url: None,
    }
}

/// The usual three accounts of the first Page, and the WhatsApp number.
fn usual(avatar: Option<String>) -> Vec<MetaProfile> {
    vec![
        profile("profile.acme_fb", Channel::Facebook, PAGE),
        profile("profile.acme_ig", Channel::Instagram, IG),
        MetaProfile {
            avatar_url: avatar,
            ..profile("profile.acme_wa", Channel::Whatsapp, WA)
        },
    ]
}

fn env_of(var: &str) -> Option<String> {
    match var {
        "META_TOKEN" => Some(PAGE_TOKEN.into()),
        "CARGO_PAGE_TOKEN" => Some(PAGE2_TOKEN.into()),
        "META_WA_TOKEN" => Some(WA_TOKEN.into()),
        _ => None,
    }
}

fn settings(emu: &Emulator, profiles: Vec<MetaProfile>) -> MetaSettings {
    let mut account_tokens = IndexMap::new();
    account_tokens.insert(WA.to_string(), "META_WA_TOKEN".to_string());
    account_tokens.insert(PAGE2.to_string(), "CARGO_PAGE_TOKEN".to_string());
    MetaSettings {
        api_url: emu.url.clone(),
        account_tokens,
        profiles,
        ..MetaSettings::default()
    }
}

fn backend(emu: &Emulator, profiles: Vec<MetaProfile>) -> MetaBackend {
    MetaBackend::with_env(settings(emu, profiles), &env_of).unwrap()
}

fn live<'a>(state: &'a LiveState, address: &str) -> &'a LiveResource {
    state
        .resources
        .iter()
        .find(|r| r.resource.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", state.resources))
}

fn object(v: Value) -> IndexMap<String, Value> {
    v.as_object().unwrap().clone().into_iter().collect()
}

/// The fields of a live resource, as one JSON value (key order aside).
fn fields(r: &LiveResource) -> Value {
    Value::Object(r.resource.fields.clone().into_iter().collect())
}

/// An update of `live` to `desired` (its fields, `channel` and `account` included).
fn update(live: &LiveResource, desired: &Value) -> Write {
    let r = Resource::new(
        live.resource.address.clone(),
        Kind::Profile,
        object(desired.clone()),
    );
    Write::put(
        WriteOp::Update,
        &r,
        Some(live.version),
        r.hash(),
        "tests/meta_backend",
    )
}

fn meta_message(e: &BackendError) -> String {
    assert!(matches!(e, BackendError::Meta(_)), "{e:?}");
    e.to_string()
}

fn no_token_in(text: &str) {
    for t in [PAGE_TOKEN, PAGE2_TOKEN, WA_TOKEN, "token-5d1c", "secret"] {
        assert!(!text.contains(t), "a token in: {text}");
    }
}

fn facebook_desired() -> Value {
    json!({
        "channel": "facebook",
        "account": PAGE,
        "greeting": "Hello {{user_first_name}}! Welcome to Acme Air.",
        "ice_breakers": [
            {"question": "Where is my bag?", "flow": "baggage"},
            {"question": "Can I change my flight?", "flow": "changes"}
        ],
        "get_started": {"flow": "welcome"},
        "persistent_menu": [
            {"label": "Talk to an agent", "flow": "agent_handover"},
            {"label": "Manage my booking", "url": "https://book.acme.example/manage"}
        ],
        "whitelisted_domains": ["https://book.acme.example", "https://www.acme.example"],
        "composer_input_disabled": true,
        "locales": {
            "fr_FR": {
                "greeting": "Bonjour {{user_first_name}} ! Bienvenue chez Acme Air.",
                "ice_breakers": [{"question": "Où est mon bagage ?", "flow": "baggage"}],
                "persistent_menu": [{"label": "Parler à un agent", "flow": "agent_handover"}]
            },
            "es_LA": {"greeting": "¡Hola {{user_first_name}}!"}
        }
    })
}

#[test]
fn reads_empty_and_prefilled_profiles_normalised_with_one_request_each() {
    let page = r#"{"greeting":[{"locale":"fr_FR","text":"Salut"},{"locale":"default","text":"Hi"}],"ice_breakers":[{"question":"Where is my bag?","payload":"BAG"}],"get_started":{"payload":"GO"},"persistent_menu":[{"locale":"default","composer_input_disabled":true,"call_to_actions":[{"type":"postback","title":"Agent","payload":"AGENT"},{"type":"web_url","title":"Shop","url":"https://shop.acme.example/","webview_height_ratio":"tall"}]}],"whitelisted_domains":["https://Shop.Acme.example"],"account_linking_url":"https://login.acme.example/link"}"#;
    let instagram = r#"{"ice_breakers":[{"locale":"default","call_to_actions":[{"question":"Hi?","payload":"HI"}]},{"locale":"de_DE","call_to_actions":[{"question":"Hallo?","payload":"HI"}]}]}"#;
    let whatsapp = r#"{"about":"Hello","vertical":"PROF_SERVICES","websites":["https://acme.example"],"profile_picture_url":"https://pps.whatsapp.net/v/t61/acme.jpg"}"#;
    let emu = Emulator::start(&accounts(page, instagram, whatsapp), NO_LIMIT);
    let mut profiles = usual(Some("https://cdn.acme.example/avatar.jpg".into()));
    profiles.push(profile("profile.cargo_fb", Channel::Facebook, PAGE2));
    let mut b = backend(&emu, profiles);
    let state = b.read().unwrap();
    assert_eq!(
        fields(live(&state, "profile.acme_fb")),
        json!({
            "channel": "facebook",
            "account": PAGE,
            "greeting": "Hi",
            "ice_breakers": [{"question": "Where is my bag?", "flow": "BAG"}],
            "get_started": {"flow": "GO"},
            "persistent_menu": [
                {"label": "Agent", "flow": "AGENT"},
                {"label": "Shop", "url": "https://shop.acme.example/"}
            ],
            "whitelisted_domains": ["https://shop.acme.example"],
            "composer_input_disabled": true,
            "locales": {"fr_FR": {"greeting": "Salut"}}
        })
    );
    assert_eq!(
        fields(live(&state, "profile.acme_ig")),
        json!({
            "channel": "instagram",
            "account": IG,
            "ice_breakers": [{"question": "Hi?", "flow": "HI"}],
            "locales": {"de_DE": {"ice_breakers": [{"question": "Hallo?", "flow": "HI"}]}}
        })
    );
    // The number has a picture: it reads as the configured one (presence only).
    assert_eq!(
        fields(live(&state, "profile.acme_wa")),
        json!({
            "channel": "whatsapp",
            "account": WA,
            "about": "Hello",
            "avatar_url": "https://cdn.acme.example/avatar.jpg",
            "vertical": "prof_services",
            "websites": ["https://acme.example"]
        })
    );
    assert_eq!(
        fields(live(&state, "profile.cargo_fb")),
        json!({"channel": "facebook", "account": PAGE2})
    );
    for r in &state.resources {
        assert_eq!(r.managed_by.as_deref(), Some("socialform"));
        assert_eq!(r.resource.kind, Kind::Profile);
    }
    let keys: Vec<String> = state.resources.iter().map(|r| r.resource.key()).collect();
    assert_eq!(
        keys,
        [
            format!("account:facebook:{PAGE}"),
            format!("account:instagram:{IG}"),
            format!("account:whatsapp:{WA}"),
            format!("account:facebook:{PAGE2}"),
        ]
    );
    let catalog: Vec<(&str, &str)> = state
        .catalog
        .accounts
        .iter()
        .map(|a| (a.channel.as_str(), a.account.as_str()))
        .collect();
    assert_eq!(
        catalog,
        [
            ("facebook", PAGE),
            ("instagram", IG),
            ("whatsapp", WA),
            ("facebook", PAGE2)
        ]
    );
    // The budget: exactly one request per account.
    let c = emu.take_counts();
    assert_eq!(c.total(), 4);
    for id in [PAGE, IG, PAGE2] {
        assert_eq!(
            c.by_endpoint(id),
            counts(&[("GET messenger_profile", 1)]),
            "{id}"
        );
    }
    assert_eq!(
        c.by_endpoint(WA),
        counts(&[("GET whatsapp_business_profile", 1)])
    );
    // A second read of unchanged profiles gives the same versions.
    let again = b.read().unwrap();
    for (a, b) in state.resources.iter().zip(&again.resources) {
        assert_eq!(a.version, b.version);
    }
}

#[test]
fn a_full_facebook_update_reads_back_unchanged() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let mut b = backend(&emu, usual(None));
    let state = b.read().unwrap();
    let fb = live(&state, "profile.acme_fb");
    assert_eq!(fields(fb), json!({"channel": "facebook", "account": PAGE}));
    emu.take_counts();
    let desired = facebook_desired();
    let version = b.write(&update(fb, &desired)).unwrap();
    // The menu opens a domain not allowed yet: the domains first, alone, then the rest.
    let c = emu.take_counts();
    assert_eq!(c.total(), 2);
    assert_eq!(
        c.by_endpoint(PAGE),
        counts(&[("POST messenger_profile", 2)])
    );
    let state = b.read().unwrap();
    let fb = live(&state, "profile.acme_fb");
    assert_eq!(fields(fb), desired);
    // The version a write returns is the one the next read finds (no GET in the write).
    assert_eq!(fb.version, version);
    emu.take_counts();
    // Nothing to change: nothing sent.
    assert_eq!(b.write(&update(fb, &desired)).unwrap(), fb.version);
    assert_eq!(emu.take_counts().total(), 0);
    // What Meta holds is Graph's shape, as documented.
    let raw = emu.http(
        "GET",
        &format!("/v25.0/{PAGE}/messenger_profile?fields=greeting,persistent_menu,whitelisted_domains,ice_breakers"),
        Some(PAGE_TOKEN),
        None,
    );
    let data = &raw["data"][0];
    assert_eq!(
        data["greeting"][0],
        json!({"locale": "default", "text": "Hello {{user_first_name}}! Welcome to Acme Air."})
    );
    assert_eq!(data["persistent_menu"][0]["composer_input_disabled"], true);
    assert_eq!(
        data["persistent_menu"][0]["call_to_actions"][1],
        json!({"type": "web_url", "title": "Manage my booking", "url": "https://book.acme.example/manage"})
    );
    assert_eq!(data["whitelisted_domains"][0], "https://book.acme.example/");
    assert_eq!(data["ice_breakers"][1]["locale"], "fr_FR");
}

#[test]
fn a_change_with_removed_keys_is_one_post_and_one_delete() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let mut b = backend(&emu, usual(None));
    let state = b.read().unwrap();
    b.write(&update(
        live(&state, "profile.acme_fb"),
        &facebook_desired(),
    ))
    .unwrap();
    // Removed: the ice breakers (every locale) and the greeting of one locale. Changed:
    // the menu. The domains are already allowed: no first POST.
    let mut desired = facebook_desired();
    let d = desired.as_object_mut().unwrap();
    d.remove("ice_breakers");
    d["persistent_menu"] = json!([{"label": "Agent", "flow": "agent_handover"}]);
    d["locales"] = json!({"fr_FR": {"greeting": "Bonjour !", "persistent_menu": [{"label": "Agent", "flow": "agent_handover"}]}});
    let state = b.read().unwrap();
    emu.take_counts();
    b.write(&update(live(&state, "profile.acme_fb"), &desired))
        .unwrap();
    let c = emu.take_counts();
    assert_eq!(
        c.by_endpoint(PAGE),
        counts(&[
            ("POST messenger_profile", 1),
            ("DELETE messenger_profile", 1)
        ])
    );
    let state = b.read().unwrap();
    assert_eq!(fields(live(&state, "profile.acme_fb")), desired);
    // Only removals: one DELETE of every property removed.
    let minimal =
        json!({"channel": "facebook", "account": PAGE, "get_started": {"flow": "welcome"}});
    emu.take_counts();
    b.write(&update(live(&state, "profile.acme_fb"), &minimal))
        .unwrap();
    assert_eq!(
        emu.take_counts().by_endpoint(PAGE),
        counts(&[("DELETE messenger_profile", 1)])
    );
    let state = b.read().unwrap();
    assert_eq!(fields(live(&state, "profile.acme_fb")), minimal);
    let raw = emu.http(
        "GET",
        &format!("/v25.0/{PAGE}/messenger_profile?fields=greeting,ice_breakers,persistent_menu,whitelisted_domains,get_started"),
        Some(PAGE_TOKEN),
        None,
    );
    assert_eq!(
        raw,
        json!({"data": [{"get_started": {"payload": "welcome"}}]})
    );
}

#[test]
fn properties_socialform_does_not_model_are_left_alone() {
    let page = r#"{"greeting":[{"locale":"default","text":"Hi"}],"account_linking_url":"https://login.acme.example/link","commands":[{"locale":"default","commands":[{"name":"flights","description":"My flights"}]}]}"#;
    let emu = Emulator::start(&accounts(page, "", ""), NO_LIMIT);
    let mut b = backend(
        &emu,
        vec![profile("profile.acme_fb", Channel::Facebook, PAGE)],
    );
    let state = b.read().unwrap();
    // The greeting is removed from the configuration: deleted, and nothing else.
    b.write(&update(
        live(&state, "profile.acme_fb"),
        &json!({"channel": "facebook", "account": PAGE}),
    ))
    .unwrap();
    let raw = emu.http(
        "GET",
        &format!("/v25.0/{PAGE}/messenger_profile?fields=greeting,account_linking_url,commands"),
        Some(PAGE_TOKEN),
        None,
    );
    let data = &raw["data"][0];
    assert!(data.get("greeting").is_none(), "{raw}");
    assert_eq!(
        data["account_linking_url"],
        "https://login.acme.example/link"
    );
    assert!(data["commands"].is_array());
}

#[test]
fn an_instagram_update_goes_through_the_page() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let mut b = backend(&emu, usual(None));
    let state = b.read().unwrap();
    emu.take_counts();
    let desired = json!({
        "channel": "instagram",
        "account": IG,
        "ice_breakers": [{"question": "Where is my bag?", "flow": "baggage"}],
        "persistent_menu": [
            {"label": "Agent", "flow": "agent_handover"},
            {"label": "Book", "url": "https://book.acme.example/"}
        ],
        "locales": {"fr_FR": {
            "ice_breakers": [{"question": "Où est mon bagage ?", "flow": "baggage"}],
            "persistent_menu": [{"label": "Agent", "flow": "agent_handover"}]
        }}
    });
    let version = b
        .write(&update(live(&state, "profile.acme_ig"), &desired))
        .unwrap();
    let c = emu.take_counts();
    assert_eq!(c.total(), 1);
    assert_eq!(c.by_endpoint(IG), counts(&[("POST messenger_profile", 1)]));
    let state = b.read().unwrap();
    let ig = live(&state, "profile.acme_ig");
    assert_eq!(fields(ig), desired);
    assert_eq!(ig.version, version);
    // The Page's own profile was not touched.
    assert_eq!(
        fields(live(&state, "profile.acme_fb")),
        json!({"channel": "facebook", "account": PAGE})
    );
    // A removed key is deleted, on the Instagram profile only.
    let mut fewer = desired.clone();
    fewer.as_object_mut().unwrap().remove("ice_breakers");
    fewer["locales"]["fr_FR"]
        .as_object_mut()
        .unwrap()
        .remove("ice_breakers");
    emu.take_counts();
    b.write(&update(ig, &fewer)).unwrap();
    assert_eq!(
        emu.take_counts().by_endpoint(IG),
        counts(&[("DELETE messenger_profile", 1)])
    );
    let state = b.read().unwrap();
    let ig = live(&state, "profile.acme_ig");
    assert_eq!(fields(ig), fewer);
    // Keys Instagram does not have are refused before anything is sent.
    emu.take_counts();
    let mut bad = desired.clone();
    bad["greeting"] = json!("Hi");
    let e = b.write(&update(ig, &bad)).unwrap_err();
    let text = meta_message(&e);
    assert!(
        text.contains("profile.acme_ig") && text.contains("`greeting`"),
        "{text}"
    );
    assert_eq!(emu.take_counts().total(), 0);
}

#[test]
fn a_whatsapp_number_without_a_picture_gets_the_configured_one() {
    let emu = Emulator::start(
        &accounts("", "", r#"{"about":"Old","address":"1 Old Street"}"#),
        NO_LIMIT,
    );
    let avatar = emu.file("avatar.png", PNG);
    let mut b = backend(&emu, usual(Some(avatar.clone())));
    let state = b.read().unwrap();
    let wa = live(&state, "profile.acme_wa");
    // No picture on the number: the configured one reads as missing.
    assert_eq!(
        fields(wa),
        json!({"channel": "whatsapp", "account": WA, "about": "Old", "address": "1 Old Street"})
    );
    emu.take_counts();
    let desired = json!({
        "channel": "whatsapp",
        "account": WA,
        "about": "Flights, bags and refunds, 24/7.",
        "avatar_url": avatar,
        "address": "1 Runway Road, Dublin",
        "description": "Acme Air's customer care on WhatsApp.",
        "email": "care@acme.example",
        "vertical": "travel",
        "websites": ["https://www.acme.example", "https://book.acme.example/manage"]
    });
    let version = b.write(&update(wa, &desired)).unwrap();
    let c = emu.take_counts();
    assert_eq!(
        c.by_endpoint(WA),
        counts(&[("POST whatsapp_business_profile", 1)])
    );
    assert_eq!(
        c.by_endpoint("900000000000001"),
        counts(&[("GET app", 1), ("POST uploads", 1), ("POST upload", 1)])
    );
    assert_eq!(c.total(), 4);
    let state = b.read().unwrap();
    let wa = live(&state, "profile.acme_wa");
    assert_eq!(fields(wa), desired);
    assert_eq!(wa.version, version);
    // Meta holds the uploaded bytes, served as its own copy.
    let raw = emu.http(
        "GET",
        &format!("/v25.0/{WA}/whatsapp_business_profile?fields=profile_picture_url,vertical"),
        Some(WA_TOKEN),
        None,
    );
    assert_eq!(raw["data"][0]["vertical"], "TRAVEL");
    let copy = raw["data"][0]["profile_picture_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(copy, avatar);
    assert_eq!(emu.bytes(&copy), PNG);
    emu.take_counts();
    // Unchanged: nothing sent, the picture is not uploaded again.
    assert_eq!(b.write(&update(wa, &desired)).unwrap(), wa.version);
    assert_eq!(emu.take_counts().total(), 0);
    // Cleared: the address (""), the websites ([]), the vertical (""); one POST.
    let mut cleared = desired.clone();
    for k in ["address", "websites", "vertical"] {
        cleared.as_object_mut().unwrap().remove(k);
    }
    b.write(&update(wa, &cleared)).unwrap();
    assert_eq!(
        emu.take_counts().by_endpoint(WA),
        counts(&[("POST whatsapp_business_profile", 1)])
    );
    let state = b.read().unwrap();
    let wa = live(&state, "profile.acme_wa");
    assert_eq!(fields(wa), cleared);
    // `about` cannot be cleared on WhatsApp: refused before anything is sent.
    emu.take_counts();
    let mut no_about = cleared.clone();
    no_about.as_object_mut().unwrap().remove("about");
    let text = meta_message(&b.write(&update(wa, &no_about)).unwrap_err());
    assert!(
        text.contains("profile.acme_wa") && text.contains(WA) && text.contains("`about`"),
        "{text}"
    );
    assert_eq!(emu.take_counts().total(), 0);
}

#[test]
fn pictures_meta_would_refuse_are_refused_before_any_graph_request() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let gif = emu.file("avatar.gif", b"GIF89a\x01\0\x01\0");
    let big = {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(5 * 1024 * 1024 + 1, 0);
        emu.file("big.png", &bytes)
    };
    let missing = format!("{}/__emulator/files/nothing.png", emu.url);
    for (url, says) in [
        (gif, "neither a JPEG nor a PNG"),
        (big, "larger than 5242880 bytes"),
        (missing, "HTTP 404"),
        (
            "ftp://cdn.acme.example/a.png".to_string(),
            "not an http(s) URL",
        ),
    ] {
        let mut b = backend(&emu, usual(Some(url.clone())));
        let state = b.read().unwrap();
        emu.take_counts();
        let desired =
            json!({"channel": "whatsapp", "account": WA, "about": "Hi", "avatar_url": url});
        let e = b
            .write(&update(live(&state, "profile.acme_wa"), &desired))
            .unwrap_err();
        let text = meta_message(&e);
        assert!(
            text.contains(says) && text.contains("profile.acme_wa"),
            "{url}: {text}"
        );
        assert_eq!(emu.take_counts().total(), 0, "{url}");
    }
}

#[test]
fn a_stale_version_is_a_conflict_and_outside_changes_move_the_version() {
    let emu = Emulator::start(
        &accounts(r#"{"greeting":[{"locale":"default","text":"Hi"}]}"#, "", ""),
        NO_LIMIT,
    );
    let mut b = backend(&emu, usual(None));
    let state = b.read().unwrap();
    let fb = live(&state, "profile.acme_fb").clone();
    emu.take_counts();
    let mut stale = update(&fb, &facebook_desired());
    stale.expected_version = Some(fb.version.wrapping_add(1));
    match b.write(&stale) {
        Err(BackendError::Rejected(Rejection::Conflict {
            address,
            expected,
            found,
        })) => {
            assert_eq!(address, "profile.acme_fb");
            assert_eq!(expected, fb.version.wrapping_add(1));
            assert_eq!(found, fb.version);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.take_counts().total(), 0);
    // Someone edits the greeting in Meta's UI: the next read has another version, so a
    // plan saved before is stale, and the edit shows as a difference.
    emu.http(
        "POST",
        &format!("/v25.0/{PAGE}/messenger_profile"),
        Some(PAGE_TOKEN),
        Some(json!({"greeting": [{"locale": "default", "text": "Hi from the UI"}]})),
    );
    let state = b.read().unwrap();
    let after = live(&state, "profile.acme_fb");
    assert_ne!(after.version, fb.version);
    assert_eq!(after.resource.fields["greeting"], "Hi from the UI");
    assert!(matches!(
        b.write(&update(&fb, &facebook_desired())),
        Err(BackendError::Rejected(Rejection::Conflict { .. }))
    ));
    // Creating or deleting a bound profile is a refusal.
    let mut create = update(after, &facebook_desired());
    create.op = WriteOp::Create;
    assert!(matches!(
        b.write(&create),
        Err(BackendError::Rejected(Rejection::Refused { .. }))
    ));
    assert!(matches!(
        b.write(&Write::delete(after)),
        Err(BackendError::Rejected(Rejection::Refused { .. }))
    ));
}

#[test]
fn a_rate_limit_stops_with_when_to_retry() {
    // Two Messenger Profile calls per Page per window: the read and one write.
    let emu = Emulator::start(&accounts("", "", ""), &["--profile-rate-limit", "2/600"]);
    let mut b = backend(
        &emu,
        vec![profile("profile.acme_fb", Channel::Facebook, PAGE)],
    );
    let state = b.read().unwrap();
    let fb = live(&state, "profile.acme_fb");
    let first = json!({"channel": "facebook", "account": PAGE, "greeting": "Hi"});
    let fb_version = b.write(&update(fb, &first)).unwrap();
    emu.take_counts();
    let mut next = update(
        fb,
        &json!({"channel": "facebook", "account": PAGE, "greeting": "Hello"}),
    );
    next.expected_version = Some(fb_version);
    let e = b.write(&next).unwrap_err();
    let text = meta_message(&e);
    assert!(
        text.contains("`profile.acme_fb` (Facebook Page 104857600123456)")
            && text.contains("POST messenger_profile")
            && text.contains("rate limit")
            && text.contains("code 613")
            && text.contains("retry in 10 minutes"),
        "{text}"
    );
    match &e {
        BackendError::Meta(m) => assert!(m.is_rate_limit()),
        other => panic!("{other:?}"),
    }
    // Not retried: one refused call.
    assert_eq!(
        emu.take_counts().by_endpoint(PAGE),
        counts(&[("POST messenger_profile", 1)])
    );
    // A read meets the same limit and says so.
    let text = meta_message(&b.read().unwrap_err());
    assert!(
        text.contains("GET messenger_profile") && text.contains("code 613"),
        "{text}"
    );
    no_token_in(&text);
}

#[test]
fn a_bad_token_names_its_variable_and_never_its_value() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let wrong = |var: &str| (var == "META_TOKEN").then(|| "EAAWrong-secret-value".to_string());
    let mut b = MetaBackend::with_env(
        settings(
            &emu,
            vec![profile("profile.acme_fb", Channel::Facebook, PAGE)],
        ),
        &wrong,
    )
    .unwrap();
    let e = b.read().unwrap_err();
    let text = meta_message(&e);
    assert!(
        text.contains("`profile.acme_fb` (Facebook Page 104857600123456)")
            && text.contains("`META_TOKEN`")
            && text.contains("code 190"),
        "{text}"
    );
    for shown in [text, format!("{e:?}"), format!("{b:?}")] {
        assert!(
            !shown.contains("EAAWrong") && !shown.contains("secret-value"),
            "{shown}"
        );
    }
    // Not retried.
    assert_eq!(emu.take_counts().total(), 1);
    // A missing variable is an error before any request, naming it.
    let none = |_: &str| None;
    let e = MetaBackend::with_env(settings(&emu, usual(None)), &none).unwrap_err();
    let text = meta_message(&e);
    assert!(
        text.contains("`META_TOKEN`") && text.contains("profile.acme_fb"),
        "{text}"
    );
    let only_page = |var: &str| (var == "META_TOKEN").then(|| PAGE_TOKEN.to_string());
    let text =
        meta_message(&MetaBackend::with_env(settings(&emu, usual(None)), &only_page).unwrap_err());
    assert!(
        text.contains("`profile.acme_wa` (WhatsApp number 109876543210)")
            && text.contains("`META_WA_TOKEN`"),
        "{text}"
    );
    assert_eq!(emu.take_counts().total(), 0);
}

#[test]
fn two_pages_with_their_own_tokens() {
    let emu = Emulator::start(&accounts("", "", ""), NO_LIMIT);
    let profiles = vec![
        profile("profile.acme_fb", Channel::Facebook, PAGE),
        profile("profile.cargo_fb", Channel::Facebook, PAGE2),
    ];
    let mut b = backend(&emu, profiles.clone());
    let state = b.read().unwrap();
    let c = emu.take_counts();
    assert_eq!(c.by_endpoint(PAGE), counts(&[("GET messenger_profile", 1)]));
    assert_eq!(
        c.by_endpoint(PAGE2),
        counts(&[("GET messenger_profile", 1)])
    );
    let writes = [
        update(
            live(&state, "profile.acme_fb"),
            &json!({"channel": "facebook", "account": PAGE, "greeting": "Acme Air"}),
        ),
        update(
            live(&state, "profile.cargo_fb"),
            &json!({"channel": "facebook", "account": PAGE2, "greeting": "Acme Cargo"}),
        ),
    ];
    // Writes of different accounts run at once.
    std::thread::scope(|s| {
        let handles: Vec<_> = writes.iter().map(|w| s.spawn(|| b.write(w))).collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    let c = emu.take_counts();
    assert_eq!(
        c.by_endpoint(PAGE),
        counts(&[("POST messenger_profile", 1)])
    );
    assert_eq!(
        c.by_endpoint(PAGE2),
        counts(&[("POST messenger_profile", 1)])
    );
    let state = b.read().unwrap();
    assert_eq!(
        live(&state, "profile.cargo_fb").resource.fields["greeting"],
        "Acme Cargo"
    );
    assert_eq!(
        live(&state, "profile.acme_fb").resource.fields["greeting"],
        "Acme Air"
    );
    // The second Page with the first Page's token: Meta does not let it see that Page.
    let mut s = settings(&emu, profiles);
    s.account_tokens.shift_remove(PAGE2);
    let mut b = MetaBackend::with_env(s, &env_of).unwrap();
    let text = meta_message(&b.read().unwrap_err());
    assert!(
        text.contains("`profile.cargo_fb` (Facebook Page 104857600999999)")
            && text.contains("code 100, subcode 33"),
        "{text}"
    );
    no_token_in(&text);
}

#[test]
fn server_errors_are_retried_twice_then_reported() {
    // The emulator answers 500 (code 2) to a change it cannot save: its state file's
    // directory is removed once it runs.
    let emu = Emulator::with(
        &accounts("", "", ""),
        &["--state", "state/graph.json"],
        |dir| {
            std::fs::create_dir(dir.join("state")).unwrap();
        },
    );
    let mut b = backend(
        &emu,
        vec![profile("profile.acme_fb", Channel::Facebook, PAGE)],
    );
    let state = b.read().unwrap();
    std::fs::remove_dir_all(emu.dir.path().join("state")).unwrap();
    emu.take_counts();
    let e = b
        .write(&update(
            live(&state, "profile.acme_fb"),
            &json!({"channel": "facebook", "account": PAGE, "greeting": "Hi"}),
        ))
        .unwrap_err();
    let text = meta_message(&e);
    assert!(
        text.contains("POST messenger_profile")
            && text.contains("code 2")
            && text.contains("HTTP 500"),
        "{text}"
    );
    assert_eq!(
        emu.take_counts().by_endpoint(PAGE),
        counts(&[("POST messenger_profile", 3)])
    );
}

#[test]
fn an_unreachable_graph_is_reported() {
    // A port nothing listens on: connection refused, retried twice, then reported.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let s = MetaSettings {
        api_url: url,
        profiles: vec![profile("profile.acme_fb", Channel::Facebook, PAGE)],
        ..MetaSettings::default()
    };
    let mut b = MetaBackend::with_env(s, &env_of).unwrap();
    let text = meta_message(&b.read().unwrap_err());
    assert!(
        text.contains("cannot connect") && text.contains("profile.acme_fb"),
        "{text}"
    );
    no_token_in(&text);
}
