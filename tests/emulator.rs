//! `socialform emulate meta` (the built binary) on 127.0.0.1 with an ephemeral port,
//! talked to over HTTP: every emulated Graph API rule, accepted and refused, the token
//! forms and errors, the upload flow, the files and the request counters. Every wait is
//! bounded; every emulator is killed when its test ends (also on failure, by `Drop`).

mod common;

use common::bin;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const PAGE: &str = "104857600123456";
const IG: &str = "17841400000000001";
const PAGE2: &str = "104857600999999";
const WA: &str = "109876543210";
const APP: &str = "900000000000001";
const PAGE_TOKEN: &str = "page-token-5d1c";
const PAGE2_TOKEN: &str = "page2-token-77ab";
const WA_TOKEN: &str = "wa-token-e3f0";

const ACCOUNTS: &str = r#"
app_id = "900000000000001"
[[pages]]
id = "104857600123456"
name = "Acme Air"
token_env = "EMU_PAGE_TOKEN"
instagram_id = "17841400000000001"
profile = '{"greeting":[{"locale":"default","text":"Hi"}]}'
[[pages]]
id = "104857600999999"
name = "Acme Cargo"
token_env = "EMU_PAGE2_TOKEN"
[[whatsapp]]
id = "109876543210"
verified_name = "Acme Air"
token_env = "EMU_WA_TOKEN"
profile = '{"about":"Hello","vertical":"TRAVEL"}'
"#;

/// A running emulator, killed on drop.
struct Emulator {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

fn env_tokens(cmd: &mut Command) -> &mut Command {
    cmd.env("EMU_PAGE_TOKEN", PAGE_TOKEN)
        .env("EMU_PAGE2_TOKEN", PAGE2_TOKEN)
        .env("EMU_WA_TOKEN", WA_TOKEN)
}

impl Emulator {
    fn start(extra: &[&str]) -> Emulator {
        Emulator::with(ACCOUNTS, extra, |_| {})
    }

