//! `[mailboxes."<name>"]`: the reply profiles of mailboxes and their smart folders.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::model::Channel;

/// `[mailboxes."<name>"]`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    /// The mailbox's reply profiles.
    pub reply_profiles: Option<ReplyProfiles>,
    /// Custom smart folders of the mailbox, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub folders: IndexMap<String, Folder>,
}

/// `[mailboxes."<name>".folders."<folder>"]`: a custom smart folder's settings.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Folder {
    /// The folder's reply profiles; they take precedence over the mailbox's.
    pub reply_profiles: Option<ReplyProfiles>,
}

/// Reply profiles by channel: a profile id of that channel, or `"default"`. A table
/// keyed by the channels of [`Channel::all`]: a new channel takes reply profiles with
/// no change here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct ReplyProfiles(BTreeMap<Channel, String>);

impl ReplyProfiles {
    /// The settings, by channel, in channel order.
    pub fn entries(&self) -> impl Iterator<Item = (Channel, &str)> {
        self.0.iter().map(|(c, v)| (*c, v.as_str()))
    }

    /// The setting for one channel.
    pub fn get(&self, channel: Channel) -> Option<&str> {
        self.0.get(&channel).map(String::as_str)
    }

    /// Sets the profile of one channel.
    pub fn set(&mut self, channel: Channel, profile: impl Into<String>) {
        self.0.insert(channel, profile.into());
    }
}

impl FromIterator<(Channel, String)> for ReplyProfiles {
    fn from_iter<I: IntoIterator<Item = (Channel, String)>>(iter: I) -> Self {
        ReplyProfiles(iter.into_iter().collect())
    }
}

/// The schema a struct with one optional key per channel would have: the same property
/// names, descriptions and errors (an unknown key is `schema::unknown_key`).
impl JsonSchema for ReplyProfiles {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ReplyProfiles".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let properties: serde_json::Map<String, serde_json::Value> = Channel::all()
            .map(|c| {
                let property = serde_json::json!({
                    "type": "string",
                    "description": format!("{} replies.", c.spec().display),
                    "minLength": 1,
                });
                (c.as_str().to_string(), property)
            })
            .collect();
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "description": "Reply profiles by channel: a profile id of that channel, or `\"default\"`.",
        })
    }
}
