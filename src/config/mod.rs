//! Loading a configuration: the files of a directory (or one file), parsed with spans,
//! merged, checked against the JSON Schema, decoded into the typed [`Config`], and checked
//! by the rules. Every problem becomes a diagnostic; only a missing root is an error.

pub mod conditions;
pub mod schema;
pub mod tree;
pub mod types;
pub mod when;

use std::path::{Path as FsPath, PathBuf};

use serde::de::DeserializeOwned;

use crate::diagnostics::{Code, Diagnostic, Sources};
use crate::rules;
pub use tree::{Node, Path, Seg};
pub use types::Config;

/// The root file of a configuration directory.
pub const ROOT_FILE: &str = "socialform.toml";

/// Why a configuration could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not exist.
    #[error("`{0}` does not exist")]
    NotFound(PathBuf),
    /// A directory without `socialform.toml`.
    #[error("`{0}` has no `socialform.toml`: a configuration directory needs a root file")]
    NoRoot(PathBuf),
    /// A directory that could not be listed.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// A loaded configuration and everything found wrong with it.
#[derive(Debug)]
pub struct Loaded {
    /// the configuration directory (relative paths in the configuration start here)
    pub dir: PathBuf,
    /// every file read
    pub sources: Sources,
    /// the merged document, with spans (empty when a file had a syntax error)
    pub tree: Node,
    /// the typed configuration; resources that failed to decode are left out
    pub config: Config,
    /// problems, sorted by file and position
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any diagnostic fails the run.
    pub fn has_failures(&self, deny_warnings: bool) -> bool {
        self.diagnostics.iter().any(|d| d.is_failure(deny_warnings))
    }
}

fn display_name(path: &FsPath) -> String {
    path.to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_string()
}

/// Every `*.toml` below `dir`, sorted, skipping hidden folders and `.socialform/`.
fn toml_files(dir: &FsPath, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                toml_files(&path, out)?;
            }
        } else if name.ends_with(".toml") && !name.starts_with('.') {
            out.push(path);
        }
    }
    Ok(())
}

/// The diagnostic of a file that does not parse: a TOML syntax error, or a document
/// nested past [`tree::MAX_DEPTH`].
fn syntax_diagnostic(e: tree::SyntaxError) -> Diagnostic {
    let first_line = e
        .message
        .lines()
        .next()
        .unwrap_or("invalid TOML")
        .to_string();
    if e.too_deep {
        Diagnostic::new(Code::TooDeep, first_line)
            .at(e.span, "too deep")
            .help("flatten the structure: no configuration key nests this deep")
    } else {
        Diagnostic::new(Code::TomlSyntax, format!("invalid TOML: {first_line}"))
            .at(e.span, first_line)
    }
}

/// Loads and checks a configuration directory or a single root file. The live checks of
/// `plan` come later, on the result.
pub fn load(input: &FsPath) -> Result<Loaded, LoadError> {
    if !input.exists() {
        return Err(LoadError::NotFound(input.to_path_buf()));
    }
    let (dir, root_path, is_dir) = if input.is_dir() {
        let root = input.join(ROOT_FILE);
        if !root.is_file() {
            return Err(LoadError::NoRoot(input.to_path_buf()));
        }
        (input.to_path_buf(), root, true)
    } else {
        let dir = input.parent().map(FsPath::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        (dir, input.to_path_buf(), false)
    };

    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let mut syntax_failed = false;

    let mut parse_file =
        |path: &FsPath, sources: &mut Sources, diagnostics: &mut Vec<Diagnostic>| -> Option<Node> {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(Diagnostic::new(
                        Code::Io,
                        format!("cannot read `{}`: {e}", display_name(path)),
                    ));
                    syntax_failed = true;
                    return None;
                }
            };
            let id = sources.add(display_name(path), path.to_path_buf(), text);
            match Node::parse(id, &sources.get(id).text) {
                Ok(node) => Some(node),
                Err(errors) => {
                    diagnostics.extend(errors.into_iter().map(syntax_diagnostic));
                    syntax_failed = true;
                    None
                }
            }
        };

    let root = parse_file(&root_path, &mut sources, &mut diagnostics);
    let mut tree = root.unwrap_or_else(|| empty_tree(&sources));

    if is_dir {
        let catalog = tree
            .at(&Path::keys(["backend", "catalog"]))
            .and_then(Node::as_str)
            .unwrap_or("catalog.toml")
            .to_string();
        let catalog_path = dir.join(catalog);
        let mut files = Vec::new();
        toml_files(&dir, &mut files)?;
        let mut conflicts = Vec::new();
        for path in files {
            if same_file(&path, &root_path) || same_file(&path, &catalog_path) {
                continue;
            }
            let Some(mut node) = parse_file(&path, &mut sources, &mut diagnostics) else {
                continue;
            };
            if let tree::Value::Table(t) = &mut node.value {
                for key in ["workspace", "backend"] {
                    if let Some(misplaced) = t.shift_remove(key) {
                        let span = misplaced.key_span.clone().unwrap_or(misplaced.span.clone());
                        diagnostics.push(
                            Diagnostic::new(
                                Code::RootOnlyTable,
                                format!("`[{key}]` may only appear in the root file"),
                            )
                            .at(span, "not the root file")
                            .help(format!("move it to `{}`", display_name(&root_path))),
                        );
                    }
                }
            }
            tree::merge(&mut tree, node, &mut conflicts);
        }
        for c in conflicts {
            diagnostics.push(
                Diagnostic::new(Code::DuplicateDefinition, format!("`{}` is defined twice", c.path))
                    .at(c.second, "defined again here")
                    .also(c.first, "first defined here")
                    .help("keep one definition; every file of the directory is merged into one configuration"),
            );
        }
    }

    let mut config = Config::default();
    if !syntax_failed {
        let mut doc = tree.to_json();
        let findings = schema::check(&tree, &doc);
        let error_paths: Vec<Path> = findings.iter().map(|f| f.path.clone()).collect();
        remove_all(&mut doc, findings.iter().filter_map(|f| f.prune.as_ref()));
        config = decode(&tree, &doc, &error_paths, &mut diagnostics);
        diagnostics.extend(findings.into_iter().map(|f| f.diag));
        diagnostics.extend(rules::check(&rules::Input {
            tree: &tree,
            config: &config,
            sources: &sources,
            dir: &dir,
        }));
    }
    crate::diagnostics::sort(&mut diagnostics);
    Ok(Loaded {
        dir,
        sources,
        tree,
        config,
        diagnostics,
    })
}