    fn with(accounts: &str, extra: &[&str], prepare: impl FnOnce(&Path)) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts.toml");
        std::fs::write(&file, accounts).unwrap();
        prepare(dir.path());
        let mut cmd = Command::new(bin());
        cmd.args(["emulate", "meta", "--listen", "127.0.0.1:0", "--accounts"])
            .arg(&file)
            .args(extra)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = env_tokens(&mut cmd).spawn().expect("the emulator starts");
        let url = common::listening_on(&mut child, "emulator");
        Emulator { child, url, dir }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client over a small runtime, so tests read top to bottom.
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

/// How a request carries its token.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Query(&'a str),
    BearerHeader(&'a str),
    OAuthHeader(&'a str),
}

struct Answer {
    status: u16,
    body: Value,
    bytes: Vec<u8>,
    content_type: String,
}

impl Answer {
    fn code(&self) -> i64 {
        self.body["error"]["code"].as_i64().unwrap_or(0)
    }

    fn subcode(&self) -> i64 {
        self.body["error"]["error_subcode"].as_i64().unwrap_or(0)
    }

    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// A Graph error: status 400, the documented shape, this code.
    fn assert_error(&self, code: i64) -> &Answer {
        assert_eq!(self.status, 400, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        let e = &self.body["error"];
        assert!(
            e["message"].is_string() && e["type"].is_string(),
            "{}",
            self.body
        );
        assert!(
            e["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
            "{}",
            self.body
        );
        self
    }

    fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.body);
        &self.body
    }
}

impl Http {
    fn new(emu: &Emulator) -> Http {
        Http {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            base: emu.url.clone(),
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        auth: Auth,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut url = format!("{}{path}", self.base);
        if let Auth::Query(t) = auth {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("access_token=");
            url.push_str(t);
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, &url);
        match auth {
            Auth::BearerHeader(t) => req = req.header("Authorization", format!("Bearer {t}")),
            Auth::OAuthHeader(t) => req = req.header("Authorization", format!("OAuth {t}")),
            _ => {}
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        self.rt.block_on(async {
            let resp = req.send().await.expect("the emulator answers");
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = resp.bytes().await.unwrap().to_vec();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Answer {
                status,
                body,
                bytes,
                content_type,
            }
        })
    }

    fn get(&self, path: &str, auth: Auth) -> Answer {
        self.send("GET", path, auth, &[], None)
    }

    fn post(&self, path: &str, auth: Auth, body: &Value) -> Answer {
        self.send(
            "POST",
            path,
            auth,
            &[("Content-Type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
    }

    fn delete(&self, path: &str, auth: Auth, body: &Value) -> Answer {
        self.send(
            "DELETE",
            path,
            auth,
            &[("Content-Type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
    }

    /// POSTs a Messenger profile change for the first Page.
    fn set(&self, body: Value) -> Answer {
        self.post(
            "/v25.0/me/messenger_profile",
            Auth::BearerHeader(PAGE_TOKEN),
            &body,
        )
    }

    fn profile(&self, fields: &str) -> Value {
        self.get(
            &format!("/v25.0/me/messenger_profile?fields={fields}"),
            Auth::BearerHeader(PAGE_TOKEN),
        )
        .assert_ok()
        .clone()
    }
}

/// A generous limit, so tests that are not about it never meet it.
const NO_LIMIT: &[&str] = &["--profile-rate-limit", "100000/600"];

fn postbacks(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"type": "postback", "title": format!("Item {i}"), "payload": format!("P{i}")}))
        .collect()
}

fn questions(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"question": format!("Question {i}?"), "payload": format!("Q{i}")}))
        .collect()
}

fn menu(items: Vec<Value>) -> Value {
    json!([{ "locale": "default", "call_to_actions": items }])
}

#[test]
fn start_needs_every_token_variable_and_never_prints_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.toml");
    std::fs::write(&file, ACCOUNTS).unwrap();
    let out = Command::new(bin())
        .args(["emulate", "meta", "--listen", "127.0.0.1:0", "--accounts"])
        .arg(&file)
        .env("EMU_PAGE_TOKEN", PAGE_TOKEN)
        .env("EMU_PAGE2_TOKEN", PAGE2_TOKEN)
        .env_remove("EMU_WA_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`EMU_WA_TOKEN`"), "{err}");
    assert!(
        !err.contains(PAGE_TOKEN) && !err.contains(PAGE2_TOKEN),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // An invalid initial profile is refused at start, naming the account.
    let bad = ACCOUNTS.replace(
        r#""text":"Hi""#,
        &format!(r#""text":"{}""#, "x".repeat(161)),
    );
    std::fs::write(&file, bad).unwrap();
    let mut cmd = Command::new(bin());
    cmd.args(["emulate", "meta", "--accounts"]).arg(&file);
    let out = env_tokens(&mut cmd).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(PAGE) && err.contains("160"), "{err}");
}

#[test]
fn stops_cleanly_on_sigterm() {
    let mut emu = Emulator::start(&[]);
    let pid = emu.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = emu.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn token_forms_and_errors() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    let path = "/v25.0/me/messenger_profile?fields=greeting";
    let expected = json!({"data": [{"greeting": [{"locale": "default", "text": "Hi"}]}]});
    for auth in [
        Auth::Query(PAGE_TOKEN),
        Auth::BearerHeader(PAGE_TOKEN),
        Auth::OAuthHeader(PAGE_TOKEN),
    ] {
        assert_eq!(http.get(path, auth).assert_ok(), &expected);
    }
    // A bad token: 190, OAuthException, 400.
    let bad = http.get(path, Auth::BearerHeader("not-a-token"));
    bad.assert_error(190);
    assert_eq!(bad.body["error"]["type"], "OAuthException");
    http.get(path, Auth::Query("not-a-token")).assert_error(190);
    // Two different tokens in one request.
    http.get(
        &format!("{path}&access_token={PAGE2_TOKEN}"),
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_error(190);
    // No token: /me needs an active token (2500), a node id needs one (104).
    let none = http.get(path, Auth::None);
    none.assert_error(2500);
    assert!(none.message().contains("active access token"));
    http.get(
        &format!("/v25.0/{PAGE}/messenger_profile?fields=greeting"),
        Auth::None,
    )
    .assert_error(104);
    // The token of another account: the object "does not exist" for it (100, subcode 33).
    for token in [PAGE2_TOKEN, WA_TOKEN] {
        let other = http.get(
            &format!("/v25.0/{PAGE}/messenger_profile?fields=greeting"),
            Auth::BearerHeader(token),
        );
        other.assert_error(100);
        assert_eq!(other.subcode(), 33);
        assert_eq!(other.body["error"]["type"], "GraphMethodException");
        assert!(other.message().starts_with("Unsupported get request."));
    }
    let wa_with_page_token = http.get(
        &format!("/v25.0/{WA}/whatsapp_business_profile?fields=about"),
        Auth::BearerHeader(PAGE_TOKEN),
    );
    wa_with_page_token.assert_error(100);
    assert_eq!(wa_with_page_token.subcode(), 33);
    // A WhatsApp (system user) token has no Page behind /me.
    assert_eq!(
        http.get(path, Auth::BearerHeader(WA_TOKEN))
            .assert_error(100)
            .subcode(),
        33
    );
}

#[test]
fn paths_need_a_version_and_a_known_edge() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    for path in [
        "/me/messenger_profile?fields=greeting",
        "/25.0/me/messenger_profile?fields=greeting",
        "/v25/me/messenger_profile?fields=greeting",
        "/v25.0",
        "/v25.0/me/messenger_profile/extra",
    ] {
        let a = http.get(path, Auth::BearerHeader(PAGE_TOKEN));
        a.assert_error(2500);
        assert!(
            a.message().starts_with("Unknown path components:"),
            "{path}: {}",
            a.body
        );
    }
    let edge = http.get(
        "/v25.0/me/messenger_profil?fields=greeting",
        Auth::BearerHeader(PAGE_TOKEN),
    );
    edge.assert_error(100);
    assert!(
        edge.message()
            .contains("nonexisting field (messenger_profil)")
    );
    // An unknown object id.
    assert_eq!(
        http.get(
            "/v25.0/123/messenger_profile?fields=greeting",
            Auth::BearerHeader(PAGE_TOKEN)
        )
        .assert_error(100)
        .subcode(),
        33
    );
    // A trailing slash is tolerated; other versions route the same way.
    http.get(
        "/v19.0/me/messenger_profile/?fields=greeting",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_ok();
    // Methods an endpoint does not take.
    http.send(
        "PUT",
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &[],
        None,
    )
    .assert_error(100);
}

#[test]
fn me_is_the_page_of_the_token() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    assert_eq!(
        http.get("/v25.0/me", Auth::BearerHeader(PAGE_TOKEN))
            .assert_ok(),
        &json!({"name": "Acme Air", "id": PAGE})
    );
    assert_eq!(
        http.get("/v25.0/me", Auth::BearerHeader(PAGE2_TOKEN))
            .assert_ok()["id"],
        PAGE2
    );
    http.set(json!({"get_started": {"payload": "GO"}}))
        .assert_ok();
    let by_me = http.profile("get_started,greeting");
    let by_id = http
        .get(
            &format!("/v25.0/{PAGE}/messenger_profile?fields=get_started,greeting"),
            Auth::BearerHeader(PAGE_TOKEN),
        )
        .assert_ok()
        .clone();
    assert_eq!(by_me, by_id);
    // Writes through the id land on the same profile.
    http.post(
        &format!("/v25.0/{PAGE}/messenger_profile"),
        Auth::Query(PAGE_TOKEN),
        &json!({"get_started": {"payload": "AGAIN"}}),
    )
    .assert_ok();
    assert_eq!(
        http.profile("get_started")["data"][0]["get_started"]["payload"],
        "AGAIN"
    );
    // The other Page's profile is its own.
    assert_eq!(
        http.get(
            "/v25.0/me/messenger_profile?fields=get_started",
            Auth::BearerHeader(PAGE2_TOKEN)
        )
        .assert_ok(),
        &json!({"data": []})
    );
}

#[test]
fn fields_filter_overwrite_and_delete() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    // Only the requested fields that are set; nothing set is an empty data list.
    assert_eq!(http.profile("ice_breakers"), json!({"data": []}));
    assert_eq!(
        http.profile("greeting,ice_breakers"),
        json!({"data": [{"greeting": [{"locale": "default", "text": "Hi"}]}]})
    );
    // fields is required, names must be properties, home_url is deprecated.
    http.get(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_error(100);
    http.get(
        "/v25.0/me/messenger_profile?fields=greetings",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_error(100);
    let home = http.get(
        "/v25.0/me/messenger_profile?fields=home_url",
        Auth::BearerHeader(PAGE_TOKEN),
    );
    assert!(home.assert_error(100).message().contains("deprecated"));
    http.set(json!({"home_url": {"url": "https://acme.example"}}))
        .assert_error(100);

    // A POST answers {"result":"success"} and overwrites only what it sends.
    let ok = http.set(json!({"get_started": {"payload": "GET_STARTED"}}));
    assert_eq!(ok.assert_ok(), &json!({"result": "success"}));
    http.set(json!({"greeting": [{"locale": "default", "text": "Hello again"}]}))
        .assert_ok();
    assert_eq!(
        http.profile("greeting,get_started"),
        json!({"data": [{
            "greeting": [{"locale": "default", "text": "Hello again"}],
            "get_started": {"payload": "GET_STARTED"}
        }]})
    );
    // Unknown properties and empty bodies are refused, and change nothing.
    http.set(json!({"greeting": [{"locale": "default", "text": "X"}], "gretting": []}))
        .assert_error(100);
    http.set(json!({})).assert_error(100);
    http.send(
        "POST",
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &[],
        Some(b"{not json".to_vec()),
    )
    .assert_error(100);
    assert_eq!(
        http.profile("greeting")["data"][0]["greeting"][0]["text"],
        "Hello again"
    );

    // DELETE removes the named properties only.
    let del = http.delete(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"fields": ["greeting"]}),
    );
    assert_eq!(del.assert_ok(), &json!({"result": "success"}));
    assert_eq!(
        http.profile("greeting,get_started"),
        json!({"data": [{"get_started": {"payload": "GET_STARTED"}}]})
    );
    // Deleting what is not set is fine; a DELETE needs fields that are properties.
    http.delete(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"fields": ["ice_breakers"]}),
    )
    .assert_ok();
    http.delete(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({}),
    )
    .assert_error(100);
    http.delete(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"fields": ["nope"]}),
    )
    .assert_error(100);
    http.delete(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"fields": "greeting"}),
    )
    .assert_error(100);
}

