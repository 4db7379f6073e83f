//! The Messenger Profile API: reading, setting and deleting the properties of a Page's
//! (or its linked Instagram account's) Messenger profile, with Meta's documented rules.
//!
//! Sources (Meta for Developers, Messenger Platform):
//! - "Messenger Profile API" (updated Mar 18, 2026),
//!   <https://developers.facebook.com/documentation/business-messaging/messenger-platform/reference/messenger-profile-api>:
//!   the properties, `GET ?fields=` answering `{"data":[{...}]}`, "Only properties set
//!   in the request body will be overwritten", `DELETE` with `{"fields":[...]}`, both
//!   answering `{"result":"success"}`, and the rate limit.
//! - "greeting Reference", <https://developers.facebook.com/docs/messenger-platform/reference/messenger-profile-api/greeting>:
//!   a `default` locale entry is required; "160 character limit".
//! - "get_started Reference", <https://developers.facebook.com/docs/messenger-platform/reference/messenger-profile-api/get-started-button/>:
//!   `{"payload": ...}`, "1000 character limit".
//! - "ice_breakers Reference" (updated Jun 26, 2024),
//!   <https://developers.facebook.com/documentation/business-messaging/messenger-platform/reference/messenger-profile-api/ice-breakers>:
//!   "A maximum of 4 questions", the existing and the new (localised) format, "One POST
//!   request can have the existing format OR the new format but not both", `default`
//!   locale REQUIRED, GET answers in the format that was set.
//! - "Persistent menu" (updated Jun 17, 2026),
//!   <https://developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages/persistent-menu>:
//!   `locale` (`default` required), `composer_input_disabled`, `call_to_actions`
//!   ("Maximum of 20 items", required when the composer is disabled), `menu_item`
//!   (`web_url` or `postback`, title "30 character limit", payload "1000 character
//!   limit", `webview_height_ratio` compact/tall/full, `messenger_extensions`,
//!   `fallback_url` "may only be specified if `messenger_extensions` is true",
//!   `webview_share_button` `hide`), and the requirement "The Messenger bot must have a
//!   Get Started button set".
//! - "The Persistent Menu" (Instagram Messaging, updated Jul 2, 2026),
//!   <https://developers.facebook.com/documentation/business-messaging/instagram-messaging/features/persistent-menu>:
//!   `composer_input_disabled` and `webview_height_ratio` are not available.
//! - "Ice Breakers" (Instagram), <https://developers.facebook.com/docs/messenger-platform/instagram/features/ice-breakers>:
//!   `platform=instagram` in the query and the body of `/me/messenger_profile`.
//! - "whitelisted_domains Reference" (updated Jul 1, 2025),
//!   <https://developers.facebook.com/documentation/business-messaging/messenger-platform/reference/messenger-profile-api/domain-whitelisting>:
//!   "Up to 50 domains", "Served over HTTPS", "IP addresses and localhost are not
//!   supported"; the documented GET example reads domains back as `https://facebook.com/`.
//!
//! Where Meta documents no wording, the `(#100)` messages here are the emulator's own;
//! their code, type and status are Meta's.

use serde_json::{Map, Value, json};
use url::{Host, Url};

use super::errors::GraphError;
use crate::model::locale as locales;

/// A Messenger profile: property name to value, in the order they were set.
pub type Profile = Map<String, Value>;

/// Which profile of a Page a call addresses (`platform` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// the Page's own Messenger profile (the default)
    Messenger,
    /// the Instagram professional account linked to the Page
    Instagram,
}

impl Platform {
    /// Reads the `platform` parameter (`messenger` when absent).
    pub fn parse(value: Option<&str>) -> Result<Platform, GraphError> {
        match value {
            None | Some("messenger") => Ok(Platform::Messenger),
            Some("instagram") => Ok(Platform::Instagram),
            Some(other) => Err(GraphError::invalid_param(format!(
                "Param platform must be one of {{MESSENGER, INSTAGRAM}} - got \"{other}\""
            ))),
        }
    }
}

