//! `[groups.<id>]`: profile groups, their rules (members exist, no duplicates, at most
//! 20 items, no cycles) and their mapping to resources.

pub mod cfg;
pub(super) mod rules;

use indexmap::IndexMap;
use serde_json::json;

pub use cfg::Group;

use crate::model::{Address, Resource};
use crate::rules::Config;

/// The resources the groups ask for: the name defaults to the id.
pub(crate) fn resources(config: &Config, out: &mut Vec<Resource>) {
    for (id, g) in &config.groups {
        let mut fields = IndexMap::new();
        fields.insert(
            "name".to_string(),
            json!(g.name.as_deref().unwrap_or(id.as_str())),
        );
        if let Some(c) = &g.color {
            fields.insert("color".to_string(), json!(c));
        }
        fields.insert("profiles".to_string(), json!(g.profiles));
        fields.insert("groups".to_string(), json!(g.groups));
        out.push(Resource::at(&Address::group(id), fields));
    }
}
