//! `socialform serve`: the platform API of the `http` backend (`schemas/openapi.json`),
//! served over TCP with axum and kept in SQLite ([`store`]). It stands in for a platform
//! account shared by a team and is what the `http` backend's tests run against.
//!
//! Every request to `/v1` goes, in order, through: the injected latency (`--latency`),
//! the failed-authentication limit of its client address (429 with `Retry-After` once
//! it failed too often), the bearer token (401 without a known one, 403 for another
//! workspace), the workspace (404 when not served), the per-token rate limit (429 with
//! `Retry-After`), and the injected failures (`--fail-rate`: a 429 is answered before
//! processing; a 503 on a write is answered *after* the write was committed, like a
//! gateway losing the answer, which is what idempotency keys are for). Only then is a
//! body read: its content type is checked (415), its size bounded (413) and its reading
//! timed (408). Writes then apply the platform's rules ([`crate::platform::check_write`],
//! the same as the embedded sandbox's), grouped ([`group`]): the writes that arrive
//! together share one transaction and one commit (one fsync), each inside its own
//! savepoint so that it is refused or applied exactly as alone, and none is answered
//! before its commit.
//!
//! Connections have deadlines ([`conn`]): headers, body, idle; shutdown has a grace
//! period after which open connections are dropped. Every answer of the API, errors
//! included, is JSON (`{code, message}`), with a status the OpenAPI document lists.
//!
//! The library never prints: what happens is reported through [`Event`]s.

pub mod auth;
pub mod conn;
pub mod group;
pub use crate::platform::store;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::{
    CatalogAnswer, ErrorBody, ErrorCode, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, MAX_ADDRESS,
    MAX_IDEMPOTENCY_KEY, Page, PageQuery, WriteBody,
};
use crate::backend::BackendError;
use crate::backend::http::refusal_code;
use crate::model::{Kind, Resource, sha256_hex};
use crate::model::{Write, WriteOp};
use crate::platform::Rejection;

pub use auth::Tokens;
pub use store::Synchronous;

pub use crate::api::openapi::{OPENAPI, OPENAPI_FILE};

/// How `socialform serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// the address to listen on (`127.0.0.1:0` picks a free port)
    pub listen: String,
    /// the SQLite database file
    pub data: PathBuf,
    /// the workspaces served, each with its sandbox catalog file
    pub workspaces: Vec<(String, PathBuf)>,
    /// the accepted tokens
    pub tokens: Tokens,
    /// delay added before every API request is handled
    pub latency: Duration,
    /// injected failures: a status (429 or 503) and the share of API requests answered so
    pub fail_rates: Vec<(u16, f64)>,
    /// requests a second per token (0: no limit)
    pub rate_limit: f64,
    /// the largest burst per token
    pub burst: f64,
    /// the largest request body, in bytes
    pub max_body: usize,
    /// the largest page
    pub max_page: usize,
    /// how hard a commit is synced
    pub synchronous: Synchronous,
    /// from the first byte of a request to the end of its headers
    pub header_timeout: Duration,
    /// to read a request's whole body
    pub body_timeout: Duration,
    /// a connection on which nothing moves while no request is handled is closed after
    pub idle_timeout: Duration,
    /// after SIGTERM, how long the requests in flight have before connections are dropped
    pub shutdown_grace: Duration,
    /// connections served at once (more wait to be accepted)
    pub max_connections: usize,
    /// failed authentications a minute per client address before 429 (0: no limit)
    pub auth_failures_per_minute: u32,
    /// serve `/metrics` (to a valid token)
    pub metrics: bool,
    /// how long an idempotency key is remembered
    pub idempotency_ttl: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: "127.0.0.1:8080".into(),
            data: PathBuf::from("socialform.sqlite"),
            workspaces: Vec::new(),
            tokens: Tokens::default(),
            latency: Duration::ZERO,
            fail_rates: Vec::new(),
            rate_limit: 500.0,
            burst: 1000.0,
            max_body: 1 << 20,
            max_page: crate::api::PAGE_SIZE,
            synchronous: Synchronous::Full,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
            max_connections: 1024,
            auth_failures_per_minute: 10,
            metrics: false,
            idempotency_ttl: Duration::from_secs(store::IDEMPOTENCY_TTL_SECS as u64),
        }
    }
}

