//! The `http` backend against the real server: `socialform serve` (the built binary) on
//! 127.0.0.1 with an ephemeral port and a SQLite file in a temporary directory, and the
//! binary's plan / apply against it. Every wait is bounded; every server is killed when
//! its test ends (also on failure, by `Drop`).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{bin, text};
use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/cycle/basic";
const TOKEN: &str = "tok-cycle-3f9a1c";
const OTHER_TOKEN: &str = "tok-other-77b2e0";
const LIMIT: Duration = Duration::from_secs(90);

/// A running `socialform serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    args: Vec<String>,
}

impl Server {
    fn start(dir: &Path, listen: &str, extra: &[&str]) -> Server {
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--data".into(),
            dir.join("platform.sqlite").display().to_string(),
            "--workspace".into(),
            format!("cycle={}", dir.join("catalog.toml").display()),
            "--workspace".into(),
            format!("other={}", dir.join("catalog.toml").display()),
            "--workspace".into(),
            format!("bulk={}", dir.join("catalog.toml").display()),
            "--metrics".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Server::spawn(listen, args)
    }

    fn spawn(listen: &str, args: Vec<String>) -> Server {
        let mut child = Command::new(bin())
            .args(&args)
            .args(["--listen", listen])
            .env(
                "SOCIALFORM_SERVE_TOKENS",
                format!("cycle,bulk={TOKEN}\nother={OTHER_TOKEN}"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let addr = common::listening_on(&mut child, "server")
            .strip_prefix("http://")
            .expect("an http URL")
            .to_string();
        Server { child, addr, args }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills with SIGKILL and starts again on the same address and database.
    fn kill_and_restart(mut self) -> Server {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let args = std::mem::take(&mut self.args);
        let addr = self.addr.clone();
        drop(self);
        Server::spawn(&addr, args)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client over std (the test checks the wire itself).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, String, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    // The server may answer (413, 401) and close before it has read a large body: the
    // rest of the write then meets a closed connection, and the answer is still there.
    if let Err(e) = s.write_all(req.as_bytes()) {
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{e}"
        );
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = text(&raw);
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(rest).unwrap_or(Value::Null),
    )
}

fn metric(addr: &str, name: &str) -> u64 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Runs the binary with a time limit (a run beyond it fails the test), with `token` as
/// the only token in its environment.
fn run(dir: &Path, args: &[&str], token: Option<&str>) -> Output {
    let run = common::socialform(dir, args)
        .env_remove("SOCIALFORM_TOKEN")
        .timeout(LIMIT);
    match token {
        Some(t) => run.env("SOCIALFORM_TOKEN", t).output(),
        None => run.output(),
    }
}

fn run_ok(dir: &Path, args: &[&str], code: i32) -> Output {
    let out = run(dir, args, Some(TOKEN));
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    common::assert_code(&out, code, &args);
    assert_no_token(&out);
    out
}

fn assert_no_token(out: &Output) {
    for t in [TOKEN, OTHER_TOKEN] {
        assert!(!text(&out.stdout).contains(t) && !text(&out.stderr).contains(t));
    }
}

fn plan_json(dir: &Path) -> Value {
    serde_json::from_slice(&run_ok(dir, &["plan", ".", "--format", "json"], 0).stdout).unwrap()
}

/// A temporary directory with the catalog, and a configuration directory `cfg` using
/// the http backend at `url` (set later by [`point_at`]).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    std::fs::copy(src.join("catalog.toml"), tmp.path().join("catalog.toml")).unwrap();
    std::fs::copy(src.join("socialform.toml"), dir.join("socialform.toml")).unwrap();
    (tmp, dir)
}

fn point_at(dir: &Path, url: &str) {
    let path = dir.join("socialform.toml");
    let s = std::fs::read_to_string(&path).unwrap();
    let s = s.replacen(
        "[workspace]\nname = \"cycle\"\n",
        &format!("[workspace]\nname = \"cycle\"\n\n[backend]\nkind = \"http\"\nurl = \"{url}\"\n"),
        1,
    );
    std::fs::write(&path, s).unwrap();
}

fn edit(dir: &Path, from: &str, to: &str) {
    common::edit(dir, "socialform.toml", from, to);
}

/// Validates `value` against a component schema of the committed OpenAPI document.
fn check_schema(component: &str, value: &Value) {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{component}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{component}: {errors:?}\n{value}");
}

#[test]
fn plan_apply_then_nothing_left_to_do() {
    let (tmp, dir) = fixture();
    let server = Server::start(tmp.path(), "127.0.0.1:0", &[]);
    point_at(&dir, &server.url());
    let before = metric(&server.addr, "socialform_requests_total");
    let plan = plan_json(&dir);
    // One snapshot: the catalog and one page.
    assert_eq!(
        metric(&server.addr, "socialform_requests_total") - before,
        2
    );
    assert_eq!(plan["summary"]["create"], 9, "{plan}");
    assert_eq!(plan["summary"]["update"], 3, "{plan}");
    let out = run_ok(&dir, &["plan", ".", "--out", "plan.json"], 0);
    assert_no_token(&out);
    let saved = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    assert!(!saved.contains(TOKEN));
    let out = run_ok(&dir, &["apply", "plan.json", "--parallelism", "4"], 0);
    assert!(text(&out.stderr).contains("Apply complete: 9 created, 3 updated"));
    let out = run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 0);
    assert!(
        text(&out.stdout).contains("No changes"),
        "{}",
        text(&out.stdout)
    );
    // A change, applied, then nothing again.
    edit(
        &dir,
        "satisfaction_survey = true",
        "satisfaction_survey = false",
    );
    run_ok(&dir, &["plan", ".", "--detailed-exitcode"], 2);
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    run_ok(&dir, &["drift", "."], 0);
    // The answers are what the OpenAPI document says.
    let (status, _, page) = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/resources?limit=5",
        Some(TOKEN),
        &[],
        None,
    );
    assert_eq!(status, 200);
    check_schema("Page", &page);
    assert_eq!(page["resources"].as_array().unwrap().len(), 5);
    assert!(page["next"].is_string());
    let (_, _, catalog) = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/catalog",
        Some(TOKEN),
        &[],
        None,
    );
    check_schema("CatalogAnswer", &catalog);
    let (status, head, live) = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/resources/messaging",
        Some(TOKEN),
        &[],
        None,
    );
    assert_eq!(status, 200);
    check_schema("LiveResource", &live);
    assert!(head.contains(&format!("etag: \"{}\"", live["version"])));
    assert_eq!(live["managed_by"], "socialform");
    assert!(live["applied_by"].as_str().unwrap().ends_with("/cycle"));
}

