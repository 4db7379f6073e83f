//! The `meta` backend: Facebook Page and Instagram Messenger profiles (Messenger Profile
//! API) and WhatsApp business profiles (Cloud API) read and written directly on Meta's
//! Graph API, within Meta's request budget.
//!
//! # The request budget
//!
//! The Messenger Profile API allows 10 calls per 10 minutes per Page, so every call
//! counts:
//!
//! - [`Backend::read`] makes exactly one request per declared account:
//!   `GET /{ver}/{page-id}/messenger_profile?fields=…` for a Page,
//!   `GET /{ver}/me/messenger_profile?fields=…&platform=instagram` for an Instagram
//!   account (with the token of the Page it is linked to: Meta reaches an Instagram
//!   profile through its Page), `GET /{ver}/{phone-number-id}/whatsapp_business_profile?fields=…`
//!   for a WhatsApp number. Accounts are read in parallel ([`MAX_PARALLELISM`] at once).
//! - [`Backend::write`] compares the desired profile with what the read saw (it never
//!   reads again) and sends, for a Page or an Instagram account, at most one `POST
//!   …/messenger_profile` with every changed property and at most one `DELETE
//!   …/messenger_profile` with `{"fields": [...]}` for the properties removed, in that
//!   order; before them, one `POST` of `whitelisted_domains` alone when a new menu's
//!   `url` buttons open a domain that is not allowed yet. For a WhatsApp number: one
//!   `POST …/whatsapp_business_profile` (with `messaging_product = "whatsapp"`), and,
//!   when the number has no picture and the profile names one, the upload calls first
//!   (`GET /app` once per token, the upload session, the bytes; see [`upload`]). A
//!   profile with nothing to change sends nothing.
//!
//! The budget is for successful runs: a 5xx answer or a lost connection is retried at
//! most twice (see [`graph`]), a rate-limit error never.
//!
//! # What a profile owns
//!
//! Meta keeps no mark of who wrote a profile, so a declared profile owns every property
//! socialform models for its channel: a key absent from the configuration is absent on
//! Meta (its removal is a `DELETE`). Properties socialform does not model
//! (`account_linking_url`, `commands`, …) are neither read nor written, and accounts no
//! profile declares are never touched. Every live resource is `managed_by =
//! "socialform"`; its version is a hash of the profile as read (normalised), so a saved
//! plan made before someone changed the profile is refused as stale.
//!
//! Values are normalised on both sides (see [`messenger`] and [`whatsapp`]): domains
//! without their trailing slash, `vertical` lower case, locales by code, `false` and
//! empty values absent. [`normalize`] gives the normal form of a desired resource.
//!
//! # The WhatsApp picture: presence only
//!
//! Meta answers only its own copy of a number's picture (`profile_picture_url`), which
//! it re-encodes, never the source: neither the URL nor the bytes can be compared with
//! the configured `avatar_url`. So a number that has a picture reads as having the
//! configured `avatar_url` ([`MetaProfile::avatar_url`]), and a number without one reads
//! without it, which uploads the configured picture. Limits that follow: a changed
//! `avatar_url` on a number that already has a picture is not seen (remove the picture
//! in WhatsApp Manager, then apply, to replace it); a picture changed in WhatsApp
//! Manager is not drift; and no API removes a picture, so removing `avatar_url` changes
//! nothing on Meta.
//!
//! # Tokens
//!
//! Each account's token comes from the environment variable named in
//! [`MetaSettings::account_tokens`] for it, else [`MetaSettings::token_env`]; a missing
//! one is an error naming the variable, before any request. Tokens travel only in the
//! `Authorization` header, are kept in a [`crate::backend::http::Secret`], and never
//! appear in a message or in `Debug` output (text from Meta is scrubbed of them too).

pub mod graph;
pub mod messenger;
pub mod upload;
pub mod whatsapp;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{Backend, BackendError, Refusal};
use crate::platform::Rejection;

use crate::catalog::Catalog;

