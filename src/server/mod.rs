//! `socialform serve`: the platform API of the `http` backend (`schemas/openapi.json`),
//! served over TCP with axum and kept in SQLite ([`store`]). It stands in for a platform
//! account shared by a team and is what the `http` backend's tests run against.
//!
//! Every request to `/v1` goes, in order, through: the injected latency (`--latency`),
//! the bearer token (401 without a known one, 403 for another workspace), the workspace
//! (404 when not served), the per-token rate limit (429 with `Retry-After`), and the
//! injected failures (`--fail-rate`: a 429 is answered before processing; a 503 on a write
//! is answered *after* the write was committed, like a gateway losing the answer, which is
//! what idempotency keys are for). Writes then apply the platform's rules (the sandbox's,
//! [`crate::backend::sandbox::check_write`]) in one transaction each.
//!
//! The library never prints: what happens is reported through [`Event`]s.

pub mod auth;
pub mod store;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::backend::http::{
    CatalogAnswer, ErrorBody, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, Page, WriteBody, refusal_code,
};
use crate::backend::{BackendError, Catalog, Write, WriteOp};
use crate::model::{Kind, Resource, sha256_hex};

pub use auth::Tokens;
pub use store::Synchronous;

/// The OpenAPI document of the API, as committed.
pub const OPENAPI: &str = include_str!("../../schemas/openapi.json");

/// Where the OpenAPI document is committed.
pub const OPENAPI_FILE: &str = "schemas/openapi.json";

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
            max_page: crate::backend::http::PAGE_SIZE,
            synchronous: Synchronous::Full,
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
    },
    /// the server accepts connections on this address
    Listening(SocketAddr),
    /// a termination signal arrived: finishing the requests in flight
    Stopping,
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
}

/// Request counters, served at `/metrics` (Prometheus text format).
#[derive(Debug, Default)]
pub struct Metrics {
    total: AtomicU64,
    replays: AtomicU64,
    by_route: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Metrics {
    fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# TYPE socialform_requests_total counter\n");
        out.push_str(&format!(
            "socialform_requests_total {}\n",
            self.total.load(Ordering::Relaxed)
        ));
        out.push_str("# TYPE socialform_idempotent_replays_total counter\n");
        out.push_str(&format!(
            "socialform_idempotent_replays_total {}\n",
            self.replays.load(Ordering::Relaxed)
        ));
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
    store: store::Store,
    catalogs: HashMap<String, Arc<Catalog>>,
    tokens: Tokens,
    limiter: auth::RateLimiter,
    latency: Duration,
    fail_rates: Vec<(u16, f64)>,
    max_page: usize,
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
            BackendError::Conflict { found, .. } => {
                let mut err =
                    ApiError::new(StatusCode::PRECONDITION_FAILED, "version_mismatch", message);
                err.body.current_version = Some(found);
                err
            }
            BackendError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            BackendError::AlreadyExists(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", message)
            }
            BackendError::Refused { reason, .. } => {
                let (code, subject) = refusal_code(&reason);
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message);
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
            store::WriteError::Rule(b) => b.into(),
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

fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than the server accepts",
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
    }
}

/// What admission decided for a request that may go on.
struct Admitted {
    /// answer 503 after processing (an injected lost answer)
    fail_after: bool,
    catalog: Arc<Catalog>,
}

/// Latency, token, workspace, rate limit and injected failures, in that order.
async fn admit(app: &App, headers: &HeaderMap, workspace: &str) -> Result<Admitted, ApiError> {
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match app.tokens.check(authorization, workspace) {
        auth::Verdict::Allowed(hash) => hash,
        auth::Verdict::Unauthenticated => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required",
            ));
        }
        auth::Verdict::Forbidden => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("the token is not allowed to use workspace `{workspace}`"),
            ));
        }
    };
    let Some(catalog) = app.catalogs.get(workspace).cloned() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "workspace_not_found",
            format!("workspace `{workspace}` is not served here"),
        ));
    };
    if let Err(wait) = app.limiter.admit(&token) {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests for this token; retry after the time in Retry-After",
        );
        err.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        return Err(err);
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

