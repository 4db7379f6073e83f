//! The JSON Schema of the configuration: generated from the types, committed under
//! `schemas/`, and used by `validate` itself, so the editor and the tool cannot disagree.
//! Each schema error becomes one diagnostic at the span of the offending TOML value.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value, json};

use super::tree::{Node, Path};
use crate::config::types::Config;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::limits;
use crate::rules::suggest;

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
/// error ("cannot be `x`, allowed: ...") and a did-you-mean. The variants' docs move to the
/// description so editors still show them.
fn const_one_of_to_enum(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                const_one_of_to_enum(v);
            }
            let Some(Value::Array(branches)) = obj.get("oneOf") else {
                return;
            };
            if branches.is_empty()
                || !branches
                    .iter()
                    .all(|b| b.get("const").is_some_and(Value::is_string))
            {
                return;
            }
            let values: Vec<Value> = branches.iter().map(|b| b["const"].clone()).collect();
            let docs: Vec<String> = branches
                .iter()
                .filter_map(|b| {
                    Some(format!(
                        "`{}`: {}",
                        b["const"].as_str()?,
                        b.get("description")?.as_str()?
                    ))
                })
                .collect();
            obj.remove("oneOf");
            obj.insert("type".into(), json!("string"));
            obj.insert("enum".into(), Value::Array(values));
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

/// The subschema that holds the failed keyword (the location minus its last segment).
fn parent_schema<'a>(
    root: &'a Value,
    location: &jsonschema::paths::Location,
) -> Option<&'a Map<String, Value>> {
    let text = location.as_str();
    let cut = text.rfind('/')?;
    let pointer = &text[..cut];
    // Re-walk through `$ref`s: build a location-free walk on the string pointer.
    let mut node = root;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        if key == "$ref" {
            let target = node.get("$ref")?.as_str()?;
            node = root.pointer(target.strip_prefix('#')?)?;
            continue;
        }
        node = match node {
            Value::Object(o) => o.get(&key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    deref(root, node).as_object()
}

fn deref<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| root.pointer(p))
    {
        Some(target) => target,
        None => node,
    }
}

fn to_path(location: &jsonschema::paths::Location) -> Path {
    let mut path = Path::root();
    for seg in location.iter() {
        path = match seg {
            LocationSegment::Property(p) => path.key(&p),
            LocationSegment::Index(i) => path.idx(i),
        };
    }
    path
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a float",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
        Value::Null => "nothing",
    }
}

fn expected_type(kind: &str) -> &'static str {
    match kind {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean (`true` or `false`)",
        "array" => "an array",
        "object" => "a table",
        _ => "another type",
    }
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn limit_source(path: &Path, max: usize) -> Option<&'static str> {
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

/// One schema problem: its diagnostic, where it is, and the key to leave out so the rest
/// of the resource can still be decoded and checked by the rules.
#[derive(Debug)]
pub struct Finding {
    /// the instance path of the error
    pub path: Path,
    /// a value the schema rejected that cannot be decoded (absent for missing keys and for
    /// values that decode): a table key is left out, an array item stands in for a
    /// placeholder when the rules run
    pub prune: Option<Path>,
    /// the diagnostic
    pub diag: Diagnostic,
}

