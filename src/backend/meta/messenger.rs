//! Messenger profiles of Facebook Pages and Instagram accounts: the configuration's shape
//! (the keys of `config.md`, as a profile resource's JSON fields) and Graph's (the
//! Messenger Profile API's properties), both ways, normalised so that equal profiles
//! compare equal whatever their spelling on either side.
//!
//! | configuration | Graph property |
//! |---|---|
//! | `greeting`, `locales.<l>.greeting` | `greeting: [{locale, text}]`, `default` first |
//! | `ice_breakers`, `locales.<l>.ice_breakers` (`{question, flow}`) | `ice_breakers: [{locale, call_to_actions: [{question, payload}]}]` (the localised format; the older list of `{question, payload}` is read as the default locale) |
//! | `get_started` (`{flow}`) | `get_started: {payload}` |
//! | `persistent_menu`, `locales.<l>.persistent_menu` (`{label, flow}`, `{label, url}`), `composer_input_disabled` | `persistent_menu: [{locale, composer_input_disabled, call_to_actions: [{type: postback, title, payload} \| {type: web_url, title, url}]}]` |
//! | `whitelisted_domains` (`https://host`) | `whitelisted_domains` (read back as `https://host/`) |
//!
//! Normal form: locales sorted by code, a locale without any value left out, empty
//! texts and lists absent, `composer_input_disabled = false` absent, domains as
//! `scheme://host[:port]` (lower case, no trailing slash). What the configuration cannot
//! say but Meta may hold is kept visible, so that it shows as a difference rather than
//! being hidden: a menu item of another type (`{label, type}`) and a locale whose menu
//! disables the composer differently from the default one
//! (`locales.<l>.composer_input_disabled`). Extras of menu items that socialform does
//! not model (`webview_height_ratio`, `messenger_extensions`, ...) and the properties it
//! does not model (`account_linking_url`, `commands`, ...) are not read.
//!
//! Sources: "Messenger Profile API", "greeting Reference", "ice_breakers Reference",
//! "get_started Reference", "Persistent menu", "whitelisted_domains Reference" (Meta for
//! Developers, cited in `docs/graph-emulator.md`), and the Instagram "Ice Breakers" and
//! "The Persistent Menu" pages (no greeting, no composer switch, no domains on
//! Instagram).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

/// The `locale` of the entry every localised property needs.
pub const DEFAULT_LOCALE: &str = "default";

/// Which Messenger profile of a Page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// the Page's own (`channel = "facebook"`)
    Facebook,
    /// the linked Instagram account's (`channel = "instagram"`, `platform=instagram`)
    Instagram,
}

impl Surface {
    /// The configuration's channel name.
    pub fn channel(self) -> &'static str {
        match self {
            Surface::Facebook => "facebook",
            Surface::Instagram => "instagram",
        }
    }

    /// The Graph properties socialform manages on this surface.
    pub fn properties(self) -> &'static [Prop] {
        match self {
            Surface::Facebook => &[
                Prop::Greeting,
                Prop::IceBreakers,
                Prop::GetStarted,
                Prop::PersistentMenu,
                Prop::WhitelistedDomains,
            ],
            Surface::Instagram => &[Prop::IceBreakers, Prop::GetStarted, Prop::PersistentMenu],
        }
    }

    /// The `fields=` of the one read: every managed property.
    pub fn fields_param(self) -> String {
        self.properties()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A Messenger Profile property socialform manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prop {
    /// `greeting`
    Greeting,
    /// `ice_breakers`
    IceBreakers,
    /// `get_started`
    GetStarted,
    /// `persistent_menu` (with the composer switch)
    PersistentMenu,
    /// `whitelisted_domains`
    WhitelistedDomains,
}

impl Prop {
    /// The Graph name.
    pub fn name(self) -> &'static str {
        match self {
            Prop::Greeting => "greeting",
            Prop::IceBreakers => "ice_breakers",
            Prop::GetStarted => "get_started",
            Prop::PersistentMenu => "persistent_menu",
            Prop::WhitelistedDomains => "whitelisted_domains",
        }
    }
}

/// An ice breaker: the question and the payload sent to the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceBreaker {
    /// what the customer sees
    pub question: String,
    /// the flow name: the postback payload
    pub payload: String,
}

