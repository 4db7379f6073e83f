//! The Graph API over reqwest: one request at a time, bounded in time and size, its
//! errors turned into messages that say which account and which resource, what Meta said
//! and, for rate limits, when to retry.
//!
//! - Every request has a timeout ([`REQUEST_TIMEOUT`], connecting [`CONNECT_TIMEOUT`])
//!   and every answer is read with a bounded reader ([`MAX_ANSWER`]).
//! - A 5xx answer, a Graph error marked `is_transient` (or codes 1 and 2, "unknown" and
//!   "temporarily unavailable"), a timeout or a lost connection is retried at most twice
//!   ([`ATTEMPTS`]), 0.5 s then 1 s later (with jitter), for requests that may be sent
//!   twice (all but an upload's bytes). A rate-limit error (HTTP 429, Graph codes 4, 17,
//!   32, 613, 80001) is never retried: it stops, saying when to retry (from Meta's usage
//!   headers when present). The request budget of the spec is for successful runs: a
//!   retried request counts again on Meta's side.
//! - The token travels only in the `Authorization` header (marked sensitive), never in
//!   the query string, so no URL (and so no reqwest error, no log line) holds it. It is
//!   kept in a [`Secret`] and removed from any text Meta or the transport sends back.
//!
//! Sources: "Handling Errors" (Graph API,
//! <https://developers.facebook.com/docs/graph-api/guides/error-handling>: the error
//! object, `is_transient`, codes 1, 2, 4, 17, 32, 190, 613), "Rate Limiting" (Graph API,
//! <https://developers.facebook.com/docs/graph-api/overview/rate-limiting>: the
//! `X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage` headers and their
//! `estimated_time_to_regain_access`, in minutes; code 80001 for Pages).

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::backend::http::Secret;

/// How long one request may take, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest Graph answer read. A Messenger profile at Meta's limits (every supported
/// locale with 20 menu items of 1,000-character payloads) is about 1 MB.
pub const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// Attempts of a request that may be retried, the first included.
pub const ATTEMPTS: u32 = 3;

/// The first wait before a retry; doubled for the next one.
const BACKOFF: Duration = Duration::from_millis(500);

/// Graph error codes that mean a rate limit: 4 (the app's), 17 (the user's), 32 (the
/// Page's), 613 ("Calls to this API have exceeded the rate limit", which the Messenger
/// Profile API's per-Page limit answers) and 80001 (a Page's business use case limit).
pub const RATE_LIMIT_CODES: &[i64] = &[4, 17, 32, 613, 80001];

/// The Messenger Profile API's documented limit, said in rate-limit messages when Meta
/// gives no time: "10 API calls per 10 minute interval ... enforced per Page".
const PROFILE_WINDOW_MINUTES: u64 = 10;

/// The most characters of Meta's own text kept in a message.
const MAX_QUOTED: usize = 500;

/// An access token and the environment variable it came from.
#[derive(Debug)]
pub struct Token {
    /// the variable named in messages (never the value)
    pub env: String,
    secret: Secret,
    bearer: HeaderValue,
    oauth: HeaderValue,
}

impl Token {
    /// A token read from `env`. `None` when it cannot be sent in a header (the message
    /// then names the variable only).
    pub fn new(env: &str, value: &str) -> Option<Token> {
        let header = |scheme: &str| {
            let mut v = HeaderValue::from_str(&format!("{scheme} {value}")).ok()?;
            v.set_sensitive(true);
            Some(v)
        };
        Some(Token {
            env: env.to_string(),
            secret: Secret::new(value.to_string()),
            bearer: header("Bearer")?,
            oauth: header("OAuth")?,
        })
    }

    /// `text` with every occurrence of the token replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let t = self.secret.expose();
        if t.is_empty() {
            text.to_string()
        } else {
            text.replace(t, "***")
        }
    }
}

/// How a request carries its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer <token>`, as the Graph API takes it
    Bearer,
    /// `Authorization: OAuth <token>`, as the Resumable Upload API asks
    OAuth,
}

