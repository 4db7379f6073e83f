//! The `http` backend: the platform API of `schemas/openapi.json` over reqwest, the same
//! client for `socialform serve` and a production platform.
//!
//! - Reads are one paged snapshot: the catalog, then the resources in pages of
//!   [`PAGE_SIZE`] by key. Every page carries the workspace's revision; when it moves
//!   between pages the read starts again (a few times), so the snapshot is consistent.
//! - Writes are one request each, with `If-Match` (the version the plan saw, so a
//!   concurrent change is a 412 conflict, never a lost update) and an `Idempotency-Key`
//!   (one per write, the same on every retry, so a retried write is applied once).
//! - Requests are retried on 429, 5xx, timeouts and connection failures with exponential
//!   backoff and jitter, honouring `Retry-After`. A write whose outcome is unknown (a
//!   5xx, a timeout, a dropped connection) is retried only when it carries an idempotency
//!   key; a write refused before processing (429, connection refused) always may be.
//! - The token is held in a [`Secret`] that never prints, and sent in a header marked
//!   sensitive.
//!
//! The server is not trusted either: every answer is read through a bounded reader
//! ([`MAX_RESPONSE_BYTES`], [`MAX_ERROR_BYTES`]); a snapshot is at most [`MAX_PAGES`]
//! pages and [`MAX_SNAPSHOT_BYTES`] bytes, a page cursor that comes back, a page larger
//! than asked and a resource sent twice are errors; `Retry-After` (seconds or an HTTP
//! date, anything else ignored) waits at most `max_backoff` (10 s by default); and every
//! text from the server that may reach a terminal (error codes and messages, refusal
//! subjects, parse errors quoting its values) has its control characters escaped
//! ([`printable`]).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

use super::{Backend, BackendError, Refusal};
use crate::platform::Rejection;

use crate::api::{
    CatalogAnswer, ErrorBody, IDEMPOTENCY_KEY, PAGE_SIZE, Page, PageQuery, RefusalReason,
    WriteBody, encode_segment,
};
use crate::model::{LiveResource, LiveState, Write, WriteOp};

/// The largest successful answer read (a page of [`PAGE_SIZE`] resources of a large
/// workspace is about 1 MB).
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;

/// The largest error answer read.
pub const MAX_ERROR_BYTES: usize = 64 << 10;

/// The most pages one snapshot read follows.
pub const MAX_PAGES: usize = 10_000;

/// The most bytes of pages one snapshot read takes in (the 10,364 resources of the
/// benchmark workspace are 8 MB).
pub const MAX_SNAPSHOT_BYTES: usize = 128 << 20;

/// The longest text from the server put in an error message, in characters.
const MAX_MESSAGE_CHARS: usize = 500;