/// What the server reports while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// a workspace is served (created now from its catalog, or found in the database)
    Workspace {
        /// its name
        name: String,
        /// whether it was created now
        created: bool,
        /// the resources created for entries added to its catalog since the last start
        added: Vec<String>,
        /// resources kept whose catalog entry disappeared: (address, what the catalog
        /// no longer lists)
        orphans: Vec<(String, String)>,
    },
    /// the server accepts connections on this address
    Listening(SocketAddr),
    /// a termination signal arrived: finishing the requests in flight
    Stopping,
    /// connections still open at the end of the grace period were dropped
    Dropped(usize),
    /// idempotency records past their time were forgotten
    Purged(usize),
    /// the periodic purge of idempotency records failed (it is tried again later)
    PurgeFailed(String),
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// the database failed
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// a catalog file could not be read
    #[error(transparent)]
    Catalog(#[from] BackendError),
    /// no token: the server would be open to anyone
    #[error(
        "no token is configured: set SOCIALFORM_SERVE_TOKENS or pass --tokens FILE (lines `WORKSPACE=TOKEN`)"
    )]
    NoTokens,
    /// no workspace to serve
    #[error("no workspace to serve: pass --workspace NAME=catalog.toml")]
    NoWorkspaces,
    /// the address could not be bound
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// the address
        addr: String,
        /// the cause
        source: std::io::Error,
    },
    /// the runtime or the server failed
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
    /// an option is out of its range
    #[error("{0}")]
    Option(String),
}

/// Request counters, served at `/metrics` (Prometheus text format).
#[derive(Debug, Default)]
pub struct Metrics {
    total: AtomicU64,
    replays: AtomicU64,
    by_route: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Metrics {
    fn render(&self, writes: &group::Counters) -> String {
        let mut out = String::new();
        for (name, value) in [
            ("socialform_requests_total", &self.total),
            ("socialform_idempotent_replays_total", &self.replays),
            ("socialform_writes_total", &writes.writes),
            ("socialform_commits_total", &writes.commits),
        ] {
            out.push_str(&format!(
                "# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out.push_str("# TYPE socialform_requests counter\n");
        for ((route, status), n) in self
            .by_route
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            out.push_str(&format!(
                "socialform_requests{{route=\"{route}\",status=\"{status}\"}} {n}\n"
            ));
        }
        out
    }
}

struct App {
    store: Arc<store::Store>,
    committer: group::Committer,
    catalogs: HashMap<String, Arc<crate::platform::Indexed>>,
    tokens: Tokens,
    limiter: auth::RateLimiter,
    failures: auth::FailureLimiter,
    latency: Duration,
    fail_rates: Vec<(u16, f64)>,
    max_page: usize,
    max_body: usize,
    body_timeout: Duration,
    metrics: Metrics,
}

type Shared = Arc<App>;

/// An error answer: status, JSON body, maybe `Retry-After`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    body: Box<ErrorBody>,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        debug_assert!(
            code.parse::<ErrorCode>().is_ok(),
            "`{code}` is not an api::ErrorCode"
        );
        ApiError {
            status,
            body: Box::new(ErrorBody {
                code: code.to_string(),
                message: message.into(),
                ..ErrorBody::default()
            }),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&self.body).unwrap_or_default(),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> ApiError {
        let message = e.to_string();
        match e {
            BackendError::Rejected(Rejection::Conflict { found, .. }) => {
                let mut err =
                    ApiError::new(StatusCode::PRECONDITION_FAILED, "version_mismatch", message);
                err.body.current_version = Some(found);
                err
            }
            BackendError::Rejected(Rejection::NotFound(_)) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            BackendError::Rejected(Rejection::AlreadyExists(_)) => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", message)
            }
            BackendError::Rejected(Rejection::Refused { reason, .. }) => {
                let (code, subject) = refusal_code(&reason);
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message);
                // A rule of the configuration format has the reason `rule` and its
                // diagnostic code as `subject`.
                err.body.reason = Some(code.to_string());
                err.body.subject = subject;
                err
            }
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message),
        }
    }
}