/// The body of a request.
#[derive(Debug)]
pub enum Body {
    /// none
    Empty,
    /// a JSON document
    Json(Value),
    /// raw bytes, with extra headers (an upload's `file_offset`)
    Bytes {
        /// the bytes
        data: Vec<u8>,
        /// headers sent with them
        headers: Vec<(&'static str, String)>,
    },
}

/// One Graph request.
#[derive(Debug)]
pub struct Call<'a> {
    /// the method
    pub method: Method,
    /// the path after the version, starting with `/` (`/104857600123456/messenger_profile`)
    pub path: String,
    /// query parameters (never a token)
    pub query: Vec<(&'static str, String)>,
    /// the body
    pub body: Body,
    /// the token
    pub token: &'a Token,
    /// how the token is sent
    pub scheme: Scheme,
    /// whether sending it twice is harmless (then 5xx and lost connections are retried)
    pub idempotent: bool,
}

impl Call<'_> {
    /// Whether this is a Messenger Profile API call (its own limit: 10 per 10 minutes).
    pub fn is_profile_api(&self) -> bool {
        self.path.ends_with("/messenger_profile")
    }

    /// `GET messenger_profile`, `POST upload`, ...: the request as messages name it.
    pub fn step(&self) -> String {
        let last = self.path.rsplit('/').next().unwrap_or_default();
        let name = if last.starts_with("upload:") {
            "upload session"
        } else {
            last
        };
        format!("{} {name}", self.method)
    }
}

/// A Graph error object, as Meta answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphFailure {
    /// the HTTP status
    pub status: u16,
    /// `error.code`
    pub code: i64,
    /// `error.error_subcode`
    pub subcode: Option<i64>,
    /// `error.message` (control characters escaped, shortened, without the token)
    pub message: String,
    /// `error.error_user_msg`, when Meta gives one for people
    pub user_message: Option<String>,
    /// `error.fbtrace_id`, for Meta's support
    pub trace: Option<String>,
    /// `error.is_transient`
    pub transient: bool,
}

impl std::fmt::Display for GraphFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\" (code {}", self.message, self.code)?;
        if let Some(s) = self.subcode {
            write!(f, ", subcode {s}")?;
        }
        write!(f, ", HTTP {}", self.status)?;
        if let Some(t) = &self.trace {
            write!(f, ", fbtrace_id {t}")?;
        }
        f.write_str(")")?;
        if let Some(u) = &self.user_message
            && u != &self.message
        {
            write!(f, ": {u}")?;
        }
        Ok(())
    }
}

impl GraphFailure {
    /// Whether this is one of Graph's rate limits.
    pub fn is_rate_limit(&self) -> bool {
        self.status == 429 || RATE_LIMIT_CODES.contains(&self.code)
    }
}

/// What went wrong with one request.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// Meta refused the request
    #[error("Meta answered {0}")]
    Graph(Box<GraphFailure>),
    /// a rate limit: nothing more is sent for this account in this run
    #[error("Meta's rate limit was reached: {failure}; {}", retry_text(*.retry_after, *.profile_api))]
    RateLimited {
        /// what Meta said
        failure: Box<GraphFailure>,
        /// when to retry, from Meta's usage headers or `Retry-After`
        retry_after: Option<Duration>,
        /// whether the request was a Messenger Profile API call (10 per 10 minutes)
        profile_api: bool,
    },
    /// code 190: the token is not valid (expired, revoked, another app's)
    #[error(
        "Meta refused the access token in the environment variable `{env}`: {failure}; put a valid token for this account in `{env}`"
    )]
    InvalidToken {
        /// what Meta said
        failure: Box<GraphFailure>,
        /// the variable
        env: String,
    },
    /// the request did not complete (timeout, connection)
    #[error("{0}")]
    Transport(String),
    /// the answer is not what Meta documents
    #[error("unexpected answer: {0}")]
    Answer(String),
}

