//! `socialform serve` against untrusted clients: the real binary on 127.0.0.1 (an
//! ephemeral port, a SQLite file in a temporary directory), spoken to over raw TCP so the
//! tests control every byte. Slow and stalled clients, SIGTERM with a stalled connection,
//! the token checked before the body, failed authentications limited, a JSON error with a
//! documented status everywhere, owner-only database files, `/metrics` protection, and
//! command-line numbers refused. Every wait is bounded; servers are killed on drop.

mod common;

use common::bin;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TOKEN: &str = "tok-server-51c7e2";
const OTHER_TOKEN: &str = "tok-server-other-0d93";

/// A running `socialform serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cycle/basic");
        std::fs::copy(src.join("catalog.toml"), dir.path().join("catalog.toml")).unwrap();
        let mut child = Command::new(bin())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path().join("platform.sqlite"))
            .arg("--workspace")
            .arg(format!(
                "cycle={}",
                dir.path().join("catalog.toml").display()
            ))
            .arg("--workspace")
            .arg(format!(
                "other={}",
                dir.path().join("catalog.toml").display()
            ))
            .args(extra)
            .env(
                "SOCIALFORM_SERVE_TOKENS",
                format!("cycle={TOKEN}\nother={OTHER_TOKEN}"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let (etx, erx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = etx.send(line);
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let err: Vec<String> = erx.try_iter().collect();
                panic!("the server did not say where it listens: {err:?}");
            }
        };
        let addr = line
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line `{line}`"))
            .to_string();
        Server {
            child,
            addr,
            dir,
            stderr: erx,
        }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("platform.sqlite")
    }

    /// Sends SIGTERM and waits for the exit, at most `limit`.
    fn terminate(&mut self, limit: Duration) -> (Option<i32>, Duration) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return (s.code(), start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the server was still running {limit:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One parsed answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// header lines, names lower-cased
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} {}",
                self.headers,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Reads one answer (the connection is `Connection: close`, or the body has a length).
fn read_answer(s: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf).expect("an answer");
        assert!(
            n > 0,
            "closed before an answer: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[head_end + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while body.len() < length {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// One request on a fresh connection.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    read_answer(&mut s)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Whether the peer closed the connection within `limit` (reads return 0 or fail).
fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 1024];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

fn openapi() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap()
}

/// The OpenAPI operation a concrete path and method fall under.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .iter()
        .find_map(|(template, item)| {
            let t: Vec<&str> = template.split('/').collect();
            let matches = t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()));
            if matches {
                item.get(method.to_ascii_lowercase())
            } else {
                None
            }
        })
}

/// Checks that `answer` is a JSON `Error` with `code`, and that its status is documented
/// for the operation (when the path has one).
fn assert_error(doc: &Value, method: &str, path: &str, answer: &Answer, status: u16, code: &str) {
    assert_eq!(
        answer.status,
        status,
        "{method} {path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(
        answer
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{method} {path}: {:?}",
        answer.headers
    );
    let body = answer.json();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/components/schemas/Error",
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{method} {path}: {errors:?} {body}");
    assert_eq!(body["code"], code, "{method} {path}: {body}");
    if let Some(op) = operation(doc, method, path) {
        assert!(
            op["responses"].get(status.to_string()).is_some(),
            "{method} {path}: status {status} is not documented"
        );
    }
}