/// Runs the document through the schema; one diagnostic per problem, at its span.
pub fn check(tree: &Node, doc: &Value) -> Vec<Finding> {
    let root = json_schema();
    let mut out = Vec::new();
    for err in validator().iter_errors(doc) {
        let path = to_path(err.instance_path());
        let instance = err.instance();
        let span = tree.span_of(&path);
        let what = if path.0.is_empty() {
            "the configuration".to_string()
        } else {
            format!("`{path}`")
        };
        let parent = parent_schema(root, err.schema_path());
        let diag = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known: Vec<String> = parent
                    .and_then(|p| p.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let diag = unknown_key(tree, &path, key, &known);
                    out.push(Finding {
                        path: path.clone(),
                        prune: Some(path.key(key)),
                        diag,
                    });
                }
                continue;
            }
            ValidationErrorKind::Required { property } => {
                let prop = property.as_str().unwrap_or_default();
                let desc = parent
                    .and_then(|p| p.get("properties"))
                    .and_then(|p| p.get(prop))
                    .map(|p| deref(root, p))
                    .and_then(|p| p.get("description"))
                    .and_then(Value::as_str);
                let d = Diagnostic::new(
                    Code::MissingKey,
                    format!("{what} is missing the required key `{prop}`"),
                )
                .at(span, format!("`{prop}` is required here"));
                match desc {
                    Some(desc) => d.help(format!("add `{prop} = ...`: {desc}")),
                    None => d.help(format!("add `{prop} = ...`")),
                }
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    jsonschema::error::TypeKind::Single(t) => {
                        expected_type(&t.to_string()).to_string()
                    }
                    jsonschema::error::TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| expected_type(&t.to_string()))
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "{what} must be {expected}, not {}",
                        json_type_name(instance)
                    ),
                )
                .at(span, format!("expected {expected}"))
            }
            ValidationErrorKind::Enum { options } => {
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let got = instance
                    .as_str()
                    .map_or_else(|| instance.to_string(), String::from);
                let list = allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let d = Diagnostic::new(Code::InvalidValue, format!("{what} cannot be `{got}`"))
                    .at(span, "not an allowed value");
                match suggest::closest(&got, allowed.iter().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean `{s}`? allowed values: {list}")),
                    None => d.help(format!("allowed values: {list}")),
                }
            }
            ValidationErrorKind::MaxLength { limit } => {
                let max = *limit as usize;
                let n = chars(instance);
                let d = Diagnostic::new(
                    Code::TooLong,
                    format!("{what} is {n} characters long; the limit is {max}"),
                )
                .at(
                    span,
                    format!("{n} characters, {} over", n.saturating_sub(max)),
                );
                match limit_source(&path, max) {
                    Some(src) => d.help(format!("shorten it to at most {max} characters ({src})")),
                    None => d.help(format!("shorten it to at most {max} characters")),
                }
            }
            ValidationErrorKind::MinLength { limit } => {
                let d = if *limit <= 1 {
                    Diagnostic::new(Code::TooShort, format!("{what} must not be empty"))
                        .at(span, "empty")
                } else {
                    Diagnostic::new(
                        Code::TooShort,
                        format!("{what} must be at least {limit} characters long"),
                    )
                    .at(span, format!("{} characters", chars(instance)))
                };
                d.help("write a value, or remove the key")
            }
            ValidationErrorKind::MaxItems { limit } => {
                let max = *limit as usize;
                let n = instance.as_array().map_or(0, Vec::len);
                // Point at the first item over the limit: that is what has to go.
                let item_span = tree
                    .at(&path.idx(max))
                    .map(|n| n.span.clone())
                    .unwrap_or(span);
                let d = Diagnostic::new(
                    Code::TooManyItems,
                    format!("{what} has {n} items; the limit is {max}"),
                )
                .at(
                    item_span,
                    format!("item {} of {n}: over the limit", max + 1),
                );
                match limit_source(&path, max) {
                    Some(src) => d.help(format!("keep at most {max} ({src})")),
                    None => d.help(format!("keep at most {max}")),
                }
            }
            ValidationErrorKind::MinItems { limit } => Diagnostic::new(
                Code::TooFewItems,
                format!("{what} needs at least {limit} item(s)"),
            )
            .at(span, "too few items"),
            ValidationErrorKind::MaxProperties { limit } => {
                let max = *limit as usize;
                let table = tree.at(&path).and_then(Node::as_table);
                let n = table.map_or(0, |t| t.len());
                let over = table
                    .and_then(|t| t.get_index(max))
                    .and_then(|(_, n)| n.key_span.clone())
                    .unwrap_or(span);
                let d = Diagnostic::new(
                    Code::TooManyResources,
                    format!("{what} declares {n}; a workspace holds at most {max}"),
                )
                .at(over, format!("number {} of {n}: over the limit", max + 1));
                match limit_source(&path, max) {
                    Some(src) => d.help(format!("keep at most {max} ({src})")),
                    None => d.help(format!("keep at most {max}")),
                }
            }
            ValidationErrorKind::PropertyNames { error } => {
                let key = error.instance().as_str().unwrap_or_default().to_string();
                let key_span = tree.key_span_of(&path.key(&key));
                Diagnostic::new(Code::InvalidId, format!("`{key}` is not a valid id"))
                    .at(key_span, "invalid id")
                    .help(format!(
                        "ids match `{}`, for example `{}`",
                        limits::ID_PATTERN,
                        suggest::as_id(&key)
                    ))
            }
            // The validator reports the pattern as it compiled it (`\s` spelled out as a
            // class of control characters); the schema holds it as written.
            ValidationErrorKind::Pattern { pattern } => match parent
                .and_then(|p| p.get("pattern"))
                .and_then(Value::as_str)
                .and_then(limits::format_of)
                .or_else(|| limits::format_of(pattern))
            {
                Some(f) => {
                    Diagnostic::new(Code::BadFormat, format!("{what} must be {}", f.expected))
                        .at(span, format!("not {}", f.expected))
                        .help(format!("for example `{}`", f.example))
                }
                None => Diagnostic::new(
                    Code::BadFormat,
                    format!("{what} does not match `{pattern}`"),
                )
                .at(span, "wrong form"),
            },
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                Diagnostic::new(
                    Code::WrongType,
                    format!("{what} has the wrong shape ({})", json_type_name(instance)),
                )
                .at(span, "unexpected value")
                .help(describe_alternatives(root, parent, err.schema_path()))
            }
            other => Diagnostic::new(
                Code::SchemaOther,
                format!("{what}: {}", err_text(other, instance)),
            )
            .at(span, "here"),
        };
        // Only values that cannot decode are left out; a string that is too long still
        // decodes, and the rules may have more to say about its resource.
        let undecodable = matches!(
            err.kind(),
            ValidationErrorKind::Type { .. }
                | ValidationErrorKind::Enum { .. }
                | ValidationErrorKind::AnyOf { .. }
                | ValidationErrorKind::OneOfNotValid { .. }
        );
        let prune = (undecodable && !path.0.is_empty()).then(|| path.clone());
        out.push(Finding { path, prune, diag });
    }
    out
}