/// Properties that can be set, read and deleted.
pub const WRITABLE: &[&str] = &[
    "get_started",
    "greeting",
    "ice_breakers",
    "persistent_menu",
    "whitelisted_domains",
    "account_linking_url",
    "commands",
];

/// Properties that can only be read ("This property is only available for GET request").
pub const READ_ONLY: &[&str] = &["subject_to_new_eu_privacy_rules"];

/// Properties an Instagram account's profile takes: ice breakers and the persistent menu
/// are documented for Instagram; `get_started` is accepted too (not documented for
/// Instagram either way, see `docs/graph-emulator.md`).
pub const INSTAGRAM: &[&str] = &["get_started", "ice_breakers", "persistent_menu"];

/// `home_url`: "Deprecated for all operations (GET, POST, DELETE) for v7.0+".
fn deprecated(name: &str) -> Option<GraphError> {
    (name == "home_url").then(|| {
        GraphError::invalid_param(
            "The home_url property of the Messenger Profile is deprecated for all operations (GET, POST, DELETE) since v7.0",
        )
    })
}

fn unknown_property(name: &str) -> GraphError {
    GraphError::invalid_param(format!(
        "Param {name} is not a Messenger Profile property; the properties are {}",
        WRITABLE.join(", ")
    ))
}

/// Checks the names of a `fields` list (GET or DELETE).
fn check_field_names(names: &[String], allow_read_only: bool) -> Result<(), GraphError> {
    if names.is_empty() {
        return Err(GraphError::invalid_param(
            "The parameter fields is required",
        ));
    }
    for name in names {
        if let Some(e) = deprecated(name) {
            return Err(e);
        }
        let known = WRITABLE.contains(&name.as_str())
            || (allow_read_only && READ_ONLY.contains(&name.as_str()));
        if !known {
            return Err(unknown_property(name));
        }
    }
    Ok(())
}

/// Answers `GET .../messenger_profile?fields=...`: `{"data":[{...}]}` with the requested
/// properties that are set, `{"data":[]}` when none is.
pub fn read(profile: &Profile, fields: &[String]) -> Result<Value, GraphError> {
    check_field_names(fields, true)?;
    let mut out = Map::new();
    for name in fields {
        if name == "subject_to_new_eu_privacy_rules" {
            out.insert(name.clone(), json!(false));
        } else if let Some(v) = profile.get(name) {
            out.insert(name.clone(), v.clone());
        }
    }
    Ok(if out.is_empty() {
        json!({ "data": [] })
    } else {
        json!({ "data": [out] })
    })
}

/// Applies `POST .../messenger_profile`: validates every property of `body` (the
/// `platform` key aside), then overwrites only those properties.
pub fn write(
    profile: &mut Profile,
    body: &Map<String, Value>,
    platform: Platform,
) -> Result<(), GraphError> {
    let mut changes = Map::new();
    for (name, value) in body {
        if name == "platform" {
            continue;
        }
        if let Some(e) = deprecated(name) {
            return Err(e);
        }
        if READ_ONLY.contains(&name.as_str()) {
            return Err(GraphError::invalid_param(format!(
                "Param {name} can only be read"
            )));
        }
        if !WRITABLE.contains(&name.as_str()) {
            return Err(unknown_property(name));
        }
        if platform == Platform::Instagram && !INSTAGRAM.contains(&name.as_str()) {
            return Err(GraphError::invalid_param(format!(
                "Param {name} is not available for platform instagram"
            )));
        }
        if value.is_null() {
            return Err(GraphError::invalid_param(format!(
                "Param {name} cannot be null"
            )));
        }
        let normalized = match name.as_str() {
            "get_started" => get_started(value)?,
            "greeting" => greeting(value)?,
            "ice_breakers" => ice_breakers(value)?,
            "persistent_menu" => persistent_menu(value, platform)?,
            "whitelisted_domains" => whitelisted_domains(value)?,
            "account_linking_url" => account_linking_url(value)?,
            _ => commands(value)?,
        };
        changes.insert(name.clone(), normalized);
    }
    if changes.is_empty() {
        return Err(GraphError::invalid_param(
            "The request sets no Messenger Profile property",
        ));
    }
    let after = |name: &str| changes.get(name).or_else(|| profile.get(name));
    // Both checks are Messenger's: the Instagram menu page lists no Get Started
    // requirement, and Instagram profiles have no whitelisted domains.
    if let Some(menu) = changes.get("persistent_menu")
        && platform == Platform::Messenger
    {
        if after("get_started").is_none() {
            return Err(GraphError::get_started_required());
        }
        let domains: Vec<&str> = after("whitelisted_domains")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for url in extension_urls(menu) {
            if !whitelisted(&url, &domains) {
                return Err(GraphError::not_whitelisted());
            }
        }
    }
    for (name, value) in changes {
        profile.insert(name, value);
    }
    Ok(())
}