#[test]
fn greeting_rules() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    let g = |text: String| json!({"greeting": [{"locale": "default", "text": text}]});
    http.set(g("x".repeat(160))).assert_ok();
    // The limit counts characters, not bytes.
    http.set(g("é".repeat(160))).assert_ok();
    let long = http.set(g("x".repeat(161)));
    assert!(long.assert_error(100).message().contains("160"));
    http.set(json!({"greeting": [
        {"locale": "default", "text": "Hello {{user_first_name}}!"},
        {"locale": "fr_FR", "text": "Bonjour !"}
    ]}))
    .assert_ok();
    // A locale list without a default entry, an unknown locale, a duplicate locale.
    let no_default = http.set(json!({"greeting": [{"locale": "fr_FR", "text": "Bonjour"}]}));
    assert!(no_default.assert_error(100).message().contains("default"));
    for locale in ["fr", "fr-FR", "xx_XX"] {
        http.set(json!({"greeting": [{"locale": "default", "text": "a"}, {"locale": locale, "text": "b"}]}))
            .assert_error(100);
    }
    http.set(json!({"greeting": [{"locale": "default", "text": "a"}, {"locale": "default", "text": "b"}]}))
        .assert_error(100);
    http.set(json!({"greeting": [{"locale": "default"}]}))
        .assert_error(100);
    assert_eq!(
        http.profile("greeting")["data"][0]["greeting"][1]["locale"],
        "fr_FR"
    );
}