#[test]
fn a_slow_client_is_cut_off() {
    let server = Server::start(&[
        "--header-timeout",
        "1s",
        "--body-timeout",
        "1s",
        "--idle-timeout",
        "2s",
    ]);
    // Slowloris: one header byte every 200 ms would take 40 s; cut after about 1 s.
    let mut s = server.connect();
    let req = format!(
        "GET /v1/workspaces/cycle/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Slow: {}\r\n\r\n",
        bearer(TOKEN),
        "a".repeat(120)
    );
    let start = Instant::now();
    let mut cut = None;
    for b in req.bytes() {
        if s.write_all(&[b]).is_err() {
            cut = Some(start.elapsed());
            break;
        }
        let mut probe = [0u8; 64];
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        if let Ok(0) = s.read(&mut probe) {
            cut = Some(start.elapsed());
            break;
        }
    }
    let cut = cut.expect("the slow client was never cut off");
    assert!(cut < Duration::from_secs(10), "cut after {cut:?}");

    // A body that never finishes: 408 with a JSON error, then the connection closes.
    let mut s = server.connect();
    write!(
        s,
        "PUT /v1/workspaces/cycle/resources/messaging HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nIf-Match: *\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"res",
        bearer(TOKEN)
    )
    .unwrap();
    let answer = read_answer(&mut s);
    assert_error(
        &openapi(),
        "PUT",
        "/v1/workspaces/cycle/resources/messaging",
        &answer,
        408,
        "request_timeout",
    );
    assert!(closed_within(&mut s, Duration::from_secs(10)).is_some());

    // Kept alive after an answer, then idle: closed after about 2 s. The idle time starts
    // when the server sends its answer, which is after the connection was made: measured from
    // there, so that a test thread scheduled late on a loaded machine (reading the answer
    // long after it came) cannot see the close come early.
    let sent = Instant::now();
    let mut s = server.connect();
    write!(s, "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_answer(&mut s).status, 200);
    let answered = sent.elapsed();
    let idle = closed_within(&mut s, Duration::from_secs(15)).expect("an idle connection stays");
    let since_sent = answered + idle;
    assert!(
        since_sent >= Duration::from_millis(1900),
        "closed {since_sent:?} after connecting"
    );

    // Connected, never a byte: closed too.
    let mut s = server.connect();
    assert!(closed_within(&mut s, Duration::from_secs(15)).is_some());

    // The server still answers.
    let answer = request(
        &server.addr,
        "GET",
        "/v1/workspaces/cycle/catalog",
        &[("Authorization", &bearer(TOKEN))],
        None,
    );
    assert_eq!(answer.status, 200);
}

#[test]
fn sigterm_ends_the_server_within_its_grace_whatever_the_clients_do() {
    let mut server = Server::start(&[
        "--shutdown-grace",
        "1s",
        "--body-timeout",
        "60s",
        "--header-timeout",
        "60s",
        "--idle-timeout",
        "60s",
    ]);
    // A request whose body stalls (its handler waits), and a half-sent request.
    let mut stalled = server.connect();
    write!(
        stalled,
        "POST /v1/workspaces/cycle/resources HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nIdempotency-Key: k\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{",
        bearer(TOKEN)
    )
    .unwrap();
    let mut half = server.connect();
    write!(half, "GET /v1/workspaces/cycle/cat").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // The documented bound: the grace period plus 1 s.
    let (code, took) = server.terminate(Duration::from_secs(15));
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(6), "took {took:?}");
    // Both outlived the grace period and were dropped.
    let log: Vec<String> = server.stderr.try_iter().collect();
    assert!(
        log.iter().any(|l| l.contains("dropped 2 connection(s)")),
        "{log:?}"
    );
    for s in [&mut stalled, &mut half] {
        assert!(closed_within(s, Duration::from_secs(1)).is_some());
    }
}

#[test]
fn the_token_is_checked_before_the_body_is_read() {
    let server = Server::start(&["--max-body", "2048"]);
    let doc = openapi();
    let path = "/v1/workspaces/cycle/resources";
    for (token, status, code) in [
        (Some("wrong"), 401, "unauthorized"),
        (None, 401, "unauthorized"),
        (Some(OTHER_TOKEN), 403, "forbidden"),
        // A good token with a body announced larger than --max-body: refused on the
        // headers too.
        (Some(TOKEN), 413, "payload_too_large"),
    ] {
        let mut s = server.connect();
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            1u64 << 30
        );
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        // A few bytes of the gigabyte, then wait for the answer: it comes without the
        // rest being sent.
        s.write_all(&[b'x'; 1024]).unwrap();
        let start = Instant::now();
        let answer = read_answer(&mut s);
        assert!(start.elapsed() < Duration::from_secs(10));
        assert_error(&doc, "POST", path, &answer, status, code);
    }
    // The same with a chunked body larger than --max-body: cut while reading.
    let mut s = server.connect();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k\r\nContent-Type: application/json\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        bearer(TOKEN)
    )
    .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1500, "y".repeat(1500));
    for _ in 0..2 {
        if s.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let answer = read_answer(&mut s);
    assert_error(&doc, "POST", path, &answer, 413, "payload_too_large");
}