use crate::model::Channel;
use crate::model::{Kind, MANAGER, Resource};
use crate::model::{LiveResource, LiveState, Write, WriteOp};
use graph::{Body, Call, Graph, MetaError, Problem, Scheme, Token};
use messenger::{Messenger, Prop, Surface};
use whatsapp::Business;

/// Meta's Graph API.
pub const DEFAULT_API_URL: &str = crate::model::target::META_API_URL;

/// The Graph API version used unless the configuration names one: v26.0, released on
/// 29 July 2026 (Graph API changelog).
pub const DEFAULT_API_VERSION: &str = crate::model::target::META_API_VERSION;

/// The environment variable holding the token of accounts without their own.
pub const DEFAULT_TOKEN_ENV: &str = crate::model::target::META_TOKEN_ENV;

/// How many accounts are read, or written, at once: few, since Meta's limits are per
/// Page and per app, and a run manages a handful of accounts.
pub const MAX_PARALLELISM: usize = 4;

/// What the `meta` backend needs: where Graph is, which tokens, which profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaSettings {
    /// base URL of the Graph API (a test points it at `socialform emulate meta`)
    pub api_url: String,
    /// the `vNN.N` path segment
    pub api_version: String,
    /// the variable holding the token of accounts not in `account_tokens`
    pub token_env: String,
    /// account id -> the variable holding that account's token
    pub account_tokens: IndexMap<String, String>,
    /// the profiles the configuration declares
    pub profiles: Vec<MetaProfile>,
}

impl Default for MetaSettings {
    fn default() -> Self {
        MetaSettings {
            api_url: DEFAULT_API_URL.to_string(),
            api_version: DEFAULT_API_VERSION.to_string(),
            token_env: DEFAULT_TOKEN_ENV.to_string(),
            account_tokens: IndexMap::new(),
            profiles: Vec::new(),
        }
    }
}

/// A profile the configuration declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaProfile {
    /// its address (`profile.acme_fb`)
    pub address: String,
    /// `facebook`, `instagram` or `whatsapp`
    pub channel: Channel,
    /// the Page id, Instagram account id or phone number id
    pub account: String,
    /// WhatsApp: the configured picture, reported live when the number has a picture
    pub avatar_url: Option<String>,
}

/// What kind of Meta account a profile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountKind {
    Messenger(Surface),
    Whatsapp,
}

/// A declared account with its token.
#[derive(Debug)]
struct Account {
    profile: MetaProfile,
    kind: AccountKind,
    token: Arc<Token>,
    /// [`Resource::key`] of its profile
    key: String,
}

/// An account in words, for messages.
fn describe(kind: AccountKind, id: &str, token_env: &str) -> String {
    match kind {
        AccountKind::Messenger(Surface::Facebook) => format!("Facebook Page {id}"),
        AccountKind::Messenger(Surface::Instagram) => {
            format!("Instagram account {id}, through the Page of the token in `{token_env}`")
        }
        AccountKind::Whatsapp => format!("WhatsApp number {id}"),
    }
}

impl Account {
    /// The account in words, for messages.
    fn describe(&self) -> String {
        describe(self.kind, &self.profile.account, &self.token.env)
    }

    fn failed(&self, resource: &str, step: String, problem: Problem) -> MetaError {
        MetaError::Request {
            resource: resource.to_string(),
            account: self.describe(),
            step,
            problem,
        }
    }

    fn unwritable(&self, resource: &str, detail: String) -> MetaError {
        MetaError::Unwritable {
            resource: resource.to_string(),
            account: self.describe(),
            detail,
        }
    }
}

/// A profile as last read (or written) in this run.
#[derive(Debug, Clone)]
enum State {
    Messenger(Messenger),
    Business(Business),
}

#[derive(Debug, Clone)]
struct Seen {
    version: u64,
    state: State,
}

struct Inner {
    graph: Graph,
    download: reqwest::Client,
    accounts: Vec<Account>,
    seen: Mutex<HashMap<String, Seen>>,
    /// token variable -> its app's id, asked once per run
    apps: Mutex<HashMap<String, String>>,
}

