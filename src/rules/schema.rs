//! The configuration's JSON Schema: generated from [`Config`], committed under `schemas/`,
//! and used by `validate` itself, so the editor and the tool cannot disagree. Also what
//! its diagnostics say about the format ([`Vocabulary`]): the sources of the limits, the
//! meaning of the patterns, ids, and the secrets of `[backend]`.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::config::DocPath;
use crate::config::schema::{Schema, Vocabulary};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::rules::{Config, limits};

/// The `$id` the schema is published under, relative to a configuration.
pub const SCHEMA_FILE: &str = "schemas/socialform.schema.json";

/// The configuration's JSON Schema (draft 2020-12), as committed.
pub fn json_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let settings = schemars::generate::SchemaSettings::draft2020_12();
        let root = settings.into_generator().into_root_schema_for::<Config>();
        let mut value = root.to_value();
        strip_null(&mut value);
        const_one_of_to_enum(&mut value);
        tagged_one_of_to_if_then(&mut value);
        value
    })
}

/// The schema as the committed file's text.
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(json_schema())
            .unwrap_or_else(|e| panic!("the generated schema is invalid: {e}"))
    })
}

/// The key of the configuration's root (its resource maps' entries left unchecked) in
/// the instances of [`split_validator`]; a resource map's entry is checked under the
/// map's own key.
pub(super) const SPLIT_ROOT: &str = "$root";

/// The configuration's schema split for checking one resource at a time: a schema whose
/// property [`SPLIT_ROOT`] is the configuration's root with every resource map's entries
/// accepted as they are (the map itself still checked: its type, the pattern of its ids,
/// its size), and whose property `profiles`, `groups`, ... is the schema of one entry of
/// that map. Checking `{"$root": skeleton}` and then `{"profiles": entry}` for each entry
/// accepts exactly the documents the whole schema accepts (no keyword of the format
/// relates two entries), with one entry's JSON in memory at a time instead of the whole
/// document's. Compiled once, beside and independently of [`validator`] (which only a
/// configuration with a schema error needs, for its messages).
pub(super) fn split_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(&split_schema())
            .unwrap_or_else(|e| panic!("the split schema is invalid: {e}"))
    })
}

/// The root's properties whose values are maps of resources by id (`additionalProperties`
/// a schema): `profiles`, `groups`, `mailboxes`, `contact_attributes`,
/// `proactive_messages`.
pub(super) fn resource_maps() -> &'static [String] {
    static MAPS: OnceLock<Vec<String>> = OnceLock::new();
    MAPS.get_or_init(|| {
        json_schema()["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, p)| p.get("additionalProperties").is_some_and(Value::is_object))
            .map(|(k, _)| k.clone())
            .collect()
    })
}

fn split_schema() -> Value {
    let mut root = json_schema().clone();
    let Value::Object(obj) = &mut root else {
        unreachable!("the generated schema is an object")
    };
    let defs = obj.remove("$defs").unwrap_or_else(|| json!({}));
    let draft = obj.remove("$schema");
    let mut dispatch = serde_json::Map::new();
    for key in resource_maps() {
        if let Some(Value::Object(map)) = obj
            .get_mut("properties")
            .and_then(|p| p.get_mut(key.as_str()))
        {
            let entry = map.insert("additionalProperties".into(), Value::Bool(true));
            dispatch.insert(key.clone(), entry.unwrap_or(Value::Bool(true)));
        }
    }
    dispatch.insert(SPLIT_ROOT.into(), root);
    let mut split = serde_json::Map::new();
    if let Some(draft) = draft {
        split.insert("$schema".into(), draft);
    }
    split.insert("type".into(), json!("object"));
    split.insert("properties".into(), Value::Object(dispatch));
    split.insert("$defs".into(), defs);
    Value::Object(split)
}