#[test]
fn failed_authentications_are_rate_limited_per_address() {
    let server = Server::start(&["--auth-failures", "3"]);
    let doc = openapi();
    let path = "/v1/workspaces/cycle/catalog";
    for _ in 0..3 {
        let a = request(
            &server.addr,
            "GET",
            path,
            &[("Authorization", "Bearer guess")],
            None,
        );
        assert_error(&doc, "GET", path, &a, 401, "unauthorized");
    }
    let a = request(
        &server.addr,
        "GET",
        path,
        &[("Authorization", "Bearer guess")],
        None,
    );
    assert_error(&doc, "GET", path, &a, 429, "too_many_auth_failures");
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // While blocked, a right guess is not told apart from a wrong one.
    let a = request(
        &server.addr,
        "GET",
        path,
        &[("Authorization", &bearer(TOKEN))],
        None,
    );
    assert_error(&doc, "GET", path, &a, 429, "too_many_auth_failures");
    // Without the limit, 401 forever.
    let open = Server::start(&["--auth-failures", "0"]);
    for _ in 0..12 {
        let a = request(
            &open.addr,
            "GET",
            path,
            &[("Authorization", "Bearer guess")],
            None,
        );
        assert_eq!(a.status, 401);
    }
    let a = request(
        &open.addr,
        "GET",
        path,
        &[("Authorization", &bearer(TOKEN))],
        None,
    );
    assert_eq!(a.status, 200);
}

#[test]
fn every_error_is_json_with_a_documented_status() {
    let server = Server::start(&["--max-body", "2048"]);
    let doc = openapi();
    let auth = bearer(TOKEN);
    let a = auth.as_str();
    let other = bearer(OTHER_TOKEN);
    let json_ct = ("Content-Type", "application/json");
    let write = r#"{"resource":{"address":"profile.extra","kind":"profile","fields":{"channel":"live_chat","start_flow":"welcome"}}}"#;
    let big = format!(
        r#"{{"resource":{{"address":"profile.extra","kind":"profile","fields":{{"bio":"{}"}}}}}}"#,
        "x".repeat(4096)
    );
    let res = "/v1/workspaces/cycle/resources";
    let one = "/v1/workspaces/cycle/resources/profile.extra";
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        Option<&'a str>,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        ("GET", "/nope", vec![], None, 404, "not_found"),
        (
            "GET",
            "/v1/workspaces/cycle",
            vec![("Authorization", a)],
            None,
            404,
            "not_found",
        ),
        (
            "PATCH",
            "/v1/workspaces/cycle/catalog",
            vec![],
            None,
            405,
            "method_not_allowed",
        ),
        (
            "DELETE",
            res,
            vec![("Authorization", a)],
            None,
            405,
            "method_not_allowed",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/catalog",
            vec![],
            None,
            401,
            "unauthorized",
        ),
        (
            "GET",
            "/v1/workspaces/other/catalog",
            vec![("Authorization", a)],
            None,
            403,
            "forbidden",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources?limit=0",
            vec![("Authorization", a)],
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources?limit=1001",
            vec![("Authorization", a)],
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources?limit=-3",
            vec![("Authorization", a)],
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources?limit=x",
            vec![("Authorization", a)],
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources/%FF%FE",
            vec![("Authorization", a)],
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/workspaces/cycle/resources/nothing.here",
            vec![("Authorization", a)],
            None,
            404,
            "not_found",
        ),
        (
            "POST",
            res,
            vec![("Authorization", a), ("Idempotency-Key", "k1")],
            Some(write),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            res,
            vec![
                ("Authorization", a),
                ("Idempotency-Key", "k1"),
                ("Content-Type", "text/plain"),
            ],
            Some(write),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            res,
            vec![("Authorization", a), json_ct],
            Some(write),
            400,
            "idempotency_key_required",
        ),
        (
            "POST",
            res,
            vec![("Authorization", a), ("Idempotency-Key", "k1"), json_ct],
            Some("{not json"),
            400,
            "bad_request",
        ),
        (
            "POST",
            res,
            vec![("Authorization", a), ("Idempotency-Key", "k1"), json_ct],
            Some(r#"{"resource":{"address":"","kind":"profile","fields":{}}}"#),
            400,
            "bad_request",
        ),
        (
            "POST",
            res,
            vec![("Authorization", a), ("Idempotency-Key", "k1"), json_ct],
            Some(&big),
            413,
            "payload_too_large",
        ),
        (
            "PUT",
            one,
            vec![("Authorization", a), json_ct],
            Some(write),
            428,
            "precondition_required",
        ),
        // An empty If-Match is no condition: treated as absent.
        (
            "PUT",
            one,
            vec![("Authorization", a), ("If-Match", ""), json_ct],
            Some(write),
            428,
            "precondition_required",
        ),
        (
            "PUT",
            one,
            vec![("Authorization", a), ("If-Match", "\"x\""), json_ct],
            Some(write),
            400,
            "bad_request",
        ),
        (
            "PUT",
            "/v1/workspaces/cycle/resources/profile.other",
            vec![("Authorization", a), ("If-Match", "*"), json_ct],
            Some(write),
            400,
            "key_mismatch",
        ),
        (
            "PUT",
            one,
            vec![("Authorization", a), ("If-Match", "*"), json_ct],
            Some(write),
            404,
            "not_found",
        ),
        (
            "PUT",
            one,
            vec![("Authorization", a), ("If-Match", "*")],
            Some(write),
            415,
            "unsupported_media_type",
        ),
        (
            "DELETE",
            one,
            vec![("Authorization", a)],
            None,
            428,
            "precondition_required",
        ),
        (
            "DELETE",
            one,
            vec![("Authorization", a), ("If-Match", "")],
            None,
            428,
            "precondition_required",
        ),
        (
            "DELETE",
            one,
            vec![("Authorization", a), ("If-Match", "nope")],
            None,
            400,
            "bad_request",
        ),
        (
            "DELETE",
            one,
            vec![("Authorization", a), ("If-Match", "*")],
            None,
            404,
            "not_found",
        ),
        (
            "GET",
            "/v1/workspaces/nowhere/catalog",
            vec![("Authorization", &other)],
            None,
            403,
            "forbidden",
        ),
        (
            "GET",
            "/metrics",
            vec![("Authorization", a)],
            None,
            404,
            "not_found",
        ),
    ];
    for (method, path, headers, body, status, code) in &cases {
        let answer = request(&server.addr, method, path, headers, *body);
        assert_error(&doc, method, path, &answer, *status, code);
        if *status == 405 {
            assert!(answer.header("allow").is_some(), "{method} {path}");
        }
    }
    // A write that works, then the conflicts, with their documented statuses.
    let created = request(
        &server.addr,
        "POST",
        res,
        &[("Authorization", a), ("Idempotency-Key", "k2"), json_ct],
        Some(write),
    );
    assert_eq!(created.status, 201);
    let again = request(
        &server.addr,
        "POST",
        res,
        &[("Authorization", a), ("Idempotency-Key", "k3"), json_ct],
        Some(write),
    );
    assert_error(&doc, "POST", res, &again, 409, "already_exists");
    let reused = request(
        &server.addr,
        "POST",
        res,
        &[("Authorization", a), ("Idempotency-Key", "k2"), json_ct],
        Some(&write.replace("welcome", "other")),
    );
    assert_error(&doc, "POST", res, &reused, 422, "idempotency_key_reused");
    let stale = request(
        &server.addr,
        "DELETE",
        one,
        &[("Authorization", a), ("If-Match", "\"1\"")],
        None,
    );
    assert_error(&doc, "DELETE", one, &stale, 412, "version_mismatch");
}