#[test]
fn tokens_are_required_and_scoped() {
    let (tmp, dir) = fixture();
    let server = Server::start(tmp.path(), "127.0.0.1:0", &[]);
    point_at(&dir, &server.url());
    // No token at all: the client says which variable to set, and sends nothing.
    let out = run(&dir, &["plan", "."], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("SOCIALFORM_TOKEN"));
    let out = run(&dir, &["plan", "."], Some("not-a-token"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("not-a-token"));
    let out = run(&dir, &["plan", "."], Some(OTHER_TOKEN));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("403"), "{}", text(&out.stderr));
    assert_no_token(&out);
    // On the wire: JSON errors with a code.
    let (status, head, body) = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/catalog",
        None,
        &[],
        None,
    );
    assert_eq!(status, 401);
    assert!(head.contains("www-authenticate: bearer"));
    check_schema("Error", &body);
    assert_eq!(body["code"], "unauthorized");
    let (status, _, body) = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/catalog",
        Some(OTHER_TOKEN),
        &[],
        None,
    );
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    // Writes: an idempotency key is required on a create, If-Match on an update, and
    // bodies are limited in size.
    let chat = json!({"resource": {"address": "profile.extra", "kind": "profile",
        "fields": {"channel": "live_chat", "start_flow": "welcome"}}});
    let path = "/v1/workspaces/cycle/resources";
    let (status, _, body) = request(&server.addr, "POST", path, Some(TOKEN), &[], Some(&chat));
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    let key = [("Idempotency-Key", "k-1")];
    let (status, head, created) =
        request(&server.addr, "POST", path, Some(TOKEN), &key, Some(&chat));
    assert_eq!(status, 201, "{created}");
    let (status, head2, again) =
        request(&server.addr, "POST", path, Some(TOKEN), &key, Some(&chat));
    assert_eq!(status, 201);
    assert_eq!(again, created);
    assert!(head2.contains("idempotent-replayed: true") && !head.contains("idempotent-replayed"));
    let (status, _, body) = request(
        &server.addr,
        "POST",
        path,
        Some(TOKEN),
        &[("Idempotency-Key", "k-2")],
        Some(&chat),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_exists"))
    );
    let one = "/v1/workspaces/cycle/resources/profile.extra";
    let (status, _, body) = request(&server.addr, "PUT", one, Some(TOKEN), &[], Some(&chat));
    assert_eq!(
        (status, body["code"].as_str()),
        (428, Some("precondition_required"))
    );
    let (status, _, body) = request(
        &server.addr,
        "PUT",
        one,
        Some(TOKEN),
        &[("If-Match", "\"1\"")],
        Some(&chat),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (412, Some("version_mismatch"))
    );
    assert_eq!(body["current_version"], created["version"]);
    let bad_flow = json!({"resource": {"address": "profile.extra", "kind": "profile",
        "fields": {"channel": "live_chat", "start_flow": "nope"}}});
    let etag = format!("\"{}\"", created["version"]);
    let (status, _, body) = request(
        &server.addr,
        "PUT",
        one,
        Some(TOKEN),
        &[("If-Match", &etag)],
        Some(&bad_flow),
    );
    assert_eq!(
        (status, body["reason"].as_str()),
        (422, Some("unknown_flow"))
    );
    let huge = json!({"resource": {"address": "profile.extra", "kind": "profile",
        "fields": {"channel": "live_chat", "bio": "x".repeat(2 << 20)}}});
    let (status, _, body) = request(
        &server.addr,
        "POST",
        path,
        Some(TOKEN),
        &[("Idempotency-Key", "k-3")],
        Some(&huge),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
}