/// Applies `DELETE .../messenger_profile` with `{"fields":[...]}`: removes those
/// properties (deleting one that is not set is not an error).
pub fn delete(
    profile: &mut Profile,
    fields: &[String],
    platform: Platform,
) -> Result<(), GraphError> {
    check_field_names(fields, false)?;
    if platform == Platform::Instagram
        && let Some(name) = fields.iter().find(|f| !INSTAGRAM.contains(&f.as_str()))
    {
        return Err(GraphError::invalid_param(format!(
            "Param {name} is not available for platform instagram"
        )));
    }
    for name in fields {
        profile.remove(name);
    }
    Ok(())
}

/// Validates a profile given in the accounts file, by the same rules as a POST of all of
/// its properties.
pub fn validate_initial(value: &Value, platform: Platform) -> Result<Profile, GraphError> {
    let Some(obj) = value.as_object() else {
        return Err(GraphError::invalid_param(
            "a Messenger profile is a JSON object of properties",
        ));
    };
    let mut profile = Profile::new();
    if !obj.is_empty() {
        write(&mut profile, obj, platform)?;
    }
    Ok(profile)
}

// ---------------------------------------------------------------------------------------
// Property shapes.

fn param(path: &str, rule: &str) -> GraphError {
    GraphError::invalid_param(format!("Param {path} {rule}"))
}

fn object<'a>(
    v: &'a Value,
    path: &str,
    keys: &[&str],
) -> Result<&'a Map<String, Value>, GraphError> {
    let obj = v
        .as_object()
        .ok_or_else(|| param(path, "must be an object"))?;
    if let Some(k) = obj.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(param(&format!("{path}[{k}]"), "is not a valid property"));
    }
    Ok(obj)
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>, GraphError> {
    v.as_array().ok_or_else(|| param(path, "must be an array"))
}

/// A required string of 1 to `max` characters (`max` in Unicode scalar values).
fn text<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
    max: usize,
) -> Result<&'a str, GraphError> {
    let path = format!("{path}[{key}]");
    let s = obj
        .get(key)
        .ok_or_else(|| param(&path, "is required"))?
        .as_str()
        .ok_or_else(|| param(&path, "must be a string"))?;
    if s.is_empty() {
        return Err(param(&path, "must be a non-empty string"));
    }
    if s.chars().count() > max {
        return Err(param(
            &path,
            &format!("must be at most {max} characters long"),
        ));
    }
    Ok(s)
}

/// The `locale` of a localised entry: a supported code or `default`.
fn locale<'a>(obj: &'a Map<String, Value>, path: &str) -> Result<&'a str, GraphError> {
    let path = format!("{path}[locale]");
    let l = obj
        .get("locale")
        .ok_or_else(|| param(&path, "is required"))?
        .as_str()
        .ok_or_else(|| param(&path, "must be a string"))?;
    if !locales::is_valid(l) {
        return Err(param(
            &path,
            &format!("must be a supported locale - got \"{l}\""),
        ));
    }
    Ok(l)
}

