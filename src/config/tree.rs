//! The spanned document tree: every TOML value with the file and byte range it came
//! from, merged across the files of a configuration directory. Diagnostics of the schema
//! and of the rules name a [`DocPath`]; the tree turns it into a span.

use std::fmt;
use std::ops::Range;

use indexmap::IndexMap;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{FileId, Span};

/// One step of a path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// a key of a table
    Key(String),
    /// an index in an array
    Index(usize),
}

/// Where a value is in the document, such as `profiles.acme_fb.ice_breakers[2].question`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocPath(pub Vec<Seg>);

impl DocPath {
    /// The document root.
    pub fn root() -> Self {
        DocPath(Vec::new())
    }
    /// A path from keys.
    pub fn keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        DocPath(keys.into_iter().map(|k| Seg::Key(k.to_string())).collect())
    }
    /// This path, one key deeper.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    /// This path, one index deeper.
    pub fn idx(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
    /// The last key of the path, if it ends in a key.
    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?
                    } else {
                        write!(f, "{k:?}")?
                    }
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A TOML value with its place in the sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// the value
    pub value: Value,
    /// where the value is written
    pub span: Span,
    /// where the key naming this value is written (absent for the root and array items)
    pub key_span: Option<Span>,
}

/// A table of the tree, in the order keys were written. Hashed with foldhash, seeded at
/// random per process like the standard library's hasher (so crafted keys cannot make
/// it quadratic) but several times faster on the short keys of a configuration: the
/// tree is built and searched for every key of every file.
pub type Table = IndexMap<String, Node, foldhash::fast::RandomState>;

/// A TOML value whose children are nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// a string
    String(String),
    /// an integer
    Integer(i64),
    /// a float
    Float(f64),
    /// a boolean
    Bool(bool),
    /// an offset or local date-time, date or time, as written
    Datetime(String),
    /// an array
    Array(Vec<Node>),
    /// a table, in the order keys were written
    Table(Table),
}

impl Value {
    /// The TOML type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Bool(_) => "boolean",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }
}

/// A TOML syntax error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// what the parser said
    pub message: String,
    /// where
    pub span: Span,
    /// valid TOML nested past [`MAX_DEPTH`] rather than invalid TOML
    pub too_deep: bool,
}

/// Tables and arrays nest at most this deep (the root table is level 0). The TOML parser
/// bounds inline tables and arrays, and dotted keys, but not the two together (a dotted
/// key inside each inline table multiplies the depth); deeper input is refused before
/// anything recurses over it.
pub const MAX_DEPTH: usize = 128;

