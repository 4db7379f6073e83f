//! Checking a document against a JSON Schema that the caller gives (the configuration's
//! is generated from its types, `rules::schema`): each schema error becomes one
//! diagnostic at the span of the offending TOML value. What the messages need to know of
//! the format (the sources of limits, what a pattern means, what an id looks like,
//! which unknown keys are secrets) comes from the schema's [`Vocabulary`].

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value};

use super::tree::{DocPath, Node};
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};

/// What the diagnostics of a schema say about the format, beyond the schema itself.
pub trait Vocabulary: Sync {
    /// Where a maximum comes from, for the value at `path` (a help line names it).
    fn limit_source(&self, path: &DocPath, max: usize) -> Option<&'static str>;
    /// What a value matching `pattern` is, and an example: `("an http or https URL",
    /// "https://www.example.com/help")`.
    fn format_of(&self, pattern: &str) -> Option<(&'static str, &'static str)>;
    /// The help line of a key of a table whose keys must be ids, which `key` is not.
    fn id_help(&self, key: &str) -> String;
    /// A diagnostic of its own for the unknown `key` of `table`, when the key is worse
    /// than unknown (a secret where secrets never go).
    fn unknown_key(
        &self,
        table: &DocPath,
        key: &str,
        span: crate::diagnostics::Span,
    ) -> Option<Diagnostic>;
}

/// Turns a `oneOf` whose every branch is a string `const` (what schemars writes for a
/// documented Rust enum) into a plain string `enum`, which gives one clear error ("cannot
/// be `x`, allowed: ...") and a did-you-mean instead of an error per branch. Returns the
/// branches' documentation (`` `value`: what it means ``), for the caller to put in the
/// description as its document words it; `None` when `obj` is not such a `oneOf`.
pub fn const_one_of_to_enum(obj: &mut Map<String, Value>) -> Option<Vec<String>> {
    let Some(Value::Array(branches)) = obj.get("oneOf") else {
        return None;
    };
    if branches.is_empty()
        || !branches
            .iter()
            .all(|b| b.get("const").is_some_and(Value::is_string))
    {
        return None;
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
    obj.insert("type".into(), Value::String("string".into()));
    obj.insert("enum".into(), Value::Array(values));
    Some(docs)
}

/// A schema to check documents against.
pub struct Schema<'a> {
    /// the schema, as JSON (`$ref`s resolve within it)
    pub value: &'a Value,
    /// the schema, compiled
    pub validator: &'a jsonschema::Validator,
    /// what the messages say about the format
    pub vocabulary: &'a dyn Vocabulary,
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

fn to_path(location: &jsonschema::paths::Location) -> DocPath {
    let mut path = DocPath::root();
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

/// One schema problem: its diagnostic, where it is, and the key to leave out so the rest
/// of the resource can still be decoded and checked by the rules.
#[derive(Debug)]
pub struct Finding {
    /// the instance path of the error
    pub path: DocPath,
    /// a value the schema rejected that cannot be decoded (absent for missing keys and for
    /// values that decode): a table key is left out, an array item stands in for a
    /// placeholder when the rules run
    pub prune: Option<DocPath>,
    /// the diagnostic
    pub diag: Diagnostic,
}

/// Runs the document through the schema; one diagnostic per problem, at its span.
pub fn check(tree: &Node, doc: &Value, schema: &Schema<'_>) -> Vec<Finding> {
    let root = schema.value;
    let vocabulary = schema.vocabulary;
    let mut out = Vec::new();
    for err in schema.validator.iter_errors(doc) {
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
                    let diag = unknown_key(tree, &path, key, &known, vocabulary);
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
                match vocabulary.limit_source(&path, max) {
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
                match vocabulary.limit_source(&path, max) {
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
                match vocabulary.limit_source(&path, max) {
                    Some(src) => d.help(format!("keep at most {max} ({src})")),
                    None => d.help(format!("keep at most {max}")),
                }
            }
            ValidationErrorKind::PropertyNames { error } => {
                let key = error.instance().as_str().unwrap_or_default().to_string();
                let key_span = tree.key_span_of(&path.key(&key));
                Diagnostic::new(Code::InvalidId, format!("`{key}` is not a valid id"))
                    .at(key_span, "invalid id")
                    .help(vocabulary.id_help(&key))
            }
            // The validator reports the pattern as it compiled it (`\s` spelled out as a
            // class of control characters); the schema holds it as written.
            ValidationErrorKind::Pattern { pattern } => match parent
                .and_then(|p| p.get("pattern"))
                .and_then(Value::as_str)
                .and_then(|p| vocabulary.format_of(p))
                .or_else(|| vocabulary.format_of(pattern))
            {
                Some((expected, example)) => {
                    Diagnostic::new(Code::BadFormat, format!("{what} must be {expected}"))
                        .at(span, format!("not {expected}"))
                        .help(format!("for example `{example}`"))
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

fn unknown_key(
    tree: &Node,
    table: &DocPath,
    key: &str,
    known: &[String],
    vocabulary: &dyn Vocabulary,
) -> Diagnostic {
    let key_path = table.key(key);
    let span = tree.key_span_of(&key_path);
    if let Some(d) = vocabulary.unknown_key(table, key, span.clone()) {
        return d;
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