/// Why the `meta` backend failed. Every message names the resource and the account
/// (a Page, an Instagram account, a WhatsApp number), never a token.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// the settings cannot be used
    #[error("the meta backend: {0}")]
    Settings(String),
    /// the variable holding an account's token is not set
    #[error(
        "`{resource}` ({account}): the environment variable `{env}` that holds its access token is not set or empty"
    )]
    TokenMissing {
        /// the profile
        resource: String,
        /// the account, in words
        account: String,
        /// the variable
        env: String,
    },
    /// the variable holds something a header cannot carry
    #[error(
        "`{resource}` ({account}): the environment variable `{env}` holds a value that cannot be sent as an access token (a line break or another character an HTTP header cannot carry)"
    )]
    TokenUnusable {
        /// the profile
        resource: String,
        /// the account, in words
        account: String,
        /// the variable
        env: String,
    },
    /// a request failed
    #[error("`{resource}` ({account}): {step}: {problem}")]
    Request {
        /// the profile
        resource: String,
        /// the account, in words
        account: String,
        /// the request (`POST messenger_profile`)
        step: String,
        /// what went wrong
        problem: Problem,
    },
    /// the desired profile cannot be written to Meta as it is
    #[error("`{resource}` ({account}): {detail}")]
    Unwritable {
        /// the profile
        resource: String,
        /// the account, in words
        account: String,
        /// why
        detail: String,
    },
    /// the WhatsApp picture could not be fetched or is not one Meta takes
    #[error("`{resource}` ({account}): the picture `{url}`: {detail}")]
    Picture {
        /// the profile
        resource: String,
        /// the account, in words
        account: String,
        /// the configured `avatar_url`
        url: String,
        /// why
        detail: String,
    },
    /// a write came before any read of this profile
    #[error(
        "`{0}` was not read before it was written: the meta backend compares every write with what it read"
    )]
    NotRead(String),
    /// a write for an account the backend was not given
    #[error(
        "`{resource}`: the {channel} account `{account}` is not one of the profiles this backend was set up with"
    )]
    NotDeclared {
        /// the profile
        resource: String,
        /// its channel
        channel: String,
        /// its account
        account: String,
    },
}

impl MetaError {
    /// Whether this is a Graph rate limit (the run should stop for this account).
    pub fn is_rate_limit(&self) -> bool {
        matches!(
            self,
            MetaError::Request {
                problem: Problem::RateLimited { .. },
                ..
            }
        )
    }
}

fn retry_text(after: Option<Duration>, profile_api: bool) -> String {
    match after {
        Some(d) => {
            let minutes = d.as_secs().div_ceil(60).max(1);
            format!("Meta says access comes back in about {minutes} minute(s): retry then")
        }
        None if profile_api => format!(
            "Meta gives no time; the Messenger Profile API allows 10 calls per {PROFILE_WINDOW_MINUTES} minutes per Page, so retry in {PROFILE_WINDOW_MINUTES} minutes"
        ),
        None => "Meta gives no time; Graph counts its rate limits over the last hour, so retry within the hour".to_string(),
    }
}

/// Text from Meta or the network, safe to show: no token, no control characters, not
/// too long.
pub fn quote(token: &Token, text: &str) -> String {
    let text = token.redact(text);
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= MAX_QUOTED {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The longest wait Meta's answer asks for: `Retry-After` (seconds), or the largest
/// `estimated_time_to_regain_access` (minutes) of the usage headers (`X-App-Usage`,
/// `X-Page-Usage`: one object; `X-Business-Use-Case-Usage`: objects by business id,
/// each a list of objects).
pub fn regain_access(headers: &HeaderMap) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    let mut consider = |d: Duration| {
        if !d.is_zero() && best.is_none_or(|b| d > b) {
            best = Some(d);
        }
    };
    if let Some(secs) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        consider(Duration::from_secs(secs.min(86_400)));
    }
    fn minutes(v: &Value) -> Option<Duration> {
        let m = v.get("estimated_time_to_regain_access")?.as_f64()?;
        (m.is_finite() && m > 0.0).then(|| Duration::from_secs_f64(m.min(1440.0) * 60.0))
    }
    for name in ["x-app-usage", "x-page-usage", "x-business-use-case-usage"] {
        let Some(v) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| serde_json::from_str::<Value>(v).ok())
        else {
            continue;
        };
        if let Some(d) = minutes(&v) {
            consider(d);
        }
        if let Some(by_id) = v.as_object() {
            for entries in by_id.values() {
                for e in entries.as_array().into_iter().flatten() {
                    if let Some(d) = minutes(e) {
                        consider(d);
                    }
                }
            }
        }
    }
    best
}

/// The Graph API at one address and version.
#[derive(Debug)]
pub struct Graph {
    client: reqwest::Client,
    base: String,
}

/// One answer: status, headers, body.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Why an attempt got no whole answer.
enum SendError {
    /// nothing came back (timeout, connection)
    Transport(reqwest::Error),
    /// the answer could not be read whole
    Body(BodyError),
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// it is longer than the reader takes
    TooLarge(String),
    /// the connection broke off while it was read
    Broken(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(s) | BodyError::Broken(s) => f.write_str(s),
        }
    }
}