#[test]
fn ice_breaker_rules() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    // The existing format: at most 4 questions, read back as set.
    http.set(json!({"ice_breakers": questions(4)})).assert_ok();
    assert_eq!(
        http.profile("ice_breakers")["data"][0]["ice_breakers"],
        json!(questions(4))
    );
    http.set(json!({"ice_breakers": questions(5)}))
        .assert_error(100);
    // The new format: per locale, a default entry required, at most 4 per locale.
    let localised = json!([
        {"locale": "default", "call_to_actions": questions(4)},
        {"locale": "en_GB", "call_to_actions": questions(2)}
    ]);
    http.set(json!({"ice_breakers": localised})).assert_ok();
    assert_eq!(
        http.profile("ice_breakers")["data"][0]["ice_breakers"],
        localised
    );
    http.set(json!({"ice_breakers": [{"locale": "default", "call_to_actions": questions(5)}]}))
        .assert_error(100);
    http.set(json!({"ice_breakers": [{"locale": "en_GB", "call_to_actions": questions(1)}]}))
        .assert_error(100);
    http.set(json!({"ice_breakers": [{"locale": "default", "call_to_actions": questions(1)}, {"locale": "xx_YY", "call_to_actions": questions(1)}]}))
        .assert_error(100);
    // One POST has one format or the other, not both.
    http.set(json!({"ice_breakers": [questions(1)[0].clone(), {"locale": "default", "call_to_actions": questions(1)}]}))
        .assert_error(100);
    // Ice breakers with a Get Started button is not an error: ice breakers take precedence.
    http.set(json!({"get_started": {"payload": "GO"}, "ice_breakers": questions(1)}))
        .assert_ok();
}

#[test]
fn persistent_menu_rules() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    // No Get Started button (after the POST would apply): the documented error.
    let refused = http.set(json!({"persistent_menu": menu(postbacks(1))}));
    refused.assert_error(100);
    assert!(
        refused.message().starts_with(
            "(#100) You must set a Get Started button if you also wish to use persistent menu"
        ),
        "{}",
        refused.body
    );
    assert_eq!(http.profile("persistent_menu"), json!({"data": []}));
    // In the same POST as the button, the menu is accepted.
    http.set(json!({"get_started": {"payload": "GO"}, "persistent_menu": menu(postbacks(20))}))
        .assert_ok();
    assert_eq!(
        http.profile("persistent_menu")["data"][0]["persistent_menu"][0]["call_to_actions"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    // ... and later POSTs of the menu alone too, the button being set.
    http.set(json!({"persistent_menu": menu(postbacks(3))}))
        .assert_ok();
    http.set(json!({"persistent_menu": menu(postbacks(21))}))
        .assert_error(100);
    let title = |t: &str| {
        menu(vec![
            json!({"type": "postback", "title": t, "payload": "P"}),
        ])
    };
    http.set(json!({"persistent_menu": title(&"t".repeat(30))}))
        .assert_ok();
    http.set(json!({"persistent_menu": title(&"t".repeat(31))}))
        .assert_error(100);
    let payload = |n: usize| {
        menu(vec![
            json!({"type": "postback", "title": "T", "payload": "p".repeat(n)}),
        ])
    };
    http.set(json!({"persistent_menu": payload(1000)}))
        .assert_ok();
    http.set(json!({"persistent_menu": payload(1001)}))
        .assert_error(100);
    http.set(json!({"get_started": {"payload": "g".repeat(1000)}}))
        .assert_ok();
    http.set(json!({"get_started": {"payload": "g".repeat(1001)}}))
        .assert_error(100);
    // Nested items: (#11), deprecated since v8.0.
    let nested = http.set(json!({"persistent_menu": menu(vec![json!({
        "type": "nested", "title": "More", "call_to_actions": postbacks(2)
    })])}));
    nested.assert_error(11);
    assert!(
        nested
            .message()
            .starts_with("(#11) Setting of Nested Persistent Menu has been deprecated")
    );
    // A default locale is required; other item types and missing parts are refused.
    http.set(json!({"persistent_menu": [{"locale": "fr_FR", "call_to_actions": postbacks(1)}]}))
        .assert_error(100);
    http.set(json!({"persistent_menu": menu(vec![json!({"type": "phone_number", "title": "Call", "payload": "+1"})])}))
        .assert_error(100);
    http.set(json!({"persistent_menu": menu(vec![json!({"type": "web_url", "title": "Shop"})])}))
        .assert_error(100);
    http.set(json!({"persistent_menu": [{"locale": "default", "composer_input_disabled": true}]}))
        .assert_error(100);
    http.set(json!({"persistent_menu": [{"locale": "default", "composer_input_disabled": true, "call_to_actions": postbacks(1)}]}))
        .assert_ok();
    let web = |extra: Value| {
        let mut item =
            json!({"type": "web_url", "title": "Shop", "url": "https://shop.acme.example/"});
        for (k, v) in extra.as_object().unwrap() {
            item[k] = v.clone();
        }
        json!({"persistent_menu": menu(vec![item])})
    };
    http.set(web(json!({"webview_height_ratio": "tall"})))
        .assert_ok();
    http.set(web(json!({"webview_height_ratio": "huge"})))
        .assert_error(100);
    http.set(web(json!({"fallback_url": "https://acme.example/"})))
        .assert_error(100);
}

#[test]
fn whitelisted_domain_rules() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    // Read back with a trailing slash.
    http.set(
        json!({"whitelisted_domains": ["https://www.acme.example", "https://shop.acme.example/"]}),
    )
    .assert_ok();
    assert_eq!(
        http.profile("whitelisted_domains")["data"][0]["whitelisted_domains"],
        json!(["https://www.acme.example/", "https://shop.acme.example/"])
    );
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("https://d{i}.acme.example"))
            .collect::<Vec<_>>()
    };
    http.set(json!({"whitelisted_domains": many(50)}))
        .assert_ok();
    http.set(json!({"whitelisted_domains": many(51)}))
        .assert_error(100);
    for bad in [
        "http://www.acme.example",
        "https://192.0.2.10",
        "https://[2001:db8::1]",
        "https://localhost",
        "https://localhost:8443/",
        "www.acme.example",
        "https://www.acme.example/path",
    ] {
        let a = http.set(json!({"whitelisted_domains": [bad]}));
        a.assert_error(100);
    }
    // A web_url button with messenger_extensions must be on a whitelisted domain.
    http.set(json!({"whitelisted_domains": ["https://www.acme.example"], "get_started": {"payload": "GO"}}))
        .assert_ok();
    let ext = |url: &str| {
        json!({"persistent_menu": menu(vec![json!({
            "type": "web_url", "title": "Book", "url": url, "messenger_extensions": true,
            "fallback_url": "https://www.acme.example/fallback"
        })])})
    };
    let refused = http.set(ext("https://book.acme.example/flight"));
    refused.assert_error(100);
    assert_eq!(refused.subcode(), 2018063);
    http.set(ext("https://www.acme.example/flight")).assert_ok();
    // Whitelisted in the same POST counts.
    let mut both = ext("https://book.acme.example/flight");
    both["whitelisted_domains"] = json!(["https://www.acme.example", "https://book.acme.example"]);
    http.set(both).assert_ok();
    // Without messenger_extensions, any https or http URL is fine.
    http.set(json!({"persistent_menu": menu(vec![json!({"type": "web_url", "title": "Site", "url": "http://elsewhere.example/"})])}))
        .assert_ok();
}

