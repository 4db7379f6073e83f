//! Decoding the schema-checked document into the typed [`Config`], resource by resource,
//! so that one broken resource does not hide the rules' findings on the others, nor on
//! its own other keys.
//!
//! Two decodes. The strict one leaves out every value the schema rejected that cannot be
//! decoded, and every resource that then does not decode: that is the configuration the
//! rest of the program uses. The lenient one is for the rules only, and only when some
//! resource failed: each missing required value (absent, or rejected by the schema) gets
//! a placeholder built from the schema, so the resource decodes and every rule runs on
//! it. Placeholders sit in a copy of the spanned tree with a span no file has
//! ([`is_placeholder`]); a rule's diagnostic that points at one is about a value the user
//! never wrote, whose absence the schema reported already, and is dropped.

use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Config, schema};
use crate::config::tree::{self, DocPath, Node, Seg};
use crate::diagnostics::{Code, Diagnostic, FileId, Span};

/// The text a placeholder string holds (it may appear in a rule's message about a real
/// value next to it, so it reads as what it is).
const PLACEHOLDER_TEXT: &str = "(missing)";

/// How deep placeholders and the fill walk go: deeper than any type of the format.
const MAX_DEPTH: usize = 48;

/// The strict configuration, and the lenient one with its tree when placeholders were
/// needed.
pub(super) struct Decoded {
    /// resources that failed to decode are left out
    pub config: Config,
    /// for the rules: every resource decoded, with placeholders, and the tree that has them
    pub checked: Option<(Config, Node)>,
}

/// Whether a span is a placeholder's: a value socialform made up.
pub(super) fn is_placeholder(span: &Span) -> bool {
    span.range.start == usize::MAX
}

/// Whether a diagnostic points at a placeholder anywhere.
pub(super) fn mentions_placeholder(d: &Diagnostic) -> bool {
    d.primary
        .iter()
        .chain(d.secondary.iter())
        .any(|l| is_placeholder(&l.span))
}

/// Removes the table keys at `paths` from a JSON document (nothing where a key is not
/// there). Keys of one table go in one pass over it: removing them one by one from an
/// ordered map of 100,000 entries cost a shift of the map each.
fn remove_all<'p>(doc: &mut Value, paths: impl Iterator<Item = &'p DocPath>) {
    let mut by_table: indexmap::IndexMap<&[Seg], std::collections::HashSet<&str>> =
        indexmap::IndexMap::new();
    for path in paths {
        if let Some((Seg::Key(last), parents)) = path.0.split_last() {
            by_table.entry(parents).or_default().insert(last);
        }
    }
    for (parents, keys) in by_table {
        if let Some(Value::Object(o)) = value_at_mut(doc, &DocPath(parents.to_vec())) {
            o.retain(|k, _| !keys.contains(k.as_str()));
        }
    }
}