/// A persistent menu item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `{label, flow}`: a `postback` button
    Postback {
        /// the title
        title: String,
        /// the payload
        payload: String,
    },
    /// `{label, url}`: a `web_url` button
    WebUrl {
        /// the title
        title: String,
        /// the page it opens
        url: String,
    },
    /// a button of a type the configuration cannot write, read from Meta
    Other {
        /// the title
        title: String,
        /// its `type`
        kind: String,
    },
}

/// What one locale shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variant {
    /// the greeting (Facebook)
    pub greeting: Option<String>,
    /// the ice breakers
    pub ice_breakers: Vec<IceBreaker>,
    /// the persistent menu
    pub menu: Vec<Item>,
    /// a locale's own composer switch, only when it differs from the profile's
    pub composer: Option<bool>,
}

impl Variant {
    fn is_empty(&self) -> bool {
        *self == Variant::default()
    }
}

/// A Messenger profile in normal form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messenger {
    /// the default locale (its `composer` is unused: see `composer`)
    pub default: Variant,
    /// the other locales, by code
    pub locales: BTreeMap<String, Variant>,
    /// the Get Started payload
    pub get_started: Option<String>,
    /// `composer_input_disabled` of the default menu (Facebook)
    pub composer: bool,
    /// the whitelisted domains (Facebook), `scheme://host[:port]`
    pub domains: Vec<String>,
}

/// A domain as compared: `scheme://host[:port]`, lower case, without a trailing slash.
pub fn normalize_domain(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(u) if u.host_str().is_some() && (u.path() == "/" || u.path().is_empty()) => {
            let host = u.host_str().unwrap_or_default();
            match u.port() {
                Some(p) => format!("{}://{host}:{p}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        _ => s.strip_suffix('/').unwrap_or(s).to_string(),
    }
}

/// The origin (`scheme://host[:port]`) a button URL opens, as domains are written.
pub fn origin(s: &str) -> Option<String> {
    let u = url::Url::parse(s).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

impl Messenger {
    /// Brings the profile to its normal form.
    fn normalize(&mut self, surface: Surface) {
        if surface == Surface::Instagram {
            self.composer = false;
            self.domains.clear();
            self.default.greeting = None;
        }
        self.default.composer = None;
        let composer = self.composer;
        for v in self.locales.values_mut() {
            if surface == Surface::Instagram {
                v.greeting = None;
                v.composer = None;
            }
            if v.composer == Some(composer) {
                v.composer = None;
            }
        }
        self.locales.retain(|_, v| !v.is_empty());
        let mut domains: Vec<String> = Vec::with_capacity(self.domains.len());
        for d in self.domains.iter().map(|d| normalize_domain(d)) {
            if !domains.contains(&d) {
                domains.push(d);
            }
        }
        self.domains = domains;
    }

    /// Only what `prop` holds.
    pub fn project(&self, prop: Prop) -> Messenger {
        let mut out = Messenger::default();
        out.take(self, prop);
        out
    }

    /// Whether the profile sets nothing of `prop`.
    pub fn lacks(&self, prop: Prop) -> bool {
        self.project(prop) == Messenger::default()
    }

    /// Replaces what `prop` holds here with what it holds in `from`.
    pub fn take(&mut self, from: &Messenger, prop: Prop) {
        let codes: Vec<String> = self
            .locales
            .keys()
            .chain(from.locales.keys())
            .cloned()
            .collect();
        let pick = |m: &Messenger, code: &str| m.locales.get(code).cloned().unwrap_or_default();
        for code in codes {
            let src = pick(from, &code);
            let dst = self.locales.entry(code).or_default();
            match prop {
                Prop::Greeting => dst.greeting = src.greeting,
                Prop::IceBreakers => dst.ice_breakers = src.ice_breakers,
                Prop::PersistentMenu => {
                    dst.menu = src.menu;
                    dst.composer = src.composer;
                }
                Prop::GetStarted | Prop::WhitelistedDomains => {}
            }
        }
        match prop {
            Prop::Greeting => self.default.greeting = from.default.greeting.clone(),
            Prop::IceBreakers => self.default.ice_breakers = from.default.ice_breakers.clone(),
            Prop::GetStarted => self.get_started = from.get_started.clone(),
            Prop::PersistentMenu => {
                self.default.menu = from.default.menu.clone();
                self.composer = from.composer;
            }
            Prop::WhitelistedDomains => self.domains = from.domains.clone(),
        }
        self.locales.retain(|_, v| !v.is_empty());
    }

    /// Why the profile cannot be written, if it cannot: a menu button of a type the
    /// configuration has no key for (read from Meta, never desired).
    pub fn unwritable(&self) -> Option<String> {
        std::iter::once(&self.default)
            .chain(self.locales.values())
            .flat_map(|v| v.menu.iter())
            .find_map(|i| match i {
                Item::Other { title, kind } => Some(format!(
                    "the menu button `{title}` is of type `{kind}`, which socialform does not write: give it a `flow` or a `url`"
                )),
                _ => None,
            })
    }

    /// The origins that the menu's `url` buttons open, in every locale.
    pub fn menu_origins(&self) -> Vec<String> {
        std::iter::once(&self.default)
            .chain(self.locales.values())
            .flat_map(|v| v.menu.iter())
            .filter_map(|i| match i {
                Item::WebUrl { url, .. } => origin(url),
                _ => None,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// The configuration's shape.

fn shape_err(key: &str, what: &str) -> String {
    format!("`{key}` {what}")
}

fn string_of(v: &Value, key: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(non_empty(Some(s))),
        _ => Err(shape_err(key, "must be a string")),
    }
}

fn list_of<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(a) => Ok(a),
        _ => Err(shape_err(key, "must be a list")),
    }
}

fn object_of<'a>(
    v: &'a Value,
    key: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, String> {
    let o = v
        .as_object()
        .ok_or_else(|| shape_err(key, "must be a table"))?;
    if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(shape_err(
            &format!("{key}.{k}"),
            "is not a key socialform writes to Meta",
        ));
    }
    Ok(o)
}

fn required(o: &Map<String, Value>, key: &str, path: &str) -> Result<String, String> {
    match o.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(shape_err(&format!("{path}.{key}"), "must be a string")),
        None => Err(shape_err(&format!("{path}.{key}"), "is required")),
    }
}

fn ice_breakers_of(v: &Value, key: &str) -> Result<Vec<IceBreaker>, String> {
    list_of(v, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{key}[{i}]");
            let o = object_of(item, &path, &["question", "flow"])?;
            Ok(IceBreaker {
                question: required(o, "question", &path)?,
                payload: required(o, "flow", &path)?,
            })
        })
        .collect()
}

fn menu_of(v: &Value, key: &str) -> Result<Vec<Item>, String> {
    list_of(v, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{key}[{i}]");
            let o = object_of(item, &path, &["label", "flow", "url", "type"])?;
            let title = required(o, "label", &path)?;
            match (o.get("flow"), o.get("url"), o.get("type")) {
                (Some(_), None, None) => Ok(Item::Postback {
                    title,
                    payload: required(o, "flow", &path)?,
                }),
                (None, Some(_), None) => Ok(Item::WebUrl {
                    title,
                    url: required(o, "url", &path)?,
                }),
                (None, None, Some(_)) => Ok(Item::Other {
                    title,
                    kind: required(o, "type", &path)?,
                }),
                _ => Err(shape_err(&path, "needs exactly one of `flow` and `url`")),
            }
        })
        .collect()
}