/// The `meta` backend. It owns a small tokio runtime; reads and writes block on it, and
/// writes may come from several threads at once.
pub struct MetaBackend {
    rt: tokio::runtime::Runtime,
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MetaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaBackend")
            .field("accounts", &self.inner.accounts)
            .finish_non_exhaustive()
    }
}

impl From<MetaError> for BackendError {
    fn from(e: MetaError) -> BackendError {
        BackendError::Meta(Box::new(e))
    }
}

/// `vNN.N`, as Graph paths start.
fn valid_version(v: &str) -> bool {
    let Some((major, minor)) = v.strip_prefix('v').and_then(|r| r.split_once('.')) else {
        return false;
    };
    let num = |p: &str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    num(major) && num(minor)
}

/// The version of a profile: the first 64 bits of the hash of its resource.
fn version_of(address: &str, fields: &IndexMap<String, Value>) -> u64 {
    let hash = Resource::new(address, Kind::Profile, fields.clone()).hash();
    let hex = hash.strip_prefix("sha256:").unwrap_or(&hash);
    u64::from_str_radix(hex.get(..16).unwrap_or("0"), 16).unwrap_or(0)
}

fn fields_of(profile: &MetaProfile, state: &State) -> IndexMap<String, Value> {
    let mut f = IndexMap::new();
    f.insert("channel".to_string(), json!(profile.channel.as_str()));
    f.insert("account".to_string(), json!(profile.account));
    f.extend(match state {
        State::Messenger(m) => messenger::to_fields(m),
        State::Business(b) => whatsapp::to_fields(b),
    });
    f
}

/// The normal form of a desired profile resource of a `facebook`, `instagram` or
/// `whatsapp` channel (what a read of it once applied shows); other resources, and
/// profiles the backend could not write, are returned as they are.
pub fn normalize(resource: &Resource) -> Resource {
    let state = match resource.bound_channel() {
        Some("facebook") => messenger::from_fields(Surface::Facebook, &resource.fields)
            .ok()
            .map(State::Messenger),
        Some("instagram") => messenger::from_fields(Surface::Instagram, &resource.fields)
            .ok()
            .map(State::Messenger),
        Some("whatsapp") => whatsapp::from_fields(&resource.fields)
            .ok()
            .map(State::Business),
        _ => None,
    };
    let Some(state) = state else {
        return resource.clone();
    };
    let mut fields = IndexMap::new();
    for k in ["channel", "account"] {
        if let Some(v) = resource.fields.get(k) {
            fields.insert(k.to_string(), v.clone());
        }
    }
    fields.extend(match &state {
        State::Messenger(m) => messenger::to_fields(m),
        State::Business(b) => whatsapp::to_fields(b),
    });
    Resource::new(resource.address.clone(), resource.kind, fields)
}

impl MetaBackend {
    /// A backend for `settings`, with tokens from the process environment. No request
    /// is made yet.
    pub fn new(settings: MetaSettings) -> Result<MetaBackend, BackendError> {
        MetaBackend::with_env(settings, &|var| std::env::var(var).ok())
    }

