//! The mapping from a configuration to the resources it asks for.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::conditions::{Condition, Value as CondValue};
use crate::config::types::{Config, ContactAttribute, Profile, ReplyProfiles};
use crate::model::{Address, Kind, Resource};

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
            Address::profile(id).to_string(),
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
        out.push(Resource::new(
            Address::group(id).to_string(),
            Kind::Group,
            fields,
        ));
    }
    for (name, mailbox) in &config.mailboxes {
        if let Some(r) = &mailbox.reply_profiles {
            out.push(Resource::new(
                Address::reply_profiles(name, None).to_string(),
                Kind::ReplyProfiles,
                reply_fields(name, None, r),
            ));
        }
        for (folder, f) in &mailbox.folders {
            if let Some(r) = &f.reply_profiles {
                out.push(Resource::new(
                    Address::reply_profiles(name, Some(folder)).to_string(),
                    Kind::ReplyProfiles,
                    reply_fields(name, Some(folder), r),
                ));
            }
        }
    }
    for (id, a) in &config.contact_attributes {
        out.push(Resource::new(
            Address::id(Kind::ContactAttribute, id).to_string(),
            Kind::ContactAttribute,
            attribute_fields(id, a),
        ));
    }
    if let Some(c) = &config.contacts {
        out.push(Resource::new(
            Address::singleton(Kind::Contacts).to_string(),
            Kind::Contacts,
            object_of(c),
        ));
    }
    if let Some(m) = &config.messaging {
        out.push(Resource::new(
            Address::singleton(Kind::Messaging).to_string(),
            Kind::Messaging,
            object_of(m),
        ));
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
            Address::id(Kind::ProactiveMessage, id).to_string(),
            Kind::ProactiveMessage,
            fields,
        ));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

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
}