fn bool_of(v: &Value, key: &str) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        _ => Err(shape_err(key, "must be true or false")),
    }
}

/// Reads a profile resource's fields (`channel`, `account` and the keys of the spec).
/// A key that does not exist on `surface` is an error: nothing is written from a
/// profile the backend does not fully understand.
pub fn from_fields(
    surface: Surface,
    fields: &IndexMap<String, Value>,
) -> Result<Messenger, String> {
    let fb = surface == Surface::Facebook;
    let mut m = Messenger::default();
    for (key, v) in fields {
        match key.as_str() {
            "channel" | "account" => {}
            "greeting" if fb => m.default.greeting = string_of(v, key)?,
            "ice_breakers" => m.default.ice_breakers = ice_breakers_of(v, key)?,
            "get_started" => {
                if !v.is_null() {
                    let o = object_of(v, key, &["flow"])?;
                    m.get_started = non_empty(Some(&required(o, "flow", key)?));
                }
            }
            "persistent_menu" => m.default.menu = menu_of(v, key)?,
            "composer_input_disabled" if fb => m.composer = bool_of(v, key)?.unwrap_or(false),
            "whitelisted_domains" if fb => {
                m.domains = list_of(v, key)?
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        d.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| shape_err(&format!("{key}[{i}]"), "must be a string"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "locales" => {
                if v.is_null() {
                    continue;
                }
                let o = v
                    .as_object()
                    .ok_or_else(|| shape_err(key, "must be a table of locales"))?;
                for (code, lv) in o {
                    let path = format!("locales.{code}");
                    let keys: &[&str] = if fb {
                        &[
                            "greeting",
                            "ice_breakers",
                            "persistent_menu",
                            "composer_input_disabled",
                        ]
                    } else {
                        &["ice_breakers", "persistent_menu"]
                    };
                    let lo = object_of(lv, &path, keys)?;
                    let mut variant = Variant::default();
                    for (k, x) in lo {
                        let p = format!("{path}.{k}");
                        match k.as_str() {
                            "greeting" => variant.greeting = string_of(x, &p)?,
                            "ice_breakers" => variant.ice_breakers = ice_breakers_of(x, &p)?,
                            "persistent_menu" => variant.menu = menu_of(x, &p)?,
                            _ => variant.composer = bool_of(x, &p)?,
                        }
                    }
                    m.locales.insert(code.clone(), variant);
                }
            }
            other => {
                return Err(format!(
                    "`{other}` is not a key of {} profiles on Meta",
                    surface.channel()
                ));
            }
        }
    }
    m.normalize(surface);
    Ok(m)
}

fn ice_breakers_json(list: &[IceBreaker]) -> Value {
    Value::Array(
        list.iter()
            .map(|b| json!({ "question": b.question, "flow": b.payload }))
            .collect(),
    )
}

fn menu_json(list: &[Item]) -> Value {
    Value::Array(
        list.iter()
            .map(|i| match i {
                Item::Postback { title, payload } => json!({ "label": title, "flow": payload }),
                Item::WebUrl { title, url } => json!({ "label": title, "url": url }),
                Item::Other { title, kind } => json!({ "label": title, "type": kind }),
            })
            .collect(),
    )
}

/// The profile as a resource's fields (without `channel` and `account`), in the
/// spec's key order.
pub fn to_fields(m: &Messenger) -> IndexMap<String, Value> {
    let mut f = IndexMap::new();
    let d = &m.default;
    if let Some(g) = &d.greeting {
        f.insert("greeting".into(), json!(g));
    }
    if !d.ice_breakers.is_empty() {
        f.insert("ice_breakers".into(), ice_breakers_json(&d.ice_breakers));
    }
    if let Some(p) = &m.get_started {
        f.insert("get_started".into(), json!({ "flow": p }));
    }
    if !d.menu.is_empty() {
        f.insert("persistent_menu".into(), menu_json(&d.menu));
    }
    if !m.domains.is_empty() {
        f.insert("whitelisted_domains".into(), json!(m.domains));
    }
    if m.composer {
        f.insert("composer_input_disabled".into(), json!(true));
    }
    if !m.locales.is_empty() {
        let mut locales = Map::new();
        for (code, v) in &m.locales {
            let mut o = Map::new();
            if let Some(g) = &v.greeting {
                o.insert("greeting".into(), json!(g));
            }
            if !v.ice_breakers.is_empty() {
                o.insert("ice_breakers".into(), ice_breakers_json(&v.ice_breakers));
            }
            if !v.menu.is_empty() {
                o.insert("persistent_menu".into(), menu_json(&v.menu));
            }
            if let Some(c) = v.composer {
                o.insert("composer_input_disabled".into(), json!(c));
            }
            locales.insert(code.clone(), Value::Object(o));
        }
        f.insert("locales".into(), Value::Object(locales));
    }
    f
}

// ---------------------------------------------------------------------------------------
// Graph's shape.

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn locale_of(entry: &Value) -> &str {
    str_at(entry, "locale").unwrap_or(DEFAULT_LOCALE)
}

fn graph_questions(list: &Value) -> Vec<IceBreaker> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| {
            Some(IceBreaker {
                question: str_at(q, "question")?.to_string(),
                payload: str_at(q, "payload").unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn graph_items(list: &Value) -> Vec<Item> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let title = str_at(i, "title").unwrap_or_default().to_string();
            match (str_at(i, "type"), str_at(i, "payload"), str_at(i, "url")) {
                (Some("postback"), Some(p), _) => Item::Postback {
                    title,
                    payload: p.to_string(),
                },
                (Some("web_url"), _, Some(u)) => Item::WebUrl {
                    title,
                    url: u.to_string(),
                },
                (kind, _, _) => Item::Other {
                    title,
                    kind: kind.unwrap_or("unknown").to_string(),
                },
            }
        })
        .collect()
}

/// Reads the properties of a `GET .../messenger_profile` answer (`data[0]`). Entries
/// Meta would not hold (no text, a locale twice) are read as well as they can be: the
/// first entry of a locale counts.
pub fn from_graph(surface: Surface, raw: &Map<String, Value>) -> Messenger {
    let fb = surface == Surface::Facebook;
    let mut m = Messenger::default();
    let mut seen: Vec<(Prop, String)> = Vec::new();
    let mut first = |prop: Prop, code: &str| {
        let key = (prop, code.to_string());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    };
    fn variant<'a>(m: &'a mut Messenger, code: &str) -> &'a mut Variant {
        if code == DEFAULT_LOCALE {
            &mut m.default
        } else {
            m.locales.entry(code.to_string()).or_default()
        }
    }
    if fb && let Some(list) = raw.get("greeting").and_then(Value::as_array) {
        for e in list {
            let code = locale_of(e);
            if first(Prop::Greeting, code) {
                variant(&mut m, code).greeting = non_empty(str_at(e, "text"));
            }
        }
    }
    if let Some(list) = raw.get("ice_breakers").and_then(Value::as_array) {
        let localised = list
            .iter()
            .any(|e| e.get("call_to_actions").is_some() || e.get("locale").is_some());
        if localised {
            for e in list {
                let code = locale_of(e);
                if first(Prop::IceBreakers, code) {
                    variant(&mut m, code).ice_breakers = e
                        .get("call_to_actions")
                        .map(graph_questions)
                        .unwrap_or_default();
                }
            }
        } else {
            m.default.ice_breakers = graph_questions(&Value::Array(list.clone()));
        }
    }
    if let Some(gs) = raw.get("get_started") {
        m.get_started = non_empty(str_at(gs, "payload"));
    }
    if let Some(list) = raw.get("persistent_menu").and_then(Value::as_array) {
        let composer_of =
            |e: &Value| fb && e.get("composer_input_disabled") == Some(&Value::Bool(true));
        for e in list {
            let code = locale_of(e);
            if !first(Prop::PersistentMenu, code) {
                continue;
            }
            let items = e
                .get("call_to_actions")
                .map(graph_items)
                .unwrap_or_default();
            if code == DEFAULT_LOCALE {
                m.default.menu = items;
                m.composer = composer_of(e);
            } else {
                let v = variant(&mut m, code);
                v.menu = items;
                v.composer = Some(composer_of(e));
            }
        }
    }
    if fb && let Some(list) = raw.get("whitelisted_domains").and_then(Value::as_array) {
        m.domains = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    m.normalize(surface);
    m
}

fn graph_questions_json(list: &[IceBreaker]) -> Value {
    Value::Array(
        list.iter()
            .map(|b| json!({ "question": b.question, "payload": b.payload }))
            .collect(),
    )
}

fn graph_items_json(list: &[Item]) -> Value {
    Value::Array(
        list.iter()
            .map(|i| match i {
                Item::Postback { title, payload } => {
                    json!({ "type": "postback", "title": title, "payload": payload })
                }
                Item::WebUrl { title, url } => {
                    json!({ "type": "web_url", "title": title, "url": url })
                }
                Item::Other { title, kind } => json!({ "type": kind, "title": title }),
            })
            .collect(),
    )
}

/// The variants in Graph's order: `default` first, then the locales by code.
fn variants(m: &Messenger) -> impl Iterator<Item = (&str, &Variant)> {
    std::iter::once((DEFAULT_LOCALE, &m.default))
        .chain(m.locales.iter().map(|(c, v)| (c.as_str(), v)))
}

/// The value a `POST .../messenger_profile` sends for `prop`; `None` when the profile
/// sets nothing of it (it is then deleted).
pub fn graph_value(m: &Messenger, surface: Surface, prop: Prop) -> Option<Value> {
    let v = match prop {
        Prop::Greeting => Value::Array(
            variants(m)
                .filter_map(|(code, v)| {
                    v.greeting
                        .as_ref()
                        .map(|t| json!({ "locale": code, "text": t }))
                })
                .collect(),
        ),
        Prop::IceBreakers => Value::Array(
            variants(m)
                .filter(|(_, v)| !v.ice_breakers.is_empty())
                .map(|(code, v)| {
                    json!({ "locale": code, "call_to_actions": graph_questions_json(&v.ice_breakers) })
                })
                .collect(),
        ),
        Prop::GetStarted => return m.get_started.as_ref().map(|p| json!({ "payload": p })),
        Prop::PersistentMenu => Value::Array(
            variants(m)
                .filter_map(|(code, v)| {
                    let composer = if code == DEFAULT_LOCALE {
                        m.composer
                    } else {
                        v.composer.unwrap_or(m.composer)
                    };
                    let composer = composer && surface == Surface::Facebook;
                    let own = (code == DEFAULT_LOCALE && composer) || v.composer.is_some();
                    if v.menu.is_empty() && !own {
                        return None;
                    }
                    let mut e = Map::new();
                    e.insert("locale".into(), json!(code));
                    if composer {
                        e.insert("composer_input_disabled".into(), json!(true));
                    }
                    if !v.menu.is_empty() {
                        e.insert("call_to_actions".into(), graph_items_json(&v.menu));
                    }
                    Some(Value::Object(e))
                })
                .collect(),
        ),
        Prop::WhitelistedDomains => json!(m.domains),
    };
    match &v {
        Value::Array(a) if a.is_empty() => None,
        _ => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(v: Value) -> IndexMap<String, Value> {
        v.as_object().unwrap().clone().into_iter().collect()
    }

    /// What Meta holds after a POST of every property, read back as Meta answers it:
    /// domains with a trailing slash, as the emulator and Meta's examples show.
    fn as_read(m: &Messenger, surface: Surface) -> Map<String, Value> {
        let mut raw = Map::new();
        for &p in surface.properties() {
            if let Some(mut v) = graph_value(m, surface, p) {
                if p == Prop::WhitelistedDomains {
                    v = Value::Array(
                        v.as_array()
                            .unwrap()
                            .iter()
                            .map(|d| json!(format!("{}/", d.as_str().unwrap())))
                            .collect(),
                    );
                }
                raw.insert(p.name().into(), v);
            }
        }
        raw
    }

    #[test]
    fn a_facebook_profile_both_ways() {
        let desired = fields(json!({
            "channel": "facebook",
            "account": "1",
            "greeting": "Hi {{user_first_name}}",
            "ice_breakers": [{"question": "Where is my bag?", "flow": "BAG"}],
            "get_started": {"flow": "GO"},
            "persistent_menu": [{"label": "Agent", "flow": "AGENT"}, {"label": "Shop", "url": "https://shop.example.com/x"}],
            "whitelisted_domains": ["https://Shop.Example.com/"],
            "composer_input_disabled": true,
            "locales": {"fr_FR": {"greeting": "Salut", "persistent_menu": [{"label": "Agent", "flow": "AGENT"}]}, "de_DE": {"greeting": "Hallo"}}
        }));
        let m = from_fields(Surface::Facebook, &desired).unwrap();
        assert_eq!(m.domains, ["https://shop.example.com"]);
        let g = graph_value(&m, Surface::Facebook, Prop::Greeting).unwrap();
        assert_eq!(
            g,
            json!([{"locale": "default", "text": "Hi {{user_first_name}}"}, {"locale": "de_DE", "text": "Hallo"}, {"locale": "fr_FR", "text": "Salut"}])
        );
        let menu = graph_value(&m, Surface::Facebook, Prop::PersistentMenu).unwrap();
        assert_eq!(menu[0]["composer_input_disabled"], true);
        assert_eq!(menu[0]["call_to_actions"][1]["type"], "web_url");
        assert_eq!(menu[1]["locale"], "fr_FR");
        assert_eq!(menu[1]["composer_input_disabled"], true);
        let back = from_graph(Surface::Facebook, &as_read(&m, Surface::Facebook));
        assert_eq!(back, m);
        let shown = to_fields(&back);
        assert_eq!(
            shown["whitelisted_domains"],
            json!(["https://shop.example.com"])
        );
        assert_eq!(
            shown.keys().collect::<Vec<_>>(),
            [
                "greeting",
                "ice_breakers",
                "get_started",
                "persistent_menu",
                "whitelisted_domains",
                "composer_input_disabled",
                "locales"
            ]
        );
        let locales: Vec<&String> = shown["locales"].as_object().unwrap().keys().collect();
        assert_eq!(locales, ["de_DE", "fr_FR"]);
    }

    #[test]
    fn graph_shapes_the_configuration_cannot_write_stay_visible() {
        let raw = json!({
            "ice_breakers": [{"question": "Old format?", "payload": "OLD"}],
            "persistent_menu": [
                {"locale": "default", "call_to_actions": [{"type": "postback", "title": "A", "payload": "P"}]},
                {"locale": "fr_FR", "composer_input_disabled": true, "call_to_actions": [{"type": "game_play", "title": "Jouer"}]}
            ],
            "greeting": [{"locale": "default", "text": ""}],
            "account_linking_url": "https://x.example.com"
        });
        let m = from_graph(Surface::Facebook, raw.as_object().unwrap());
        let f = to_fields(&m);
        assert_eq!(
            f["ice_breakers"],
            json!([{"question": "Old format?", "flow": "OLD"}])
        );
        assert!(!f.contains_key("greeting"));
        assert_eq!(
            f["locales"]["fr_FR"],
            json!({"persistent_menu": [{"label": "Jouer", "type": "game_play"}], "composer_input_disabled": true})
        );
        // What is read can be compared with a desired profile, which never has these.
        let again = from_fields(Surface::Facebook, &f).unwrap();
        assert_eq!(again, m);
        assert!(again.unwritable().unwrap().contains("`game_play`"));
        assert_eq!(Messenger::default().unwritable(), None);
    }

    #[test]
    fn instagram_has_no_greeting_composer_or_domains() {
        let bad = fields(json!({"channel": "instagram", "account": "1", "greeting": "Hi"}));
        assert!(
            from_fields(Surface::Instagram, &bad)
                .unwrap_err()
                .contains("greeting")
        );
        let bad = fields(json!({"composer_input_disabled": true}));
        assert!(from_fields(Surface::Instagram, &bad).is_err());
        let raw = json!({
            "persistent_menu": [{"locale": "default", "composer_input_disabled": true, "call_to_actions": [{"type": "postback", "title": "A", "payload": "P"}]}],
            "greeting": [{"locale": "default", "text": "ignored"}]
        });
        let m = from_graph(Surface::Instagram, raw.as_object().unwrap());
        assert!(!m.composer && m.default.greeting.is_none());
        assert_eq!(
            Surface::Instagram.fields_param(),
            "ice_breakers,get_started,persistent_menu"
        );
    }

    #[test]
    fn desired_shapes_are_checked() {
        for bad in [
            json!({"persistent_menu": [{"label": "A", "flow": "f", "url": "https://a.example"}]}),
            json!({"persistent_menu": [{"label": "A"}]}),
            json!({"ice_breakers": [{"question": "Q"}]}),
            json!({"greeting": 3}),
            json!({"color": "#ffffff"}),
            json!({"locales": {"fr_FR": {"get_started": {"flow": "x"}}}}),
        ] {
            assert!(
                from_fields(Surface::Facebook, &fields(bad.clone())).is_err(),
                "{bad}"
            );
        }
        let empty = fields(
            json!({"composer_input_disabled": false, "greeting": "", "locales": {"fr_FR": {}}}),
        );
        assert_eq!(
            from_fields(Surface::Facebook, &empty).unwrap(),
            Messenger::default()
        );
    }

    #[test]
    fn take_moves_one_property() {
        let a = from_fields(
            Surface::Facebook,
            &fields(json!({"greeting": "A", "locales": {"fr_FR": {"greeting": "Un", "ice_breakers": [{"question": "Q", "flow": "F"}]}}})),
        )
        .unwrap();
        let mut b = Messenger::default();
        b.take(&a, Prop::Greeting);
        assert_eq!(
            to_fields(&b),
            fields(json!({"greeting": "A", "locales": {"fr_FR": {"greeting": "Un"}}}))
        );
        assert!(!b.lacks(Prop::Greeting) && b.lacks(Prop::IceBreakers));
        b.take(&Messenger::default(), Prop::Greeting);
        assert_eq!(b, Messenger::default());
    }

    #[test]
    fn domains_and_origins() {
        assert_eq!(
            normalize_domain("https://WWW.Example.com/"),
            "https://www.example.com"
        );
        assert_eq!(
            normalize_domain("https://example.com:8443/"),
            "https://example.com:8443"
        );
        assert_eq!(
            normalize_domain("https://example.com/path/"),
            "https://example.com/path"
        );
        assert_eq!(
            origin("https://Shop.example.com/a?b").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(origin("not a url"), None);
    }

    // -----------------------------------------------------------------------------------
    // desired -> Graph -> read back == desired, for arbitrary valid profiles.

    const LOCALES: &[&str] = &["de_DE", "en_GB", "es_LA", "fr_FR", "ja_JP", "pt_BR"];

    fn text() -> impl Strategy<Value = String> {
        "[A-Za-z0-9 àéü!?{}_]{1,30}"
    }

    fn ice_breakers() -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec(
            (text(), "[A-Z_]{1,12}").prop_map(|(q, f)| json!({"question": q, "flow": f})),
            0..=4,
        )
    }

    fn menu() -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec(
            prop_oneof![
                (text(), "[A-Z_]{1,12}").prop_map(|(l, f)| json!({"label": l, "flow": f})),
                (text(), "[a-z]{1,8}", "[a-z]{0,6}").prop_map(
                    |(l, h, p)| json!({"label": l, "url": format!("https://{h}.example.com/{p}")})
                ),
            ],
            0..=5,
        )
    }

    fn put(o: &mut Map<String, Value>, key: &str, list: Vec<Value>) {
        if !list.is_empty() {
            o.insert(key.into(), Value::Array(list));
        }
    }

    fn profile(surface: Surface) -> impl Strategy<Value = IndexMap<String, Value>> {
        let fb = surface == Surface::Facebook;
        let locale = (prop::option::of(text()), ice_breakers(), menu());
        (
            prop::option::of(text()),
            ice_breakers(),
            prop::option::of("[A-Z_]{1,20}"),
            menu(),
            prop::collection::btree_set("[a-z]{1,8}", 0..=3),
            any::<bool>(),
            prop::collection::btree_map(prop::sample::select(LOCALES), locale, 0..=3),
        )
            .prop_map(
                move |(greeting, ibs, gs, menu, domains, composer, locales)| {
                    let mut o = Map::new();
                    o.insert("channel".into(), json!(surface.channel()));
                    o.insert("account".into(), json!("1048576"));
                    if fb && let Some(g) = &greeting {
                        o.insert("greeting".into(), json!(g));
                    }
                    put(&mut o, "ice_breakers", ibs);
                    if let Some(g) = gs {
                        o.insert("get_started".into(), json!({"flow": g}));
                    }
                    let has_menu = !menu.is_empty();
                    put(&mut o, "persistent_menu", menu);
                    if fb {
                        put(
                            &mut o,
                            "whitelisted_domains",
                            domains
                                .iter()
                                .map(|d| json!(format!("https://{d}.example.com")))
                                .collect(),
                        );
                        if composer && has_menu {
                            o.insert("composer_input_disabled".into(), json!(true));
                        }
                    }
                    let mut ls = Map::new();
                    for (code, (g, ibs, menu)) in locales {
                        let mut l = Map::new();
                        if fb
                            && greeting.is_some()
                            && let Some(g) = g
                        {
                            l.insert("greeting".into(), json!(g));
                        }
                        if o.contains_key("ice_breakers") {
                            put(&mut l, "ice_breakers", ibs);
                        }
                        if has_menu {
                            put(&mut l, "persistent_menu", menu);
                        }
                        if !l.is_empty() {
                            ls.insert(code.to_string(), Value::Object(l));
                        }
                    }
                    if !ls.is_empty() {
                        o.insert("locales".into(), Value::Object(ls));
                    }
                    o.into_iter().collect()
                },
            )
    }

    fn without_binding(mut f: IndexMap<String, Value>) -> IndexMap<String, Value> {
        f.shift_remove("channel");
        f.shift_remove("account");
        f
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn facebook_round_trip(desired in profile(Surface::Facebook)) {
            let m = from_fields(Surface::Facebook, &desired).unwrap();
            let read = from_graph(Surface::Facebook, &as_read(&m, Surface::Facebook));
            prop_assert_eq!(to_fields(&read), without_binding(desired));
            prop_assert_eq!(read, m);
        }

        #[test]
        fn instagram_round_trip(desired in profile(Surface::Instagram)) {
            let m = from_fields(Surface::Instagram, &desired).unwrap();
            let read = from_graph(Surface::Instagram, &as_read(&m, Surface::Instagram));
            prop_assert_eq!(to_fields(&read), without_binding(desired));
            prop_assert_eq!(read, m);
        }
    }
}