/// Records a locale, refusing duplicates; after the loop, [`require_default`].
fn unique_locale(seen: &mut Vec<String>, l: &str, name: &str) -> Result<(), GraphError> {
    if seen.iter().any(|s| s == l) {
        return Err(param(
            name,
            &format!("has more than one entry for locale \"{l}\""),
        ));
    }
    seen.push(l.to_string());
    Ok(())
}

fn require_default(seen: &[String], name: &str) -> Result<(), GraphError> {
    if seen.iter().any(|s| s == locales::DEFAULT) {
        Ok(())
    } else {
        Err(param(name, "must have an entry with locale \"default\""))
    }
}

/// Postback payloads: "1000 character limit".
const PAYLOAD_MAX: usize = 1000;

fn get_started(v: &Value) -> Result<Value, GraphError> {
    let obj = object(v, "get_started", &["payload"])?;
    text(obj, "payload", "get_started", PAYLOAD_MAX)?;
    Ok(v.clone())
}

/// Greeting texts: "160 character limit".
const GREETING_MAX: usize = 160;

fn greeting(v: &Value) -> Result<Value, GraphError> {
    let mut seen = Vec::new();
    for (i, item) in array(v, "greeting")?.iter().enumerate() {
        let path = format!("greeting[{i}]");
        let obj = object(item, &path, &["locale", "text"])?;
        let l = locale(obj, &path)?;
        text(obj, "text", &path, GREETING_MAX)?;
        unique_locale(&mut seen, l, "greeting")?;
    }
    require_default(&seen, "greeting")?;
    Ok(v.clone())
}

/// "A maximum of 4 questions can be set via the Ice Breaker API."
const ICE_BREAKERS_MAX: usize = 4;

fn ice_breakers(v: &Value) -> Result<Value, GraphError> {
    let items = array(v, "ice_breakers")?;
    if items.is_empty() {
        return Err(param("ice_breakers", "must have at least one question"));
    }
    let new_format =
        |item: &Value| item.get("call_to_actions").is_some() || item.get("locale").is_some();
    let localised = items.iter().filter(|i| new_format(i)).count();
    if localised != 0 && localised != items.len() {
        return Err(param(
            "ice_breakers",
            "mixes the existing format and the new (localised) format; one POST can have one format only",
        ));
    }
    if localised == 0 {
        if items.len() > ICE_BREAKERS_MAX {
            return Err(param(
                "ice_breakers",
                &format!("can have at most {ICE_BREAKERS_MAX} questions"),
            ));
        }
        for (i, item) in items.iter().enumerate() {
            question(item, &format!("ice_breakers[{i}]"))?;
        }
        return Ok(v.clone());
    }
    let mut seen = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("ice_breakers[{i}]");
        let obj = object(item, &path, &["call_to_actions", "locale"])?;
        let l = locale(obj, &path)?;
        let cta_path = format!("{path}[call_to_actions]");
        let ctas = array(
            obj.get("call_to_actions")
                .ok_or_else(|| param(&cta_path, "is required"))?,
            &cta_path,
        )?;
        if ctas.is_empty() {
            return Err(param(&cta_path, "must have at least one question"));
        }
        if ctas.len() > ICE_BREAKERS_MAX {
            return Err(param(
                &cta_path,
                &format!("can have at most {ICE_BREAKERS_MAX} questions"),
            ));
        }
        for (j, cta) in ctas.iter().enumerate() {
            question(cta, &format!("{cta_path}[{j}]"))?;
        }
        unique_locale(&mut seen, l, "ice_breakers")?;
    }
    require_default(&seen, "ice_breakers")?;
    Ok(v.clone())
}