fn value_at_mut<'v>(doc: &'v mut Value, path: &DocPath) -> Option<&'v mut Value> {
    let mut node = doc;
    for seg in &path.0 {
        node = match (seg, node) {
            (Seg::Key(k), Value::Object(o)) => o.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn value_at<'v>(doc: &'v Value, path: &DocPath) -> Option<&'v Value> {
    let mut node = doc;
    for seg in &path.0 {
        node = match (seg, node) {
            (Seg::Key(k), Value::Object(o)) => o.get(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The fast path of a configuration without any schema or decode error, the common case:
/// checked against [`schema::split_validator`] and decoded one resource at a time, so the
/// JSON of one resource exists at once instead of the whole document's (the peak memory
/// of a large `validate`). `None` as soon as anything is wrong: the caller then checks and
/// decodes the whole document ([`decode`]), which is what finds and words every problem.
pub(super) fn split(tree: &Node) -> Option<Config> {
    let validator = schema::split_validator();
    let maps = schema::resource_maps();
    if maps.len() != SPLIT_MAPS.len() || maps.iter().any(|m| !SPLIT_MAPS.contains(&m.as_str())) {
        // A resource map this function does not decode yet (a test fails until it does):
        // the whole document is right, only slower.
        return None;
    }
    let root = tree.as_table()?;
    let mut skeleton = Map::with_capacity(root.len());
    for (key, node) in root {
        let value = match node.as_table() {
            Some(entries) if maps.iter().any(|m| m == key) => {
                Value::Object(entries.keys().map(|id| (id.clone(), Value::Null)).collect())
            }
            _ => node.to_json(),
        };
        skeleton.insert(key.clone(), value);
    }
    let mut wrapper = Map::with_capacity(1);
    wrapper.insert(schema::SPLIT_ROOT.to_string(), Value::Object(skeleton));
    let doc = Value::Object(wrapper);
    if !validator.is_valid(&doc) {
        return None;
    }
    let Value::Object(mut wrapper) = doc else {
        return None;
    };
    let Some(Value::Object(mut skeleton)) = wrapper.swap_remove(schema::SPLIT_ROOT) else {
        return None;
    };
    for map in maps {
        skeleton.swap_remove(map.as_str());
    }
    // The sections that are not resource maps, decoded as the whole document would be.
    let mut config = Config::deserialize(Value::Object(skeleton)).ok()?;
    let Config {
        workspace: _,
        backend: _,
        profiles,
        groups,
        mailboxes,
        contacts: _,
        contact_attributes,
        messaging: _,
        proactive_messages,
    } = &mut config;
    *profiles = split_entries(root.get("profiles"), "profiles", validator)?;
    *groups = split_entries(root.get("groups"), "groups", validator)?;
    *mailboxes = split_entries(root.get("mailboxes"), "mailboxes", validator)?;
    *contact_attributes = split_entries(
        root.get("contact_attributes"),
        "contact_attributes",
        validator,
    )?;
    *proactive_messages = split_entries(
        root.get("proactive_messages"),
        "proactive_messages",
        validator,
    )?;
    Some(config)
}

/// The resource maps [`split`] decodes entry by entry, as its pattern of [`Config`] names
/// them; a test holds them to the schema's ([`schema::resource_maps`]).
const SPLIT_MAPS: [&str; 5] = [
    "profiles",
    "groups",
    "mailboxes",
    "contact_attributes",
    "proactive_messages",
];

/// The entries of one resource map, each checked on its own and decoded by value.
fn split_entries<T: DeserializeOwned>(
    node: Option<&Node>,
    key: &str,
    validator: &jsonschema::Validator,
) -> Option<indexmap::IndexMap<String, T>> {
    let Some(entries) = node.and_then(Node::as_table) else {
        return Some(indexmap::IndexMap::new());
    };
    let mut out = indexmap::IndexMap::with_capacity(entries.len());
    let mut wrapper = Map::with_capacity(1);
    for (id, entry) in entries {
        wrapper.insert(key.to_string(), entry.to_json());
        let doc = Value::Object(wrapper);
        if !validator.is_valid(&doc) {
            return None;
        }
        let Value::Object(mut back) = doc else {
            return None;
        };
        let value = back.swap_remove(key)?;
        out.insert(id.clone(), T::deserialize(value).ok()?);
        wrapper = back;
    }
    Some(out)
}

/// Decodes `doc` (already checked by the schema, whose findings are `error_paths`, and
/// whose undecodable values are `undecodable`). Decode errors not covered by a schema
/// finding are reported.
pub(super) fn decode(
    tree: &Node,
    mut doc: Value,
    error_paths: &[DocPath],
    undecodable: &[DocPath],
    out: &mut Vec<Diagnostic>,
) -> Decoded {
    // Without schema errors nothing is pruned: decode the document itself. It is taken by
    // value, so its strings move into the configuration instead of being copied, and its
    // tables are freed as they are decoded (the peak memory of `validate`); the rare
    // document that fails here is made again from the tree.
    if error_paths.is_empty() {
        match Config::deserialize(doc) {
            Ok(config) => {
                return Decoded {
                    config,
                    checked: None,
                };
            }
            Err(e) => out.push(
                Diagnostic::new(
                    Code::SchemaOther,
                    format!("the configuration does not decode: {e}"),
                )
                .at(tree.span_of(&DocPath::root()), "here"),
            ),
        }
        doc = tree.to_json();
    }
    let mut strict = doc;
    remove_all(&mut strict, undecodable.iter());
    // The resources (one or two keys deep) that have a schema error somewhere below:
    // looked up once per resource instead of scanning every error for each.
    let covered: std::collections::HashSet<&[Seg]> = error_paths
        .iter()
        .flat_map(|p| (0..=p.0.len().min(2)).map(move |n| &p.0[..n]))
        .collect();
    let mut failed = Vec::new();
    let config = by_resource(&strict, &mut |path, e| {
        if !covered.contains(path.0.as_slice()) {
            out.push(
                Diagnostic::new(Code::SchemaOther, format!("`{path}` does not decode: {e}"))
                    .at(tree.span_of(path), "here"),
            );
        }
        failed.push(path.clone());
    });
    if failed.is_empty() {
        return Decoded {
            config,
            checked: None,
        };
    }

    let root = schema::json_schema();
    let mut lenient = strict;
    let mut filled: Vec<DocPath> = Vec::new();
    for path in undecodable {
        let under_failed = failed.iter().any(|f| path.0.starts_with(&f.0));
        if !under_failed || !matches!(path.0.last(), Some(Seg::Index(_))) {
            continue;
        }
        // An array item the schema rejected: a placeholder keeps the others' indices.
        let Some(item_schema) = schema_at(root, &lenient, path) else {
            continue;
        };
        let placeholder = placeholder(root, item_schema, 0);
        if let Some(slot) = value_at_mut(&mut lenient, path) {
            *slot = placeholder;
            filled.push(path.clone());
        }
    }
    for path in &failed {
        let Some(resource_schema) = schema_at(root, &lenient, path) else {
            continue;
        };
        if let Some(value) = value_at_mut(&mut lenient, path) {
            fill(root, resource_schema, value, path, &mut filled, false, 0);
        }
    }
    let checked_config = by_resource(&lenient, &mut |_, _| {});
    let mut checked_tree = tree.clone();
    for path in &filled {
        if let Some(value) = value_at(&lenient, path) {
            put_placeholder(&mut checked_tree, path, value);
        }
    }
    Decoded {
        config,
        checked: Some((checked_config, checked_tree)),
    }
}

/// Decodes every resource on its own; `on_fail` hears of each one that does not decode.
/// Every field of [`Config`] is named in the pattern below, so a new one is a compile
/// error here until it is decoded (a table left out would silently vanish whenever any
/// schema error exists); a test holds the keys to the schema's properties.
fn by_resource(doc: &Value, on_fail: &mut dyn FnMut(&DocPath, serde_json::Error)) -> Config {
    let mut config = Config::default();
    let Config {
        workspace,
        backend,
        profiles,
        groups,
        mailboxes,
        contacts,
        contact_attributes,
        messaging,
        proactive_messages,
    } = &mut config;
    if let Some(w) = one(doc, "workspace", on_fail) {
        *workspace = w;
    }
    *backend = one(doc, "backend", on_fail);
    *contacts = one(doc, "contacts", on_fail);
    *messaging = one(doc, "messaging", on_fail);
    *profiles = each(doc, "profiles", on_fail);
    *groups = each(doc, "groups", on_fail);
    *mailboxes = each(doc, "mailboxes", on_fail);
    *contact_attributes = each(doc, "contact_attributes", on_fail);
    *proactive_messages = each(doc, "proactive_messages", on_fail);
    config
}

fn attempt<T: DeserializeOwned>(
    value: &Value,
    path: &DocPath,
    on_fail: &mut dyn FnMut(&DocPath, serde_json::Error),
) -> Option<T> {
    match T::deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            on_fail(path, e);
            None
        }
    }
}

fn one<T: DeserializeOwned>(
    doc: &Value,
    key: &str,
    on_fail: &mut dyn FnMut(&DocPath, serde_json::Error),
) -> Option<T> {
    attempt(doc.get(key)?, &DocPath::keys([key]), on_fail)
}

fn each<T: DeserializeOwned>(
    doc: &Value,
    key: &str,
    on_fail: &mut dyn FnMut(&DocPath, serde_json::Error),
) -> indexmap::IndexMap<String, T> {
    let mut out = indexmap::IndexMap::new();
    let Some(obj) = doc.get(key).and_then(Value::as_object) else {
        return out;
    };
    for (id, v) in obj {
        if let Some(t) = attempt(v, &DocPath::keys([key, id.as_str()]), on_fail) {
            out.insert(id.clone(), t);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The schema, walked along an instance

fn deref<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    // `$ref` chains are short; the bound only guards against a cycle.
    for _ in 0..8 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// The `allOf` branches of `schema` as (`if`, `then`) pairs.
fn branches<'a>(root: &'a Value, schema: &'a Value) -> Vec<(&'a Value, &'a Value)> {
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(|b| Some((b.get("if")?, deref(root, b.get("then")?))))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an `if` of the tagged form (`const` properties, `required`) holds for `obj`.
fn if_holds(cond: &Value, obj: &Map<String, Value>) -> bool {
    let consts_hold = cond
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(|props| {
            props
                .iter()
                .all(|(k, p)| p.get("const").is_none_or(|c| obj.get(k) == Some(c)))
        });
    let required_present = cond
        .get("required")
        .and_then(Value::as_array)
        .is_none_or(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .all(|k| obj.contains_key(k))
        });
    consts_hold && required_present
}

/// The schema of the property `key` of the object `obj` whose schema is `schema`.
fn property_schema<'a>(
    root: &'a Value,
    schema: &'a Value,
    obj: &Map<String, Value>,
    key: &str,
) -> Option<&'a Value> {
    let schema = deref(root, schema);
    if let Some(p) = schema.get("properties").and_then(|p| p.get(key)) {
        return Some(p);
    }
    for (cond, then) in branches(root, schema) {
        if if_holds(cond, obj)
            && let Some(p) = then.get("properties").and_then(|p| p.get(key))
        {
            return Some(p);
        }
    }
    schema.get("additionalProperties").filter(|a| a.is_object())
}

/// The schema of the value at `path` of `doc`.
fn schema_at<'a>(root: &'a Value, doc: &Value, path: &DocPath) -> Option<&'a Value> {
    let mut schema = root;
    let mut value = doc;
    for seg in &path.0 {
        match (seg, value) {
            (Seg::Key(k), Value::Object(o)) => {
                schema = property_schema(root, schema, o, k)?;
                value = o.get(k)?;
            }
            (Seg::Index(i), Value::Array(a)) => {
                schema = deref(root, schema).get("items")?;
                value = a.get(*i)?;
            }
            _ => return None,
        }
    }
    Some(schema)
}