impl From<store::WriteError> for ApiError {
    fn from(e: store::WriteError) -> ApiError {
        match e {
            store::WriteError::Rule(r) => BackendError::from(r).into(),
            store::WriteError::KeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                e.to_string(),
            ),
            store::WriteError::Store(s) => s.into(),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn path_error(e: PathRejection) -> ApiError {
    bad_request(format!("the path does not parse: {}", e.body_text()))
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than the server accepts ({max} bytes)"),
    )
}

/// Reads a request's body after its headers were judged: JSON only (415), at most
/// `max` bytes (413, told by `Content-Length` before anything is read), within
/// `timeout` (408).
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with `Content-Type: application/json`",
        ));
    }
    if let Some(n) = body.size_hint().exact()
        && n > max as u64
    {
        return Err(too_large(max));
    }
    let read = async move {
        let mut body = body;
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let frame = frame.map_err(|_| bad_request("the request body could not be read"))?;
            if let Ok(data) = frame.into_data() {
                if out.len() + data.len() > max {
                    return Err(too_large(max));
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(out))
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "the request body was not received within {} s",
                    timeout.as_secs_f64()
                ),
            ))
        })
}

/// What admission decided for a request that may go on.
struct Admitted {
    /// answer 503 after processing (an injected lost answer)
    fail_after: bool,
    catalog: Arc<crate::platform::Indexed>,
}

/// A 429 answered from `wait`, with `Retry-After` in whole seconds (at least 1).
fn limited(code: &str, message: &str, wait: Duration) -> ApiError {
    let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message);
    err.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
    err
}

/// The failed-authentication limit, then the token: the token's hash when it is a
/// known one for `workspace` (`None`: for any workspace). A 401 counts as a failure of
/// the client's address.
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    peer: Option<conn::Peer>,
    workspace: Option<&str>,
) -> Result<String, ApiError> {
    let ip = peer.map(|p| p.0.ip());
    if let Some(wait) = ip.and_then(|ip| app.failures.blocked(ip)) {
        return Err(limited(
            "too_many_auth_failures",
            "too many failed authentications from this address; retry after the time in Retry-After",
            wait,
        ));
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match app.tokens.check(authorization, workspace) {
        auth::Verdict::Allowed(hash) => Ok(hash),
        auth::Verdict::Unauthenticated => {
            if let Some(ip) = ip {
                app.failures.failed(ip);
            }
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required",
            ))
        }
        auth::Verdict::Forbidden => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "the token is not allowed to use workspace `{}`",
                workspace.unwrap_or("")
            ),
        )),
    }
}

/// Latency, failed-authentication limit, token, workspace, rate limit and injected
/// failures, in that order; nothing of the body has been read yet.
async fn admit(
    app: &App,
    headers: &HeaderMap,
    peer: Option<conn::Peer>,
    workspace: &str,
) -> Result<Admitted, ApiError> {
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    let token = authenticate(app, headers, peer, Some(workspace))?;
    {}
    let Some(catalog) = app.catalogs.get(workspace).cloned() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "workspace_not_found",
            format!("workspace `{workspace}` is not served here"),
        ));
    };
    if let Err(wait) = app.limiter.admit(&token) {
        return Err(limited(
            "rate_limited",
            "too many requests for this token; retry after the time in Retry-After",
            wait,
        ));
    }
    let mut roll: f64 = rand::random();
    let mut fail_after = false;
    for (status, share) in &app.fail_rates {
        if roll < *share {
            if *status == 503 {
                fail_after = true;
            } else {
                let mut err = ApiError::new(
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
                    "injected",
                    "a failure injected by --fail-rate",
                );
                err.retry_after = Some(1);
                return Err(err);
            }
            break;
        }
        roll -= share;
    }
    Ok(Admitted {
        fail_after,
        catalog,
    })
}

fn injected_503() -> ApiError {
    let mut err = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "injected",
        "a failure injected by --fail-rate (the request may have been processed)",
    );
    err.retry_after = Some(1);
    err
}

