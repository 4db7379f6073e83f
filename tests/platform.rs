//! One platform: `socialform serve` and the embedded sandbox refuse the same writes, the
//! ones `validate` would refuse (an over-limit greeting, an unknown kind, a malformed
//! address, a group cycle), with the same diagnostic codes; the catalog is reconciled at
//! every run (added accounts appear, removed ones are reported); an old JSON state file
//! is migrated once; a file that is not a socialform database is refused without being
//! quoted.

mod common;

use std::io::{Read, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{bin, text};
use indexmap::IndexMap;
use serde_json::{Value, json};
use socialform::backend::sandbox::Sandbox;
use socialform::backend::{Backend, BackendError, Refusal};
use socialform::model::{Kind, Resource, Write, WriteOp};
use socialform::platform::Rejection;

const TOKEN: &str = "tok-platform-7f1c";
const FIXTURE: &str = "tests/fixtures/cycle/basic";

/// `serve` on a free port of 127.0.0.1, with workspace `cycle` from the fixture's
/// catalog; killed when dropped.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURE)
        .join("catalog.toml");
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("platform.sqlite"))
        .arg("--workspace")
        .arg(format!("cycle={}", catalog.display()))
        .env("SOCIALFORM_SERVE_TOKENS", format!("cycle={TOKEN}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = common::listening_on(&mut child, "server");
    let addr = url.strip_prefix("http://").unwrap_or(&url).to_string();
    Server {
        child,
        addr,
        _dir: dir,
    }
}

/// One request (`Connection: close`): the status and the body as JSON (null if none).
fn request(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, Value) {
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.to_string();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        server.addr,
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let answer = text(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn resource(address: &str, kind: Kind, fields: Value) -> Resource {
    let fields: IndexMap<String, Value> = serde_json::from_value(fields).unwrap();
    Resource::new(address, kind, fields)
}

/// The writes `validate` would refuse, each with the code it would refuse it with, and
/// whether it is a create (an update names the live version with `If-Match: *`).
fn refused_writes() -> Vec<(&'static str, Value, bool, &'static str)> {
    let long = "x".repeat(200);
    vec![
        (
            "an over-limit greeting",
            json!({"address": "profile.acme_fb", "kind": "profile", "fields": {
                "channel": "facebook", "account": "1234567890", "greeting": long}}),
            false,
            "limits::too_long",
        ),
        (
            "a malformed address",
            json!({"address": "profile.Web-Chat", "kind": "profile", "fields": {
                "channel": "live_chat", "start_flow": "welcome"}}),
            true,
            "schema::invalid_id",
        ),
        (
            "a group cycle",
            json!({"address": "group.b", "kind": "group", "fields": {
                "name": "b", "profiles": [], "groups": ["a"]}}),
            true,
            "groups::cycle",
        ),
    ]
}

/// `group.a`, holding `group.b`: the write of a `group.b` holding `group.a` closes a
/// cycle.
fn group_a() -> Value {
    json!({"address": "group.a", "kind": "group", "fields": {
        "name": "a", "profiles": [], "groups": ["b"]}})
}

fn key_of(resource: &Value) -> String {
    serde_json::from_value::<Resource>(resource.clone())
        .unwrap()
        .key()
}

#[test]
fn serve_and_the_sandbox_refuse_what_validate_refuses_with_the_same_codes() {
    let server = serve();
    let create = |body: &Value, idem: &str| {
        request(
            &server,
            "POST",
            "/v1/workspaces/cycle/resources",
            &[("Idempotency-Key", idem)],
            &json!({ "resource": body }),
        )
    };
    let (status, _) = create(&group_a(), "a");
    assert_eq!(status, 201);

    // The sandbox: the same platform, embedded.
    let dir = tempfile::tempdir().unwrap();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURE)
        .join("catalog.toml");
    let sandbox = Sandbox::open(
        &dir.path().join("sandbox.db"),
        &catalog,
        "cycle",
        Duration::from_secs(5),
        &mut |_| {},
    )
    .unwrap();
    let write = |body: &Value, create: bool| {
        sandbox.write(&Write {
            op: if create {
                WriteOp::Create
            } else {
                WriteOp::Update
            },
            resource: serde_json::from_value(body.clone()).unwrap(),
            expected_version: None,
            applied_hash: None,
            applied_by: None,
        })
    };
    write(&group_a(), true).unwrap();

    for (what, body, is_create, code) in refused_writes() {
        let (status, answer) = if is_create {
            create(&body, what)
        } else {
            let key = key_of(&body);
            request(
                &server,
                "PUT",
                &format!("/v1/workspaces/cycle/resources/{key}"),
                &[("If-Match", "*")],
                &json!({ "resource": body }),
            )
        };
        assert_eq!(status, 422, "{what}: {answer}");
        assert_eq!(answer["code"], "refused", "{what}: {answer}");
        assert_eq!(answer["subject"], code, "{what}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(code),
            "{what}: the message names the rule: {answer}"
        );

        match write(&body, is_create) {
            Err(BackendError::Rejected(Rejection::Refused {
                reason: Refusal::Rule { code: got, .. },
                ..
            })) => assert_eq!(got, code, "{what}"),
            other => panic!("{what}: the sandbox answered {other:?}"),
        }
    }

    // An unknown kind: the server judges the body; the platform's check is the same.
    let bogus = json!({"address": "bogus.x", "kind": "bogus", "fields": {}});
    let (status, answer) = create(&bogus, "bogus");
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["subject"], "schema::unknown_key", "{answer}");
    match socialform::platform::rules::check_kind(&bogus["kind"]) {
        Err(Refusal::Rule { code, .. }) => assert_eq!(code, "schema::unknown_key"),
        other => panic!("{other:?}"),
    }
    // And through the command: an address of no kind.
    let cfg = dir.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    for f in ["socialform.toml", "catalog.toml"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE).join(f),
            cfg.join(f),
        )
        .unwrap();
    }
    let out = common::socialform(&cfg, &["sandbox", "edit", "bogus.x", "a=1"]).assert_code(1);
    assert!(
        text(&out.stderr).contains("schema::unknown_key"),
        "{}",
        text(&out.stderr)
    );

    // What the platform accepted is what validate accepts: a valid update goes through.
    let ok = resource(
        "profile.acme_fb",
        Kind::Profile,
        json!({"channel": "facebook", "account": "1234567890", "greeting": "Hi"}),
    );
    sandbox
        .write(&Write {
            op: WriteOp::Update,
            resource: ok,
            expected_version: None,
            applied_hash: None,
            applied_by: None,
        })
        .unwrap();
}