/// Removes the table keys at `paths` from a JSON document (nothing where a key is not
/// there). Keys of one table go in one pass over it: removing them one by one from an
/// ordered map of 100,000 entries cost a shift of the map each.
fn remove_all<'p>(doc: &mut serde_json::Value, paths: impl Iterator<Item = &'p Path>) {
    let mut by_table: indexmap::IndexMap<&[Seg], std::collections::HashSet<&str>> =
        indexmap::IndexMap::new();
    for path in paths {
        if let Some((Seg::Key(last), parents)) = path.0.split_last() {
            by_table.entry(parents).or_default().insert(last);
        }
    }
    for (parents, keys) in by_table {
        if let Some(serde_json::Value::Object(o)) = at_mut(doc, parents) {
            o.retain(|k, _| !keys.contains(k.as_str()));
        }
    }
}

/// The value at `path` of a JSON document.
fn at_mut<'a>(
    mut node: &'a mut serde_json::Value,
    path: &[Seg],
) -> Option<&'a mut serde_json::Value> {
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), serde_json::Value::Object(o)) => o.get_mut(k)?,
            (Seg::Index(i), serde_json::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn same_file(a: &FsPath, b: &FsPath) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn empty_tree(sources: &Sources) -> Node {
    let file = sources
        .files()
        .next()
        .map(|(id, _)| id)
        .unwrap_or(crate::diagnostics::FileId(0));
    Node {
        value: tree::Value::Table(Default::default()),
        span: crate::diagnostics::Span { file, range: 0..0 },
        key_span: None,
    }
}

/// Decodes the document into the typed configuration, resource by resource, so that one
/// broken profile does not hide the rules' findings on the others. A resource that fails
/// to decode has a schema error already; if it does not, the decode error is reported.
fn decode(
    tree: &Node,
    doc: &serde_json::Value,
    error_paths: &[Path],
    out: &mut Vec<Diagnostic>,
) -> Config {
    if error_paths.is_empty() {
        match serde_json::from_value::<Config>(doc.clone()) {
            Ok(c) => return c,
            Err(e) => out.push(
                Diagnostic::new(
                    Code::SchemaOther,
                    format!("the configuration does not decode: {e}"),
                )
                .at(tree.span_of(&Path::root()), "here"),
            ),
        }
    }
    // The resources (one or two keys deep) that have a schema error somewhere below:
    // looked up once per resource instead of scanning every error for each.
    let covered: std::collections::HashSet<&[Seg]> = error_paths
        .iter()
        .flat_map(|p| (0..=p.0.len().min(2)).map(move |n| &p.0[..n]))
        .collect();
    let mut dec = Decoder { tree, covered, out };
    let mut config = Config::default();
    if let Some(w) = dec.one(doc, "workspace") {
        config.workspace = w;
    }
    config.backend = dec.one(doc, "backend");
    config.contacts = dec.one(doc, "contacts");
    config.messaging = dec.one(doc, "messaging");
    config.profiles = dec.each(doc, "profiles");
    config.groups = dec.each(doc, "groups");
    config.mailboxes = dec.each(doc, "mailboxes");
    config.contact_attributes = dec.each(doc, "contact_attributes");
    config.proactive_messages = dec.each(doc, "proactive_messages");
    config
}

struct Decoder<'a> {
    tree: &'a Node,
    covered: std::collections::HashSet<&'a [Seg]>,
    out: &'a mut Vec<Diagnostic>,
}

impl Decoder<'_> {
    fn attempt<T: DeserializeOwned>(
        &mut self,
        value: &serde_json::Value,
        path: &Path,
    ) -> Option<T> {
        match serde_json::from_value::<T>(value.clone()) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = self.tree.span_of(path);
                if !self.covered.contains(path.0.as_slice()) {
                    self.out.push(
                        Diagnostic::new(
                            Code::SchemaOther,
                            format!("`{path}` does not decode: {e}"),
                        )
                        .at(span, "here"),
                    );
                }
                None
            }
        }
    }

    fn one<T: DeserializeOwned>(&mut self, doc: &serde_json::Value, key: &str) -> Option<T> {
        let v = doc.get(key)?;
        self.attempt(v, &Path::keys([key]))
    }

    fn each<T: DeserializeOwned>(
        &mut self,
        doc: &serde_json::Value,
        key: &str,
    ) -> indexmap::IndexMap<String, T> {
        let mut out = indexmap::IndexMap::new();
        let Some(obj) = doc.get(key).and_then(serde_json::Value::as_object) else {
            return out;
        };
        for (id, v) in obj {
            if let Some(t) = self.attempt(v, &Path::keys([key, id.as_str()])) {
                out.insert(id.clone(), t);
            }
        }
        out
    }
}