    /// A backend for `settings`, with tokens looked up by `env` (variable -> value).
    pub fn with_env(
        settings: MetaSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<MetaBackend, BackendError> {
        let bad = |s: String| BackendError::from(MetaError::Settings(s));
        let api = url::Url::parse(&settings.api_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                bad(format!(
                    "`api_url` must be an http(s) URL, not `{}`",
                    settings.api_url
                ))
            })?;
        if api.query().is_some() || api.fragment().is_some() {
            return Err(bad("`api_url` takes no query or fragment".into()));
        }
        if !valid_version(&settings.api_version) {
            return Err(bad(format!(
                "`api_version` must be a Graph API version such as `{DEFAULT_API_VERSION}`, not `{}`",
                settings.api_version
            )));
        }
        let graph = Graph::new(&settings.api_url, &settings.api_version).map_err(bad)?;
        let download = upload::download_client().map_err(bad)?;
        let mut tokens: HashMap<String, Arc<Token>> = HashMap::new();
        let mut accounts: Vec<Account> = Vec::new();
        for p in &settings.profiles {
            let kind = match p.channel {
                Channel::Facebook => AccountKind::Messenger(Surface::Facebook),
                Channel::Instagram => AccountKind::Messenger(Surface::Instagram),
                Channel::Whatsapp => AccountKind::Whatsapp,
                other => {
                    return Err(bad(format!(
                        "`{}` is a {other} profile: Meta has only facebook, instagram and whatsapp profiles",
                        p.address
                    )));
                }
            };
            if p.account.is_empty()
                || p.account.len() > 32
                || !p.account.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad(format!(
                    "`{}`: the account `{}` is not a Meta id (digits)",
                    p.address, p.account
                )));
            }
            let key = format!("account:{}:{}", p.channel.as_str(), p.account);
            if accounts.iter().any(|a| a.key == key) {
                // One account, one profile: the first declaration is the one read.
                continue;
            }
            let var = settings
                .account_tokens
                .get(&p.account)
                .unwrap_or(&settings.token_env)
                .clone();
            let describe = |token_env: &str| describe(kind, &p.account, token_env);
            let token = match tokens.get(&var) {
                Some(t) => t.clone(),
                None => {
                    let value = env(&var).map(|v| v.trim().to_string()).unwrap_or_default();
                    if var.is_empty() || value.is_empty() {
                        return Err(MetaError::TokenMissing {
                            resource: p.address.clone(),
                            account: describe(&var),
                            env: var,
                        }
                        .into());
                    }
                    let t = Arc::new(Token::new(&var, &value).ok_or_else(|| {
                        MetaError::TokenUnusable {
                            resource: p.address.clone(),
                            account: describe(&var),
                            env: var.clone(),
                        }
                    })?);
                    tokens.insert(var, t.clone());
                    t
                }
            };
            accounts.push(Account {
                profile: p.clone(),
                kind,
                token,
                key,
            });
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| bad(format!("cannot start the runtime: {e}")))?;
        Ok(MetaBackend {
            rt,
            inner: Arc::new(Inner {
                graph,
                download,
                accounts,
                seen: Mutex::new(HashMap::new()),
                apps: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// `data[0]` of a Graph read (`{"data": []}` is an empty profile).
fn first_data(v: &Value) -> Result<Map<String, Value>, Problem> {
    match v.get("data").and_then(Value::as_array) {
        Some(list) => Ok(list
            .first()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()),
        None => Err(Problem::Answer("no `data` list in the answer".into())),
    }
}

/// A write's answer: `{"result": "success"}` (Messenger Profile API) or
/// `{"success": true}` (business profiles; the ice breakers page shows
/// `{"success": "true"}`, taken too).
fn expect_success(v: &Value) -> Result<(), Problem> {
    let ok = v.get("result").and_then(Value::as_str) == Some("success")
        || matches!(v.get("success"), Some(Value::Bool(true)))
        || v.get("success").and_then(Value::as_str) == Some("true");
    if ok {
        Ok(())
    } else {
        Err(Problem::Answer(format!(
            "Meta did not answer success: {}",
            crate::model::canonical(v)
                .chars()
                .take(200)
                .collect::<String>()
        )))
    }
}

impl Inner {
    fn messenger_path(&self, a: &Account) -> String {
        match a.kind {
            AccountKind::Messenger(Surface::Instagram) => "/me/messenger_profile".into(),
            _ => format!("/{}/messenger_profile", a.profile.account),
        }
    }

    fn platform_query(a: &Account) -> Vec<(&'static str, String)> {
        match a.kind {
            AccountKind::Messenger(Surface::Instagram) => vec![("platform", "instagram".into())],
            _ => vec![],
        }
    }

    fn record(&self, a: &Account, state: State) -> u64 {
        let version = version_of(&a.profile.address, &fields_of(&a.profile, &state));
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(a.key.clone(), Seen { version, state });
        version
    }

    /// The one read of an account.
    async fn read_one(&self, i: usize) -> Result<(Seen, LiveResource), MetaError> {
        let a = &self.accounts[i];
        let address = &a.profile.address;
        let (path, mut query) = match a.kind {
            AccountKind::Messenger(s) => {
                (self.messenger_path(a), vec![("fields", s.fields_param())])
            }
            AccountKind::Whatsapp => (
                format!("/{}/whatsapp_business_profile", a.profile.account),
                vec![("fields", whatsapp::FIELDS_PARAM.to_string())],
            ),
        };
        query.extend(Inner::platform_query(a));
        let call = Call {
            method: Method::GET,
            path,
            query,
            body: Body::Empty,
            token: &a.token,
            scheme: Scheme::Bearer,
            idempotent: true,
        };
        let answer = self
            .graph
            .send(&call)
            .await
            .and_then(|v| first_data(&v))
            .map_err(|p| a.failed(address, call.step(), p))?;
        let state = match a.kind {
            AccountKind::Messenger(s) => State::Messenger(messenger::from_graph(s, &answer)),
            AccountKind::Whatsapp => State::Business(whatsapp::from_graph(
                &answer,
                a.profile.avatar_url.as_deref(),
            )),
        };
        let fields = fields_of(&a.profile, &state);
        let version = version_of(address, &fields);
        let live = LiveResource {
            resource: Resource::new(address.clone(), Kind::Profile, fields),
            version,
            managed_by: Some(MANAGER.to_string()),
            applied_hash: None,
            applied_by: None,
        };
        Ok((Seen { version, state }, live))
    }

    async fn write_messenger(
        &self,
        a: &Account,
        surface: Surface,
        address: &str,
        desired: &Messenger,
        mut live: Messenger,
        version: u64,
    ) -> Result<u64, MetaError> {
        let changed: Vec<Prop> = surface
            .properties()
            .iter()
            .copied()
            .filter(|&p| desired.project(p) != live.project(p))
            .collect();
        if changed.is_empty() {
            return Ok(version);
        }
        let (mut post, delete): (Vec<Prop>, Vec<Prop>) =
            changed.into_iter().partition(|&p| !desired.lacks(p));
        let mut version = version;
        let instagram = surface == Surface::Instagram;
        let with_platform = |mut body: Map<String, Value>| {
            if instagram {
                body.insert("platform".into(), json!("instagram"));
            }
            Value::Object(body)
        };
        let send = |body: Value, method: Method| Call {
            method,
            path: self.messenger_path(a),
            query: Inner::platform_query(a),
            body: Body::Json(body),
            token: &a.token,
            scheme: Scheme::Bearer,
            idempotent: true,
        };
        // Domains a new menu's buttons open are allowed first, in a call of their own.
        if post.contains(&Prop::WhitelistedDomains) && post.contains(&Prop::PersistentMenu) {
            let new: Vec<&String> = desired
                .domains
                .iter()
                .filter(|d| !live.domains.contains(d))
                .collect();
            if desired.menu_origins().iter().any(|o| new.contains(&o)) {
                let mut body = Map::new();
                if let Some(v) = messenger::graph_value(desired, surface, Prop::WhitelistedDomains)
                {
                    body.insert(Prop::WhitelistedDomains.name().into(), v);
                }
                let call = send(with_platform(body), Method::POST);
                self.graph
                    .send(&call)
                    .await
                    .and_then(|v| expect_success(&v))
                    .map_err(|p| {
                        a.failed(address, format!("{} (whitelisted_domains)", call.step()), p)
                    })?;
                live.take(desired, Prop::WhitelistedDomains);
                version = self.record(a, State::Messenger(live.clone()));
                post.retain(|&p| p != Prop::WhitelistedDomains);
            }
        }
        if !post.is_empty() {
            let mut body = Map::new();
            for &p in &post {
                if let Some(v) = messenger::graph_value(desired, surface, p) {
                    body.insert(p.name().into(), v);
                }
            }
            let call = send(with_platform(body), Method::POST);
            self.graph
                .send(&call)
                .await
                .and_then(|v| expect_success(&v))
                .map_err(|p| a.failed(address, call.step(), p))?;
            for &p in &post {
                live.take(desired, p);
            }
            version = self.record(a, State::Messenger(live.clone()));
        }
        if !delete.is_empty() {
            let mut body = Map::new();
            body.insert(
                "fields".into(),
                json!(delete.iter().map(|p| p.name()).collect::<Vec<_>>()),
            );
            let call = send(with_platform(body), Method::DELETE);
            self.graph
                .send(&call)
                .await
                .and_then(|v| expect_success(&v))
                .map_err(|p| a.failed(address, call.step(), p))?;
            for &p in &delete {
                live.take(desired, p);
            }
            version = self.record(a, State::Messenger(live));
        }
        Ok(version)
    }

    async fn app_id(&self, a: &Account, address: &str) -> Result<String, MetaError> {
        let cached = {
            let apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
            apps.get(&a.token.env).cloned()
        };
        if let Some(id) = cached {
            return Ok(id);
        }
        let id = upload::app_id(&self.graph, &a.token)
            .await
            .map_err(|(step, p)| a.failed(address, step, p))?;
        let mut apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        apps.insert(a.token.env.clone(), id.clone());
        Ok(id)
    }

    async fn write_business(
        &self,
        a: &Account,
        address: &str,
        desired: &Business,
        live: &Business,
        version: u64,
    ) -> Result<u64, MetaError> {
        let update = whatsapp::changes(desired, live).map_err(|d| a.unwritable(address, d))?;
        if update.is_empty() {
            return Ok(version);
        }
        let mut body = Map::new();
        body.insert("messaging_product".into(), json!("whatsapp"));
        body.extend(update.body);
        if let Some(url) = &update.upload {
            let picture = upload::download(&self.download, url)
                .await
                .map_err(|detail| MetaError::Picture {
                    resource: address.to_string(),
                    account: a.describe(),
                    url: url.clone(),
                    detail,
                })?;
            let app = self.app_id(a, address).await?;
            let handle = upload::upload(&self.graph, &a.token, &app, &picture)
                .await
                .map_err(|(step, p)| a.failed(address, step, p))?;
            body.insert("profile_picture_handle".into(), json!(handle));
        }
        let call = Call {
            method: Method::POST,
            path: format!("/{}/whatsapp_business_profile", a.profile.account),
            query: vec![],
            body: Body::Json(Value::Object(body)),
            token: &a.token,
            scheme: Scheme::Bearer,
            idempotent: true,
        };
        self.graph
            .send(&call)
            .await
            .and_then(|v| expect_success(&v))
            .map_err(|p| a.failed(address, call.step(), p))?;
        Ok(self.record(a, State::Business(desired.clone())))
    }
}

impl Backend for MetaBackend {
    fn read(&mut self) -> Result<LiveState, BackendError> {
        let inner = self.inner.clone();
        let results = self.rt.block_on(async move {
            let permits = Arc::new(tokio::sync::Semaphore::new(MAX_PARALLELISM));
            let mut set = tokio::task::JoinSet::new();
            for i in 0..inner.accounts.len() {
                let inner = inner.clone();
                let permits = permits.clone();
                set.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    (i, inner.read_one(i).await)
                });
            }
            let mut results: Vec<Option<Result<(Seen, LiveResource), MetaError>>> =
                (0..inner.accounts.len()).map(|_| None).collect();
            while let Some(joined) = set.join_next().await {
                match joined {
                    Ok((i, r)) => results[i] = Some(r),
                    Err(e) => {
                        return Err(BackendError::Transport(format!(
                            "a read of the meta backend stopped: {e}"
                        )));
                    }
                }
            }
            Ok(results)
        })?;
        let mut seen = HashMap::new();
        let mut state = LiveState {
            catalog: Catalog::default(),
            resources: Vec::new(),
        };
        // The first failure in declaration order, so a run's message is stable.
        for (a, r) in self.inner.accounts.iter().zip(results) {
            let Some(r) = r else {
                return Err(BackendError::Transport(format!(
                    "the read of `{}` did not finish",
                    a.profile.address
                )));
            };
            let (s, live) = r?;
            seen.insert(a.key.clone(), s);
            state.catalog.accounts.push(crate::catalog::Account {
                channel: a.profile.channel.as_str().to_string(),
                account: a.profile.account.clone(),
                // Meta's answers to these reads carry no name.
                display_name: a.profile.account.clone(),
            });
            state.resources.push(live);
        }
        *self.inner.seen.lock().unwrap_or_else(|e| e.into_inner()) = seen;
        Ok(state)
    }

    fn write(&self, write: &Write) -> Result<u64, BackendError> {
        let address = write.resource.address.clone();
        match write.op {
            WriteOp::Create => {
                return Err(Rejection::Refused {
                    address,
                    reason: Refusal::CreateBound,
                }
                .into());
            }
            WriteOp::Delete => {
                return Err(Rejection::Refused {
                    address,
                    reason: Refusal::DeleteBound,
                }
                .into());
            }
            WriteOp::Update => {}
        }
        let key = write.resource.key();
        let Some(a) = self.inner.accounts.iter().find(|a| a.key == key) else {
            let field = |k: &str| {
                write
                    .resource
                    .fields
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            };
            return Err(MetaError::NotDeclared {
                resource: address,
                channel: field("channel"),
                account: field("account"),
            }
            .into());
        };
        let seen = {
            let seen = self.inner.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.get(&key).cloned()
        };
        let Some(seen) = seen else {
            return Err(MetaError::NotRead(address).into());
        };
        if let Some(expected) = write.expected_version
            && expected != seen.version
        {
            return Err(Rejection::Conflict {
                address,
                expected,
                found: seen.version,
            }
            .into());
        }
        let fields = &write.resource.fields;
        let inner = &self.inner;
        let version = match (a.kind, seen.state) {
            (AccountKind::Messenger(surface), State::Messenger(live)) => {
                let desired = messenger::from_fields(surface, fields)
                    .map_err(|d| a.unwritable(&address, d))?;
                if let Some(why) = desired.unwritable() {
                    return Err(a.unwritable(&address, why).into());
                }
                self.rt.block_on(inner.write_messenger(
                    a,
                    surface,
                    &address,
                    &desired,
                    live,
                    seen.version,
                ))?
            }
            (AccountKind::Whatsapp, State::Business(live)) => {
                let desired =
                    whatsapp::from_fields(fields).map_err(|d| a.unwritable(&address, d))?;
                self.rt.block_on(inner.write_business(
                    a,
                    &address,
                    &desired,
                    &live,
                    seen.version,
                ))?
            }
            _ => return Err(MetaError::NotRead(address).into()),
        };
        Ok(version)
    }

    fn max_parallelism(&self) -> usize {
        MAX_PARALLELISM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profiles: Vec<MetaProfile>) -> MetaSettings {
        MetaSettings {
            api_url: "http://127.0.0.1:9".into(),
            profiles,
            ..MetaSettings::default()
        }
    }

    fn fb(address: &str, account: &str) -> MetaProfile {
        MetaProfile {
            address: address.into(),
            channel: Channel::Facebook,
            account: account.into(),
            avatar_url: None,
        }
    }

    #[test]
    fn settings_are_checked_before_any_request() {
        let env = |v: &str| (v == "META_TOKEN").then(|| "t0ken-value".to_string());
        let err = |s: MetaSettings| MetaBackend::with_env(s, &env).unwrap_err().to_string();
        let mut s = settings(vec![fb("profile.a", "1")]);
        s.api_url = "ftp://graph.example".into();
        assert!(err(s).contains("api_url"));
        let mut s = settings(vec![fb("profile.a", "1")]);
        s.api_version = "25.0".into();
        assert!(err(s).contains("api_version"));
        let s = settings(vec![fb("profile.a", "1/../2")]);
        assert!(err(s).contains("not a Meta id"));
        let mut x = fb("profile.x", "1");
        x.channel = Channel::X;
        assert!(err(settings(vec![x])).contains("only facebook, instagram and whatsapp"));
        let mut s = settings(vec![fb("profile.a", "1"), fb("profile.b", "2")]);
        s.account_tokens.insert("2".into(), "PAGE_B_TOKEN".into());
        let e = err(s);
        assert!(
            e.contains("`profile.b` (Facebook Page 2): the environment variable `PAGE_B_TOKEN`"),
            "{e}"
        );
        let ok = MetaBackend::with_env(settings(vec![fb("profile.a", "1")]), &env).unwrap();
        let shown = format!("{ok:?}");
        assert!(!shown.contains("t0ken-value"), "{shown}");
        assert_eq!(ok.max_parallelism(), MAX_PARALLELISM);
    }

    #[test]
    fn the_process_environment_is_read() {
        let mut s = settings(vec![fb("profile.a", "1")]);
        s.token_env = "SOCIALFORM_TEST_SURELY_UNSET_VARIABLE".into();
        let e = MetaBackend::new(s).unwrap_err().to_string();
        assert!(e.contains("SOCIALFORM_TEST_SURELY_UNSET_VARIABLE"), "{e}");
    }

    #[test]
    fn writes_need_a_read_and_refuse_creates() {
        let env = |_: &str| Some("tok".to_string());
        let b = MetaBackend::with_env(settings(vec![fb("profile.a", "1")]), &env).unwrap();
        let mut fields = IndexMap::new();
        fields.insert("channel".to_string(), json!("facebook"));
        fields.insert("account".to_string(), json!("1"));
        let r = Resource::new("profile.a", Kind::Profile, fields.clone());
        let w = |op| Write {
            op,
            resource: r.clone(),
            expected_version: Some(1),
            applied_hash: None,
            applied_by: None,
        };
        assert!(matches!(
            b.write(&w(WriteOp::Create)),
            Err(BackendError::Rejected(
                crate::platform::Rejection::Refused {
                    reason: Refusal::CreateBound,
                    ..
                }
            ))
        ));
        assert!(matches!(
            b.write(&w(WriteOp::Delete)),
            Err(BackendError::Rejected(
                crate::platform::Rejection::Refused {
                    reason: Refusal::DeleteBound,
                    ..
                }
            ))
        ));
        let e = b.write(&w(WriteOp::Update)).unwrap_err().to_string();
        assert!(e.contains("was not read"), "{e}");
        fields.insert("account".to_string(), json!("2"));
        let other = Write {
            resource: Resource::new("profile.b", Kind::Profile, fields),
            ..w(WriteOp::Update)
        };
        let e = b.write(&other).unwrap_err().to_string();
        assert!(e.contains("facebook account `2`"), "{e}");
    }

    #[test]
    fn success_answers() {
        for ok in [
            json!({"result": "success"}),
            json!({"success": true}),
            json!({"success": "true"}),
        ] {
            assert!(expect_success(&ok).is_ok(), "{ok}");
        }
        for bad in [
            json!({"success": false}),
            json!({}),
            json!({"result": "error"}),
        ] {
            assert!(expect_success(&bad).is_err(), "{bad}");
        }
        assert!(first_data(&json!({"data": []})).unwrap().is_empty());
        assert!(first_data(&json!({"nope": 1})).is_err());
    }

    #[test]
    fn normal_form_of_desired_profiles() {
        let mut fields = IndexMap::new();
        fields.insert("channel".to_string(), json!("facebook"));
        fields.insert("account".to_string(), json!("1"));
        fields.insert(
            "whitelisted_domains".to_string(),
            json!(["https://A.example.com/"]),
        );
        fields.insert("composer_input_disabled".to_string(), json!(false));
        let r = normalize(&Resource::new("profile.a", Kind::Profile, fields));
        assert_eq!(
            r.fields["whitelisted_domains"],
            json!(["https://a.example.com"])
        );
        assert!(!r.fields.contains_key("composer_input_disabled"));
        assert_eq!(r.fields.get_index(0).unwrap().0, "channel");
        assert!(valid_version("v26.0") && !valid_version("v26") && !valid_version("x1.0"));
    }
}