#[test]
fn a_concurrent_change_is_a_conflict_and_the_next_plan_shows_it() {
    let (tmp, dir) = fixture();
    let server = Server::start(tmp.path(), "127.0.0.1:0", &["--latency", "150ms"]);
    point_at(&dir, &server.url());
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    // Four changes, applied one at a time: the proactive message is the last.
    edit(&dir, "Ask us anything", "Ask us anything at all");
    edit(&dir, "vip = true", "vip = false");
    edit(
        &dir,
        "satisfaction_survey = true",
        "satisfaction_survey = false",
    );
    edit(&dir, "Need a hand with your order?", "Need a hand?");
    let mut child = Command::new(bin())
        .args(["apply", ".", "--auto-approve", "--parallelism", "1"])
        .current_dir(&dir)
        .env("SOCIALFORM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let start = Instant::now();
    // Once the first change is applied, someone edits the proactive message in the UI.
    while start.elapsed() < LIMIT {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        let first = line.contains("profile.acme_fb: updated");
        lines.push(line);
        if first {
            let one = "/v1/workspaces/cycle/resources/proactive_message.checkout_help";
            let (_, _, mut live) = request(&server.addr, "GET", one, Some(TOKEN), &[], None);
            live["resource"]["fields"]["message"] = json!("Edited in the UI");
            let body = json!({"resource": live["resource"], "applied_hash": live["applied_hash"],
                "applied_by": live["applied_by"]});
            let etag = format!("\"{}\"", live["version"]);
            let (status, _, _) = request(
                &server.addr,
                "PUT",
                one,
                Some(TOKEN),
                &[("If-Match", &etag)],
                Some(&body),
            );
            assert_eq!(status, 200);
            break;
        }
    }
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        lines.push(line);
    }
    let status = child.wait().unwrap();
    let log = lines.join("\n");
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("proactive_message.checkout_help") && log.contains("changed on the platform"),
        "{log}"
    );
    assert!(log.contains("3 of 4 changes applied"), "{log}");
    let plan = plan_json(&dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan}");
    assert_eq!(changes[0]["address"], "proactive_message.checkout_help");
    assert_eq!(changes[0]["drift"], true);
}

