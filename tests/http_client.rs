//! The `http` backend against a hostile or broken server: a small HTTP server written
//! here (std `TcpListener` on 127.0.0.1, canned bytes, one answer per connection) that
//! repeats a page cursor, sends pages larger than asked, endless or oversized bodies,
//! bad `Retry-After` values and control characters in its errors. The real
//! `socialform plan` binary runs against it under a time limit and an address-space
//! limit (`ulimit -v` through `sh`), and must end with exit 1 and a clear message, never
//! a panic, a hang or unbounded memory.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::text;
use serde_json::{Value, json};

const TOKEN: &str = "tok-client-8a1f03";
/// The address-space limit of the client, in KiB (1.5 GiB: the binary's threads and
/// allocator arenas reserve a few hundred MiB of address space; a client that kept
/// everything a hostile server sends would pass it within seconds).
const MEMORY_KIB: u64 = 1536 * 1024;
const LIMIT: Duration = Duration::from_secs(120);

/// What the hostile server answers to one request.
enum Reply {
    /// these bytes, then close
    Bytes(Vec<u8>),
    /// this head, then this chunk again and again until the client goes away
    Endless(Vec<u8>, Vec<u8>),
}

fn json_reply(status: u16, headers: &[(&str, &str)], body: &Value) -> Reply {
    let body = body.to_string();
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Reply::Bytes(bytes)
}

/// A hostile server: `answer(request line, n)` for the n-th request (from 0).
struct Hostile {
    addr: String,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    fn start(answer: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (requests.clone(), stop.clone());
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let n = r.fetch_add(1, Ordering::Relaxed);
                let answer = answer.clone();
                let s = s.clone();
                std::thread::spawn(move || serve(conn, n, &*answer, &s));
            }
        });
        Hostile {
            addr,
            requests,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

fn serve(mut conn: TcpStream, n: usize, answer: &dyn Fn(&str, usize) -> Reply, stop: &AtomicBool) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(k) => head.extend_from_slice(&buf[..k]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or("").to_string();
    match answer(&line, n) {
        Reply::Bytes(b) => {
            let _ = conn.write_all(&b);
        }
        Reply::Endless(head, chunk) => {
            if conn.write_all(&head).is_err() {
                return;
            }
            let start = Instant::now();
            // Bounded all the same: the test never streams for more than a minute.
            while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(60) {
                if conn.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
    }
    let _ = conn.flush();
}

/// The fixture's catalog, as the API sends it.
fn catalog_answer() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cycle/basic/catalog.toml"),
    )
    .unwrap();
    let catalog: toml::Value = toml::from_str(&text).unwrap();
    json!({"workspace": "cycle", "catalog": catalog})
}

fn live_chat(i: usize, pad: usize) -> Value {
    json!({
        "resource": {
            "address": format!("profile.live{i:07}"),
            "kind": "profile",
            "fields": {"channel": "live_chat", "start_flow": "welcome", "greeting": "x".repeat(pad)},
        },
        "version": 1,
    })
}

/// The `after=` cursor of a page request line.
fn cursor(line: &str) -> Option<String> {
    let query = line.split_whitespace().nth(1)?.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("after="))
        .map(str::to_string)
}

/// A configuration directory using the http backend at `url`.
fn config(url: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cycle/basic");
    let s = std::fs::read_to_string(src.join("socialform.toml")).unwrap();
    let s = s.replacen(
        "[workspace]\nname = \"cycle\"\n",
        &format!("[workspace]\nname = \"cycle\"\n\n[backend]\nkind = \"http\"\nurl = \"{url}\"\n"),
        1,
    );
    std::fs::write(dir.join("socialform.toml"), s).unwrap();
    (tmp, dir)
}

/// `socialform plan` against `url`, under the memory and time limits (a run beyond them
/// fails the test).
fn plan(url: &str) -> Output {
    let (_tmp, dir) = config(url);
    common::socialform(&dir, &["plan", "."])
        .memory_kib(MEMORY_KIB)
        .env("SOCIALFORM_TOKEN", TOKEN)
        .timeout(LIMIT)
        .output()
}

/// Exit 1 with `message` on stderr, no panic, no token, no raw control character.
fn assert_refused(out: &Output, message: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{err}");
    assert!(err.contains(message), "expected `{message}` in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains(TOKEN) && !text(&out.stdout).contains(TOKEN));
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "a raw control character reached the terminal: {err:?}"
    );
}

#[test]
fn a_repeated_cursor_is_an_error() {
    let server = Hostile::start(|line, _| {
        if line.contains("/catalog") {
            json_reply(200, &[], &catalog_answer())
        } else {
            // Always the same page, always the same cursor: a loop.
            let n: usize = cursor(line).map(|_| 1).unwrap_or(0);
            json_reply(
                200,
                &[],
                &json!({"revision": 1, "resources": [live_chat(n, 10)], "next": "again"}),
            )
        }
    });
    let out = plan(&server.url());
    assert_refused(
        &out,
        "the server misbehaved: it sent the page cursor `again` twice",
    );
    assert!(server.requests() <= 4, "{}", server.requests());
}

#[test]
fn a_snapshot_that_never_ends_is_bounded_in_bytes() {
    // Fresh cursors forever, each page ~15 MiB (under the 16 MiB answer limit): the
    // snapshot limit (128 MiB) ends it, within the memory limit.
    let server = Hostile::start(|line, _| {
        if line.contains("/catalog") {
            return json_reply(200, &[], &catalog_answer());
        }
        let page: usize = cursor(line).and_then(|c| c.parse().ok()).unwrap_or(0);
        let resources: Vec<Value> = (0..1000)
            .map(|i| live_chat(page * 1000 + i, 15_000))
            .collect();
        json_reply(
            200,
            &[],
            &json!({"revision": 1, "resources": resources, "next": (page + 1).to_string()}),
        )
    });
    let out = plan(&server.url());
    assert_refused(
        &out,
        "the server misbehaved: the snapshot is larger than 134217728 bytes",
    );
    assert!(server.requests() <= 12, "{}", server.requests());
}