fn question(v: &Value, path: &str) -> Result<(), GraphError> {
    let obj = object(v, path, &["question", "payload"])?;
    text(obj, "question", path, usize::MAX)?;
    text(obj, "payload", path, PAYLOAD_MAX)?;
    Ok(())
}

/// `call_to_actions`: "Maximum of 20 items".
const MENU_ITEMS_MAX: usize = 20;
/// Menu item titles: "30 character limit".
const MENU_TITLE_MAX: usize = 30;

fn persistent_menu(v: &Value, platform: Platform) -> Result<Value, GraphError> {
    let mut seen = Vec::new();
    for (i, item) in array(v, "persistent_menu")?.iter().enumerate() {
        let path = format!("persistent_menu[{i}]");
        let obj = object(
            item,
            &path,
            &[
                "locale",
                "composer_input_disabled",
                "call_to_actions",
                "disabled_surfaces",
            ],
        )?;
        let l = locale(obj, &path)?;
        let disabled = match obj.get("composer_input_disabled") {
            None => false,
            Some(_) if platform == Platform::Instagram => {
                return Err(param(
                    &format!("{path}[composer_input_disabled]"),
                    "is not available for platform instagram",
                ));
            }
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(param(
                    &format!("{path}[composer_input_disabled]"),
                    "must be a boolean",
                ));
            }
        };
        if let Some(surfaces) = obj.get("disabled_surfaces") {
            let sp = format!("{path}[disabled_surfaces]");
            for s in array(surfaces, &sp)? {
                if s.as_str() != Some("customer_chat_plugin") {
                    return Err(param(&sp, "must hold only \"customer_chat_plugin\""));
                }
            }
        }
        let cta_path = format!("{path}[call_to_actions]");
        match obj.get("call_to_actions") {
            None if disabled => {
                return Err(param(
                    &cta_path,
                    "is required when composer_input_disabled is true",
                ));
            }
            None => {}
            Some(ctas) => {
                let ctas = array(ctas, &cta_path)?;
                if ctas.len() > MENU_ITEMS_MAX {
                    return Err(param(
                        &cta_path,
                        &format!("can have at most {MENU_ITEMS_MAX} items"),
                    ));
                }
                for (j, cta) in ctas.iter().enumerate() {
                    menu_item(cta, &format!("{cta_path}[{j}]"), platform)?;
                }
            }
        }
        unique_locale(&mut seen, l, "persistent_menu")?;
    }
    require_default(&seen, "persistent_menu")?;
    Ok(v.clone())
}