/// The properties that select an `if`/`then` branch (the tag of a tagged union).
fn is_tag(root: &Value, schema: &Value, key: &str) -> bool {
    branches(root, schema).iter().any(|(cond, _)| {
        cond.get("properties")
            .and_then(|p| p.get(key))
            .is_some_and(|p| p.get("const").is_some())
    })
}

/// The tag value for an object that lacks it: for a made-up object the first branch; for
/// one the user wrote, the only branch that accepts every key written, if exactly one
/// does (otherwise the resource's kind is unknown and nothing is guessed).
fn tag_for(
    root: &Value,
    schema: &Value,
    key: &str,
    obj: &Map<String, Value>,
    invented: bool,
) -> Option<Value> {
    let mut fitting = branches(root, schema)
        .into_iter()
        .filter_map(|(cond, then)| {
            let tag = cond.get("properties")?.get(key)?.get("const")?.clone();
            let props = then.get("properties").and_then(Value::as_object);
            let fits = obj.keys().all(|k| props.is_some_and(|p| p.contains_key(k)));
            (invented || fits).then_some(tag)
        });
    let first = fitting.next()?;
    if invented || fitting.next().is_none() {
        Some(first)
    } else {
        None
    }
}

/// A value the schema accepts in shape (types, enums, required keys), made up.
fn placeholder(root: &Value, schema: &Value, depth: usize) -> Value {
    let schema = deref(root, schema);
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return placeholder(root, first, depth + 1);
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.first().and_then(Value::as_str).unwrap_or("string"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "boolean" => Value::Bool(false),
        "integer" | "number" => schema
            .get("minimum")
            .cloned()
            .unwrap_or_else(|| Value::from(0)),
        "array" => Value::Array(Vec::new()),
        "object" => {
            let mut obj = Value::Object(Map::new());
            if depth < MAX_DEPTH {
                fill(
                    root,
                    schema,
                    &mut obj,
                    &DocPath::root(),
                    &mut Vec::new(),
                    true,
                    depth + 1,
                );
            }
            obj
        }
        _ => Value::String(PLACEHOLDER_TEXT.to_string()),
    }
}

