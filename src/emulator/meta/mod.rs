//! `socialform emulate meta`: Meta's Graph API as the `meta` backend uses it (Messenger
//! Profile API for Pages and linked Instagram accounts, WhatsApp Cloud API business
//! profiles, the Resumable Upload API), implemented from Meta's documentation and
//! served over HTTP. `docs/graph-emulator.md` lists every rule with its source and what
//! could not be confirmed.
//!
//! Routing follows the Graph API's shape ("Graph API Overview",
//! <https://developers.facebook.com/docs/graph-api/overview>): `/{version}/{node}/{edge}`,
//! where the node is an id, the `me` alias (the Page, for a Page access token: "Request
//! URI ... /me/messenger_profile?access_token=<PAGE_ACCESS_TOKEN>" on the Messenger
//! Profile API page), the `app` alias (the token's app) or an `upload:` session. Tokens
//! come as the `access_token` query parameter or an `Authorization: Bearer` (or
//! `OAuth`) header.
//!
//! Emulator-only endpoints, not Graph and needing no token, live under `/__emulator/`:
//! request counters (`GET`/`DELETE /__emulator/requests`), uploaded pictures
//! (`/__emulator/pictures/<id>`) and the files of `--files DIR`
//! (`/__emulator/files/<name>`).
//!
//! The library never prints: what happens is reported through [`Event`]s.

pub mod accounts;
pub mod errors;
pub mod messenger;
pub mod state;
pub mod upload;
pub mod whatsapp;

use std::collections::{BTreeMap, VecDeque};
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

pub use accounts::{Accounts, AccountsError};
use errors::GraphError;
use messenger::{Platform, Profile};
use upload::Uploads;
use whatsapp::BusinessProfile;

/// The Messenger Profile API's rate limit: calls per window, per Page. Meta's: "Calls to
/// the Messenger Profile API are limited to 10 API calls per 10 minute interval. This
/// rate limit is enforced per Page." (Messenger Profile API page.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// calls allowed in one window
    pub calls: usize,
    /// the window
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            calls: 10,
            window: Duration::from_secs(600),
        }
    }
}

/// How `socialform emulate meta` runs.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// the address to listen on (`127.0.0.1:0` picks a free port)
    pub listen: String,
    /// the accounts served
    pub accounts: Accounts,
    /// a directory served read-only at `/__emulator/files/<name>`
    pub files: Option<PathBuf>,
    /// the Messenger Profile API rate limit
    pub profile_rate_limit: RateLimit,
    /// a JSON file the profiles and pictures are kept in across restarts
    pub state: Option<PathBuf>,
}

/// What the emulator reports while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// it accepts connections on this address
    Listening(SocketAddr),
    /// a termination signal arrived: finishing the requests in flight
    Stopping,
}