fn json_response(status: StatusCode, body: String, version: Option<u64>) -> Response {
    let mut resp = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(v) = version
        && let Ok(h) = HeaderValue::from_str(&format!("\"{v}\""))
    {
        resp.headers_mut().insert(header::ETAG, h);
    }
    resp
}

/// The client address a connection put on the request (absent only in unit tests).
fn peer_of(req_peer: Option<axum::Extension<conn::Peer>>) -> Option<conn::Peer> {
    req_peer.map(|axum::Extension(p)| p)
}

type PeerExt = Option<axum::Extension<conn::Peer>>;

async fn get_catalog(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(workspace) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    if adm.fail_after {
        return Err(injected_503());
    }
    let body = CatalogAnswer {
        workspace,
        catalog: adm.catalog.catalog().clone(),
    };
    Ok(json_response(
        StatusCode::OK,
        serde_json::to_string(&body).unwrap_or_default(),
        None,
    ))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
}

async fn list_resources(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(workspace) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    let Query(q) = query.map_err(|e| bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(app.max_page);
    if limit == 0 || limit > app.max_page {
        return Err(bad_request(format!(
            "limit must be between 1 and {} (the largest page), not {limit}",
            app.max_page
        )));
    }
    if adm.fail_after {
        return Err(injected_503());
    }
    let app2 = app.clone();
    let rows =
        blocking(move || Ok(app2.store.page(&workspace, q.after.as_deref(), limit)?)).await?;
    let page = Page {
        revision: rows.revision,
        resources: rows.resources,
        next: rows.next,
    };
    Ok(json_response(
        StatusCode::OK,
        serde_json::to_string(&page).unwrap_or_default(),
        None,
    ))
}

async fn get_resource(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((workspace, key)) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    if adm.fail_after {
        return Err(injected_503());
    }
    let app2 = app.clone();
    let k = key.clone();
    let live = blocking(move || Ok(app2.store.get(&workspace, &k)?)).await?;
    match live {
        Some(l) => Ok(json_response(
            StatusCode::OK,
            serde_json::to_string(&l).unwrap_or_default(),
            Some(l.version),
        )),
        None => Err(BackendError::from(Rejection::NotFound(key)).into()),
    }
}

/// The idempotency key of a request and the fingerprint of what it asks.
fn idempotency(
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Option<(String, String)>, ApiError> {
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
        .ok_or_else(|| bad_request("Idempotency-Key must be 1 to 255 visible characters"))?;
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut text = format!("{method}\n{path}\n{if_match}\n").into_bytes();
    text.extend_from_slice(body);
    Ok(Some((key.to_string(), sha256_hex(&text))))
}

/// The version an `If-Match` header names; `*` names none. Required on updates and
/// deletes, so a client cannot overwrite a change it has not seen by accident. An empty
/// `If-Match` is an empty list of versions, no condition at all: it is treated as absent
/// (428).
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let value = headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").trim())
        .filter(|v| !v.is_empty());
    let Some(v) = value else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match with the version the change is based on is required",
        ));
    };
    if v == "*" {
        return Ok(None);
    }
    let tag = v.strip_prefix("W/").unwrap_or(v);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag)
        .parse()
        .map(Some)
        .map_err(|_| bad_request("If-Match must be one ETag such as \"42\", or *"))
}

fn parse_body(bytes: &[u8]) -> Result<WriteBody, ApiError> {
    let parsed: WriteBody = serde_json::from_slice(bytes).map_err(|e| {
        // A kind the platform does not know is a rule of the format, named as such.
        let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
        let resource = &value["resource"];
        match crate::platform::rules::check_kind(&resource["kind"]) {
            Err(reason) => ApiError::from(BackendError::from(Rejection::Refused {
                address: resource["address"]
                    .as_str()
                    .unwrap_or_default()
                    .chars()
                    .take(MAX_ADDRESS)
                    .collect(),
                reason,
            })),
            Ok(()) => bad_request(format!("the body is not a write: {e}")),
        }
    })?;
    if parsed.resource.address.is_empty() || parsed.resource.address.len() > MAX_ADDRESS {
        return Err(bad_request(
            "the resource address must be 1 to 512 characters",
        ));
    }
    Ok(parsed)
}