#[test]
fn instagram_via_platform_parameter() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    let ig_get = |fields: &str| {
        http.get(
            &format!("/v25.0/me/messenger_profile?platform=instagram&fields={fields}"),
            Auth::BearerHeader(PAGE_TOKEN),
        )
    };
    assert_eq!(
        ig_get("ice_breakers,greeting").assert_ok(),
        &json!({"data": []})
    );
    let breakers = json!([{"locale": "default", "call_to_actions": questions(4)}]);
    http.post(
        "/v25.0/me/messenger_profile?platform=instagram",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"platform": "instagram", "ice_breakers": breakers}),
    )
    .assert_ok();
    // `platform` in the body alone selects Instagram too.
    http.post(
        "/v25.0/me/messenger_profile",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"platform": "instagram", "persistent_menu": menu(postbacks(2))}),
    )
    .assert_ok();
    let ig = ig_get("ice_breakers,persistent_menu");
    assert_eq!(ig.assert_ok()["data"][0]["ice_breakers"], breakers);
    assert_eq!(ig.body["data"][0]["persistent_menu"], menu(postbacks(2)));
    // The Page's own Messenger profile is untouched.
    assert_eq!(
        http.profile("ice_breakers,persistent_menu,greeting"),
        json!({"data": [{"greeting": [{"locale": "default", "text": "Hi"}]}]})
    );
    // Instagram menus take no composer_input_disabled and no webview_height_ratio.
    let ig_post = |body: Value| {
        http.post(
            "/v25.0/me/messenger_profile?platform=instagram",
            Auth::BearerHeader(PAGE_TOKEN),
            &body,
        )
    };
    ig_post(json!({"persistent_menu": [{"locale": "default", "composer_input_disabled": true, "call_to_actions": postbacks(1)}]}))
        .assert_error(100);
    ig_post(json!({"persistent_menu": menu(vec![json!({"type": "web_url", "title": "Shop", "url": "https://acme.example/", "webview_height_ratio": "full"})])}))
        .assert_error(100);
    ig_post(json!({"ice_breakers": questions(5)})).assert_error(100);
    ig_post(json!({"greeting": [{"locale": "default", "text": "Hi"}]})).assert_error(100);
    // DELETE on Instagram removes Instagram's property only.
    http.delete(
        "/v25.0/me/messenger_profile?platform=instagram",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"fields": ["ice_breakers"]}),
    )
    .assert_ok();
    assert!(
        ig_get("ice_breakers,persistent_menu").assert_ok()["data"][0]
            .get("ice_breakers")
            .is_none()
    );
    // Unknown platforms, conflicting platforms, and a Page without an Instagram account.
    http.get(
        "/v25.0/me/messenger_profile?platform=whatsapp&fields=ice_breakers",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_error(100);
    http.post(
        "/v25.0/me/messenger_profile?platform=instagram",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"platform": "messenger", "ice_breakers": questions(1)}),
    )
    .assert_error(100);
    http.get(
        "/v25.0/me/messenger_profile?platform=instagram&fields=ice_breakers",
        Auth::BearerHeader(PAGE2_TOKEN),
    )
    .assert_error(100);
    // The Instagram account's node is visible to its Page's token only.
    assert_eq!(
        http.get(&format!("/v25.0/{IG}"), Auth::BearerHeader(PAGE_TOKEN))
            .assert_ok()["id"],
        IG
    );
    http.get(&format!("/v25.0/{IG}"), Auth::BearerHeader(PAGE2_TOKEN))
        .assert_error(100);
}