/// Why the emulator could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// the address could not be bound
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// the address
        addr: String,
        /// the cause
        source: std::io::Error,
    },
    /// `--files` is not a readable directory
    #[error("--files `{path}` is not a readable directory: {source}")]
    Files {
        /// the path
        path: String,
        /// the cause
        source: std::io::Error,
    },
    /// the state file cannot be read
    #[error(transparent)]
    State(#[from] state::StateError),
    /// the runtime or the server failed
    #[error("the emulator failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The edges the emulator serves, by name (others are counted as `other_edge`).
const KNOWN_EDGES: &[&str] = &["messenger_profile", "whatsapp_business_profile", "uploads"];

/// The largest JSON body taken.
const MAX_JSON_BODY: usize = 1 << 20;

/// The largest file served from `--files`.
const MAX_SERVED_FILE: u64 = 64 << 20;

struct PageState {
    id: String,
    name: String,
    token_hash: String,
    profile: Profile,
    instagram: Option<(String, Profile)>,
    /// when the Messenger Profile calls of the current window were made
    calls: VecDeque<Instant>,
}

struct PhoneState {
    id: String,
    verified_name: String,
    token_hash: String,
    profile: BusinessProfile,
}

#[derive(Default)]
struct AccountCount {
    total: u64,
    by_endpoint: BTreeMap<String, u64>,
}

/// Graph requests seen, for tests to hold plans and applies against a request budget.
#[derive(Default)]
struct Counters {
    total: u64,
    unattributed: u64,
    by_endpoint: BTreeMap<String, u64>,
    accounts: BTreeMap<String, AccountCount>,
}

impl Counters {
    fn record(&mut self, endpoint: &str, account: Option<&str>) {
        self.total += 1;
        *self.by_endpoint.entry(endpoint.to_string()).or_default() += 1;
        match account {
            Some(a) => {
                let c = self.accounts.entry(a.to_string()).or_default();
                c.total += 1;
                *c.by_endpoint.entry(endpoint.to_string()).or_default() += 1;
            }
            None => self.unattributed += 1,
        }
    }

    fn render(&self) -> Value {
        let accounts: Map<String, Value> = self
            .accounts
            .iter()
            .map(|(k, c)| {
                (
                    k.clone(),
                    json!({ "total": c.total, "by_endpoint": c.by_endpoint }),
                )
            })
            .collect();
        json!({
            "total": self.total,
            "unattributed": self.unattributed,
            "by_endpoint": self.by_endpoint,
            "accounts": accounts,
        })
    }
}

struct World {
    pages: Vec<PageState>,
    phones: Vec<PhoneState>,
    uploads: Uploads,
    counters: Counters,
}

struct App {
    app_id: String,
    app_name: String,
    limit: RateLimit,
    files: Option<PathBuf>,
    state: Option<PathBuf>,
    base_url: String,
    world: Mutex<World>,
}

type Shared = Arc<App>;

/// What a Graph request is counted as.
struct Outcome {
    result: Result<Value, GraphError>,
    endpoint: String,
    account: Option<String>,
}

impl Outcome {
    fn new(endpoint: &str, account: Option<&str>, result: Result<Value, GraphError>) -> Outcome {
        Outcome {
            result,
            endpoint: endpoint.to_string(),
            account: account.map(str::to_string),
        }
    }
}

/// The method as counted: counter keys come from a fixed set, so no request can grow
/// the counters.
fn verb(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// `vNN.N`: the version prefix every Graph path starts with here.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return false;
    };
    let num = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    num(major) && num(minor) && major != "0" && !major.starts_with('0')
}

/// The request's token: the `access_token` parameter or the `Authorization` header
/// (`Bearer` or `OAuth`). Two different tokens, or another scheme, is an invalid token.
fn presented_token(
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<(Option<String>, bool), GraphError> {
    let from_query = query
        .iter()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.clone());
    let from_header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = v.to_str().map_err(|_| GraphError::invalid_token())?.trim();
            let (scheme, rest) = v.split_once(' ').ok_or_else(GraphError::invalid_token)?;
            if !(scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth")) {
                return Err(GraphError::invalid_token());
            }
            Some(rest.trim().to_string())
        }
    };
    let in_header = from_header.is_some();
    match (from_query, from_header) {
        (Some(q), Some(h)) if q != h => Err(GraphError::invalid_token()),
        (q, h) => Ok((h.or(q).filter(|t| !t.is_empty()), in_header)),
    }
}

/// One routed Graph request.
#[derive(Clone, Copy)]
struct Call<'a> {
    method: &'a Method,
    node: &'a str,
    edge: Option<&'a str>,
    /// what the counters call it
    endpoint: &'a str,
    query: &'a [(String, String)],
    headers: &'a HeaderMap,
    /// whether the token came in the `Authorization` header
    in_header: bool,
    body: &'a [u8],
}

enum Target {
    Page(usize),
    Instagram(usize),
    Phone(usize),
    App,
    Upload(String),
}