/// A copy of the fixture configuration in a fresh directory.
fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    common::workspace(FIXTURE, "cfg", Some(&["socialform.toml", "catalog.toml"]))
}

#[test]
fn the_catalog_is_reconciled_at_every_run() {
    let (_tmp, dir) = workspace();
    common::socialform(&dir, &["apply", ".", "--auto-approve"]).assert_code(0);
    // An account added to the catalog is there at the next run; one removed is kept and
    // reported.
    let catalog = std::fs::read_to_string(dir.join("catalog.toml")).unwrap();
    let catalog = catalog.replace(
        "[[accounts]]\nchannel = \"instagram\"\naccount = \"17841400000000001\"\ndisplay_name = \"acmeair\"\n",
        "[[accounts]]\nchannel = \"whatsapp\"\naccount = \"+15550001\"\ndisplay_name = \"Acme WA\"\n",
    );
    std::fs::write(dir.join("catalog.toml"), catalog).unwrap();
    let out = common::socialform(&dir, &["plan", "."]).assert_code(0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`profile.whatsapp_15550001` was added from the sandbox catalog"),
        "{stderr}"
    );
    assert!(
        stderr.contains("platform::orphaned")
            && stderr.contains("profile.instagram_17841400000000001"),
        "{stderr}"
    );
    let state = common::sandbox_state(&dir);
    let addresses: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"]["address"].as_str().unwrap())
        .collect();
    assert!(
        addresses.contains(&"profile.whatsapp_15550001"),
        "{addresses:?}"
    );
    assert!(
        addresses.contains(&"profile.instagram_17841400000000001"),
        "kept: {addresses:?}"
    );
    // Said once: the next run has nothing new to add.
    let out = common::socialform(&dir, &["plan", "."]).assert_code(0);
    assert!(
        !text(&out.stderr).contains("was added"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_old_state_file_is_migrated_once() {
    let (_tmp, dir) = workspace();
    common::socialform(&dir, &["apply", ".", "--auto-approve"]).assert_code(0);
    let live = common::sandbox_state(&dir);
    // The same state as the old format wrote it, beside a database that does not exist.
    let old = json!({
        "format_version": 1,
        "workspace": "cycle",
        "revision": live["revision"],
        "catalog": live["catalog"],
        "resources": live["resources"],
    });
    std::fs::remove_file(dir.join(".socialform/sandbox.db")).unwrap();
    for f in ["sandbox.db-wal", "sandbox.db-shm"] {
        let _ = std::fs::remove_file(dir.join(".socialform").join(f));
    }
    std::fs::write(
        dir.join(".socialform/sandbox.json"),
        serde_json::to_string_pretty(&old).unwrap(),
    )
    .unwrap();
    let out = common::socialform(&dir, &["plan", ".", "--detailed-exitcode"]).assert_code(0);
    assert!(
        text(&out.stderr).contains("note: migrated the sandbox state"),
        "{}",
        text(&out.stderr)
    );
    assert!(dir.join(".socialform/sandbox.json.migrated").is_file());
    assert!(!dir.join(".socialform/sandbox.json").exists());
    assert_eq!(common::sandbox_state(&dir)["resources"], live["resources"]);
    let out = common::socialform(&dir, &["plan", ".", "--detailed-exitcode"]).assert_code(0);
    assert!(!text(&out.stderr).contains("migrated"), "once");
}

#[test]
fn a_file_that_is_not_a_socialform_database_is_refused_unquoted() {
    let (_tmp, dir) = workspace();
    let secret = "s3cr3t-not-a-database";
    std::fs::create_dir_all(dir.join(".socialform")).unwrap();
    std::fs::write(dir.join(".socialform/sandbox.db"), format!("{secret}\n")).unwrap();
    let out = common::socialform(&dir, &["plan", "."]).assert_code(1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("sandbox.db") && stderr.contains("is not a socialform database"),
        "{stderr}"
    );
    assert!(!stderr.contains(secret), "{stderr}");
    // An SQLite database of another program is refused too, and left as it was.
    std::fs::remove_file(dir.join(".socialform/sandbox.db")).unwrap();
    let other = rusqlite::Connection::open(dir.join(".socialform/sandbox.db")).unwrap();
    other
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    drop(other);
    let out = common::socialform(&dir, &["plan", "."]).assert_code(1);
    assert!(
        text(&out.stderr).contains("without socialform's tables"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sandbox_show_edit_and_reset() {
    let (_tmp, dir) = workspace();
    common::socialform(&dir, &["apply", ".", "--auto-approve"]).assert_code(0);
    let out = common::socialform(&dir, &["sandbox", "show", "group.social"]).assert_code(0);
    let shown = text(&out.stdout);
    assert!(
        shown.starts_with("group.social  (group, version ")
            && shown.contains("managed by socialform"),
        "{shown}"
    );
    let before = common::sandbox_state(&dir);
    common::sandbox_edit(&dir, "group.social", &[("name", json!("Moved"))]);
    let out = common::socialform(
        &dir,
        &["sandbox", "show", "group.social", "--format", "json"],
    )
    .assert_code(0);
    let edited: Value = serde_json::from_slice(&out.stdout).unwrap();
    let old = before["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"]["address"] == "group.social")
        .unwrap();
    assert_eq!(edited["resource"]["fields"]["name"], "Moved");
    assert!(edited["version"].as_u64() > old["version"].as_u64());
    assert_eq!(edited["managed_by"], old["managed_by"], "the mark is kept");
    assert_eq!(
        edited["applied_hash"], old["applied_hash"],
        "the hash is kept"
    );
    common::socialform(&dir, &["drift", "."]).assert_code(2);
    // An edit the platform's rules refuse changes nothing.
    let out = common::socialform(
        &dir,
        &["sandbox", "edit", "group.social", "color=not-a-colour"],
    )
    .assert_code(1);
    assert!(
        text(&out.stderr).contains("format::invalid"),
        "{}",
        text(&out.stderr)
    );
    // Reset: a new platform account, nothing managed.
    common::socialform(&dir, &["sandbox", "reset"]).assert_code(0);
    let state = common::sandbox_state(&dir);
    assert!(
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("managed_by").is_none()),
        "{state}"
    );
    assert!(state["revision"].as_u64() > before["revision"].as_u64());
}