#[test]
fn profile_rate_limit_per_page() {
    let emu = Emulator::start(&["--profile-rate-limit", "3/5"]);
    let http = Http::new(&emu);
    for _ in 0..2 {
        http.profile("greeting");
    }
    // Instagram calls go through the Page and count in its window.
    http.get(
        "/v25.0/me/messenger_profile?platform=instagram&fields=ice_breakers",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_ok();
    let limited = http.set(json!({"get_started": {"payload": "GO"}}));
    limited.assert_error(613);
    assert_eq!(limited.body["error"]["type"], "OAuthException");
    assert!(limited.message().contains("exceeded the rate limit"));
    // A refused call changed nothing; another Page has its own window.
    http.get(
        "/v25.0/me/messenger_profile?fields=get_started",
        Auth::BearerHeader(PAGE2_TOKEN),
    )
    .assert_ok();
    // WhatsApp calls are not Messenger Profile calls.
    http.get(
        &format!("/v25.0/{WA}/whatsapp_business_profile?fields=about"),
        Auth::BearerHeader(WA_TOKEN),
    )
    .assert_ok();
    std::thread::sleep(Duration::from_millis(5300));
    assert_eq!(http.profile("get_started"), json!({"data": []}));
}

#[test]
fn default_rate_limit_is_ten_calls() {
    let emu = Emulator::start(&[]);
    let http = Http::new(&emu);
    for i in 0..10 {
        let a = http.get(
            "/v25.0/me/messenger_profile?fields=greeting",
            Auth::BearerHeader(PAGE_TOKEN),
        );
        assert_eq!(a.status, 200, "call {i}: {}", a.body);
    }
    http.get(
        "/v25.0/me/messenger_profile?fields=greeting",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_error(613);
}

#[test]
fn whatsapp_business_profile() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    let path = format!("/v25.0/{WA}/whatsapp_business_profile");
    let all = format!(
        "{path}?fields=about,address,description,email,profile_picture_url,websites,vertical"
    );
    assert_eq!(
        http.get(&all, Auth::BearerHeader(WA_TOKEN)).assert_ok(),
        &json!({"data": [{"about": "Hello", "vertical": "TRAVEL", "messaging_product": "whatsapp"}]})
    );
    let post = |body: Value| http.post(&path, Auth::BearerHeader(WA_TOKEN), &body);
    // messaging_product is required and must be "whatsapp".
    post(json!({"about": "Hi"})).assert_error(100);
    post(json!({"messaging_product": "messenger", "about": "Hi"})).assert_error(100);
    // Any subset of fields; only those are changed.
    let ok = post(json!({
        "messaging_product": "whatsapp",
        "address": "1 Runway Road",
        "description": "d".repeat(512),
        "email": "care@acme.example",
        "websites": ["https://acme.example", "http://acme.example/help"]
    }));
    assert_eq!(ok.assert_ok(), &json!({"success": true}));
    let now = http.get(&all, Auth::BearerHeader(WA_TOKEN));
    let data = &now.assert_ok()["data"][0];
    assert_eq!(data["about"], "Hello");
    assert_eq!(data["address"], "1 Runway Road");
    assert_eq!(
        data["websites"],
        json!(["https://acme.example", "http://acme.example/help"])
    );
    // Fields filter the answer.
    assert_eq!(
        http.get(&format!("{path}?fields=email"), Auth::Query(WA_TOKEN))
            .assert_ok(),
        &json!({"data": [{"email": "care@acme.example", "messaging_product": "whatsapp"}]})
    );
    http.get(
        &format!("{path}?fields=about,colour"),
        Auth::BearerHeader(WA_TOKEN),
    )
    .assert_error(100);
    // Limits, accepted at the limit and refused past it.
    let p = |k: &str, v: Value| {
        let mut b = json!({"messaging_product": "whatsapp"});
        b[k] = v;
        post(b)
    };
    p("about", json!("a".repeat(139))).assert_ok();
    p("about", json!("a".repeat(140))).assert_error(100);
    p("about", json!("")).assert_error(100);
    p("address", json!("a".repeat(256))).assert_ok();
    p("address", json!("a".repeat(257))).assert_error(100);
    p("description", json!("d".repeat(513))).assert_error(100);
    p("email", json!(format!("{}@acme.example", "a".repeat(115)))).assert_ok();
    p("email", json!(format!("{}@acme.example", "a".repeat(116)))).assert_error(100);
    for bad in [
        "care",
        "care@",
        "@acme.example",
        "care@acme",
        "ca re@acme.example",
    ] {
        p("email", json!(bad)).assert_error(100);
    }
    for v in ["TRAVEL", "RETAIL", "OTHER", "UNDEFINED", "ALCOHOL"] {
        p("vertical", json!(v)).assert_ok();
    }
    for v in ["travel", "AIRLINE"] {
        p("vertical", json!(v)).assert_error(100);
    }
    p(
        "websites",
        json!([format!("https://acme.example/{}", "w".repeat(235))]),
    )
    .assert_ok();
    p(
        "websites",
        json!([format!("https://acme.example/{}", "w".repeat(236))]),
    )
    .assert_error(100);
    p(
        "websites",
        json!([
            "https://a.example",
            "https://b.example",
            "https://c.example"
        ]),
    )
    .assert_error(100);
    p("websites", json!(["www.acme.example"])).assert_error(100);
    p("websites", json!(["ftp://acme.example"])).assert_error(100);
    p("profile_picture_url", json!("https://acme.example/a.jpg")).assert_error(100);
    p("colour", json!("blue")).assert_error(100);
    // Clearing: "" for texts and the vertical, [] for websites.
    post(json!({"messaging_product": "whatsapp", "address": "", "websites": [], "vertical": ""}))
        .assert_ok();
    let cleared = http.get(&all, Auth::BearerHeader(WA_TOKEN));
    let data = &cleared.assert_ok()["data"][0];
    for k in ["address", "websites", "vertical"] {
        assert!(data.get(k).is_none(), "{k} still set: {data}");
    }
    assert_eq!(data["about"], "a".repeat(139));
    // The token of another account cannot write.
    let other = http.post(
        &path,
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"messaging_product": "whatsapp", "about": "x"}),
    );
    assert_eq!(other.assert_error(100).subcode(), 33);
}

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0xFF, 0xD9,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
];