/// Reads a body of at most `max` bytes; a longer one is an error, never held whole.
pub async fn read_bounded(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(len) = resp.content_length()
        && len > max as u64
    {
        return Err(BodyError::TooLarge(format!(
            "the answer is {len} bytes, more than the {max} read"
        )));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| BodyError::Broken(format!("reading the answer failed ({})", short(&e))))?
    {
        if out.len() + chunk.len() > max {
            return Err(BodyError::TooLarge(format!(
                "the answer is more than the {max} bytes read"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A reqwest error in a few words (its own text names the URL, which holds no token,
/// and is added by the caller after redaction).
pub fn short(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the connection failed"
    }
}

fn parse_failure(token: &Token, status: u16, body: &[u8]) -> Option<GraphFailure> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let text = |k: &str| e.get(k).and_then(Value::as_str).map(|s| quote(token, s));
    let number = |k: &str| {
        e.get(k).and_then(|c| {
            c.as_i64()
                .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
        })
    };
    Some(GraphFailure {
        status,
        code: number("code")?,
        subcode: number("error_subcode"),
        message: text("message").unwrap_or_default(),
        user_message: text("error_user_msg"),
        trace: text("fbtrace_id"),
        transient: e.get("is_transient") == Some(&Value::Bool(true)),
    })
}

impl Graph {
    /// The Graph API at `api_url`, version `version` (checked by the caller).
    pub fn new(api_url: &str, version: &str) -> Result<Graph, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("socialform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Graph {
            client,
            base: format!("{}/{version}", api_url.trim_end_matches('/')),
        })
    }

    async fn send_once(&self, call: &Call<'_>) -> Result<Answer, SendError> {
        let auth = match call.scheme {
            Scheme::Bearer => call.token.bearer.clone(),
            Scheme::OAuth => call.token.oauth.clone(),
        };
        let mut rb = self
            .client
            .request(call.method.clone(), format!("{}{}", self.base, call.path))
            .header(AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json");
        if !call.query.is_empty() {
            rb = rb.query(&call.query);
        }
        rb = match &call.body {
            Body::Empty => rb,
            Body::Json(v) => rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(v).unwrap_or_default()),
            Body::Bytes { data, headers } => {
                let mut rb = rb.header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
                for (k, v) in headers {
                    rb = rb.header(*k, v);
                }
                rb.body(data.clone())
            }
        };
        let resp = rb.send().await.map_err(SendError::Transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = read_bounded(resp, MAX_ANSWER)
            .await
            .map_err(SendError::Body)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Sends `call`, retrying what may be retried; answers the JSON of a 2xx answer.
    pub async fn send(&self, call: &Call<'_>) -> Result<Value, Problem> {
        let attempts = if call.idempotent { ATTEMPTS } else { 1 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(call).await {
                Ok(v) => return Ok(v),
                Err((_, true)) if attempt < attempts => {
                    let wait = BACKOFF.saturating_mul(1 << (attempt - 1));
                    let jitter = wait.mul_f64(rand::random::<f64>() * 0.25);
                    tokio::time::sleep(wait + jitter).await;
                }
                Err((problem, _)) => return Err(problem),
            }
        }
    }

    /// One attempt: the answer's JSON, or the problem and whether another attempt may
    /// succeed.
    async fn attempt(&self, call: &Call<'_>) -> Result<Value, (Problem, bool)> {
        let a = match self.send_once(call).await {
            Ok(a) => a,
            Err(SendError::Transport(e)) => {
                let p = Problem::Transport(format!(
                    "{} ({})",
                    short(&e),
                    quote(call.token, &e.to_string())
                ));
                return Err((p, true));
            }
            Err(SendError::Body(e)) => {
                let again = matches!(e, BodyError::Broken(_));
                return Err((Problem::Transport(e.to_string()), again));
            }
        };
        if (200..300).contains(&a.status) {
            return serde_json::from_slice(&a.body).map_err(|_| {
                let p = Problem::Answer(format!(
                    "HTTP {} with a body that is not JSON: {}",
                    a.status,
                    quote(call.token, &String::from_utf8_lossy(&a.body))
                ));
                (p, false)
            });
        }
        let Some(failure) = parse_failure(call.token, a.status, &a.body).map(Box::new) else {
            let text = quote(call.token, &String::from_utf8_lossy(&a.body));
            if a.status == 429 {
                let failure = Box::new(GraphFailure {
                    status: 429,
                    code: 0,
                    subcode: None,
                    message: text,
                    user_message: None,
                    trace: None,
                    transient: false,
                });
                let retry_after = regain_access(&a.headers);
                return Err((
                    Problem::RateLimited {
                        failure,
                        retry_after,
                        profile_api: call.is_profile_api(),
                    },
                    false,
                ));
            }
            let p = Problem::Answer(format!(
                "HTTP {} without a Graph error object: {text}",
                a.status
            ));
            return Err((p, a.status >= 500));
        };
        if failure.is_rate_limit() {
            let retry_after = regain_access(&a.headers);
            return Err((
                Problem::RateLimited {
                    failure,
                    retry_after,
                    profile_api: call.is_profile_api(),
                },
                false,
            ));
        }
        if failure.code == 190 {
            let env = call.token.env.clone();
            return Err((Problem::InvalidToken { failure, env }, false));
        }
        let transient =
            a.status >= 500 || failure.transient || failure.code == 1 || failure.code == 2;
        Err((Problem::Graph(failure), transient))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token::new("META_TOKEN", "EAAB-secret-123").unwrap()
    }

    #[test]
    fn tokens_never_print() {
        let t = token();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secret-123"), "{shown}");
        assert!(shown.contains("META_TOKEN"));
        assert_eq!(
            t.redact("bad token EAAB-secret-123 here"),
            "bad token *** here"
        );
        assert!(Token::new("V", "bad\nvalue").is_none());
    }

    #[test]
    fn failures_are_read_and_quoted() {
        let t = token();
        let body = br#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.\nEAAB-secret-123","type":"OAuthException","code":613,"error_subcode":"2018","fbtrace_id":"Abc","is_transient":true}}"#;
        let f = parse_failure(&t, 400, body).unwrap();
        assert_eq!(f.code, 613);
        assert_eq!(f.subcode, Some(2018));
        assert!(f.transient && f.is_rate_limit());
        assert!(!f.message.contains("secret") && f.message.contains("\\n***"));
        let shown = f.to_string();
        assert!(
            shown.contains("code 613, subcode 2018, HTTP 400, fbtrace_id Abc"),
            "{shown}"
        );
        assert!(parse_failure(&t, 500, b"<html>").is_none());
        assert!(parse_failure(&t, 400, br#"{"error":{"message":"x"}}"#).is_none());
        let long = "é".repeat(2000);
        assert_eq!(quote(&t, &long).chars().count(), MAX_QUOTED + 1);
    }

    #[test]
    fn usage_headers_say_when_to_retry() {
        let mut h = HeaderMap::new();
        assert_eq!(regain_access(&h), None);
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"104857600123456":[{"type":"pages","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":12}]}"#,
            ),
        );
        assert_eq!(regain_access(&h), Some(Duration::from_secs(720)));
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(
                r#"{"call_count":100,"total_time":1,"total_cputime":1,"estimated_time_to_regain_access":30}"#,
            ),
        );
        assert_eq!(regain_access(&h), Some(Duration::from_secs(1800)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("7200"),
        );
        assert_eq!(regain_access(&h), Some(Duration::from_secs(7200)));
        let mut bad = HeaderMap::new();
        bad.insert("x-page-usage", HeaderValue::from_static("not json"));
        assert_eq!(regain_access(&bad), None);
        let text = Problem::RateLimited {
            failure: Box::new(
                parse_failure(
                    &token(),
                    400,
                    br#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","code":613}}"#,
                )
                .unwrap(),
            ),
            retry_after: Some(Duration::from_secs(720)),
            profile_api: true,
        }
        .to_string();
        assert!(text.contains("about 12 minute(s)"), "{text}");
        assert!(retry_text(None, true).contains("retry in 10 minutes"));
        assert!(retry_text(None, false).contains("within the hour"));
    }

    #[test]
    fn steps_name_the_edge() {
        let t = token();
        let call = |path: &str| Call {
            method: Method::POST,
            path: path.to_string(),
            query: vec![],
            body: Body::Empty,
            token: &t,
            scheme: Scheme::OAuth,
            idempotent: false,
        };
        assert_eq!(
            call("/1/messenger_profile").step(),
            "POST messenger_profile"
        );
        assert_eq!(call("/upload:abc").step(), "POST upload session");
    }
}