/// The first value nested deeper than [`MAX_DEPTH`], found without recursion.
fn too_deep(table: &DeTable<'_>) -> Option<Range<usize>> {
    let mut stack: Vec<(&toml::Spanned<DeValue<'_>>, usize)> =
        table.values().map(|v| (v, 1)).collect();
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(value.span());
        }
        match value.get_ref() {
            DeValue::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            DeValue::Table(t) => stack.extend(t.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    None
}

/// Drops a parsed document without recursion: dropping a deep one the usual way would
/// recurse once per level.
fn drop_flat(table: DeTable<'_>) {
    let mut stack: Vec<DeValue<'_>> = table.into_iter().map(|(_, v)| v.into_inner()).collect();
    while let Some(value) = stack.pop() {
        match value {
            DeValue::Array(items) => stack.extend(items.into_iter().map(|v| v.into_inner())),
            DeValue::Table(t) => stack.extend(t.into_iter().map(|(_, v)| v.into_inner())),
            _ => {}
        }
    }
}

impl Node {
    /// Parses one file into a node tree; TOML syntax errors keep their span.
    pub fn parse(file: FileId, text: &str) -> Result<Node, Vec<SyntaxError>> {
        let (table, errors) = DeTable::parse_recoverable(text);
        if errors.is_empty()
            && let Some(range) = too_deep(table.get_ref())
        {
            drop_flat(table.into_inner());
            return Err(vec![SyntaxError {
                message: format!("tables and arrays nested deeper than {MAX_DEPTH} levels"),
                span: Span { file, range },
                too_deep: true,
            }]);
        }
        if !errors.is_empty() {
            return Err(errors
                .into_iter()
                .map(|e| SyntaxError {
                    message: e.message().trim().to_string(),
                    span: Span {
                        file,
                        range: e.span().unwrap_or(0..0),
                    },
                    too_deep: false,
                })
                .collect());
        }
        let range = table.span();
        let value = convert_table(file, table.into_inner());
        Ok(Node {
            value,
            span: Span {
                file,
                range: range.start..range.end.max(range.start),
            },
            key_span: None,
        })
    }

    /// The table of this node, if it is one.
    pub fn as_table(&self) -> Option<&Table> {
        match &self.value {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The string of this node, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A child by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_table()?.get(key)
    }

    /// The node at a path.
    pub fn at(&self, path: &DocPath) -> Option<&Node> {
        let mut node = self;
        for seg in &path.0 {
            node = match (seg, &node.value) {
                (Seg::Key(k), Value::Table(t)) => t.get(k)?,
                (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span of the value at `path`, or of the nearest ancestor that exists (a missing
    /// key is reported on the table that should hold it).
    pub fn span_of(&self, path: &DocPath) -> Span {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Table(t)) => t.get(k),
                (Seg::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.label_span()
    }

    /// The span of the key naming the value at `path` (its value's span when it has no key).
    pub fn key_span_of(&self, path: &DocPath) -> Span {
        match self.at(path) {
            Some(n) => n.key_span.clone().unwrap_or_else(|| n.span.clone()),
            None => self.span_of(path),
        }
    }

    /// Where to point at this node: a table is best shown by its header or key, since a
    /// table's span can cover many lines.
    pub fn label_span(&self) -> Span {
        match (&self.value, &self.key_span) {
            (Value::Table(_), Some(k)) => k.clone(),
            _ => self.span.clone(),
        }
    }

    /// The JSON value the schema validates and the typed config decodes.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::String(s) => J::String(s.clone()),
            Value::Integer(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Bool(b) => J::Bool(*b),
            Value::Datetime(d) => J::String(d.clone()),
            Value::Array(a) => J::Array(a.iter().map(Node::to_json).collect()),
            Value::Table(t) => J::Object(t.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

fn span_of(file: FileId, r: Range<usize>) -> Span {
    Span {
        file,
        range: r.start..r.end.max(r.start),
    }
}

fn convert_table(file: FileId, table: DeTable<'_>) -> Value {
    let mut out = Table::with_capacity_and_hasher(table.len(), Default::default());
    for (key, value) in table {
        let key_span = span_of(file, key.span());
        let vspan = value.span();
        let node = Node {
            value: convert(file, value.into_inner()),
            span: span_of(file, vspan),
            key_span: Some(key_span),
        };
        out.insert(key.into_inner().into_owned(), node);
    }
    Value::Table(out)
}

fn convert(file: FileId, value: DeValue<'_>) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.into_owned()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            // Out-of-range integers are kept as floats so the schema reports their type.
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Integer(n),
                Err(_) => Value::Float(f64::MAX),
            }
        }
        DeValue::Float(f) => Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.into_iter()
                .map(|item| {
                    let span = span_of(file, item.span());
                    Node {
                        value: convert(file, item.into_inner()),
                        span,
                        key_span: None,
                    }
                })
                .collect(),
        ),
        DeValue::Table(t) => convert_table(file, t),
    }
}

/// Two definitions of the same thing, found while merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// what is defined twice
    pub path: DocPath,
    /// the first definition (its key)
    pub first: Span,
    /// the second definition (its key)
    pub second: Span,
}

/// Merges `other` (a file's root table) into `into`; keys defined in both are conflicts,
/// except the tables for which `gathers` holds (`[profiles]`, a mailbox and its
/// `folders`: the format's namespaces), which gather entries from every file.
pub fn merge(
    into: &mut Node,
    other: Node,
    conflicts: &mut Vec<Conflict>,
    gathers: fn(&[String]) -> bool,
) {
    let mut path = Vec::new();
    merge_at(into, other, &mut path, conflicts, gathers);
}

fn merge_at(
    into: &mut Node,
    other: Node,
    path: &mut Vec<String>,
    conflicts: &mut Vec<Conflict>,
    gathers: fn(&[String]) -> bool,
) {
    let (Value::Table(dst), Value::Table(src)) = (&mut into.value, other.value) else {
        return;
    };
    for (key, node) in src {
        match dst.get_mut(&key) {
            None => {
                dst.insert(key, node);
            }
            Some(existing) => {
                path.push(key.clone());
                let both_tables = matches!(existing.value, Value::Table(_))
                    && matches!(node.value, Value::Table(_));
                if both_tables && gathers(path) {
                    merge_at(existing, node, path, conflicts, gathers);
                } else {
                    conflicts.push(Conflict {
                        path: DocPath(path.iter().map(|k| Seg::Key(k.clone())).collect()),
                        first: existing
                            .key_span
                            .clone()
                            .unwrap_or_else(|| existing.span.clone()),
                        second: node.key_span.clone().unwrap_or_else(|| node.span.clone()),
                    });
                }
                path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration format's namespaces, as `rules` gives them.
    fn gathers(path: &[String]) -> bool {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        matches!(
            p.as_slice(),
            ["profiles"] | ["mailboxes"] | ["mailboxes", _] | ["mailboxes", _, "folders"]
        )
    }

    fn parse(id: usize, text: &str) -> Node {
        Node::parse(FileId(id), text).expect("valid toml")
    }

    #[test]
    fn spans_point_at_values_and_keys() {
        let text =
            "[profiles.acme]\nchannel = \"x\"\nquick_replies = [{ label = \"a\", flow = \"f\" }]\n";
        let root = parse(0, text);
        let ch = root
            .at(&DocPath::keys(["profiles", "acme", "channel"]))
            .unwrap();
        assert_eq!(&text[ch.span.range.clone()], "\"x\"");
        assert_eq!(&text[ch.key_span.clone().unwrap().range], "channel");
        let label = root
            .at(&DocPath::keys(["profiles", "acme", "quick_replies"])
                .idx(0)
                .key("label"))
            .unwrap();
        assert_eq!(&text[label.span.range.clone()], "\"a\"");
    }

    #[test]
    fn dotted_keys_and_arrays_of_tables() {
        let text = "[[a.b]]\nc.d = 1\n[[a.b]]\nc.d = 2\n";
        let root = parse(0, text);
        let v = root
            .at(&DocPath::keys(["a", "b"]).idx(1).key("c").key("d"))
            .unwrap();
        assert_eq!(v.value, Value::Integer(2));
    }

    #[test]
    fn syntax_errors_keep_their_span() {
        let errs = Node::parse(FileId(0), "a = \"unterminated\nb = 1\n").unwrap_err();
        assert!(!errs.is_empty());
        // Where the closing quote is missing: the end of the first line.
        assert_eq!(errs[0].span.range.start, 17);
    }

    #[test]
    fn merge_gathers_namespaces_and_reports_duplicates() {
        let mut a = parse(
            0,
            "[workspace]\nname = \"w\"\n[profiles.a]\nchannel = \"x\"\n",
        );
        let b = parse(
            1,
            "[profiles.b]\nchannel = \"x\"\n[profiles.a]\nchannel = \"facebook\"\n",
        );
        let mut conflicts = Vec::new();
        merge(&mut a, b, &mut conflicts, gathers);
        assert!(a.at(&DocPath::keys(["profiles", "b"])).is_some());
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].path.to_string(), "profiles.a");
        assert_eq!(conflicts[0].first.file, FileId(0));
        assert_eq!(conflicts[0].second.file, FileId(1));
    }

    #[test]
    fn mailbox_folders_merge_across_files() {
        let mut a = parse(0, "[mailboxes.\"Care\".reply_profiles]\nx = \"default\"\n");
        let b = parse(
            1,
            "[mailboxes.\"Care\".folders.\"VIP\".reply_profiles]\nx = \"default\"\n",
        );
        let mut conflicts = Vec::new();
        merge(&mut a, b, &mut conflicts, gathers);
        assert!(conflicts.is_empty());
        assert!(
            a.at(&DocPath::keys(["mailboxes", "Care", "folders", "VIP"]))
                .is_some()
        );
    }

    #[test]
    fn nesting_past_the_bound_is_an_error_not_a_stack_overflow() {
        // A dotted key inside each inline table: within the TOML parser's own limits,
        // 78 levels of 78 keys each.
        let key = vec!["a"; 78].join(".");
        let text = format!(
            "x = {}1{}\n",
            format!("{{{key} = ").repeat(78),
            "}".repeat(78)
        );
        let errs = Node::parse(FileId(0), &text).unwrap_err();
        assert!(errs[0].too_deep, "{:?}", errs[0]);
        // The value `1` is at depth 1 (`x`) + 77 + the inner keys: 128 parses, 129 does not.
        let at = |inner: usize| {
            format!(
                "x = {{ {} = {{ {} = 1 }} }}\n",
                vec!["a"; 77].join("."),
                vec!["b"; inner].join(".")
            )
        };
        assert!(Node::parse(FileId(0), &at(50)).is_ok());
        assert!(Node::parse(FileId(0), &at(51)).is_err());
    }

    #[test]
    fn path_display() {
        let p = DocPath::keys(["mailboxes", "Customer Care"])
            .key("folders")
            .idx(2);
        assert_eq!(p.to_string(), "mailboxes.\"Customer Care\".folders[2]");
    }
}