#[test]
fn upload_flow_and_picture_url() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    // The token's app.
    let app = http.get("/v25.0/app", Auth::BearerHeader(WA_TOKEN));
    assert_eq!(app.assert_ok()["id"], APP);
    http.get("/v25.0/app", Auth::None).assert_error(104);
    let start = |len: usize, kind: &str| {
        http.post(
            &format!("/v25.0/{APP}/uploads?file_length={len}&file_type={kind}&file_name=avatar"),
            Auth::Query(WA_TOKEN),
            &json!({}),
        )
    };
    let session = start(JPEG.len(), "image/jpeg");
    let id = session.assert_ok()["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("upload:"), "{id}");
    // The upload itself needs the token in the header.
    let send = |auth: Auth, offset: &str, bytes: &[u8]| {
        http.send(
            "POST",
            &format!("/v25.0/{id}"),
            auth,
            &[("file_offset", offset)],
            Some(bytes.to_vec()),
        )
    };
    send(Auth::Query(WA_TOKEN), "0", JPEG).assert_error(104);
    send(Auth::OAuthHeader(WA_TOKEN), "3", JPEG).assert_error(100);
    // In two parts, resuming at the offset GET reports.
    let half = send(Auth::OAuthHeader(WA_TOKEN), "0", &JPEG[..6]);
    assert_eq!(half.assert_ok()["file_offset"], 6);
    let status = http.get(&format!("/v25.0/{id}"), Auth::OAuthHeader(WA_TOKEN));
    assert_eq!(status.assert_ok(), &json!({"id": id, "file_offset": 6}));
    let done = send(Auth::OAuthHeader(WA_TOKEN), "6", &JPEG[6..]);
    let handle = done.assert_ok()["h"].as_str().unwrap().to_string();
    // The handle sets the picture; the profile reads back a URL the emulator serves.
    let path = format!("/v25.0/{WA}/whatsapp_business_profile");
    http.post(
        &path,
        Auth::BearerHeader(WA_TOKEN),
        &json!({"messaging_product": "whatsapp", "profile_picture_handle": handle}),
    )
    .assert_ok();
    let read = http.get(
        &format!("{path}?fields=profile_picture_url"),
        Auth::BearerHeader(WA_TOKEN),
    );
    let url = read.assert_ok()["data"][0]["profile_picture_url"]
        .as_str()
        .unwrap()
        .to_string();
    let served_path = url
        .strip_prefix(&emu.url)
        .unwrap_or_else(|| panic!("{url} is not served by {}", emu.url));
    assert!(served_path.starts_with("/__emulator/pictures/"), "{url}");
    let picture = http.get(served_path, Auth::None);
    assert_eq!(picture.status, 200);
    assert_eq!(picture.bytes, JPEG);
    assert_eq!(picture.content_type, "image/jpeg");
    // Refusals: a handle that is not one, bytes that are not the declared type, other
    // types, more than 5 MB, and another app id.
    http.post(
        &path,
        Auth::BearerHeader(WA_TOKEN),
        &json!({"messaging_product": "whatsapp", "profile_picture_handle": "4:nothing"}),
    )
    .assert_error(100);
    let png_id = start(PNG.len(), "image/jpeg").assert_ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    http.send(
        "POST",
        &format!("/v25.0/{png_id}"),
        Auth::OAuthHeader(WA_TOKEN),
        &[("file_offset", "0")],
        Some(PNG.to_vec()),
    )
    .assert_error(100);
    let png_ok = start(PNG.len(), "image/png").assert_ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    http.send(
        "POST",
        &format!("/v25.0/{png_ok}"),
        Auth::OAuthHeader(WA_TOKEN),
        &[("file_offset", "0")],
        Some(PNG.to_vec()),
    )
    .assert_ok();
    start(10, "image/gif").assert_error(100);
    start(10, "application/pdf").assert_error(100);
    start(5 * 1024 * 1024, "image/png").assert_ok();
    start(5 * 1024 * 1024 + 1, "image/png").assert_error(100);
    http.post(
        "/v25.0/900000000000002/uploads?file_length=10&file_type=image/png",
        Auth::Query(WA_TOKEN),
        &json!({}),
    )
    .assert_error(100);
    assert_eq!(
        http.get("/__emulator/pictures/nothing", Auth::None).status,
        404
    );
}

#[test]
fn files_are_served_read_only() {
    let emu = Emulator::with(ACCOUNTS, &["--files", "assets"], |dir| {
        std::fs::create_dir(dir.join("assets")).unwrap();
        std::fs::write(dir.join("assets/avatar.jpg"), JPEG).unwrap();
        std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    });
    let http = Http::new(&emu);
    let a = http.get("/__emulator/files/avatar.jpg", Auth::None);
    assert_eq!(a.status, 200);
    assert_eq!(a.bytes, JPEG);
    assert_eq!(a.content_type, "image/jpeg");
    for path in [
        "/__emulator/files/missing.jpg",
        "/__emulator/files/..%2Fsecret.txt",
        "/__emulator/files/%2E%2E%2Fsecret.txt",
        "/__emulator/files/%2E%2E",
    ] {
        let a = http.get(path, Auth::None);
        assert!(matches!(a.status, 400 | 404), "{path}: {}", a.status);
        assert_ne!(a.bytes, b"outside", "{path}");
    }
    assert_ne!(
        http.send(
            "DELETE",
            "/__emulator/files/avatar.jpg",
            Auth::None,
            &[],
            None
        )
        .status,
        200
    );
    assert!(emu.dir.path().join("assets/avatar.jpg").exists());
    // Without --files nothing is served.
    let plain = Emulator::start(&[]);
    assert_eq!(
        Http::new(&plain)
            .get("/__emulator/files/avatar.jpg", Auth::None)
            .status,
        404
    );
}