fn menu_item(v: &Value, path: &str, platform: Platform) -> Result<(), GraphError> {
    let Some(raw) = v.as_object() else {
        return Err(param(path, "must be an object"));
    };
    // Nested items (type `nested`, or any item with its own call_to_actions) were removed
    // from the Messenger Profile API in v8.0 ("with a 2-year breaking change on all
    // versions"), so every version refuses them.
    if raw.get("type").and_then(Value::as_str) == Some("nested")
        || raw.contains_key("call_to_actions")
    {
        return Err(GraphError::nested_menu());
    }
    let kind = raw
        .get("type")
        .ok_or_else(|| param(&format!("{path}[type]"), "is required"))?
        .as_str()
        .ok_or_else(|| param(&format!("{path}[type]"), "must be a string"))?;
    match kind {
        "postback" => {
            let obj = object(v, path, &["type", "title", "payload"])?;
            text(obj, "title", path, MENU_TITLE_MAX)?;
            text(obj, "payload", path, PAYLOAD_MAX)?;
        }
        "web_url" => {
            let obj = object(
                v,
                path,
                &[
                    "type",
                    "title",
                    "url",
                    "webview_height_ratio",
                    "messenger_extensions",
                    "fallback_url",
                    "webview_share_button",
                ],
            )?;
            text(obj, "title", path, MENU_TITLE_MAX)?;
            web_url(text(obj, "url", path, usize::MAX)?, &format!("{path}[url]"))?;
            if let Some(ratio) = obj.get("webview_height_ratio") {
                let rp = format!("{path}[webview_height_ratio]");
                if platform == Platform::Instagram {
                    return Err(param(&rp, "is not available for platform instagram"));
                }
                if !matches!(ratio.as_str(), Some("compact" | "tall" | "full")) {
                    return Err(param(&rp, "must be one of {compact, tall, full}"));
                }
            }
            let extensions = match obj.get("messenger_extensions") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(param(
                        &format!("{path}[messenger_extensions]"),
                        "must be a boolean",
                    ));
                }
            };
            if let Some(fallback) = obj.get("fallback_url") {
                let fp = format!("{path}[fallback_url]");
                if !extensions {
                    return Err(param(
                        &fp,
                        "may only be specified if messenger_extensions is true",
                    ));
                }
                web_url(
                    fallback
                        .as_str()
                        .ok_or_else(|| param(&fp, "must be a string"))?,
                    &fp,
                )?;
            }
            if let Some(share) = obj.get("webview_share_button")
                && !matches!(share.as_str(), Some("hide" | "show"))
            {
                return Err(param(
                    &format!("{path}[webview_share_button]"),
                    "must be one of {hide, show}",
                ));
            }
        }
        other => {
            return Err(param(
                &format!("{path}[type]"),
                &format!("must be one of {{web_url, postback}} - got \"{other}\""),
            ));
        }
    }
    Ok(())
}

/// A button URL: an absolute http(s) URL with a host.
fn web_url(s: &str, path: &str) -> Result<Url, GraphError> {
    match Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(param(path, "must be a valid http or https URL")),
    }
}

/// "Up to 50 domains allowed."
const DOMAINS_MAX: usize = 50;

fn whitelisted_domains(v: &Value) -> Result<Value, GraphError> {
    let items = array(v, "whitelisted_domains")?;
    if items.len() > DOMAINS_MAX {
        return Err(param(
            "whitelisted_domains",
            &format!("can have at most {DOMAINS_MAX} domains"),
        ));
    }
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("whitelisted_domains[{i}]");
        let s = item
            .as_str()
            .ok_or_else(|| param(&path, "must be a string"))?;
        let normalized = Value::String(domain(s, &path)?);
        if !out.contains(&normalized) {
            out.push(normalized);
        }
    }
    Ok(Value::Array(out))
}

/// A whitelisted domain: HTTPS, a fully qualified domain name (no IP address, no
/// localhost), no path, query or credentials; kept as Meta reads it back,
/// `https://host/` (with the port when one is given).
fn domain(s: &str, path: &str) -> Result<String, GraphError> {
    let u =
        Url::parse(s).map_err(|_| param(path, "must be a URL such as https://www.example.com/"))?;
    if u.scheme() != "https" {
        return Err(param(path, "must be served over HTTPS"));
    }
    let host = match u.host() {
        Some(Host::Domain(d)) => d.to_string(),
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            return Err(param(
                path,
                "must be a domain name: IP addresses are not supported",
            ));
        }
        None => return Err(param(path, "must name a domain")),
    };
    let bare = host.trim_end_matches('.');
    if bare == "localhost" || bare.ends_with(".localhost") {
        return Err(param(
            path,
            "must be a domain name: localhost is not supported",
        ));
    }
    if !bare.contains('.') {
        return Err(param(path, "must be a fully qualified domain name"));
    }
    if !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.fragment().is_some()
        || u.path() != "/"
    {
        return Err(param(
            path,
            "must be a domain without path, query or credentials",
        ));
    }
    Ok(match u.port() {
        Some(p) => format!("https://{host}:{p}/"),
        None => format!("https://{host}/"),
    })
}