/// A configuration of `n` live chat profiles in workspace `bulk`.
fn bulk(dir: &Path, url: &str, n: usize) {
    let mut s =
        format!("[workspace]\nname = \"bulk\"\n\n[backend]\nkind = \"http\"\nurl = \"{url}\"\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "[profiles.chat{i:04}]\nchannel = \"live_chat\"\nstart_flow = \"welcome\"\n\n"
        ));
    }
    std::fs::write(dir.join("socialform.toml"), s).unwrap();
}

#[test]
fn retries_converge_and_never_create_twice() {
    let (tmp, dir) = fixture();
    let server = Server::start(
        tmp.path(),
        "127.0.0.1:0",
        &["--fail-rate", "503=10%", "--fail-rate", "429=5%"],
    );
    bulk(&dir, &server.url(), 80);
    let out = run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    assert!(
        text(&out.stderr).contains("Apply complete: 80 created"),
        "{}",
        text(&out.stderr)
    );
    // Injected 503s come after the write was committed: the retries were answered from
    // the idempotency record, not by creating again (which would be a 409 and fail).
    assert!(metric(&server.addr, "socialform_idempotent_replays_total") > 0);
    assert!(
        metric(
            &server.addr,
            "socialform_requests{route=\"write\",status=\"409\""
        ) == 0
    );
    let plan = plan_json(&dir);
    assert_eq!(plan["changes"], json!([]), "{plan}");
}

#[test]
fn a_killed_server_loses_no_acknowledged_write() {
    let (tmp, dir) = fixture();
    let server = Server::start(tmp.path(), "127.0.0.1:0", &["--latency", "20ms"]);
    bulk(&dir, &server.url(), 200);
    let mut child = Command::new(bin())
        .args(["apply", ".", "--auto-approve", "--parallelism", "4"])
        .current_dir(&dir)
        .env("SOCIALFORM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let start = Instant::now();
    while start.elapsed() < LIMIT
        && lines
            .iter()
            .filter(|l: &&String| l.ends_with(": created"))
            .count()
            < 30
    {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => lines.push(l),
            Err(_) => break,
        }
    }
    let at_kill = lines.iter().filter(|l| l.ends_with(": created")).count();
    let server = server.kill_and_restart();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        lines.push(line);
    }
    let _ = child.wait();
    let acknowledged: Vec<String> = lines
        .iter()
        .filter_map(|l| l.trim().strip_suffix(": created").map(str::to_string))
        .collect();
    assert!(
        (30..200).contains(&at_kill),
        "killed at {at_kill}: {lines:?}"
    );
    assert!(acknowledged.len() >= at_kill, "{lines:?}");
    let plan = plan_json(&dir);
    let remaining: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    for a in &acknowledged {
        assert!(
            !remaining.contains(&a.as_str()),
            "{a} was acknowledged, then lost"
        );
    }
    assert!(remaining.len() + acknowledged.len() <= 200, "{lines:?}");
    run_ok(&dir, &["apply", ".", "--auto-approve"], 0);
    assert_eq!(plan_json(&dir)["changes"], json!([]));
    drop(server);
}
