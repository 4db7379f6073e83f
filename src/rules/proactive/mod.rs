//! `[proactive_messages.<id>]`: proactive web messages. Their configuration types
//! (`cfg.rs`), the condition tree both written forms compile to (`conditions.rs`) and the
//! `when` parser (`when.rs`), their offline rules (`rules.rs`) and live checks
//! (`live.rs`), and here the mapping to resources.

pub mod cfg;
pub mod conditions;
pub(crate) mod live;
pub(super) mod rules;
pub mod when;

use std::collections::HashMap;

use serde_json::{Value, json};

pub use cfg::*;
use conditions::{Condition, Value as CondValue};

use crate::model::{Address, Kind, Resource};
use crate::rules::{Config, limits};

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

/// The condition trees of every message whose conditions are valid, by id: what the
/// rules find when they check them, computed again for a configuration that did not go
/// through them (one read from the platform).
pub fn trees(config: &Config) -> HashMap<String, Condition> {
    config
        .proactive_messages
        .iter()
        .filter_map(|(id, m)| Some((id.clone(), condition_tree(m)?)))
        .collect()
}

/// The resources the proactive messages ask for, their conditions from `trees` (both
/// forms: the tree, and the `when` text `plan` shows).
pub(crate) fn resources(
    config: &Config,
    trees: &HashMap<String, Condition>,
    out: &mut Vec<Resource>,
) {
    for (id, m) in &config.proactive_messages {
        let mut fields = crate::rules::fields_of(m);
        fields.shift_remove("conditions");
        fields.shift_remove("when");
        if let Some(tree) = trees.get(id) {
            fields.insert("when".to_string(), json!(when::render(tree)));
            fields.insert("conditions".to_string(), condition_json(tree));
        }
        out.push(Resource::at(
            &Address::id(Kind::ProactiveMessage, id),
            fields,
        ));
    }
}

/// The condition tree of a message that validated: its `when` compiled, or its structured
/// conditions converted.
pub fn condition_tree(m: &ProactiveMessage) -> Option<Condition> {
    if let Some(expr) = &m.when {
        return when::parse(expr).ok();
    }
    let c = m.conditions.as_ref()?;
    let convert_all = |items: &[RawCondition]| {
        items
            .iter()
            .map(|c| convert(c, 1))
            .collect::<Option<Vec<_>>>()
    };
    match (&c.all, &c.any) {
        (Some(items), None) => Some(Condition::All(convert_all(items)?)),
        (None, Some(items)) => Some(Condition::Any(convert_all(items)?)),
        _ => None,
    }
}

fn convert(c: &RawCondition, depth: usize) -> Option<Condition> {
    let group = |items: &[RawCondition]| {
        if depth > limits::CONDITION_DEPTH {
            return None;
        }
        items
            .iter()
            .map(|c| convert(c, depth + 1))
            .collect::<Option<Vec<_>>>()
    };
    match (&c.all, &c.any) {
        (Some(items), None) => Some(Condition::All(group(items)?)),
        (None, Some(items)) => Some(Condition::Any(group(items)?)),
        _ => leaf_of(c),
    }
}
