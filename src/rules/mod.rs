//! The configuration types beside their rules, by area, as cargo-deny lays out its
//! checks: each area is a folder with `cfg.rs` (its serde and schemars types), its offline
//! rules, its checks against the live catalog where it has any (`live.rs`), and in its
//! `mod.rs` the mapping of its part of the configuration to resources. Here: the root
//! [`Config`], decoding it from the schema-checked document (`decode.rs`), the dispatch of
//! the rules, and the resources a configuration asks for. The limits catalog is
//! `limits.rs`; the JSON Schema generated from [`Config`] is `schema.rs`.

pub mod allow;
mod caps;
pub mod contacts;
mod decode;
pub mod groups;
pub mod limits;
pub(crate) mod live;
pub mod messaging;
pub mod proactive;
pub mod profiles;
pub mod reply;
pub mod schema;
mod targets;
pub mod workspace;

use std::collections::HashMap;
use std::path::Path as FsPath;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::config::{DocPath, Layout, Loaded, Node};
use crate::diagnostics::{Code, Diagnostic, Sources, Span, suggest, text};
use crate::model::{Kind, Resource};
use limits::*;
use proactive::conditions::Condition;

pub use contacts::{AttributeType, ContactAttribute, Contacts};
pub use groups::Group;
pub use messaging::{AutoResponse, ConversationControl, Messaging, Routing};
pub use proactive::{
    AgentResponse, BotResponse, Event, Frequency, ProactiveMessage, RawCondition, RawConditions,
    RawValue, Response, Sending, Trigger,
};
pub use profiles::{
    Button, CustomProfile, FacebookLocale, FacebookProfile, GetStarted, IceBreaker,
    InstagramLocale, InstagramProfile, LiveChatProfile, MenuItem, Profile, Vertical,
    WhatsappProfile, XButton, XProfile,
};
pub use reply::{Folder, Mailbox, ReplyProfiles};
pub use workspace::{BackendKind, BackendTable, Workspace};

/// A whole configuration: the root file and every file merged into it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "socialform configuration, version 1")]
pub struct Config {
    /// The platform workspace this configuration manages.
    pub workspace: Workspace,
    /// Where live state is read and written.
    pub backend: Option<BackendTable>,
    /// Messaging profiles, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }))]
    pub profiles: IndexMap<String, Profile>,
    /// Profile groups, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }, "maxProperties" = GROUPS))]
    pub groups: IndexMap<String, Group>,
    /// Reply profiles of mailboxes and their smart folders, by mailbox name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub mailboxes: IndexMap<String, Mailbox>,
    /// Workspace-wide contact settings.
    pub contacts: Option<Contacts>,
    /// Contact attributes, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }))]
    pub contact_attributes: IndexMap<String, ContactAttribute>,
    /// Messaging settings.
    pub messaging: Option<Messaging>,
    /// Proactive web messages, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }, "maxProperties" = PROACTIVE_MESSAGES))]
    pub proactive_messages: IndexMap<String, ProactiveMessage>,
}

/// The sandbox catalog when `[backend] catalog` does not name one.
pub const DEFAULT_CATALOG: &str = "catalog.toml";

/// The tables of the configuration that gather entries from every file: the namespaces
/// of the kinds ([`crate::model::KindSpec::namespace`]).
fn gathers(path: &[String]) -> bool {
    Kind::all().any(|k| k.spec().namespace.gathers(path))
}

/// How the configuration format is read ([`crate::config::load`]).
pub const LAYOUT: Layout = Layout {
    root_only: &["workspace", "backend"],
    not_configuration: (&["backend", "catalog"], DEFAULT_CATALOG),
    gathers,
};

/// What checking a read configuration found.
#[derive(Debug)]
pub struct Checked {
    /// the typed configuration; resources that failed to decode are left out
    pub config: Config,
    /// the problems of reading, of the schema and of the rules, sorted by file and position
    pub diagnostics: Vec<Diagnostic>,
    /// the condition tree of every proactive message whose conditions parse, by id
    pub conditions: HashMap<String, Condition>,
}

