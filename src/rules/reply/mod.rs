//! `[mailboxes."<name>"]`: the reply profiles of mailboxes and their custom smart
//! folders, their rules, live checks and mapping to resources.

pub mod cfg;
pub(crate) mod live;
pub(super) mod rules;

use indexmap::IndexMap;
use serde_json::{Value, json};

pub use cfg::{Folder, Mailbox, ReplyProfiles};

use crate::model::{Address, Resource};
use crate::rules::Config;

fn fields(mailbox: &str, folder: Option<&str>, r: &ReplyProfiles) -> IndexMap<String, Value> {
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

/// The resources the mailboxes ask for: one per mailbox and per folder that sets reply
/// profiles.
pub(crate) fn resources(config: &Config, out: &mut Vec<Resource>) {
    for (name, mailbox) in &config.mailboxes {
        if let Some(r) = &mailbox.reply_profiles {
            out.push(Resource::at(
                &Address::reply_profiles(name, None),
                fields(name, None, r),
            ));
        }
        for (folder, f) in &mailbox.folders {
            if let Some(r) = &f.reply_profiles {
                out.push(Resource::at(
                    &Address::reply_profiles(name, Some(folder)),
                    fields(name, Some(folder), r),
                ));
            }
        }
    }
}