async fn commit(
    app: Shared,
    workspace: String,
    adm: Admitted,
    req: store::WriteRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .committer
        .write(store::Job {
            workspace,
            catalog: adm.catalog,
            request: req,
        })
        .await?;
    if answer.replayed {
        app.metrics.replays.fetch_add(1, Ordering::Relaxed);
    }
    if adm.fail_after {
        return Err(injected_503());
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut resp = if status == StatusCode::NO_CONTENT {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_response(status, answer.body, Some(answer.version))
    };
    if answer.replayed {
        resp.headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(resp)
}

async fn create_resource(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Path(workspace) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    let path = format!("/v1/workspaces/{workspace}/resources");
    // Checked on the headers, before the body is read.
    if headers.get(IDEMPOTENCY_KEY).is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
            "a create needs an Idempotency-Key header, so that a retry never creates twice",
        ));
    }
    let bytes = read_body(&headers, body, app.max_body, app.body_timeout).await?;
    let wb = parse_body(&bytes)?;
    let Some(idem) = idempotency(&headers, &Method::POST, &path, &bytes)? else {
        return Err(bad_request("Idempotency-Key is missing"));
    };
    let req = store::WriteRequest {
        key: wb.resource.key(),
        write: Write {
            op: WriteOp::Create,
            resource: wb.resource,
            expected_version: None,
            applied_hash: wb.applied_hash,
            applied_by: wb.applied_by,
        },
        idempotency: Some(idem),
    };
    commit(app, workspace, adm, req).await
}

async fn update_resource(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Path((workspace, key)) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    let expected = if_match(&headers)?;
    let bytes = read_body(&headers, body, app.max_body, app.body_timeout).await?;
    let wb = parse_body(&bytes)?;
    if wb.resource.key() != key {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "key_mismatch",
            format!(
                "the resource's key is `{}`, the path names `{key}`",
                wb.resource.key()
            ),
        ));
    }
    let path = format!("/v1/workspaces/{workspace}/resources/{key}");
    let idem = idempotency(&headers, &Method::PUT, &path, &bytes)?;
    let req = store::WriteRequest {
        key,
        write: Write {
            op: WriteOp::Update,
            resource: wb.resource,
            expected_version: expected,
            applied_hash: wb.applied_hash,
            applied_by: wb.applied_by,
        },
        idempotency: idem,
    };
    commit(app, workspace, adm, req).await
}

async fn delete_resource(
    State(app): State<Shared>,
    peer: PeerExt,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((workspace, key)) = path.map_err(path_error)?;
    let adm = admit(&app, &headers, peer_of(peer), &workspace).await?;
    let expected = if_match(&headers)?;
    let path = format!("/v1/workspaces/{workspace}/resources/{key}");
    let idem = idempotency(&headers, &Method::DELETE, &path, b"")?;
    let req = store::WriteRequest {
        write: Write {
            op: WriteOp::Delete,
            // Filled in with the live resource by the store.
            resource: Resource::new(key.clone(), Kind::Profile, Default::default()),
            expected_version: expected,
            applied_hash: None,
            applied_by: None,
        },
        key,
        idempotency: idem,
    };
    commit(app, workspace, adm, req).await
}

/// `/metrics`, served with `--metrics` only, to any valid token.
async fn metrics(State(app): State<Shared>, peer: PeerExt, headers: HeaderMap) -> Response {
    if let Err(e) = authenticate(&app, &headers, peer_of(peer), None) {
        return e.into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(app.committer.counters()),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Counts every API request by route and status.
async fn count(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let route = if !path.starts_with("/v1/") {
        None
    } else if path.ends_with("/catalog") {
        Some("catalog")
    } else if req.method() == Method::GET && path.ends_with("/resources") {
        Some("page")
    } else if req.method() == Method::GET {
        Some("resource")
    } else {
        Some("write")
    };
    let resp = next.run(req).await;
    if let Some(route) = route {
        app.metrics.total.fetch_add(1, Ordering::Relaxed);
        *app.metrics
            .by_route
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((route, resp.status().as_u16()))
            .or_default() += 1;
    }
    resp
}

/// The methods each route takes, for the `Allow` header of a 405.
fn allowed(path: &str) -> &'static str {
    let rest = path.strip_prefix("/v1/workspaces/").unwrap_or("");
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        [_, "resources"] => "GET, HEAD, POST",
        [_, "resources", _] => "GET, HEAD, PUT, DELETE",
        _ => "GET, HEAD",
    }
}