/// Checks a read configuration: against the JSON Schema, decoded into [`Config`], then by
/// every offline rule. A document that did not parse is not checked further.
pub fn check_loaded(loaded: &Loaded) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    let mut config = Config::default();
    let mut conditions = HashMap::new();
    if loaded.parsed
        && let Some(fast) = decode::split(&loaded.tree)
    {
        // Nothing for the schema to say and everything decoded: the rules run on it.
        config = fast;
        let found = check(&Input {
            tree: &loaded.tree,
            config: &config,
            sources: &loaded.sources,
            dir: &loaded.dir,
        });
        diagnostics.extend(found.diagnostics);
        conditions = found.conditions;
    } else if loaded.parsed {
        let tree = &loaded.tree;
        let doc = tree.to_json();
        let findings = crate::config::schema::check(tree, &doc, &schema::schema());
        let error_paths: Vec<DocPath> = findings.iter().map(|f| f.path.clone()).collect();
        let undecodable: Vec<DocPath> = findings.iter().filter_map(|f| f.prune.clone()).collect();
        let decoded = decode::decode(tree, doc, &error_paths, &undecodable, &mut diagnostics);
        diagnostics.extend(findings.into_iter().map(|f| f.diag));
        config = decoded.config;
        let (checked_config, checked_tree) = match &decoded.checked {
            Some((c, t)) => (c, t),
            None => (&config, tree),
        };
        let found = check(&Input {
            tree: checked_tree,
            config: checked_config,
            sources: &loaded.sources,
            dir: &loaded.dir,
        });
        diagnostics.extend(
            found
                .diagnostics
                .into_iter()
                .filter(|d| !decode::mentions_placeholder(d)),
        );
        conditions = found.conditions;
    }
    crate::diagnostics::sort(&mut diagnostics);
    Checked {
        config,
        diagnostics,
        conditions,
    }
}

/// What the rules read.
pub struct Input<'a> {
    /// the merged document, for spans
    pub tree: &'a Node,
    /// the typed configuration
    pub config: &'a Config,
    /// the files, for spans inside strings
    pub sources: &'a Sources,
    /// the configuration directory, for local files such as avatars
    pub dir: &'a FsPath,
}

/// What the rules found: diagnostics, and the condition trees they parsed.
pub struct Findings {
    /// every rule's diagnostics, in the order the rules ran
    pub diagnostics: Vec<Diagnostic>,
    /// the condition tree of every proactive message whose conditions parse, by id
    pub conditions: HashMap<String, Condition>,
}

/// Runs every offline rule.
pub fn check(input: &Input<'_>) -> Findings {
    let mut ctx = Ctx {
        input,
        diags: Vec::new(),
        suggest: suggest::Budget::default(),
        conditions: HashMap::new(),
    };
    caps::check(&mut ctx);
    allow::check(&mut ctx);
    workspace::rules::check(&mut ctx);
    targets::check(&mut ctx);
    profiles::check(&mut ctx);
    groups::rules::check(&mut ctx);
    reply::rules::check(&mut ctx);
    contacts::rules::check(&mut ctx);
    messaging::rules::check(&mut ctx);
    proactive::rules::check(&mut ctx);
    Findings {
        diagnostics: ctx.diags,
        conditions: ctx.conditions,
    }
}

/// Checks every platform reference of a configuration against the live catalog (the
/// `refs::*` checks of `plan`); the diagnostics come sorted.
pub fn check_live(
    tree: &Node,
    config: &Config,
    catalog: &crate::catalog::Catalog,
) -> Vec<Diagnostic> {
    live::check(tree, config, catalog)
}

/// The fields of a resource that is its configuration table as written.
pub(crate) fn fields_of<T: Serialize>(value: &T) -> IndexMap<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(o)) => o.into_iter().collect(),
        _ => IndexMap::new(),
    }
}

/// The resources a configuration asks for, with defaults applied, in configuration
/// order; the proactive messages' conditions come from `conditions` (parsed once, by the
/// rules).
pub fn desired(config: &Config, conditions: &HashMap<String, Condition>) -> Vec<Resource> {
    let mut out = Vec::new();
    profiles::resources(config, &mut out);
    groups::resources(config, &mut out);
    reply::resources(config, &mut out);
    contacts::attributes(config, &mut out);
    contacts::settings(config, &mut out);
    messaging::resources(config, &mut out);
    proactive::resources(config, conditions, &mut out);
    out
}

/// [`desired`] of a configuration that did not go through the rules (one made from the
/// platform, or written by a test): its conditions are converted here.
pub fn desired_of(config: &Config) -> Vec<Resource> {
    desired(config, &proactive::trees(config))
}

/// The hash of a configuration's desired state ([`crate::model::config_hash`]).
pub fn config_hash(config: &Config, resources: &[Resource]) -> String {
    let hashes: Vec<String> = resources.iter().map(Resource::hash).collect();
    crate::model::config_hash(
        &config.workspace.name,
        config.workspace.prune,
        hashes.iter().map(String::as_str),
    )
}

/// The rules' working state: what they read and what they found.
pub(crate) struct Ctx<'a> {
    pub input: &'a Input<'a>,
    pub diags: Vec<Diagnostic>,
    /// the comparisons "did you mean" may still spend in this run
    pub suggest: suggest::Budget,
    /// the condition tree of every proactive message whose conditions parse, by id
    pub conditions: HashMap<String, Condition>,
}