fn err_text(kind: &ValidationErrorKind, instance: &Value) -> String {
    format!("{kind:?} for {}", json_type_name(instance))
}

fn describe_alternatives(
    root: &Value,
    parent: Option<&Map<String, Value>>,
    location: &jsonschema::paths::Location,
) -> String {
    let keyword = location
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let branches = parent
        .and_then(|p| p.get(&keyword))
        .and_then(Value::as_array);
    let names: Vec<String> = branches
        .map(|bs| {
            bs.iter()
                .map(|b| {
                    let b = deref(root, b);
                    match (b.get("type").and_then(Value::as_str), b.get("items")) {
                        (Some("array"), Some(items)) => {
                            let items = deref(root, items);
                            format!(
                                "a list of {}s",
                                items.get("type").and_then(Value::as_str).unwrap_or("value")
                            )
                        }
                        (Some(t), _) => expected_type(t).to_string(),
                        _ => "another form".to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "see the configuration reference".into()
    } else {
        format!("expected {}", names.join(" or "))
    }
}

fn unknown_key(tree: &Node, table: &Path, key: &str, known: &[String]) -> Diagnostic {
    let key_path = table.key(key);
    let span = tree.key_span_of(&key_path);
    let in_backend = table.0.len() == 1 && table.last_key() == Some("backend");
    if in_backend
        && matches!(
            key.to_ascii_lowercase().as_str(),
            "token" | "secret" | "password"
        )
    {
        return Diagnostic::new(Code::SecretInConfig, format!("`backend.{key}` would put a secret in a reviewed file"))
            .at(span, "secrets never live in configuration files")
            .help("remove it and name the environment variable that holds the token: `token_env = \"SOCIALFORM_TOKEN\"`");
    }
    let where_ = if table.0.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{table}`")
    };
    let d = Diagnostic::new(Code::UnknownKey, format!("unknown key `{key}` {where_}"))
        .at(span, "unknown key");
    let mut known_sorted: Vec<&str> = known.iter().map(String::as_str).collect();
    known_sorted.sort_unstable();
    match suggest::closest(key, known.iter().map(String::as_str)) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if !known_sorted.is_empty() => {
            d.help(format!("known keys: {}", known_sorted.join(", ")))
        }
        None => d,
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
