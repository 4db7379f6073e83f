//! The normalised resource model: one shape (an address, a kind and an ordered map of
//! fields) for the desired side, the live side, the diff and every renderer. Adding a kind
//! of resource means a mapping here and in the backend; nothing in the diff or renderers.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::conditions::{Condition, Value as CondValue};
use crate::config::types::{Config, ContactAttribute, Profile, ReplyProfiles};

/// The kinds of resource socialform manages, in dependency order: a kind may refer only
/// to kinds before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// a messaging profile (`profile.<id>`)
    Profile,
    /// a profile group (`group.<id>`)
    Group,
    /// reply profiles of a mailbox or of one of its smart folders
    ReplyProfiles,
    /// a contact attribute (`contact_attribute.<id>`)
    ContactAttribute,
    /// workspace-wide contact settings (`contacts`)
    Contacts,
    /// messaging settings (`messaging`)
    Messaging,
    /// a proactive web message (`proactive_message.<id>`)
    ProactiveMessage,
}

impl Kind {
    /// The spelling in addresses and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Group => "group",
            Kind::ReplyProfiles => "reply_profiles",
            Kind::ContactAttribute => "contact_attribute",
            Kind::Contacts => "contacts",
            Kind::Messaging => "messaging",
            Kind::ProactiveMessage => "proactive_message",
        }
    }
}

/// The value socialform writes in a resource's `managed_by` mark.
pub const MANAGER: &str = "socialform";

/// Fields the platform owns: shown by the backend, never written, diffed or hashed.
pub const PLATFORM_FIELDS: &[&str] = &["display_name", "platform"];

/// Fields derived from others for display only (the `when` form of `conditions`): not hashed.
pub const DISPLAY_FIELDS: &[&str] = &["when"];

/// One resource: where it is, what it is, and its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// `profile.acme_fb`, `reply_profiles["Customer Care"]["VIP"]`, `contacts`, ...
    pub address: String,
    /// what kind of resource it is
    pub kind: Kind,
    /// the fields, in a stable order
    pub fields: IndexMap<String, Value>,
}

impl Resource {
    /// A resource from its parts.
    pub fn new(address: impl Into<String>, kind: Kind, fields: IndexMap<String, Value>) -> Self {
        Resource {
            address: address.into(),
            kind,
            fields,
        }
    }

    /// The identity under which the platform knows the resource. A bound profile is the
    /// connected account itself (`account:facebook:1234`), whatever its id in the
    /// configuration; everything else is known by its address.
    pub fn key(&self) -> String {
        if self.kind == Kind::Profile
            && let Some(channel) = self.bound_channel()
            && let Some(account) = self.fields.get("account").and_then(Value::as_str)
        {
            return format!("account:{channel}:{account}");
        }
        self.address.clone()
    }

    /// The channel of a profile bound to a connected account (none for live chat and
    /// for other kinds).
    pub fn bound_channel(&self) -> Option<&str> {
        if self.kind != Kind::Profile {
            return None;
        }
        self.fields
            .get("channel")
            .and_then(Value::as_str)
            .filter(|c| *c != "live_chat")
    }

    /// Whether the platform owns this resource: a connected account's profile or a
    /// platform contact attribute. It is updated, never created or deleted.
    pub fn is_platform_owned(&self) -> bool {
        self.bound_channel().is_some()
            || (self.kind == Kind::ContactAttribute
                && self.fields.get("platform") == Some(&Value::Bool(true)))
    }

    /// The fields that are compared and hashed: without platform-owned fields.
    pub fn comparable(&self) -> IndexMap<String, Value> {
        self.fields
            .iter()
            .filter(|(k, _)| !PLATFORM_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The stable hash of the resource's fields (`sha256:<hex>`), independent of key order
    /// and of platform-owned and display-only fields.
    pub fn hash(&self) -> String {
        let fields: serde_json::Map<String, Value> = self
            .fields
            .iter()
            .filter(|(k, _)| {
                !PLATFORM_FIELDS.contains(&k.as_str()) && !DISPLAY_FIELDS.contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let text = format!(
            "{}\n{}\n{}",
            self.address,
            self.kind.as_str(),
            canonical(&Value::Object(fields))
        );
        sha256_hex(text.as_bytes())
    }
}

/// The identity a configuration records on every resource it writes, so that a resource
/// last applied by another configuration shows as drift: the name of the configuration
/// directory (the same in a local checkout and in CI), `/`, the workspace.
pub fn config_id(dir: &std::path::Path, workspace: &str) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "socialform".to_string());
    format!("{name}/{workspace}")
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// JSON with object keys sorted at every level, so equal values have equal text.
pub fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&o[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sorted(v)).unwrap_or_default()
}

/// The addresses of the groups a group resource nests (`group.<id>`).
pub fn nested_groups(group: &Resource) -> Vec<String> {
    group
        .fields
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|id| format!("group.{id}"))
                .collect()
        })
        .unwrap_or_default()
}

/// The address of a profile.
pub fn profile_address(id: &str) -> String {
    format!("profile.{id}")
}

/// The address of the reply profiles of a mailbox, or of one of its folders.
pub fn reply_address(mailbox: &str, folder: Option<&str>) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    match folder {
        Some(f) => format!("reply_profiles[{}][{}]", q(mailbox), q(f)),
        None => format!("reply_profiles[{}]", q(mailbox)),
    }
}