fn router(app: Shared, serve_metrics: bool) -> Router {
    let mut r = Router::new()
        .route("/v1/workspaces/{workspace}/catalog", get(get_catalog))
        .route(
            "/v1/workspaces/{workspace}/resources",
            get(list_resources).post(create_resource),
        )
        .route(
            "/v1/workspaces/{workspace}/resources/{key}",
            get(get_resource)
                .put(update_resource)
                .delete(delete_resource),
        )
        .route("/openapi.json", get(openapi));
    if serve_metrics {
        r = r.route("/metrics", get(metrics));
    }
    r.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .method_not_allowed_fallback(|req: Request| async move {
            let mut resp = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
            .into_response();
            resp.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static(allowed(req.uri().path())),
            );
            resp
        })
        .layer(axum::middleware::from_fn_with_state(app.clone(), count))
        .with_state(app)
}

async fn terminated() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The ranges of the options that become durations, rates and sizes: anything else is
/// refused before the server starts, so no number can panic or wedge it later.
pub mod limits {
    use std::time::Duration;

    /// the largest `--latency`
    pub const MAX_LATENCY: Duration = Duration::from_secs(60);
    /// the range of the connection and shutdown deadlines
    pub const DEADLINE: (Duration, Duration) =
        (Duration::from_millis(100), Duration::from_secs(3600));
    /// the range of `--rate-limit` when not 0, requests a second
    pub const RATE: (f64, f64) = (0.01, 1_000_000.0);
    /// the range of `--burst`
    pub const BURST: (f64, f64) = (1.0, 1_000_000.0);
    /// the range of `--max-body`, bytes
    pub const BODY: (usize, usize) = (1024, 64 << 20);
    /// the range of `--max-connections`
    pub const CONNECTIONS: (usize, usize) = (1, 65_536);
    /// the largest `--auth-failures`
    pub const AUTH_FAILURES: u32 = 1_000_000;
    /// the range of `--idempotency-ttl`
    pub const TTL: (Duration, Duration) =
        (Duration::from_secs(1), Duration::from_secs(30 * 24 * 3600));
}

fn check_options(o: &ServeOptions) -> Result<(), ServeError> {
    use limits::*;
    let bad =
        |what: &str, range: String| Err(ServeError::Option(format!("{what} must be {range}")));
    let secs = |d: Duration| format!("{} s", d.as_secs_f64());
    if o.latency > MAX_LATENCY {
        return bad("--latency", format!("at most {}", secs(MAX_LATENCY)));
    }
    for (what, d) in [
        ("--header-timeout", o.header_timeout),
        ("--body-timeout", o.body_timeout),
        ("--idle-timeout", o.idle_timeout),
        ("--shutdown-grace", o.shutdown_grace),
    ] {
        if !(DEADLINE.0..=DEADLINE.1).contains(&d) {
            return bad(
                what,
                format!("between {} and {}", secs(DEADLINE.0), secs(DEADLINE.1)),
            );
        }
    }
    if !(o.rate_limit == 0.0 || (RATE.0..=RATE.1).contains(&o.rate_limit)) {
        return bad(
            "--rate-limit",
            format!("0 (no limit) or between {} and {}", RATE.0, RATE.1),
        );
    }
    if !(BURST.0..=BURST.1).contains(&o.burst) {
        return bad("--burst", format!("between {} and {}", BURST.0, BURST.1));
    }
    if !(BODY.0..=BODY.1).contains(&o.max_body) {
        return bad(
            "--max-body",
            format!("between {} and {} bytes", BODY.0, BODY.1),
        );
    }
    if !(CONNECTIONS.0..=CONNECTIONS.1).contains(&o.max_connections) {
        return bad(
            "--max-connections",
            format!("between {} and {}", CONNECTIONS.0, CONNECTIONS.1),
        );
    }
    if o.auth_failures_per_minute > AUTH_FAILURES {
        return bad("--auth-failures", format!("at most {AUTH_FAILURES}"));
    }
    if !(TTL.0..=TTL.1).contains(&o.idempotency_ttl) {
        return bad(
            "--idempotency-ttl",
            format!("between {} and {}", secs(TTL.0), secs(TTL.1)),
        );
    }
    for (status, share) in &o.fail_rates {
        if !(*status == 429 || *status == 503) || !(0.0..=1.0).contains(share) {
            return bad(
                "--fail-rate",
                "429 or 503 with a share between 0 and 1".into(),
            );
        }
    }
    Ok(())
}

