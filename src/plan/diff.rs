//! Field-level comparison of two resources' fields.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::FieldChange;
use crate::model::{PLATFORM_FIELDS, Resource};

/// Fields compared as one value even though they are tables: a condition tree reads
/// best whole.
const ATOMIC: &[&str] = &["conditions"];

/// A table of fields, compared where it lies (nothing is copied but what changes).
trait Table {
    /// The value of a key.
    fn lookup(&self, key: &str) -> Option<&Value>;
    /// The keys, in order.
    fn names(&self) -> impl Iterator<Item = &String>;
}

impl Table for IndexMap<String, Value> {
    fn lookup(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
    fn names(&self) -> impl Iterator<Item = &String> {
        self.keys()
    }
}

impl Table for Map<String, Value> {
    fn lookup(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
    fn names(&self) -> impl Iterator<Item = &String> {
        self.keys()
    }
}

/// The fields of a resource that are compared ([`Resource::comparable`]): all but the
/// platform-owned ones; none for an absent resource.
struct Comparable<'r>(Option<&'r IndexMap<String, Value>>);

impl Table for Comparable<'_> {
    fn lookup(&self, key: &str) -> Option<&Value> {
        if PLATFORM_FIELDS.contains(&key) {
            return None;
        }
        self.0?.get(key)
    }
    fn names(&self) -> impl Iterator<Item = &String> {
        self.0
            .into_iter()
            .flat_map(|f| f.keys())
            .filter(|k| !PLATFORM_FIELDS.contains(&k.as_str()))
    }
}

/// The fields that differ between `before` (live) and `after` (desired): tables are
/// compared key by key (dotted paths), lists and scalars as wholes. An absent field and
/// `null` are the same. Keys come in `after`'s order, then keys only `before` has.
pub fn diff(before: &IndexMap<String, Value>, after: &IndexMap<String, Value>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

/// [`diff`] of the comparable fields of a live resource and a desired one (either
/// absent: a create or a delete), read in place.
pub fn comparable(before: Option<&Resource>, after: Option<&Resource>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(
        "",
        &Comparable(before.map(|r| &r.fields)),
        &Comparable(after.map(|r| &r.fields)),
        &mut out,
    );
    out
}

fn walk(prefix: &str, before: &impl Table, after: &impl Table, out: &mut Vec<FieldChange>) {
    let keys = after
        .names()
        .chain(before.names().filter(|k| after.lookup(k).is_none()));
    for key in keys {
        let b = before.lookup(key).unwrap_or(&Value::Null);
        let a = after.lookup(key).unwrap_or(&Value::Null);
        if b == a {
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (b, a) {
            (Value::Object(bo), Value::Object(ao)) if !ATOMIC.contains(&path.as_str()) => {
                walk(&path, bo, ao, out)
            }
            _ => out.push(FieldChange {
                path,
                before: b.clone(),
                after: a.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> IndexMap<String, Value> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    #[test]
    fn locales_diff_per_locale_and_key() {
        let ice = |q: &str| json!([{"question": q, "flow": "f"}]);
        let before = map(json!({"ice_breakers": ice("Hi?"), "locales": {
            "fr_FR": {"ice_breakers": ice("Salut ?"), "greeting": "Bonjour"},
            "es_LA": {"ice_breakers": ice("Hola?")}}}));
        let after = map(json!({"ice_breakers": ice("Hi?"), "locales": {
            "fr_FR": {"ice_breakers": ice("Bonjour ?"), "greeting": "Bonjour"},
            "de_DE": {"ice_breakers": ice("Hallo?")}}}));
        let d = diff(&before, &after);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "locales.fr_FR.ice_breakers",
                "locales.de_DE",
                "locales.es_LA"
            ]
        );
        assert_eq!(d[0].after, ice("Bonjour ?"));
    }

    #[test]
    fn nested_tables_by_path_lists_whole() {
        let before = map(
            json!({"a": 1, "r": {"type": "agent", "follow_up": "x"}, "l": [1, 2], "gone": true, "n": null}),
        );
        let after =
            map(json!({"a": 1, "r": {"type": "agent", "follow_up": "y"}, "l": [1, 3], "new": "v"}));
        let d = diff(&before, &after);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["r.follow_up", "l", "new", "gone"]);
        assert_eq!(d[3].after, Value::Null);
        assert_eq!(d[2].before, Value::Null);
    }

    #[test]
    fn resources_compare_without_platform_fields_and_without_copies() {
        let live = crate::model::testing::resource(
            "profile.p",
            crate::model::Kind::Profile,
            json!({"channel": "x", "account": "@a", "display_name": "A", "name": "Old"}),
        );
        let desired = crate::model::testing::resource(
            "profile.p",
            crate::model::Kind::Profile,
            json!({"channel": "x", "account": "@a", "name": "New", "url": "https://a.example"}),
        );
        let paths = |c: Vec<FieldChange>| c.into_iter().map(|c| c.path).collect::<Vec<_>>();
        assert_eq!(
            paths(comparable(Some(&live), Some(&desired))),
            paths(diff(&live.comparable(), &desired.comparable()))
        );
        assert_eq!(
            paths(comparable(Some(&live), Some(&desired))),
            ["name", "url"]
        );
        assert_eq!(
            paths(comparable(None, Some(&desired))),
            ["channel", "account", "name", "url"]
        );
        assert_eq!(
            paths(comparable(Some(&live), None)),
            ["channel", "account", "name"]
        );
    }

    #[test]
    fn conditions_are_one_value() {
        let before = map(json!({"conditions": {"all": [1]}}));
        let after = map(json!({"conditions": {"all": [2]}}));
        assert_eq!(diff(&before, &after)[0].path, "conditions");
    }
}