fn json_body(bytes: &[u8]) -> Result<Map<String, Value>, GraphError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(GraphError::invalid_param(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(GraphError::invalid_param(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn query_list(query: &[(String, String)], key: &str) -> Vec<String> {
    query
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl App {
    fn picture_url(&self, id: &str) -> String {
        format!("{}/__emulator/pictures/{id}", self.base_url)
    }

    /// Routes one Graph request and counts it, whatever its answer.
    fn dispatch(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Outcome {
        let mut world = self.world.lock().unwrap_or_else(|e| e.into_inner());
        let mut outcome = self.route(&mut world, method, path, query, headers, body);
        if let Some(file) = &self.state
            && outcome.result.is_ok()
            && matches!(*method, Method::POST | Method::DELETE)
            && state::save(file, &world).is_err()
        {
            outcome.result = Err(GraphError::unexpected());
        }
        world
            .counters
            .record(&outcome.endpoint, outcome.account.as_deref());
        outcome
    }

    fn route(
        &self,
        world: &mut World,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Outcome {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments: Vec<&str> = trimmed.split('/').collect();
        let unknown = || {
            Outcome::new(
                &format!("{} unknown", verb(method)),
                None,
                Err(GraphError::unknown_path(path)),
            )
        };
        if !is_version(segments[0]) {
            return unknown();
        }
        let rest = &segments[1..];
        if rest.is_empty() || rest.len() > 2 || rest.iter().any(|s| s.is_empty()) {
            return if rest.len() > 2 {
                Outcome::new(
                    &format!("{} unknown", verb(method)),
                    None,
                    Err(GraphError::unknown_path(&format!("/{}", rest.join("/")))),
                )
            } else {
                unknown()
            };
        }
        let node = rest[0].replace("%3A", ":").replace("%3a", ":");
        let edge = rest.get(1).copied();
        let verb = verb(method);
        let endpoint = match (node.starts_with("upload:"), edge) {
            (true, _) => format!("{verb} upload"),
            (false, Some(e)) if KNOWN_EDGES.contains(&e) => format!("{verb} {e}"),
            (false, Some(_)) => format!("{verb} other_edge"),
            (false, None) if node == "app" => format!("{verb} app"),
            (false, None) => format!("{verb} node"),
        };
        let (token, in_header) = match presented_token(headers, query) {
            Ok(t) => t,
            Err(e) => return Outcome::new(&endpoint, None, Err(e)),
        };
        let target = match self.resolve(world, method, &node, token.as_deref()) {
            Ok(t) => t,
            Err(e) => return Outcome::new(&endpoint, None, Err(e)),
        };
        let call = Call {
            method,
            node: &node,
            edge,
            endpoint: &endpoint,
            query,
            headers,
            in_header,
            body,
        };
        self.handle(world, target, &call)
    }

    /// Which object a node names for this token. A token that may not see the object
    /// gets the same answer as an object that does not exist.
    fn resolve(
        &self,
        world: &World,
        method: &Method,
        node: &str,
        token: Option<&str>,
    ) -> Result<Target, GraphError> {
        let Some(token) = token else {
            return Err(if node == "me" {
                GraphError::me_needs_token()
            } else {
                GraphError::token_required()
            });
        };
        let hash = crate::model::sha256_hex(token.as_bytes());
        let page_of = world.pages.iter().position(|p| p.token_hash == hash);
        let phone_known = world.phones.iter().any(|p| p.token_hash == hash);
        if page_of.is_none() && !phone_known {
            return Err(GraphError::invalid_token());
        }
        let denied = || GraphError::unsupported(method.as_str(), node);
        if node == "me" {
            // A Page token's `/me` is the Page; a WhatsApp (system user) token's `/me`
            // is a user, which has none of the edges emulated here.
            return page_of.map(Target::Page).ok_or_else(denied);
        }
        if node == "app" || node == self.app_id {
            return Ok(Target::App);
        }
        if node.starts_with("upload:") {
            return if world.uploads.exists(node) {
                Ok(Target::Upload(node.to_string()))
            } else {
                Err(denied())
            };
        }
        if let Some(i) = world.pages.iter().position(|p| p.id == node) {
            return if world.pages[i].token_hash == hash {
                Ok(Target::Page(i))
            } else {
                Err(denied())
            };
        }
        if let Some(i) = world
            .pages
            .iter()
            .position(|p| p.instagram.as_ref().is_some_and(|(ig, _)| ig == node))
        {
            return if world.pages[i].token_hash == hash {
                Ok(Target::Instagram(i))
            } else {
                Err(denied())
            };
        }
        if let Some(i) = world.phones.iter().position(|p| p.id == node) {
            return if world.phones[i].token_hash == hash {
                Ok(Target::Phone(i))
            } else {
                Err(denied())
            };
        }
        Err(denied())
    }

    fn handle(&self, world: &mut World, target: Target, call: &Call) -> Outcome {
        let Call {
            method,
            node,
            edge,
            endpoint,
            query,
            in_header,
            body,
            ..
        } = *call;
        let unsupported = || Err(GraphError::unsupported(method.as_str(), node));
        match target {
            Target::Page(i) => {
                let page_id = world.pages[i].id.clone();
                match edge {
                    None if method == Method::GET => Outcome::new(
                        endpoint,
                        Some(&page_id),
                        Ok(json!({ "name": world.pages[i].name, "id": page_id })),
                    ),
                    None => Outcome::new(endpoint, Some(&page_id), unsupported()),
                    Some("messenger_profile") => self.messenger_profile(world, i, call),
                    Some(other) => Outcome::new(
                        endpoint,
                        Some(&page_id),
                        Err(GraphError::nonexisting_field(other, "Page")),
                    ),
                }
            }
            Target::Instagram(i) => {
                let ig = world.pages[i]
                    .instagram
                    .as_ref()
                    .map(|(id, _)| id.clone())
                    .unwrap_or_default();
                let result = match edge {
                    None if method == Method::GET => Ok(json!({ "id": ig })),
                    None => unsupported(),
                    Some(other) => Err(GraphError::nonexisting_field(other, "IGUser")),
                };
                Outcome::new(endpoint, Some(&ig), result)
            }
            Target::Phone(i) => {
                let id = world.phones[i].id.clone();
                let result = match (edge, method) {
                    (None, &Method::GET) => {
                        Ok(json!({ "verified_name": world.phones[i].verified_name, "id": id }))
                    }
                    (None, _) => unsupported(),
                    (Some("whatsapp_business_profile"), &Method::GET) => {
                        let fields = query_list(query, "fields");
                        whatsapp::read(&world.phones[i].profile, &fields, &|p| self.picture_url(p))
                    }
                    (Some("whatsapp_business_profile"), &Method::POST) => {
                        self.business_profile_post(world, i, body)
                    }
                    (Some("whatsapp_business_profile"), _) => unsupported(),
                    (Some(other), _) => Err(GraphError::nonexisting_field(
                        other,
                        "WhatsAppBusinessPhoneNumber",
                    )),
                };
                Outcome::new(endpoint, Some(&id), result)
            }
            Target::App => {
                let result = match (edge, method) {
                    (None, &Method::GET) => Ok(json!({ "id": self.app_id, "name": self.app_name })),
                    (Some("uploads"), &Method::POST) => world.uploads.start(query),
                    (None | Some("uploads"), _) => unsupported(),
                    (Some(other), _) => Err(GraphError::nonexisting_field(other, "Application")),
                };
                Outcome::new(endpoint, Some(&self.app_id), result)
            }
            Target::Upload(id) => {
                let result = match (edge, method) {
                    (Some(other), _) => Err(GraphError::nonexisting_field(other, "UploadSession")),
                    (None, &Method::GET) => world
                        .uploads
                        .status(&id)
                        .ok_or_else(|| GraphError::unsupported("GET", &id)),
                    (None, &Method::POST) if !in_header => Err(GraphError::token_required()),
                    (None, &Method::POST) => {
                        let offset = call
                            .headers
                            .get("file_offset")
                            .and_then(|v| v.to_str().ok());
                        world.uploads.transfer(&id, offset, body)
                    }
                    (None, _) => unsupported(),
                };
                Outcome::new(endpoint, Some(&self.app_id), result)
            }
        }
    }

    fn messenger_profile(&self, world: &mut World, i: usize, call: &Call) -> Outcome {
        let Call {
            method,
            node,
            endpoint,
            query,
            body,
            ..
        } = *call;
        let page_id = world.pages[i].id.clone();
        let parsed = if method == Method::GET {
            Ok(Map::new())
        } else {
            json_body(body)
        };
        let body = match parsed {
            Ok(b) => b,
            Err(e) => return Outcome::new(endpoint, Some(&page_id), Err(e)),
        };
        let platform = {
            let in_query = query
                .iter()
                .find(|(k, _)| k == "platform")
                .map(|(_, v)| v.as_str());
            let in_body = body.get("platform").map(|v| v.as_str().unwrap_or("?"));
            match (in_query, in_body) {
                (Some(q), Some(b)) if q != b => Err(GraphError::invalid_param(
                    "Param platform differs between the query and the body",
                )),
                (q, b) => Platform::parse(q.or(b)),
            }
        };
        let platform = match platform {
            Ok(p) => p,
            Err(e) => return Outcome::new(endpoint, Some(&page_id), Err(e)),
        };
        let page = &mut world.pages[i];
        let account = match (platform, &page.instagram) {
            (Platform::Messenger, _) => page_id.clone(),
            (Platform::Instagram, Some((ig, _))) => ig.clone(),
            (Platform::Instagram, None) => {
                return Outcome::new(
                    endpoint,
                    Some(&page_id),
                    Err(GraphError::invalid_param(
                        "The Page has no linked Instagram professional account (platform=instagram)",
                    )),
                );
            }
        };
        if !matches!(*method, Method::GET | Method::POST | Method::DELETE) {
            return Outcome::new(
                endpoint,
                Some(&account),
                Err(GraphError::unsupported(method.as_str(), node)),
            );
        }
        // The limit is per Page: calls for the linked Instagram account, made with the
        // Page's token on the Page's endpoint, count in the same window.
        let now = Instant::now();
        while page
            .calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limit.window)
        {
            page.calls.pop_front();
        }
        if page.calls.len() >= self.limit.calls {
            return Outcome::new(endpoint, Some(&account), Err(GraphError::rate_limited()));
        }
        page.calls.push_back(now);
        let profile = match platform {
            Platform::Messenger => &mut page.profile,
            Platform::Instagram => match page.instagram.as_mut() {
                Some((_, p)) => p,
                None => {
                    return Outcome::new(
                        endpoint,
                        Some(&account),
                        Err(GraphError::unsupported(method.as_str(), node)),
                    );
                }
            },
        };
        let result = match *method {
            Method::GET => messenger::read(profile, &query_list(query, "fields")),
            Method::POST => {
                messenger::write(profile, &body, platform).map(|()| json!({ "result": "success" }))
            }
            _ => {
                let fields = match body.get("fields") {
                    Some(Value::Array(list)) => list
                        .iter()
                        .map(|v| {
                            v.as_str().map(str::to_string).ok_or_else(|| {
                                GraphError::invalid_param(
                                    "Param fields must be an array of property names",
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>(),
                    Some(_) => Err(GraphError::invalid_param(
                        "Param fields must be an array of property names",
                    )),
                    None => Ok(query_list(query, "fields")),
                };
                if let Some(k) = body.keys().find(|k| *k != "fields" && *k != "platform") {
                    Err(GraphError::invalid_param(format!(
                        "Param {k} is not a parameter of a Messenger Profile DELETE"
                    )))
                } else {
                    fields.and_then(|f| {
                        messenger::delete(profile, &f, platform)
                            .map(|()| json!({ "result": "success" }))
                    })
                }
            }
        };
        Outcome::new(endpoint, Some(&account), result)
    }

    fn business_profile_post(
        &self,
        world: &mut World,
        i: usize,
        body: &[u8],
    ) -> Result<Value, GraphError> {
        let body = json_body(body)?;
        let update = whatsapp::parse_update(&body)?;
        let picture = match &update.picture_handle {
            None => None,
            Some(h) => Some(
                world
                    .uploads
                    .resolve(h)
                    .map(str::to_string)
                    .ok_or_else(|| GraphError::invalid_param("Param profile_picture_handle is not a handle of a finished upload (Resumable Upload API)"))?,
            ),
        };
        whatsapp::apply(&mut world.phones[i].profile, update, picture);
        Ok(json!({ "success": true }))
    }
}

/// Every Graph path.
async fn graph(State(app): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let limit = if path.contains("upload:") || path.contains("upload%3") {
        upload::MAX_FILE as usize + 1024
    } else {
        MAX_JSON_BODY
    };
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let e =
                GraphError::invalid_param(format!("The request body is larger than {limit} bytes"));
            let mut world = app.world.lock().unwrap_or_else(|e| e.into_inner());
            world
                .counters
                .record(&format!("{} unknown", verb(&parts.method)), None);
            return e.into_response();
        }
    };
    let app2 = app.clone();
    let method = parts.method.clone();
    let headers = parts.headers.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        app2.dispatch(&method, &path, &query, &headers, &bytes)
    })
    .await;
    match outcome {
        Ok(Outcome { result: Ok(v), .. }) => json_response(StatusCode::OK, &v),
        Ok(Outcome { result: Err(e), .. }) => e.into_response(),
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": { "message": "An unknown error has occurred.", "type": "OAuthException", "code": 1 } }),
        ),
    }
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut resp = (status, v.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    resp
}

async fn requests(State(app): State<Shared>) -> Response {
    let world = app.world.lock().unwrap_or_else(|e| e.into_inner());
    json_response(StatusCode::OK, &world.counters.render())
}

async fn reset_requests(State(app): State<Shared>) -> Response {
    let mut world = app.world.lock().unwrap_or_else(|e| e.into_inner());
    world.counters = Counters::default();
    StatusCode::NO_CONTENT.into_response()
}

fn emulator_not_found(what: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "error": format!("no such {what}") }),
    )
}

async fn picture(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    let world = app.world.lock().unwrap_or_else(|e| e.into_inner());
    match world.uploads.picture(&id) {
        Some(p) => ([(header::CONTENT_TYPE, p.kind.mime())], p.bytes.clone()).into_response(),
        None => emulator_not_found("picture"),
    }
}

fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn served_file(State(app): State<Shared>, Path(name): Path<String>) -> Response {
    let Some(dir) = app.files.clone() else {
        return emulator_not_found("file (the emulator runs without --files)");
    };
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return emulator_not_found("file");
    }
    let kind = content_type(&name);
    let read = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let path = dir.join(&name).canonicalize().ok()?;
        if !path.starts_with(&dir) {
            return None;
        }
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SERVED_FILE {
            return None;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .ok()?
            .take(MAX_SERVED_FILE + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        (bytes.len() as u64 <= MAX_SERVED_FILE).then_some(bytes)
    })
    .await
    .ok()
    .flatten();
    match read {
        Some(bytes) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        None => emulator_not_found("file"),
    }
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/__emulator/requests", get(requests).delete(reset_requests))
        .route("/__emulator/pictures/{id}", get(picture))
        .route("/__emulator/files/{name}", get(served_file))
        .fallback(graph)
        .with_state(app)
}

/// SIGTERM and SIGINT, listened for from before the emulator says it listens, so a
/// signal sent as soon as the address is printed still stops it gracefully.
struct Stop {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    fn listen() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Stop {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Stop {}
        }
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = recv(&mut self.term) => {}
                _ = recv(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs the emulator until SIGTERM or SIGINT, then finishes the requests in flight and
/// returns.
pub fn run(
    options: EmulatorOptions,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<(), EmulatorError> {
    let files = match &options.files {
        None => None,
        Some(dir) => {
            let canon = dir.canonicalize().map_err(|source| EmulatorError::Files {
                path: dir.display().to_string(),
                source,
            })?;
            std::fs::read_dir(&canon).map_err(|source| EmulatorError::Files {
                path: dir.display().to_string(),
                source,
            })?;
            Some(canon)
        }
    };
    let accounts = options.accounts;
    let mut world = World {
        pages: accounts
            .pages
            .into_iter()
            .map(|p| PageState {
                id: p.id,
                name: p.name,
                token_hash: p.token_hash,
                profile: p.profile,
                instagram: p.instagram,
                calls: VecDeque::new(),
            })
            .collect(),
        phones: accounts
            .phone_numbers
            .into_iter()
            .map(|p| PhoneState {
                id: p.id,
                verified_name: p.verified_name,
                token_hash: p.token_hash,
                profile: p.profile,
            })
            .collect(),
        uploads: Uploads::default(),
        counters: Counters::default(),
    };
    if let Some(file) = &options.state {
        state::load(file, &mut world)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: options.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr()?;
        let app = Arc::new(App {
            app_id: accounts.app_id,
            app_name: accounts.app_name,
            limit: options.profile_rate_limit,
            files,
            state: options.state,
            base_url: format!("http://{addr}"),
            world: Mutex::new(world),
        });
        let mut stop_signal = Stop::listen();
        on_event(Event::Listening(addr));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future();
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => return Ok(result?),
            _ = stop_signal.wait() => {}
        }
        on_event(Event::Stopping);
        let _ = stop.send(());
        server.await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_version("v25.0"));
        assert!(is_version("v2.6"));
        assert!(!is_version("25.0"));
        assert!(!is_version("v25"));
        assert!(!is_version("v2.80x"));
        assert!(!is_version("v0.1"));
        assert!(!is_version("v123.0"));
    }

    #[test]
    fn tokens() {
        let q = |t: &str| vec![("access_token".to_string(), t.to_string())];
        let mut h = HeaderMap::new();
        assert_eq!(
            presented_token(&h, &q("a")).unwrap(),
            (Some("a".into()), false)
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        assert_eq!(presented_token(&h, &[]).unwrap(), (Some("a".into()), true));
        assert!(presented_token(&h, &q("b")).is_err());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic a"));
        assert!(presented_token(&h, &[]).is_err());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("OAuth a"));
        assert_eq!(presented_token(&h, &[]).unwrap(), (Some("a".into()), true));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a.JPG"), "image/jpeg");
        assert_eq!(content_type("a"), "application/octet-stream");
    }
}