/// Text from the server made safe for a terminal: control characters (C0, DEL, C1) and
/// the Unicode bidirectional controls escaped as `\u{..}`, and cut at 500 characters.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_CHARS));
    for (i, c) in text.chars().enumerate() {
        if i == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A bearer token: never shown by `Debug` or `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(token: String) -> Secret {
        Secret(token)
    }
    /// The token itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A callback told about retries and waits (a line of text without the token).
#[derive(Clone)]
pub struct Notify(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notify")
    }
}

/// The wire form of a refusal: its reason code and subject.
pub fn refusal_code(r: &Refusal) -> (&'static str, Option<String>) {
    let (reason, subject) = match r {
        Refusal::CreateBound => (RefusalReason::CreateBound, None),
        Refusal::DeleteBound => (RefusalReason::DeleteBound, None),
        Refusal::PlatformAttribute => (RefusalReason::PlatformAttribute, None),
        Refusal::AccountNotConnected(a) => (RefusalReason::AccountNotConnected, Some(a.clone())),
        Refusal::UnknownFlow(f) => (RefusalReason::UnknownFlow, Some(f.clone())),
        Refusal::Rule { code, .. } => (RefusalReason::Rule, Some(code.clone())),
    };
    (reason.as_str(), subject)
}

/// The refusal a reason code and subject stand for; `None` for a reason this client does
/// not know.
fn refusal_from(reason: &str, subject: Option<String>) -> Option<Refusal> {
    Some(match reason.parse::<RefusalReason>().ok()? {
        RefusalReason::CreateBound => Refusal::CreateBound,
        RefusalReason::DeleteBound => Refusal::DeleteBound,
        RefusalReason::PlatformAttribute => Refusal::PlatformAttribute,
        RefusalReason::Rule => Refusal::Rule {
            code: subject.unwrap_or_default(),
            message: String::new(),
        },
        RefusalReason::AccountNotConnected => {
            Refusal::AccountNotConnected(subject.unwrap_or_default())
        }
        RefusalReason::UnknownFlow => Refusal::UnknownFlow(subject.unwrap_or_default()),
    })
}

/// How to reach the platform.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// base URL of the API (without `/v1`)
    pub url: String,
    /// the workspace
    pub workspace: String,
    /// the bearer token
    pub token: Secret,
    /// resources per page
    pub page_size: usize,
    /// timeout of one request
    pub timeout: Duration,
    /// attempts per request, the first included
    pub max_attempts: u32,
    /// the first backoff; doubled on each retry
    pub base_backoff: Duration,
    /// the longest wait between attempts (also caps `Retry-After`)
    pub max_backoff: Duration,
    /// told about each retry
    pub on_retry: Option<Notify>,
    /// the largest successful answer read, in bytes
    pub max_response_bytes: usize,
    /// the most pages one snapshot read follows
    pub max_pages: usize,
    /// the most bytes of pages one snapshot read takes in
    pub max_snapshot_bytes: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            url: String::new(),
            workspace: String::new(),
            token: Secret::new(String::new()),
            page_size: PAGE_SIZE,
            timeout: Duration::from_secs(30),
            max_attempts: 8,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            on_retry: None,
            max_response_bytes: MAX_RESPONSE_BYTES,
            max_pages: MAX_PAGES,
            max_snapshot_bytes: MAX_SNAPSHOT_BYTES,
        }
    }
}

/// The platform API as a [`Backend`]. It owns a small tokio runtime; writes block on it
/// and may come from several threads at once.
#[derive(Debug)]
pub struct HttpBackend {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    auth: HeaderValue,
    options: HttpOptions,
}

/// One answer: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A request to send (and maybe send again).
struct Request<'a> {
    method: Method,
    path: String,
    if_match: Option<u64>,
    idempotency_key: Option<&'a str>,
    body: Option<Vec<u8>>,
}

/// The wait a `Retry-After` header asks for, at most `cap`: delay seconds (digits, a
/// fraction tolerated) or an HTTP date. Anything else (negative, `NaN`, `1e30`,
/// garbage) is ignored, and the client's own backoff applies.
fn retry_after(headers: &HeaderMap, cap: Duration) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let numeric = !v.is_empty()
        && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && v.bytes().filter(|b| *b == b'.').count() <= 1
        && v != ".";
    if numeric {
        let secs: f64 = v.parse().ok()?;
        return Some(if secs.is_finite() && secs < cap.as_secs_f64() {
            Duration::try_from_secs_f64(secs).unwrap_or(cap)
        } else {
            cap
        });
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(cap),
    )
}

/// Why an answer's body was not read whole.
enum ReadFailure {
    /// larger than the cap
    TooLarge(usize),
    /// the connection failed on the way
    Transport(reqwest::Error),
}

/// Reads a body of at most `cap` bytes: refused on its `Content-Length` before anything
/// is read, and cut as soon as more arrives (a server that lies about its length, or
/// streams without one, is still bounded).
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, ReadFailure> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(ReadFailure::TooLarge(cap));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ReadFailure::Transport)? {
        if out.len() + chunk.len() > cap {
            return Err(ReadFailure::TooLarge(cap));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// An error about the server's behaviour, in the words the user reads.
fn misbehaved(what: String) -> BackendError {
    BackendError::Transport(format!("the server misbehaved: {what}"))
}

/// A random idempotency key (128 bits, hex).
pub fn new_idempotency_key() -> String {
    let n: u128 = rand::random();
    format!("{n:032x}")
}

impl HttpBackend {
    /// A client for `options.url`; no request is made yet.
    pub fn new(options: HttpOptions) -> Result<HttpBackend, BackendError> {
        let base = options.url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(BackendError::HttpConfig(format!(
                "`url` must be an http(s) URL, not `{base}`"
            )));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| BackendError::Transport(format!("cannot start the runtime: {e}")))?;
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(64)
            // A redirect is not part of the API: it is an error, never followed to
            // another address.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("socialform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Transport(format!("cannot build the client: {e}")))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", options.token.expose()))
            .map_err(|_| {
                BackendError::HttpConfig("the token holds characters a header cannot".into())
            })?;
        auth.set_sensitive(true);
        Ok(HttpBackend {
            rt,
            client,
            base,
            auth,
            options,
        })
    }

    fn workspace_path(&self) -> String {
        format!("/v1/workspaces/{}", encode_segment(&self.options.workspace))
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .options
            .base_backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.options.max_backoff);
        // "Equal jitter": half fixed, half random, so parallel clients spread out.
        let half = exp / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    fn notify(&self, text: &str) {
        if let Some(n) = &self.options.on_retry {
            (n.0)(text);
        }
    }

    /// Sends a request, retrying what may be retried.
    fn call(&self, req: &Request<'_>) -> Result<Answer, BackendError> {
        self.rt.block_on(async {
            let url = format!("{}{}", self.base, req.path);
            let replayable = req.method == Method::GET || req.idempotency_key.is_some();
            let mut attempt = 0;
            loop {
                attempt += 1;
                let last = attempt >= self.options.max_attempts;
                let mut rb = self
                    .client
                    .request(req.method.clone(), &url)
                    .header(AUTHORIZATION, self.auth.clone())
                    .header(reqwest::header::ACCEPT, "application/json");
                if let Some(v) = req.if_match {
                    rb = rb.header(reqwest::header::IF_MATCH, format!("\"{v}\""));
                }
                if let Some(k) = req.idempotency_key {
                    rb = rb.header(IDEMPOTENCY_KEY, k);
                }
                if let Some(b) = &req.body {
                    rb = rb
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(b.clone());
                }
                let (why, wait) = match rb.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let headers = resp.headers().clone();
                        // 429 is refused before any processing; a 5xx may come after it.
                        let transient = status == StatusCode::TOO_MANY_REQUESTS
                            || (status.is_server_error() && replayable);
                        if !transient || last {
                            let cap = if status.is_success() {
                                self.options.max_response_bytes
                            } else {
                                MAX_ERROR_BYTES
                            };
                            match read_capped(resp, cap).await {
                                Ok(body) => {
                                    return Ok(Answer {
                                        status,
                                        headers,
                                        body,
                                    });
                                }
                                Err(ReadFailure::TooLarge(cap)) => {
                                    return Err(misbehaved(format!(
                                        "its answer to {} {} ({status}) is larger than {cap} bytes, the most socialform reads",
                                        req.method, req.path
                                    )));
                                }
                                Err(ReadFailure::Transport(e)) if replayable && !last => {
                                    (format!("reading the answer failed ({})", short(&e)), None)
                                }
                                Err(ReadFailure::Transport(e)) => {
                                    return Err(transport(&req.method, &req.path, &e));
                                }
                            }
                        } else {
                            (
                                format!("answered {status}"),
                                retry_after(&headers, self.options.max_backoff),
                            )
                        }
                    }
                    Err(e) => {
                        // Connection refused: nothing was sent. Anything else may have
                        // reached the server.
                        let unsent = e.is_connect();
                        if last || !(unsent || replayable) {
                            return Err(transport(&req.method, &req.path, &e));
                        }
                        (format!("failed ({})", short(&e)), None)
                    }
                };
                let backoff = self.backoff(attempt - 1);
                let wait = wait
                    .map(|w| w.min(self.options.max_backoff).max(backoff / 4))
                    .unwrap_or(backoff);
                self.notify(&format!(
                    "{} {}: {why}; retrying in {} ms (attempt {} of {})",
                    req.method,
                    req.path,
                    wait.as_millis(),
                    attempt + 1,
                    self.options.max_attempts
                ));
                tokio::time::sleep(wait).await;
            }
        })
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        answer: &Answer,
        what: &str,
    ) -> Result<T, BackendError> {
        // serde's messages may quote the server's values: escaped.
        serde_json::from_slice(&answer.body).map_err(|e| {
            misbehaved(format!(
                "its answer to {what} is not what the API says: {}",
                printable(&e.to_string())
            ))
        })
    }

    /// The error an unsuccessful answer stands for.
    fn error(&self, answer: &Answer, address: Option<&str>) -> BackendError {
        let mut body: ErrorBody =
            serde_json::from_slice(&answer.body).unwrap_or_else(|_| ErrorBody {
                code: "unexpected".into(),
                message: String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(200)
                    .collect(),
                ..ErrorBody::default()
            });
        body.code = printable(&body.code);
        body.message = printable(&body.message);
        body.subject = body.subject.as_deref().map(printable);
        let status = answer.status.as_u16();
        if let Some(address) = address {
            let address = address.to_string();
            match (status, body.code.as_str()) {
                (412, _) => {
                    // `expected` is filled in by the caller, which knows it.
                    return Rejection::Conflict {
                        address,
                        expected: 0,
                        found: body.current_version.unwrap_or(0),
                    }
                    .into();
                }
                (404, "not_found") => return Rejection::NotFound(address).into(),
                (409, "already_exists") => return Rejection::AlreadyExists(address).into(),
                (422, "refused") => {
                    // A refusal by a rule of the configuration has the reason `rule`, and
                    // its diagnostic code as `subject`.
                    let reason = body.reason.as_deref();
                    if let Some(reason) = reason.and_then(|r| refusal_from(r, body.subject.clone()))
                    {
                        let reason = match reason {
                            // The rule's words are the end of the server's message.
                            Refusal::Rule { code, .. } => Refusal::Rule {
                                message: body
                                    .message
                                    .split_once(&format!("rule {code}: "))
                                    .map(|(_, m)| m.to_string())
                                    .unwrap_or_default(),
                                code,
                            },
                            other => other,
                        };
                        return Rejection::Refused { address, reason }.into();
                    }
                }
                _ => {}
            }
        }
        BackendError::Api {
            status,
            code: body.code,
            message: body.message,
        }
    }
}

fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        "connection lost".into()
    }
}

fn transport(method: &Method, path: &str, e: &reqwest::Error) -> BackendError {
    // reqwest's messages name the URL, never the headers: the token cannot leak here.
    BackendError::Transport(format!("{method} {path}: {} ({e})", short(e)))
}

/// A read of `path`.
fn get(path: String) -> Request<'static> {
    Request {
        method: Method::GET,
        path,
        if_match: None,
        idempotency_key: None,
        body: None,
    }
}

fn version_of(answer: &Answer) -> Option<u64> {
    answer
        .headers
        .get(reqwest::header::ETAG)?
        .to_str()
        .ok()?
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}

impl HttpBackend {
    /// One pass over the pages: the resources, or `None` when the revision moved. Bounded
    /// in pages and bytes; a cursor seen before, a page larger than asked and a resource
    /// sent twice are the server's errors.
    fn read_pages(&self, ws: &str) -> Result<Option<Vec<LiveResource>>, BackendError> {
        let mut resources = Vec::new();
        let mut keys = std::collections::HashSet::new();
        let mut cursors = std::collections::HashSet::new();
        let mut revision = None;
        let mut after: Option<String> = None;
        let mut bytes = 0usize;
        let mut pages = 0;
        loop {
            pages += 1;
            if pages > self.options.max_pages {
                return Err(misbehaved(format!(
                    "the snapshot did not end within {} pages, the most socialform reads",
                    self.options.max_pages
                )));
            }
            let query = PageQuery {
                limit: Some(self.options.page_size),
                after: after.clone(),
            };
            let path = format!("{ws}/resources?{}", query.encode());
            let answer = self.call(&get(path))?;
            if !answer.status.is_success() {
                return Err(self.error(&answer, None));
            }
            bytes = bytes.saturating_add(answer.body.len());
            if bytes > self.options.max_snapshot_bytes {
                return Err(misbehaved(format!(
                    "the snapshot is larger than {} bytes, the most socialform reads (after {} pages)",
                    self.options.max_snapshot_bytes, pages
                )));
            }
            let page: Page = self.json(&answer, "the resources read")?;
            if page.resources.len() > self.options.page_size {
                return Err(misbehaved(format!(
                    "it sent a page of {} resources when at most {} were asked for",
                    page.resources.len(),
                    self.options.page_size
                )));
            }
            if revision.is_some_and(|r| r != page.revision) {
                return Ok(None);
            }
            revision = Some(page.revision);
            for r in &page.resources {
                let key = r.resource.key();
                if !keys.insert(key.clone()) {
                    return Err(misbehaved(format!(
                        "it sent resource `{}` twice in one snapshot",
                        printable(&key)
                    )));
                }
            }
            resources.extend(page.resources);
            match page.next {
                Some(n) => {
                    if !cursors.insert(n.clone()) {
                        return Err(misbehaved(format!(
                            "it sent the page cursor `{}` twice: the pages loop",
                            printable(&n)
                        )));
                    }
                    after = Some(n);
                }
                None => return Ok(Some(resources)),
            }
        }
    }
}

impl Backend for HttpBackend {
    fn read(&mut self) -> Result<LiveState, BackendError> {
        let ws = self.workspace_path();
        let answer = self.call(&get(format!("{ws}/catalog")))?;
        if !answer.status.is_success() {
            return Err(self.error(&answer, None));
        }
        let catalog: CatalogAnswer = self.json(&answer, "the catalog read")?;
        // A snapshot read in pages is consistent when the revision did not move.
        for _ in 0..3 {
            match self.read_pages(&ws)? {
                Some(resources) => {
                    return Ok(LiveState {
                        catalog: catalog.catalog,
                        resources,
                    });
                }
                None => self.notify("the workspace changed while it was read; reading it again"),
            }
        }
        Err(BackendError::Transport(
            "the workspace kept changing while it was read; try again".into(),
        ))
    }

    fn write(&self, write: &Write) -> Result<u64, BackendError> {
        let ws = self.workspace_path();
        let key = new_idempotency_key();
        let body = || {
            serde_json::to_vec(&WriteBody {
                resource: write.resource.clone(),
                applied_hash: write.applied_hash.clone(),
                applied_by: write.applied_by.clone(),
            })
            .ok()
        };
        let one = format!("{ws}/resources/{}", encode_segment(&write.resource.key()));
        let req = match write.op {
            WriteOp::Create => Request {
                method: Method::POST,
                path: format!("{ws}/resources"),
                if_match: None,
                idempotency_key: Some(&key),
                body: body(),
            },
            WriteOp::Update => Request {
                method: Method::PUT,
                path: one,
                if_match: write.expected_version,
                idempotency_key: Some(&key),
                body: body(),
            },
            WriteOp::Delete => Request {
                method: Method::DELETE,
                path: one,
                if_match: write.expected_version,
                idempotency_key: Some(&key),
                body: None,
            },
        };
        let answer = self.call(&req)?;
        if !answer.status.is_success() {
            let mut err = self.error(&answer, Some(&write.resource.address));
            if let BackendError::Rejected(Rejection::Conflict { expected, .. }) = &mut err {
                *expected = write.expected_version.unwrap_or(0);
            }
            return Err(err);
        }
        if write.op == WriteOp::Delete {
            return Ok(0);
        }
        match version_of(&answer) {
            Some(v) => Ok(v),
            None => Ok(self.json::<LiveResource>(&answer, "the write")?.version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let o = HttpOptions {
            token: s,
            ..HttpOptions::default()
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }

    #[test]
    fn retry_after_is_bounded_whatever_it_says() {
        let cap = Duration::from_secs(10);
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_str(v).unwrap(),
            );
            retry_after(&h, cap)
        };
        assert_eq!(with("3"), Some(Duration::from_secs(3)));
        assert_eq!(with(" 1.5 "), Some(Duration::from_millis(1500)));
        assert_eq!(with("0"), Some(Duration::ZERO));
        assert_eq!(with("99999999999999999999999999"), Some(cap));
        assert_eq!(with(&"9".repeat(400)), Some(cap));
        for garbage in ["-1", "1e30", "NaN", "inf", "", ".", "1.2.3", "soon", "0x10"] {
            assert_eq!(with(garbage), None, "{garbage}");
        }
        // An HTTP date: in the past is now, in the future is capped.
        assert_eq!(with("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        let later =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
        assert_eq!(with(&later), Some(cap));
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(5));
        assert!(with(&soon).is_some_and(|d| d <= Duration::from_secs(5)));
        assert_eq!(retry_after(&HeaderMap::new(), cap), None);
    }

    #[test]
    fn server_text_is_printable() {
        assert_eq!(printable("plain text"), "plain text");
        assert_eq!(
            printable("red \u{1b}[31mbell\u{7}\r\n\u{9b}x"),
            "red \\u{1b}[31mbell\\u{7}\\u{d}\\u{a}\\u{9b}x"
        );
        assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
        let long = printable(&"é".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn refusals_round_trip() {
        for r in [
            Refusal::CreateBound,
            Refusal::DeleteBound,
            Refusal::PlatformAttribute,
            Refusal::AccountNotConnected("1".into()),
            Refusal::UnknownFlow("f".into()),
        ] {
            let (code, subject) = refusal_code(&r);
            assert_eq!(refusal_from(code, subject), Some(r));
        }
        assert_eq!(refusal_from("a_rule_of_tomorrow", None), None);
    }
}