impl<'a> Ctx<'a> {
    /// The configuration the rules check (borrowed from the input, not from the context,
    /// so a rule can walk it while it reports).
    pub fn config(&self) -> &'a Config {
        self.input.config
    }

    /// The platform the configuration is written for (its root `[backend] kind`), whose
    /// rules apply.
    /// Read from the document, so that a `[backend]` with another error (a secret, a
    /// bad `api_version`) still names its target.
    pub fn target(&self) -> crate::model::Target {
        let written = self
            .input
            .tree
            .get("backend")
            .and_then(|b| b.get("kind"))
            .and_then(Node::as_str)
            .and_then(|k| k.parse::<crate::model::Target>().ok());
        written.unwrap_or_else(|| {
            self.input
                .config
                .backend
                .as_ref()
                .map(|b| b.kind)
                .unwrap_or_default()
                .into()
        })
    }

    /// The span of the value at a path.
    pub fn span(&self, path: &DocPath) -> Span {
        self.input.tree.span_of(path)
    }

    /// The span of the key naming the value at a path.
    pub fn key_span(&self, path: &DocPath) -> Span {
        self.input.tree.key_span_of(path)
    }

    /// The span of bytes `range` of the string value at `path`.
    pub fn sub_span(&self, path: &DocPath, range: std::ops::Range<usize>) -> Span {
        self.sub_spans(path, std::iter::once(range))
            .pop()
            .unwrap_or_else(|| self.span(path))
    }

    /// The spans of several byte ranges of the string value at `path`, in one walk of
    /// the string when the ranges come in order (a greeting can hold thousands of
    /// tokens: mapping each from the start of the string was quadratic).
    pub fn sub_spans(
        &self,
        path: &DocPath,
        ranges: impl IntoIterator<Item = std::ops::Range<usize>>,
    ) -> Vec<Span> {
        let span = self.span(path);
        let text = &self.input.sources.get(span.file).text;
        let mut walker = SubSpans::new(text, &span);
        ranges.into_iter().map(|r| walker.map(r)).collect()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The ids declared under a namespace table, whether or not they decoded.
    pub fn declared(&self, namespace: &str) -> Vec<String> {
        self.input
            .tree
            .get(namespace)
            .and_then(Node::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether `id` is declared under a namespace table, whether or not it decoded.
    pub fn is_declared(&self, namespace: &str, id: &str) -> bool {
        self.input
            .tree
            .get(namespace)
            .and_then(Node::as_table)
            .is_some_and(|t| t.contains_key(id))
    }

    /// Reports every value that repeats an earlier one, pointing at both.
    pub fn unique<'s>(
        &mut self,
        code: Code,
        what: &str,
        items: impl IntoIterator<Item = (DocPath, &'s str)>,
    ) {
        let mut seen: HashMap<&str, DocPath> = HashMap::new();
        for (path, value) in items {
            match seen.get(value) {
                Some(first) => {
                    let d = Diagnostic::new(
                        code,
                        format!("{what} `{}` appears twice", text::clip(value)),
                    )
                    .at(self.span(&path), "repeated here")
                    .also(self.span(first), "first here")
                    .help(format!("each {what} must be unique: remove or rename one"));
                    self.push(d);
                }
                None => {
                    seen.insert(value, path);
                }
            }
        }
    }
}

/// Maps a byte range of a decoded string value to the source, walking the string token
/// so escapes and quotes are accounted for. Falls back to the whole value.
pub fn string_sub_span(text: &str, span: &Span, range: std::ops::Range<usize>) -> Span {
    SubSpans::new(text, span).map(range)
}

/// Maps byte ranges of a decoded string value to the source, one after the other: the
/// walk of the string token resumes where the previous range left it, so ranges in order
/// cost one walk of the token in all (a range before the previous one starts again).
pub struct SubSpans<'t> {
    token: &'t str,
    span: Span,
    literal: bool,
    /// where the value starts in the token (after the quotes)
    body: usize,
    /// the walk: a byte of the token and the decoded byte it starts
    src: usize,
    decoded: usize,
}

impl<'t> SubSpans<'t> {
    /// A walker over the string value written at `span` of `text`.
    pub fn new(text: &'t str, span: &Span) -> Self {
        let token = text.get(span.range.clone()).unwrap_or("");
        let (open, literal) = if token.starts_with("\'\'\'") {
            (3, true)
        } else if token.starts_with("\"\"\"") {
            (3, false)
        } else if token.starts_with('\'') {
            (1, true)
        } else if token.starts_with('"') {
            (1, false)
        } else {
            (0, true)
        };
        let mut body = open;
        // A newline right after a multi-line opening delimiter is trimmed from the value.
        if open == 3 {
            if token[body..].starts_with("\r\n") {
                body += 2;
            } else if token[body..].starts_with('\n') {
                body += 1;
            }
        }
        SubSpans {
            token: if open == 0 { "" } else { token },
            span: span.clone(),
            literal,
            body,
            src: body,
            decoded: 0,
        }
    }

    /// Advances the walk to decoded byte `target` (or the end); the token byte there.
    fn advance(&mut self, target: usize) -> Option<usize> {
        if target < self.decoded {
            self.src = self.body;
            self.decoded = 0;
        }
        let bytes = self.token.as_bytes();
        while self.src < self.token.len() {
            if self.decoded >= target {
                return (self.decoded == target).then_some(self.src);
            }
            let ch = self.token[self.src..].chars().next()?;
            if !self.literal && ch == '\\' {
                let esc = bytes.get(self.src + 1).copied().unwrap_or(b' ');
                let hex = |len: usize| {
                    self.token
                        .get(self.src + 2..self.src + 2 + len)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .map_or(1, char::len_utf8)
                };
                let (src_len, out_len) = match esc {
                    b'u' => (6, hex(4)),
                    b'U' => (10, hex(8)),
                    _ => (2, 1),
                };
                self.src += src_len;
                self.decoded += out_len;
            } else {
                self.src += ch.len_utf8();
                self.decoded += ch.len_utf8();
            }
        }
        None
    }

    /// The span of decoded bytes `range`; the whole value when the walk cannot place it.
    pub fn map(&mut self, range: std::ops::Range<usize>) -> Span {
        let whole = self.span.clone();
        if self.token.is_empty() {
            return whole;
        }
        let Some(start) = self.advance(range.start) else {
            return whole;
        };
        let base = self.span.range.start;
        let end = self.advance(range.end.max(range.start));
        let range = match end {
            Some(e) => base + start..base + e,
            // The range runs to the end of the value (an unclosed token): one byte.
            None => base + start..(base + self.token.len()).min(base + start + 1),
        };
        Span {
            file: self.span.file,
            range,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;
    use serde_json::json;

    #[test]
    fn sub_spans_account_for_quotes_and_escapes() {
        let text = r#"a = "x\"yz""#;
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        // decoded value: x"yz ; bytes 2..4 are "yz"
        let s = string_sub_span(text, &span, 2..4);
        assert_eq!(&text[s.range], "yz");
        let text = "a = 'lit {{bad}}'";
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        let s = string_sub_span(text, &span, 4..11);
        assert_eq!(&text[s.range], "{{bad}}");
    }

    #[test]
    fn sub_spans_in_order_walk_once_and_out_of_order_start_again() {
        let text = r#"g = "a\u00e9{{x}} \"{{y}}""#;
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        // decoded: a é {{x}} space " {{y}} ; é is 2 bytes
        let mut w = SubSpans::new(text, &span);
        let x = w.map(3..8);
        let y = w.map(10..15);
        assert_eq!(&text[x.range.clone()], "{{x}}");
        assert_eq!(&text[y.range], "{{y}}");
        assert_eq!(&text[w.map(3..8).range], "{{x}}");
        // Past the end: the whole value.
        assert_eq!(w.map(40..41).range, span.range);
    }

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn addresses_and_defaults() {
        let c = config(
            r#"
            [workspace]
            name = "w"
            [profiles.fb]
            channel = "facebook"
            account = "123"
            greeting = "Hi"
            [profiles.chat]
            channel = "live_chat"
            [groups.all]
            profiles = ["fb"]
            [mailboxes."Customer Care".reply_profiles]
            facebook = "fb"
            [mailboxes."Customer Care".folders."VIP".reply_profiles]
            x = "default"
            [contact_attributes.tier]
            type = "text"
            [contacts]
            vip = true
            [proactive_messages.help]
            name = "Help"
            brand = "acme"
            channel = "web"
            message = "Hello"
            frequency = "once_per_visit"
            response = { type = "agent", follow_up = "Soon" }
            trigger = { event = "page_view", after = "45s" }
            conditions = { all = [{ field = "visitor.page_url", op = "is", value = "/x" }] }
            "#,
        );
        let rs = desired_of(&c);
        let addresses: Vec<&str> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "profile.fb",
                "profile.chat",
                "group.all",
                r#"reply_profiles["Customer Care"]"#,
                r#"reply_profiles["Customer Care"]["VIP"]"#,
                "contact_attribute.tier",
                "contacts",
                "proactive_message.help"
            ]
        );
        assert_eq!(rs[0].key(), "account:facebook:123");
        assert_eq!(rs[1].key(), "profile.chat");
        assert_eq!(rs[2].fields["name"], "all");
        assert_eq!(rs[5].fields["label"], "tier");
        let pm = &rs[7];
        assert_eq!(pm.fields["send"], "always");
        assert_eq!(pm.fields["published"], true);
        assert_eq!(
            pm.fields["conditions"],
            json!({"all": [{"field": "visitor.page_url", "op": "is", "value": "/x"}]})
        );
        assert!(pm.fields.contains_key("when"));
    }
}