/// A condition tree as JSON: `{ all = [...] }`, `{ any = [...] }` or `{ field, op, value }`.
pub fn condition_json(c: &Condition) -> Value {
    match c {
        Condition::All(items) => {
            json!({ "all": items.iter().map(condition_json).collect::<Vec<_>>() })
        }
        Condition::Any(items) => {
            json!({ "any": items.iter().map(condition_json).collect::<Vec<_>>() })
        }
        Condition::Leaf { field, op, value } => {
            let value = match value {
                CondValue::One(s) => json!(s),
                CondValue::Many(v) => json!(v),
            };
            json!({ "field": field.as_str(), "op": op.as_str(), "value": value })
        }
    }
}

fn object_of<T: Serialize>(value: &T) -> IndexMap<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(o)) => o.into_iter().collect(),
        _ => IndexMap::new(),
    }
}

fn profile_fields(profile: &Profile) -> IndexMap<String, Value> {
    object_of(profile)
}

fn reply_fields(mailbox: &str, folder: Option<&str>, r: &ReplyProfiles) -> IndexMap<String, Value> {
    let mut fields = IndexMap::new();
    fields.insert("mailbox".to_string(), json!(mailbox));
    if let Some(f) = folder {
        fields.insert("folder".to_string(), json!(f));
    }
    for (channel, profile) in r.entries() {
        fields.insert(channel.as_str().to_string(), json!(profile));
    }
    fields
}

fn attribute_fields(id: &str, a: &ContactAttribute) -> IndexMap<String, Value> {
    let mut fields = object_of(a);
    if a.kind.is_some() && a.label.is_none() {
        // The label defaults to the id; written out so the platform shows what the user expects.
        fields.shift_insert(0, "label".to_string(), json!(id));
    }
    fields
}

/// The resources a validated configuration asks for, with defaults applied, in
/// configuration order.
pub fn desired(config: &Config) -> Vec<Resource> {
    let mut out = Vec::new();
    for (id, p) in &config.profiles {
        out.push(Resource::new(
            profile_address(id),
            Kind::Profile,
            profile_fields(p),
        ));
    }
    for (id, g) in &config.groups {
        let mut fields = IndexMap::new();
        fields.insert(
            "name".to_string(),
            json!(g.name.clone().unwrap_or_else(|| id.clone())),
        );
        if let Some(c) = &g.color {
            fields.insert("color".to_string(), json!(c));
        }
        fields.insert("profiles".to_string(), json!(g.profiles));
        fields.insert("groups".to_string(), json!(g.groups));
        out.push(Resource::new(format!("group.{id}"), Kind::Group, fields));
    }
    for (name, mailbox) in &config.mailboxes {
        if let Some(r) = &mailbox.reply_profiles {
            out.push(Resource::new(
                reply_address(name, None),
                Kind::ReplyProfiles,
                reply_fields(name, None, r),
            ));
        }
        for (folder, f) in &mailbox.folders {
            if let Some(r) = &f.reply_profiles {
                out.push(Resource::new(
                    reply_address(name, Some(folder)),
                    Kind::ReplyProfiles,
                    reply_fields(name, Some(folder), r),
                ));
            }
        }
    }
    for (id, a) in &config.contact_attributes {
        out.push(Resource::new(
            format!("contact_attribute.{id}"),
            Kind::ContactAttribute,
            attribute_fields(id, a),
        ));
    }
    if let Some(c) = &config.contacts {
        out.push(Resource::new("contacts", Kind::Contacts, object_of(c)));
    }
    if let Some(m) = &config.messaging {
        out.push(Resource::new("messaging", Kind::Messaging, object_of(m)));
    }
    for (id, m) in &config.proactive_messages {
        let mut fields = object_of(m);
        fields.shift_remove("conditions");
        fields.shift_remove("when");
        if let Some(tree) = crate::rules::proactive::condition_tree(m) {
            fields.insert(
                "when".to_string(),
                json!(crate::config::when::render(&tree)),
            );
            fields.insert("conditions".to_string(), condition_json(&tree));
        }
        out.push(Resource::new(
            format!("proactive_message.{id}"),
            Kind::ProactiveMessage,
            fields,
        ));
    }
    out
}

/// The hash of a whole configuration's desired state: the workspace settings and every
/// desired resource. A saved plan records it; `apply` refuses the plan when it moved.
pub fn config_hash(config: &Config, resources: &[Resource]) -> String {
    let mut text = format!(
        "workspace={}\nprune={}\n",
        config.workspace.name, config.workspace.prune
    );
    for r in resources {
        text.push_str(&r.hash());
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let rs = desired(&c);
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

    #[test]
    fn hash_ignores_key_order_and_platform_fields() {
        let mut a = IndexMap::new();
        a.insert("b".to_string(), json!(1));
        a.insert("a".to_string(), json!({"y": 1, "x": 2}));
        let mut b = IndexMap::new();
        b.insert("a".to_string(), json!({"x": 2, "y": 1}));
        b.insert("display_name".to_string(), json!("Acme"));
        b.insert("b".to_string(), json!(1));
        let ra = Resource::new("group.g", Kind::Group, a);
        let rb = Resource::new("group.g", Kind::Group, b);
        assert_eq!(ra.hash(), rb.hash());
        assert!(ra.hash().starts_with("sha256:"));
        let mut rc = ra.clone();
        rc.fields.insert("b".to_string(), json!(2));
        assert_ne!(ra.hash(), rc.hash());
    }
}