/// TOML has no null: an optional key is simply absent. Schemars describes `Option<T>` as
/// "T or null"; this keeps T alone.
fn strip_null(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    obj.insert("type".into(), only);
                }
            }
            let null_branch = |v: &Value| v.get("type").is_some_and(|t| t == "null");
            if let Some(Value::Array(branches)) = obj.get("anyOf")
                && branches.iter().any(null_branch)
            {
                let rest: Vec<Value> = branches
                    .iter()
                    .filter(|b| !null_branch(b))
                    .cloned()
                    .collect();
                obj.remove("anyOf");
                if let [only] = rest.as_slice() {
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            obj.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                } else {
                    obj.insert("anyOf".into(), Value::Array(rest));
                }
            }
            for v in obj.values_mut() {
                strip_null(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// A documented Rust enum becomes a `oneOf` of `const`s; a plain `enum` gives one clear
/// error and a did-you-mean ([`crate::config::schema::const_one_of_to_enum`]). The
/// variants' docs move to the description, after a blank line, so editors still show them.
fn const_one_of_to_enum(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                const_one_of_to_enum(v);
            }
            let Some(docs) = crate::config::schema::const_one_of_to_enum(obj) else {
                return;
            };
            if !docs.is_empty() {
                let base = obj
                    .get("description")
                    .and_then(Value::as_str)
                    .map(String::from);
                let text = match base {
                    Some(b) => format!("{b}\n\n{}", docs.join("; ")),
                    None => docs.join("; "),
                };
                obj.insert("description".into(), Value::String(text));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(const_one_of_to_enum),
        _ => {}
    }
}

/// Rewrites each internally tagged `oneOf` (every branch an object whose tag property is a
/// `const`) into `if`/`then` branches keyed on the tag. With `oneOf`, one wrong key in a
/// profile gives "not valid under any of the given schemas" at the profile; with
/// `if`/`then` it gives the precise error at the key, and a wrong tag one `enum` error.
fn tagged_one_of_to_if_then(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                tagged_one_of_to_if_then(v);
            }
            let Some(Value::Array(branches)) = obj.get("oneOf") else {
                return;
            };
            let Some(tag) = common_tag(branches) else {
                return;
            };
            let branches = branches.clone();
            let mut consts = Vec::new();
            let mut all_of = Vec::new();
            for branch in branches {
                let c = branch["properties"][&tag]["const"].clone();
                consts.push(c.clone());
                all_of.push(json!({
                    "if": { "properties": { &tag: { "const": c } }, "required": [&tag] },
                    "then": branch,
                }));
            }
            obj.remove("oneOf");
            obj.insert("type".into(), json!("object"));
            obj.insert("required".into(), json!([&tag]));
            obj.insert(
                "properties".into(),
                json!({ &tag: { "type": "string", "enum": consts } }),
            );
            obj.insert("allOf".into(), Value::Array(all_of));
        }
        Value::Array(items) => items.iter_mut().for_each(tagged_one_of_to_if_then),
        _ => {}
    }
}

fn common_tag(branches: &[Value]) -> Option<String> {
    let first = branches.first()?.get("properties")?.as_object()?;
    first
        .iter()
        .find(|(name, prop)| {
            prop.get("const").is_some()
                && branches.iter().all(|b| {
                    b.get("properties")
                        .and_then(|p| p.get(*name))
                        .and_then(|p| p.get("const"))
                        .is_some()
                })
        })
        .map(|(name, _)| name.clone())
}

/// The schema to check configurations against, with its vocabulary.
pub fn schema() -> Schema<'static> {
    Schema {
        value: json_schema(),
        validator: validator(),
        vocabulary: &RULES,
    }
}

/// What the schema's diagnostics say about the configuration format.
struct RulesVocabulary;

static RULES: RulesVocabulary = RulesVocabulary;

impl Vocabulary for RulesVocabulary {
    fn limit_source(&self, path: &DocPath, max: usize) -> Option<&'static str> {
        let last = path.last_key()?;
        limits::CATALOG
            .iter()
            .find(|l| {
                l.max == max
                    && (l.field == last
                        || l.field.ends_with(&format!(".{last}"))
                        || l.field.ends_with(&format!(".{last}.item")))
            })
            .map(|l| l.source)
    }

    fn format_of(&self, pattern: &str) -> Option<(&'static str, &'static str)> {
        limits::format_of(pattern).map(|f| (f.expected, f.example))
    }

    fn id_help(&self, key: &str) -> String {
        format!(
            "ids match `{}`, for example `{}`",
            limits::ID_PATTERN,
            crate::model::id::from_name(key)
        )
    }

    fn unknown_key(&self, table: &DocPath, key: &str, span: Span) -> Option<Diagnostic> {
        let in_backend = table.0.len() == 1 && table.last_key() == Some("backend");
        let secret = matches!(
            key.to_ascii_lowercase().as_str(),
            "token" | "secret" | "password"
        );
        (in_backend && secret).then(|| {
            Diagnostic::new(Code::SecretInConfig, format!("`backend.{key}` would put a secret in a reviewed file"))
                .at(span, "secrets never live in configuration files")
                .help("remove it and name the environment variable that holds the token: `token_env = \"SOCIALFORM_TOKEN\"` (`\"META_TOKEN\"` on `meta`, with `account_tokens` for accounts of their own)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_enums_become_if_then() {
        let s = json_schema();
        let profile = &s["$defs"]["Profile"];
        assert!(profile.get("oneOf").is_none());
        assert_eq!(profile["properties"]["channel"]["enum"][0], "x");
        assert_eq!(profile["allOf"].as_array().unwrap().len(), 5);
        assert_eq!(profile["allOf"][0]["then"]["additionalProperties"], false);
    }

    #[test]
    fn no_null_types_in_a_toml_schema() {
        assert!(!schema_text().contains("\"null\""));
    }
}