#[test]
fn a_snapshot_that_never_ends_is_bounded_in_pages() {
    // Small pages with fresh cursors forever: the page limit ends it.
    let server = Hostile::start(|line, _| {
        if line.contains("/catalog") {
            return json_reply(200, &[], &catalog_answer());
        }
        let page: usize = cursor(line).and_then(|c| c.parse().ok()).unwrap_or(0);
        json_reply(
            200,
            &[],
            &json!({"revision": 1, "resources": [], "next": (page + 1).to_string()}),
        )
    });
    let out = plan(&server.url());
    assert_refused(
        &out,
        "the server misbehaved: the snapshot did not end within 10000 pages",
    );
}

#[test]
fn pages_larger_than_asked_and_duplicates_are_errors() {
    let server = Hostile::start(|line, _| {
        if line.contains("/catalog") {
            return json_reply(200, &[], &catalog_answer());
        }
        let resources: Vec<Value> = (0..1001).map(|i| live_chat(i, 1)).collect();
        json_reply(200, &[], &json!({"revision": 1, "resources": resources}))
    });
    assert_refused(
        &plan(&server.url()),
        "it sent a page of 1001 resources when at most 1000 were asked for",
    );
    let server = Hostile::start(|line, _| {
        if line.contains("/catalog") {
            return json_reply(200, &[], &catalog_answer());
        }
        json_reply(
            200,
            &[],
            &json!({"revision": 1, "resources": [live_chat(1, 1), live_chat(1, 1)]}),
        )
    });
    assert_refused(
        &plan(&server.url()),
        "it sent resource `profile.live0000001` twice",
    );
}

#[test]
fn oversized_and_endless_answers_are_cut() {
    // A Content-Length of 4 GiB: refused before anything is read.
    let server = Hostile::start(|_, _| {
        Reply::Endless(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4294967296\r\n\r\n[".to_vec(),
            vec![b' '; 65536],
        )
    });
    assert_refused(
        &plan(&server.url()),
        "is larger than 16777216 bytes, the most socialform reads",
    );
    // No length, a body that never ends: cut at the limit.
    let server = Hostile::start(|_, _| {
        Reply::Endless(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n["
                .to_vec(),
            vec![b' '; 65536],
        )
    });
    assert_refused(
        &plan(&server.url()),
        "is larger than 16777216 bytes, the most socialform reads",
    );
    // An error answer that never ends: cut at the error limit.
    let server = Hostile::start(|_, _| {
        Reply::Endless(
            b"HTTP/1.1 400 Bad\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
            format!("{:x}\r\n{}\r\n", 4096, "z".repeat(4096)).into_bytes(),
        )
    });
    assert_refused(&plan(&server.url()), "is larger than 65536 bytes");
}

#[test]
fn bad_retry_after_values_never_panic_and_waits_are_bounded() {
    let bad = [
        "-1",
        "1e30",
        "NaN",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "garbage!",
        "18446744073709551616",
    ];
    let server = Hostile::start(move |line, n| {
        if n < bad.len() {
            // The last one is capped at the client's longest wait (10 s).
            return json_reply(
                429,
                &[("Retry-After", bad[n])],
                &json!({"code": "rate_limited", "message": "slow down"}),
            );
        }
        if line.contains("/catalog") {
            json_reply(200, &[], &catalog_answer())
        } else {
            json_reply(200, &[], &json!({"revision": 1, "resources": []}))
        }
    });
    let start = Instant::now();
    let out = plan(&server.url());
    let took = start.elapsed();
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.matches("retry: GET /v1/workspaces/cycle/catalog: answered 429")
            .count(),
        bad.len(),
        "{err}"
    );
    // The plan ran on what the server finally sent.
    assert!(
        text(&out.stdout).contains("Plan for workspace `cycle`"),
        "{err}"
    );
    // Five short backoffs and one wait capped at 10 s.
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn control_characters_from_the_server_are_escaped() {
    let server = Hostile::start(|_, _| {
        json_reply(
            400,
            &[],
            &json!({
                "code": "bad\u{1b}[2J",
                "message": "evil \u{1b}]0;owned\u{7} text\r\nfake line \u{9b}31m \u{202e}reversed",
            }),
        )
    });
    let out = plan(&server.url());
    assert_refused(
        &out,
        "the platform answered 400 bad\\u{1b}[2J: evil \\u{1b}]0;owned\\u{7} text\\u{d}\\u{a}fake line \\u{9b}31m \\u{202e}reversed",
    );
    // A body that is not JSON at all, with control characters: escaped too.
    let server = Hostile::start(|_, _| {
        Reply::Bytes(
            b"HTTP/1.1 404 Nope\r\nContent-Length: 10\r\nConnection: close\r\n\r\n\x1b[31mred\x07\x08"
                .to_vec(),
        )
    });
    let out = plan(&server.url());
    assert_refused(&out, "\\u{1b}[31mred\\u{7}\\u{8}");
}

#[test]
fn a_redirect_is_not_followed() {
    let target = Hostile::start(|_, _| json_reply(200, &[], &catalog_answer()));
    let location = format!("{}/v1/workspaces/cycle/catalog", target.url());
    let server = Hostile::start(move |_, _| {
        Reply::Bytes(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes(),
        )
    });
    let out = plan(&server.url());
    assert_refused(&out, "the platform answered 302");
    assert_eq!(target.requests(), 0);
}