async fn get_catalog(
    State(app): State<Shared>,
    Path(workspace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
    if adm.fail_after {
        return Err(injected_503());
    }
    let body = CatalogAnswer {
        workspace,
        catalog: (*adm.catalog).clone(),
    };
    Ok(json_response(
        StatusCode::OK,
        serde_json::to_string(&body).unwrap_or_default(),
        None,
    ))
}

/// Query of a page read.
#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<usize>,
    after: Option<String>,
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
    Path(workspace): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let limit = q.limit.unwrap_or(app.max_page);
    if limit == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "limit must be at least 1",
        ));
    }
    let limit = limit.min(app.max_page);
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
    Path((workspace, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
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
        None => Err(BackendError::NotFound(key).into()),
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
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Idempotency-Key must be 1 to 255 visible characters",
            )
        })?;
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut text = format!("{method}\n{path}\n{if_match}\n").into_bytes();
    text.extend_from_slice(body);
    Ok(Some((key.to_string(), sha256_hex(&text))))
}

/// The version an `If-Match` header names; `*` names none. Required on updates and
/// deletes, so a client cannot overwrite a change it has not seen by accident.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match with the version the change is based on is required",
        ));
    };
    let v = v.to_str().unwrap_or("").trim();
    if v == "*" {
        return Ok(None);
    }
    v.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "If-Match must be an ETag such as \"42\"",
            )
        })
}

fn parse_body(body: Result<Bytes, BytesRejection>) -> Result<(Bytes, WriteBody), ApiError> {
    let bytes = body.map_err(body_error)?;
    let parsed: WriteBody = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body is not a write: {e}"),
        )
    })?;
    if parsed.resource.address.is_empty() || parsed.resource.address.len() > 512 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the resource address must be 1 to 512 characters",
        ));
    }
    Ok((bytes, parsed))
}

async fn commit(
    app: Shared,
    workspace: String,
    adm: Admitted,
    req: store::WriteRequest,
) -> Result<Response, ApiError> {
    let app2 = app.clone();
    let answer = blocking(move || Ok(app2.store.write(&workspace, &adm.catalog, req)?)).await?;
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
    Path(workspace): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
    let (bytes, wb) = parse_body(body)?;
    let path = format!("/v1/workspaces/{workspace}/resources");
    let Some(idem) = idempotency(&headers, &Method::POST, &path, &bytes)? else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
            "a create needs an Idempotency-Key header, so that a retry never creates twice",
        ));
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
    Path((workspace, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
    let expected = if_match(&headers)?;
    let (bytes, wb) = parse_body(body)?;
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
    Path((workspace, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let adm = admit(&app, &headers, &workspace).await?;
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

async fn metrics(State(app): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
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

fn router(app: Shared, max_body: usize) -> Router {
    Router::new()
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
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
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

/// Runs the server until SIGTERM or SIGINT, then finishes the requests in flight and
/// returns.
pub fn run(options: ServeOptions, on_event: &(dyn Fn(Event) + Sync)) -> Result<(), ServeError> {
    if options.tokens.is_empty() {
        return Err(ServeError::NoTokens);
    }
    if options.workspaces.is_empty() {
        return Err(ServeError::NoWorkspaces);
    }
    let store = store::Store::open(&options.data, options.synchronous)?;
    let mut catalogs = HashMap::new();
    for (name, path) in &options.workspaces {
        let catalog = crate::backend::sandbox::read_catalog(path)?;
        let created = store.ensure_workspace(name, &catalog)?;
        on_event(Event::Workspace {
            name: name.clone(),
            created,
        });
        catalogs.insert(name.clone(), Arc::new(catalog));
    }
    let app = Arc::new(App {
        store,
        catalogs,
        tokens: options.tokens,
        limiter: auth::RateLimiter::new(options.rate_limit, options.burst),
        latency: options.latency,
        fail_rates: options.fail_rates,
        max_page: options.max_page.max(1),
        metrics: Metrics::default(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: options.listen.clone(),
                source,
            })?;
        on_event(Event::Listening(listener.local_addr()?));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, router(app, options.max_body))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future();
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => return Ok(result?),
            _ = terminated() => {}
        }
        on_event(Event::Stopping);
        let _ = stop.send(());
        server.await?;
        Ok(())
    })
}
