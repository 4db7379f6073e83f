//! Field-level comparison of two resources' fields.

use indexmap::IndexMap;
use serde_json::Value;

use super::FieldChange;

/// Fields compared as one value even though they are tables: a condition tree reads
/// best whole.
const ATOMIC: &[&str] = &["conditions"];

/// The fields that differ between `before` (live) and `after` (desired): tables are
/// compared key by key (dotted paths), lists and scalars as wholes. An absent field and
/// `null` are the same. Keys come in `after`'s order, then keys only `before` has.
pub fn diff(before: &IndexMap<String, Value>, after: &IndexMap<String, Value>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let b: serde_json::Map<String, Value> =
        before.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let a: serde_json::Map<String, Value> =
        after.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    walk("", &b, &a, &mut out);
    out
}

fn walk(
    prefix: &str,
    before: &serde_json::Map<String, Value>,
    after: &serde_json::Map<String, Value>,
    out: &mut Vec<FieldChange>,
) {
    let keys = after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)));
    for key in keys {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let b = before.get(key).unwrap_or(&Value::Null);
        let a = after.get(key).unwrap_or(&Value::Null);
        if b == a {
            continue;
        }
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
    fn conditions_are_one_value() {
        let before = map(json!({"conditions": {"all": [1]}}));
        let after = map(json!({"conditions": {"all": [2]}}));
        assert_eq!(diff(&before, &after)[0].path, "conditions");
    }
}