/// How often idempotency records are purged: a quarter of their lifetime, between a
/// second and an hour.
fn purge_interval(ttl: Duration) -> Duration {
    (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(3600))
}

/// Forgets expired idempotency records every `every`, for as long as the server runs.
async fn purge_loop(
    app: Shared,
    every: Duration,
    on_event: &(dyn Fn(Event) + Sync),
) -> std::convert::Infallible {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let app = app.clone();
        match tokio::task::spawn_blocking(move || app.store.purge_idempotency()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => on_event(Event::Purged(n)),
            Ok(Err(e)) => on_event(Event::PurgeFailed(e.to_string())),
            Err(e) => on_event(Event::PurgeFailed(e.to_string())),
        }
    }
}

/// Runs the server until SIGTERM or SIGINT, then lets the requests in flight finish for
/// up to the grace period, drops the connections still open, and returns.
pub fn run(options: ServeOptions, on_event: &(dyn Fn(Event) + Sync)) -> Result<(), ServeError> {
    check_options(&options)?;
    if options.tokens.is_empty() {
        return Err(ServeError::NoTokens);
    }
    if options.workspaces.is_empty() {
        return Err(ServeError::NoWorkspaces);
    }
    let store = Arc::new(store::Store::open_with_ttl(
        &options.data,
        options.synchronous,
        options.idempotency_ttl.as_secs() as i64,
    )?);
    let mut catalogs = HashMap::new();
    for (name, path) in &options.workspaces {
        let catalog = crate::platform::catalog::read(path).map_err(BackendError::from)?;
        let reconciled = store.ensure_workspace(name, &catalog)?;
        // Reported at every start, for as long as they are there.
        let live = store
            .snapshot(name)?
            .map(|s| s.resources)
            .unwrap_or_default();
        on_event(Event::Workspace {
            name: name.clone(),
            created: reconciled.created,
            added: reconciled.added,
            orphans: crate::platform::catalog::orphans(&catalog, &live)
                .into_iter()
                .map(|o| (o.address, o.entry))
                .collect(),
        });
        catalogs.insert(
            name.clone(),
            Arc::new(crate::platform::Indexed::new(catalog)),
        );
    }
    let committer = group::Committer::start(store.clone())?;
    let app = Arc::new(App {
        store,
        committer,
        catalogs,
        tokens: options.tokens,
        limiter: auth::RateLimiter::new(options.rate_limit, options.burst),
        failures: auth::FailureLimiter::new(options.auth_failures_per_minute),
        latency: options.latency,
        fail_rates: options.fail_rates,
        max_page: options.max_page.max(1),
        max_body: options.max_body,
        body_timeout: options.body_timeout,
        metrics: Metrics::default(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let deadlines = conn::Deadlines {
        header: options.header_timeout,
        idle: options.idle_timeout,
    };
    let result = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: options.listen.clone(),
                source,
            })?;
        on_event(Event::Listening(listener.local_addr()?));
        let purge = purge_loop(
            app.clone(),
            purge_interval(options.idempotency_ttl),
            on_event,
        );
        let serve = conn::serve(
            listener,
            router(app.clone(), options.metrics),
            deadlines,
            options.max_connections,
            options.shutdown_grace,
            terminated(),
            || on_event(Event::Stopping),
        );
        let stopped = tokio::select! {
            stopped = serve => stopped,
            never = purge => match never {},
        };
        if stopped.dropped > 0 {
            on_event(Event::Dropped(stopped.dropped));
        }
        Ok(())
    });
    // A database call still running (bounded by SQLite's busy timeout) is not waited for
    // beyond this.
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