fn account_linking_url(v: &Value) -> Result<Value, GraphError> {
    let s = v
        .as_str()
        .ok_or_else(|| param("account_linking_url", "must be a string"))?;
    match Url::parse(s) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() => Ok(v.clone()),
        _ => Err(param("account_linking_url", "must be an https URL")),
    }
}

/// `commands`: "Optional argument. If provided, it cannot be null." Kept as given beyond
/// its being an array.
fn commands(v: &Value) -> Result<Value, GraphError> {
    array(v, "commands")?;
    Ok(v.clone())
}

/// The URLs of `web_url` items with `messenger_extensions: true`, which must be on a
/// whitelisted domain.
fn extension_urls(menu: &Value) -> Vec<Url> {
    let mut out = Vec::new();
    for entry in menu.as_array().into_iter().flatten() {
        for item in entry
            .get("call_to_actions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if item.get("messenger_extensions") == Some(&Value::Bool(true))
                && let Some(u) = item
                    .get("url")
                    .and_then(Value::as_str)
                    .and_then(|s| Url::parse(s).ok())
            {
                out.push(u);
            }
        }
    }
    out
}

/// Whether `url` is on one of the whitelisted domains (same scheme, host and port; a
/// subdomain must be whitelisted itself).
fn whitelisted(url: &Url, domains: &[&str]) -> bool {
    domains.iter().filter_map(|d| Url::parse(d).ok()).any(|d| {
        d.scheme() == url.scheme()
            && d.host_str() == url.host_str()
            && d.port_or_known_default() == url.port_or_known_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(profile: &mut Profile, body: Value) -> Result<(), GraphError> {
        write(profile, body.as_object().unwrap(), Platform::Messenger)
    }

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overwrite_only_what_is_sent_and_read_back() {
        let mut p = Profile::new();
        post(
            &mut p,
            json!({"greeting": [{"locale": "default", "text": "Hi"}]}),
        )
        .unwrap();
        post(&mut p, json!({"get_started": {"payload": "GO"}})).unwrap();
        let r = read(&p, &fields(&["greeting", "get_started", "ice_breakers"])).unwrap();
        assert_eq!(
            r,
            json!({"data": [{"greeting": [{"locale": "default", "text": "Hi"}], "get_started": {"payload": "GO"}}]})
        );
        assert_eq!(
            read(&p, &fields(&["ice_breakers"])).unwrap(),
            json!({"data": []})
        );
        delete(&mut p, &fields(&["greeting"]), Platform::Messenger).unwrap();
        assert!(!p.contains_key("greeting"));
    }

    #[test]
    fn limits() {
        let mut p = Profile::new();
        let long = "x".repeat(161);
        let e = post(
            &mut p,
            json!({"greeting": [{"locale": "default", "text": long}]}),
        )
        .unwrap_err();
        assert_eq!(e.code, 100);
        // 160 characters of a multi-byte letter are fine: the limit counts characters.
        post(
            &mut p,
            json!({"greeting": [{"locale": "default", "text": "é".repeat(160)}]}),
        )
        .unwrap();
        let e = post(
            &mut p,
            json!({"greeting": [{"locale": "fr_FR", "text": "Salut"}]}),
        )
        .unwrap_err();
        assert!(e.message.contains("default"), "{e}");
        let e = post(&mut p, json!({"greeting": [{"locale": "default", "text": "a"}, {"locale": "fr", "text": "b"}]})).unwrap_err();
        assert!(e.message.contains("supported locale"), "{e}");
        let q = |n: usize| {
            (0..n)
                .map(|i| json!({"question": format!("q{i}"), "payload": "P"}))
                .collect::<Vec<_>>()
        };
        post(&mut p, json!({"ice_breakers": q(4)})).unwrap();
        assert!(post(&mut p, json!({"ice_breakers": q(5)})).is_err());
        post(
            &mut p,
            json!({"ice_breakers": [{"locale": "default", "call_to_actions": q(4)}]}),
        )
        .unwrap();
        assert!(
            post(
                &mut p,
                json!({"ice_breakers": [{"locale": "default", "call_to_actions": q(5)}]})
            )
            .is_err()
        );
        assert!(
            post(
                &mut p,
                json!({"ice_breakers": [{"locale": "en_GB", "call_to_actions": q(1)}]})
            )
            .is_err()
        );
        let mixed = json!({"ice_breakers": [{"question": "a", "payload": "b"}, {"locale": "default", "call_to_actions": q(1)}]});
        assert!(post(&mut p, mixed).is_err());
        assert!(
            post(
                &mut p,
                json!({"get_started": {"payload": "p".repeat(1001)}})
            )
            .is_err()
        );
    }

    #[test]
    fn menu_rules() {
        let mut p = Profile::new();
        let menu = json!({"persistent_menu": [{"locale": "default", "call_to_actions": [{"type": "postback", "title": "Agent", "payload": "A"}]}]});
        let e = post(&mut p, menu.clone()).unwrap_err();
        assert_eq!(e, GraphError::get_started_required());
        // Sent together with the Get Started button, the menu is accepted.
        let mut both = menu.as_object().unwrap().clone();
        both.insert("get_started".into(), json!({"payload": "GO"}));
        write(&mut p, &both, Platform::Messenger).unwrap();
        let nested = json!({"persistent_menu": [{"locale": "default", "call_to_actions": [{"type": "nested", "title": "More", "call_to_actions": []}]}]});
        assert_eq!(post(&mut p, nested).unwrap_err().code, 11);
        let items: Vec<Value> = (0..21)
            .map(|i| json!({"type": "postback", "title": format!("t{i}"), "payload": "P"}))
            .collect();
        assert!(
            post(
                &mut p,
                json!({"persistent_menu": [{"locale": "default", "call_to_actions": items}]})
            )
            .is_err()
        );
        let ext = json!({"persistent_menu": [{"locale": "default", "call_to_actions": [{"type": "web_url", "title": "Shop", "url": "https://shop.example.com/x", "messenger_extensions": true}]}]});
        assert_eq!(
            post(&mut p, ext.clone()).unwrap_err().subcode,
            Some(2018063)
        );
        post(
            &mut p,
            json!({"whitelisted_domains": ["https://shop.example.com"]}),
        )
        .unwrap();
        post(&mut p, ext).unwrap();
        let ig = json!({"persistent_menu": [{"locale": "default", "composer_input_disabled": true, "call_to_actions": [{"type": "postback", "title": "A", "payload": "B"}]}]});
        let mut igp = Profile::new();
        assert!(write(&mut igp, ig.as_object().unwrap(), Platform::Instagram).is_err());
    }

    #[test]
    fn domains() {
        assert_eq!(
            domain("https://www.Example.com", "d").unwrap(),
            "https://www.example.com/"
        );
        assert!(domain("http://www.example.com", "d").is_err());
        assert!(domain("https://127.0.0.1", "d").is_err());
        assert!(domain("https://[::1]/", "d").is_err());
        assert!(domain("https://localhost/", "d").is_err());
        assert!(domain("https://example.com/path", "d").is_err());
        let many: Vec<String> = (0..51)
            .map(|i| format!("https://d{i}.example.com"))
            .collect();
        assert!(whitelisted_domains(&json!(many)).is_err());
    }

    #[test]
    fn field_names() {
        let p = Profile::new();
        assert!(read(&p, &[]).is_err());
        assert!(
            read(&p, &fields(&["home_url"]))
                .unwrap_err()
                .message
                .contains("deprecated")
        );
        assert!(read(&p, &fields(&["nope"])).is_err());
        assert_eq!(
            read(&p, &fields(&["subject_to_new_eu_privacy_rules"])).unwrap(),
            json!({"data": [{"subject_to_new_eu_privacy_rules": false}]})
        );
    }
}