#[test]
fn request_counters() {
    let emu = Emulator::start(NO_LIMIT);
    let http = Http::new(&emu);
    let counters = || {
        http.get("/__emulator/requests", Auth::None)
            .assert_ok()
            .clone()
    };
    assert_eq!(counters()["total"], 0);
    http.profile("greeting");
    http.profile("greeting");
    http.set(json!({"get_started": {"payload": "GO"}}))
        .assert_ok();
    http.get(
        "/v25.0/me/messenger_profile?platform=instagram&fields=ice_breakers",
        Auth::BearerHeader(PAGE_TOKEN),
    )
    .assert_ok();
    http.get(
        &format!("/v25.0/{WA}/whatsapp_business_profile?fields=about"),
        Auth::BearerHeader(WA_TOKEN),
    )
    .assert_ok();
    // Refused requests count too; those of no known account are unattributed.
    http.get(
        "/v25.0/me/messenger_profile?fields=greeting",
        Auth::BearerHeader("bad"),
    )
    .assert_error(190);
    http.get("/nowhere", Auth::None).assert_error(2500);
    let c = counters();
    assert_eq!(c["total"], 7, "{c}");
    assert_eq!(c["unattributed"], 2, "{c}");
    assert_eq!(c["by_endpoint"]["GET messenger_profile"], 4, "{c}");
    assert_eq!(c["by_endpoint"]["POST messenger_profile"], 1, "{c}");
    assert_eq!(c["accounts"][PAGE]["total"], 3, "{c}");
    assert_eq!(
        c["accounts"][PAGE]["by_endpoint"]["GET messenger_profile"], 2,
        "{c}"
    );
    assert_eq!(
        c["accounts"][PAGE]["by_endpoint"]["POST messenger_profile"], 1,
        "{c}"
    );
    assert_eq!(c["accounts"][IG]["total"], 1, "{c}");
    assert_eq!(
        c["accounts"][WA]["by_endpoint"]["GET whatsapp_business_profile"], 1,
        "{c}"
    );
    // Reading the counters is not a Graph request; DELETE resets them.
    assert_eq!(counters()["total"], 7);
    assert_eq!(
        http.delete("/__emulator/requests", Auth::None, &json!({}))
            .status,
        204
    );
    let c = counters();
    assert_eq!(c["total"], 0, "{c}");
    assert_eq!(c["accounts"], json!({}));
}

#[test]
fn state_file_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("graph-state.json");
    let state_arg = state.display().to_string();
    let args = [
        "--state",
        state_arg.as_str(),
        "--profile-rate-limit",
        "1000/600",
    ];
    let first = Emulator::start(&args);
    let http = Http::new(&first);
    http.set(json!({"get_started": {"payload": "KEPT"}}))
        .assert_ok();
    http.post(
        "/v25.0/me/messenger_profile?platform=instagram",
        Auth::BearerHeader(PAGE_TOKEN),
        &json!({"ice_breakers": questions(1)}),
    )
    .assert_ok();
    let id = http
        .post(
            &format!(
                "/v25.0/{APP}/uploads?file_length={}&file_type=image/png",
                PNG.len()
            ),
            Auth::BearerHeader(WA_TOKEN),
            &json!({}),
        )
        .assert_ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let handle = http
        .send(
            "POST",
            &format!("/v25.0/{id}"),
            Auth::OAuthHeader(WA_TOKEN),
            &[("file_offset", "0")],
            Some(PNG.to_vec()),
        )
        .assert_ok()["h"]
        .as_str()
        .unwrap()
        .to_string();
    let wa = format!("/v25.0/{WA}/whatsapp_business_profile");
    http.post(
        &wa,
        Auth::BearerHeader(WA_TOKEN),
        &json!({"messaging_product": "whatsapp", "about": "Kept", "profile_picture_handle": handle}),
    )
    .assert_ok();
    let text = std::fs::read_to_string(&state).unwrap();
    for token in [PAGE_TOKEN, PAGE2_TOKEN, WA_TOKEN] {
        assert!(!text.contains(token), "the state file holds a token");
    }
    drop(first); // SIGKILL

    let second = Emulator::start(&args);
    let http = Http::new(&second);
    assert_eq!(
        http.profile("get_started")["data"][0]["get_started"]["payload"],
        "KEPT"
    );
    let ig = http.get(
        "/v25.0/me/messenger_profile?platform=instagram&fields=ice_breakers",
        Auth::BearerHeader(PAGE_TOKEN),
    );
    assert_eq!(
        ig.assert_ok()["data"][0]["ice_breakers"],
        json!(questions(1))
    );
    let read = http.get(
        &format!("{wa}?fields=about,profile_picture_url"),
        Auth::BearerHeader(WA_TOKEN),
    );
    let data = read.assert_ok()["data"][0].clone();
    assert_eq!(data["about"], "Kept");
    let url = data["profile_picture_url"].as_str().unwrap();
    let path = url.strip_prefix(&second.url).unwrap();
    assert_eq!(http.get(path, Auth::None).bytes, PNG);
    // The handle still works after the restart.
    http.post(
        &wa,
        Auth::BearerHeader(WA_TOKEN),
        &json!({"messaging_product": "whatsapp", "profile_picture_handle": handle}),
    )
    .assert_ok();
    drop(second);

    // A state file that is not one is refused at start.
    std::fs::write(&state, "{\"format\": 1, \"pages\": {\"42\": {}}}").unwrap();
    let accounts = dir.path().join("accounts.toml");
    std::fs::write(&accounts, ACCOUNTS).unwrap();
    let mut cmd = Command::new(bin());
    cmd.args(["emulate", "meta", "--accounts"])
        .arg(&accounts)
        .args(["--state", &state_arg]);
    let out = env_tokens(&mut cmd).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("42"));
}