#[cfg(unix)]
#[test]
fn the_database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start(&[]);
    let write = r#"{"resource":{"address":"profile.extra","kind":"profile","fields":{"channel":"live_chat","start_flow":"welcome"}}}"#;
    let created = request(
        &server.addr,
        "POST",
        "/v1/workspaces/cycle/resources",
        &[
            ("Authorization", &bearer(TOKEN)),
            ("Idempotency-Key", "k"),
            ("Content-Type", "application/json"),
        ],
        Some(write),
    );
    assert_eq!(created.status, 201);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = server.data().into_os_string();
        name.push(suffix);
        let mode = std::fs::metadata(&name).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name:?}");
    }
}

#[test]
fn metrics_are_off_by_default_and_need_a_token() {
    let off = Server::start(&[]);
    let a = request(
        &off.addr,
        "GET",
        "/metrics",
        &[("Authorization", &bearer(TOKEN))],
        None,
    );
    assert_eq!(a.status, 404);
    let on = Server::start(&["--metrics"]);
    let doc = openapi();
    let a = request(&on.addr, "GET", "/metrics", &[], None);
    assert_error(&doc, "GET", "/metrics", &a, 401, "unauthorized");
    let a = request(
        &on.addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_error(&doc, "GET", "/metrics", &a, 401, "unauthorized");
    // Any valid token, whatever its workspaces.
    for token in [TOKEN, OTHER_TOKEN] {
        let a = request(
            &on.addr,
            "GET",
            "/metrics",
            &[("Authorization", &bearer(token))],
            None,
        );
        assert_eq!(a.status, 200);
        assert!(String::from_utf8_lossy(&a.body).contains("socialform_requests_total"));
    }
}

#[test]
fn idempotency_keys_are_purged_while_the_server_runs() {
    let server = Server::start(&["--idempotency-ttl", "1s"]);
    let write = r#"{"resource":{"address":"profile.extra","kind":"profile","fields":{"channel":"live_chat","start_flow":"welcome"}}}"#;
    let created = request(
        &server.addr,
        "POST",
        "/v1/workspaces/cycle/resources",
        &[
            ("Authorization", &bearer(TOKEN)),
            ("Idempotency-Key", "k"),
            ("Content-Type", "application/json"),
        ],
        Some(write),
    );
    assert_eq!(created.status, 201);
    let db = rusqlite::Connection::open_with_flags(
        server.data(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let count = || -> i64 {
        db.query_row("SELECT COUNT(*) FROM idempotency", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 1);
    let start = Instant::now();
    while count() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the record was never purged"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let log: Vec<String> = server.stderr.try_iter().collect();
    assert!(
        log.iter()
            .any(|l| l.contains("forgot 1 expired idempotency key")),
        "{log:?}"
    );
}

#[test]
fn numbers_on_the_command_line_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cycle/basic");
    std::fs::copy(src.join("catalog.toml"), dir.path().join("catalog.toml")).unwrap();
    let bad: &[&[&str]] = &[
        &["--rate-limit", "1e-20"],
        &["--rate-limit", "NaN"],
        &["--rate-limit", "inf"],
        &["--rate-limit", "-1"],
        &["--rate-limit", "1e300"],
        &["--burst", "0"],
        &["--burst", "NaN"],
        &["--burst", "1e30"],
        &["--latency", "1e30s"],
        &["--latency", "99999999999999999999s"],
        &["--latency", "61s"],
        &["--latency", "-5ms"],
        &["--latency", "NaNms"],
        &["--fail-rate", "503=NaN"],
        &["--fail-rate", "503=-1%"],
        &["--fail-rate", "503=inf"],
        &["--max-body", "0"],
        &["--max-body", "-1"],
        &["--max-body", "99999999999999999999999"],
        &["--header-timeout", "0s"],
        &["--body-timeout", "2h"],
        &["--idle-timeout", "0.00001s"],
        &["--shutdown-grace", "0ms"],
        &["--idempotency-ttl", "0s"],
        &["--idempotency-ttl", "99d"],
        &["--max-connections", "0"],
        &["--auth-failures", "-1"],
        &["--auth-failures", "99999999999"],
    ];
    for args in bad {
        let mut child = Command::new(bin())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path().join("p.sqlite"))
            .arg("--workspace")
            .arg(format!(
                "cycle={}",
                dir.path().join("catalog.toml").display()
            ))
            .args(*args)
            .env("SOCIALFORM_SERVE_TOKENS", format!("cycle={TOKEN}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("{args:?}: the server started");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        // The option is named, or clap says which argument it could not take.
        assert!(
            err.contains(args[0]) || err.contains("unexpected argument '-"),
            "{args:?}: {err}"
        );
        assert!(!out.contains("listening"), "{args:?}: {out}");
    }
}

#[test]
fn rate_limits_and_injected_failures_are_documented_json() {
    let doc = openapi();
    let path = "/v1/workspaces/cycle/resources";
    let server = Server::start(&["--rate-limit", "0.01", "--burst", "1"]);
    let auth = [("Authorization", bearer(TOKEN))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(request(&server.addr, "GET", path, &auth, None).status, 200);
    let a = request(&server.addr, "GET", path, &auth, None);
    assert_error(&doc, "GET", path, &a, 429, "rate_limited");
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    // One request per 100 s: the wait is about that, never more than an hour.
    assert!((1..=3600).contains(&wait), "{wait}");
    let failing = Server::start(&["--fail-rate", "503=100%"]);
    for (method, path) in [
        ("GET", "/v1/workspaces/cycle/catalog"),
        ("GET", path),
        ("GET", "/v1/workspaces/cycle/resources/messaging"),
    ] {
        let a = request(&failing.addr, method, path, &auth, None);
        assert_error(&doc, method, path, &a, 503, "injected");
        assert!(a.header("retry-after").is_some());
    }
}