/// Gives every object in `value` the required keys it lacks (placeholders), recording
/// where (`filled`, paths from `at`). `invented` is true inside a placeholder.
fn fill(
    root: &Value,
    schema: &Value,
    value: &mut Value,
    at: &DocPath,
    filled: &mut Vec<DocPath>,
    invented: bool,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = deref(root, schema);
    match value {
        Value::Object(obj) => {
            let required: Vec<String> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            // The tag first: it decides which branch's keys are required.
            let (tags, others): (Vec<String>, Vec<String>) = required
                .into_iter()
                .filter(|k| !obj.contains_key(k))
                .partition(|k| is_tag(root, schema, k));
            for key in tags {
                if let Some(tag) = tag_for(root, schema, &key, obj, invented) {
                    obj.insert(key.clone(), tag);
                    filled.push(at.key(&key));
                }
            }
            for key in others {
                if let Some(s) = property_schema(root, schema, obj, &key) {
                    let v = placeholder(root, s, depth + 1);
                    obj.insert(key.clone(), v);
                    filled.push(at.key(&key));
                }
            }
            for (cond, then) in branches(root, schema) {
                if if_holds(cond, obj) {
                    let mut whole = Value::Object(std::mem::take(obj));
                    fill(root, then, &mut whole, at, filled, invented, depth + 1);
                    if let Value::Object(o) = whole {
                        *obj = o;
                    }
                }
            }
            let keys: Vec<String> = obj.keys().cloned().collect();
            for key in keys {
                let Some(child_schema) = property_schema(root, schema, obj, &key) else {
                    continue;
                };
                if let Some(child) = obj.get_mut(&key) {
                    fill(
                        root,
                        child_schema,
                        child,
                        &at.key(&key),
                        filled,
                        invented,
                        depth + 1,
                    );
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    fill(
                        root,
                        item_schema,
                        item,
                        &at.idx(i),
                        filled,
                        invented,
                        depth + 1,
                    );
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Placeholders in the tree

fn placeholder_span(file: FileId) -> Span {
    Span {
        file,
        range: usize::MAX..usize::MAX,
    }
}

fn placeholder_node(value: &Value, file: FileId, depth: usize) -> Node {
    let span = placeholder_span(file);
    let value = match value {
        Value::String(s) => tree::Value::String(s.clone()),
        Value::Bool(b) => tree::Value::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => tree::Value::Integer(i),
            None => tree::Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::Array(items) if depth < MAX_DEPTH => tree::Value::Array(
            items
                .iter()
                .map(|v| placeholder_node(v, file, depth + 1))
                .collect(),
        ),
        Value::Object(obj) if depth < MAX_DEPTH => tree::Value::Table(
            obj.iter()
                .map(|(k, v)| (k.clone(), placeholder_node(v, file, depth + 1)))
                .collect(),
        ),
        Value::Array(_) => tree::Value::Array(Vec::new()),
        Value::Object(_) | Value::Null => tree::Value::Table(Default::default()),
    };
    Node {
        value,
        span: span.clone(),
        key_span: Some(span),
    }
}

/// Puts the placeholder `value` at `path` in the tree (replacing what the user wrote
/// there, a value the schema rejected).
fn put_placeholder(tree: &mut Node, path: &DocPath, value: &Value) {
    let Some((last, parents)) = path.0.split_last() else {
        return;
    };
    let mut node = tree;
    for seg in parents {
        node = match (seg, &mut node.value) {
            (Seg::Key(k), tree::Value::Table(t)) => match t.get_mut(k) {
                Some(n) => n,
                None => return,
            },
            (Seg::Index(i), tree::Value::Array(a)) => match a.get_mut(*i) {
                Some(n) => n,
                None => return,
            },
            _ => return,
        };
    }
    let file = node.span.file;
    let new = placeholder_node(value, file, 0);
    match (last, &mut node.value) {
        (Seg::Key(k), tree::Value::Table(t)) => {
            t.insert(k.clone(), new);
        }
        (Seg::Index(i), tree::Value::Array(a)) => {
            if let Some(slot) = a.get_mut(*i) {
                *slot = new;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_schema_is_decoded_on_its_own() {
        // A document with one invalid entry in each table: each table's key must reach a
        // decode that fails, whatever the order of the schema's properties.
        let schema = schema::json_schema();
        let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        let mut doc = serde_json::Map::new();
        for key in &keys {
            let bad = match schema["properties"][key.as_str()].get("additionalProperties") {
                Some(_) => serde_json::json!({ "x": 42 }),
                None => serde_json::json!(42),
            };
            doc.insert(key.to_string(), bad);
        }
        let mut failed: Vec<String> = Vec::new();
        by_resource(&Value::Object(doc), &mut |path, _| {
            if let Some(Seg::Key(k)) = path.0.first() {
                failed.push(k.clone());
            }
        });
        failed.sort();
        failed.dedup();
        let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        expected.sort();
        assert_eq!(failed, expected);
    }

    /// Every configuration of the repository (examples, test fixtures), read as `validate`
    /// reads it.
    fn every_configuration() -> Vec<(std::path::PathBuf, crate::config::Loaded)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        let mut dirs = vec![root.join("examples"), root.join("tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in read.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if path.join("socialform.toml").is_file()
                        && let Ok(l) = crate::pipeline::load(&path)
                    {
                        found.push((path.clone(), l));
                    }
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "toml")
                    && path
                        .file_name()
                        .is_some_and(|n| n != "socialform.toml" && n != "catalog.toml")
                    && let Ok(l) = crate::pipeline::load_standalone(&path)
                {
                    found.push((path, l));
                }
            }
        }
        found
    }

    #[test]
    fn the_split_path_decodes_every_resource_map_of_the_schema() {
        let mut of_schema: Vec<&str> = schema::resource_maps().iter().map(String::as_str).collect();
        let mut decoded = SPLIT_MAPS.to_vec();
        of_schema.sort_unstable();
        decoded.sort_unstable();
        assert_eq!(of_schema, decoded);
    }

    #[test]
    fn the_split_path_decodes_what_the_whole_document_decodes_and_nothing_else() {
        // The split path must accept exactly the configurations without a schema or decode
        // error, and decode them to the same configuration as the whole document.
        let all = every_configuration();
        assert!(all.len() > 60, "found only {} configurations", all.len());
        let (mut fast, mut slow) = (0, 0);
        for (path, loaded) in &all {
            if !loaded.parsed {
                continue;
            }
            let doc = loaded.tree.to_json();
            let findings = crate::config::schema::check(&loaded.tree, &doc, &schema::schema());
            let whole = findings
                .is_empty()
                .then(|| Config::deserialize(doc).ok())
                .flatten();
            let split = split(&loaded.tree);
            match (&whole, &split) {
                (Some(w), Some(s)) => {
                    fast += 1;
                    assert_eq!(
                        serde_json::to_value(w).unwrap(),
                        serde_json::to_value(s).unwrap(),
                        "{}",
                        path.display()
                    );
                }
                (None, None) => slow += 1,
                _ => panic!(
                    "{}: whole document {}, split path {}",
                    path.display(),
                    if whole.is_some() {
                        "accepted"
                    } else {
                        "refused"
                    },
                    if split.is_some() {
                        "accepted"
                    } else {
                        "refused"
                    },
                ),
            }
        }
        assert!(fast > 10 && slow > 20, "fast {fast}, slow {slow}");
    }
}
