//! Reading a configuration: the files of a directory (or one file), parsed with spans
//! and merged into one document. It knows no resource type: which tables may only be in
//! the root file, which gather entries from several files and which file is not
//! configuration come from the caller's [`Layout`]; checking the document against a
//! schema ([`schema`]) takes the schema as input. Every problem becomes a diagnostic;
//! only a missing root (or a file that is part of a larger configuration) is an error.
//!
//! The configuration is untrusted input (it comes from pull requests): files are read
//! through [`files`], inside the configuration directory only, regular files of at most
//! [`files::MAX_FILE_BYTES`], and the walk never follows a link to a directory.

pub mod files;
pub mod schema;
pub mod tree;

use std::path::{Path as FsPath, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Sources};
use files::FileError;
pub use tree::{DocPath, Node, Seg};

/// The root file of a configuration directory.
pub const ROOT_FILE: &str = "socialform.toml";

/// What reading needs to know of a configuration format.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// tables that may only appear in the root file (`workspace`, `backend`)
    pub root_only: &'static [&'static str],
    /// the key of the root file that names a file of the directory which is not
    /// configuration (the sandbox catalog), and its default
    pub not_configuration: (&'static [&'static str], &'static str),
    /// whether the table at a path (keys from the root, never empty) gathers its entries
    /// from every file (`[profiles]`); any other table defined twice is a conflict
    pub gathers: fn(&[String]) -> bool,
}

/// Why a configuration could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not exist.
    #[error("`{0}` does not exist")]
    NotFound(PathBuf),
    /// A directory without `socialform.toml`.
    #[error("`{0}` has no `socialform.toml`: a configuration directory needs a root file")]
    NoRoot(PathBuf),
    /// A file given on its own while other configuration files sit beside or below it:
    /// acting on it would act on part of a configuration.
    #[error(
        "`{}` is part of the configuration directory `{}` (which also holds `{}`): give the directory, `{}`, so that no command acts on part of a configuration",
        display_name(.file), display_name(.dir), display_name(.other), display_name(.dir)
    )]
    PartOfDirectory {
        /// the file given
        file: PathBuf,
        /// its directory: the configuration to give instead
        dir: PathBuf,
        /// one other `*.toml` file found there
        other: PathBuf,
    },
    /// A directory that could not be listed or resolved.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// A configuration as read: its files, the merged document, and what was wrong with
/// reading them.
#[derive(Debug)]
pub struct Loaded {
    /// the configuration directory (relative paths in the configuration start here)
    pub dir: PathBuf,
    /// every file read
    pub sources: Sources,
    /// the merged document, with spans (empty when a file had a syntax error)
    pub tree: Node,
    /// every file was read and parsed: the document is whole, and can be checked
    pub parsed: bool,
    /// problems of reading, sorted by file and position
    pub diagnostics: Vec<Diagnostic>,
}

fn display_name(path: &FsPath) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./");
    if s.is_empty() {
        ".".to_string()
    } else {
        s.to_string()
    }
}

/// The diagnostic of a configuration file that is not read. It has no span: the file
/// has no text socialform may show.
fn unread_file(shown: &FsPath, problem: &FileError) -> Diagnostic {
    let name = display_name(shown);
    match problem {
        FileError::Outside => Diagnostic::new(
            Code::PathOutside,
            format!(
                "`{name}` is a symbolic link to a file outside the configuration directory; it is not read"
            ),
        )
        .help(
            "a configuration reads only files inside its directory: copy the file in, or remove the link",
        ),
        FileError::NotAFile(kind) => Diagnostic::new(
            Code::NotAFile,
            format!("`{name}` is {kind}, not a regular file; it is not read"),
        )
        .help(
            "configuration files are regular files: remove it, or rename it so that it does not end in `.toml`",
        ),
        FileError::TooLarge(limit) => Diagnostic::new(
            Code::TooLarge,
            format!(
                "`{name}` is larger than {} MiB; it is not read",
                limit / (1024 * 1024)
            ),
        )
        .help("split it into several files of the directory: they are merged into one configuration"),
        FileError::Io(e) => Diagnostic::new(Code::Io, format!("cannot read `{name}`: {e}")),
    }
}

/// Where to read a file that the walk or the command line reached: the file itself, or
/// the target of a symbolic link when that is inside the configuration directory.
fn readable(root: &FsPath, path: &FsPath) -> Result<PathBuf, FileError> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        files::within(root, path)
    } else {
        Ok(path.to_path_buf())
    }
}

fn same_file(a: &FsPath, b: &FsPath) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn same_entry(a: &FsPath, b: &FsPath) -> bool {
    files::normalize(a) == files::normalize(b) || same_file(a, b)
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

/// Reads a configuration directory, or a single root file that is a configuration on its
/// own: one beside and below which no other `*.toml` file sits (hidden folders,
/// `.socialform/` and the file the layout says is not configuration excepted). A file that
/// is part of a directory is refused ([`LoadError::PartOfDirectory`]).
pub fn load(input: &FsPath, layout: &Layout) -> Result<Loaded, LoadError> {
    load_with(input, layout, false)
}

/// Loads one file as a configuration on its own, whatever else sits in its directory.
///
/// This is an explicit escape hatch for tests and tools that keep many one-file
/// configurations side by side (the fixtures of `tests/fixtures/`); no command uses it,
/// since a command that acts on part of a configuration could write a partial one. Paths
/// in the file are still relative to its directory and confined to it.
pub fn load_standalone(file: &FsPath, layout: &Layout) -> Result<Loaded, LoadError> {
    load_with(file, layout, true)
}

fn load_with(input: &FsPath, layout: &Layout, standalone: bool) -> Result<Loaded, LoadError> {
    if std::fs::symlink_metadata(input).is_err() {
        return Err(LoadError::NotFound(input.to_path_buf()));
    }
    let is_dir = input.is_dir();
    let (dir, root_path) = if is_dir {
        let root = input.join(ROOT_FILE);
        if std::fs::symlink_metadata(&root).is_err() {
            return Err(LoadError::NoRoot(input.to_path_buf()));
        }
        (input.to_path_buf(), root)
    } else {
        let dir = input
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), FsPath::to_path_buf);
        (dir, input.to_path_buf())
    };
    let root = files::root_of(&dir).map_err(|source| LoadError::Io {
        path: dir.clone(),
        source,
    })?;

    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let mut syntax_failed = false;

    let mut parse_file = |shown: &FsPath,
                          real: Result<PathBuf, FileError>,
                          sources: &mut Sources,
                          diagnostics: &mut Vec<Diagnostic>|
     -> Option<Node> {
        let text = match real.and_then(|real| files::read_text(&real, files::MAX_FILE_BYTES)) {
            Ok(t) => t,
            Err(problem) => {
                diagnostics.push(unread_file(shown, &problem));
                syntax_failed = true;
                return None;
            }
        };
        let id = sources.add(display_name(shown), shown.to_path_buf(), text);
        match Node::parse(id, &sources.get(id).text) {
            Ok(node) => Some(node),
            Err(errors) => {
                diagnostics.extend(errors.into_iter().map(syntax_diagnostic));
                syntax_failed = true;
                None
            }
        }
    };

    let root_node = parse_file(
        &root_path,
        readable(&root, &root_path),
        &mut sources,
        &mut diagnostics,
    );
    let mut tree = root_node.unwrap_or_else(|| empty_tree(&sources));

    // The catalog the root file names is not configuration, wherever it is.
    let (catalog_key, catalog_default) = layout.not_configuration;
    let catalog = tree
        .at(&DocPath::keys(catalog_key.iter().copied()))
        .and_then(Node::as_str)
        .unwrap_or(catalog_default)
        .to_string();
    let catalog_path = dir.join(&catalog);
    let other_file = |p: &FsPath| !same_entry(p, &root_path) && !same_entry(p, &catalog_path);

    if !is_dir {
        if !standalone
            && let Some(other) = files::toml_files(&dir, &root, &other_file, true).first()
        {
            return Err(LoadError::PartOfDirectory {
                file: input.to_path_buf(),
                dir,
                other: other.shown().to_path_buf(),
            });
        }
    } else {
        let mut conflicts = Vec::new();
        for found in files::toml_files(&dir, &root, &other_file, false) {
            let (shown, real) = match found {
                files::Found::File { shown, real } => (shown, Ok(real)),
                files::Found::Refused { shown, problem } => (shown, Err(problem)),
            };
            let Some(mut node) = parse_file(&shown, real, &mut sources, &mut diagnostics) else {
                continue;
            };
            if let tree::Value::Table(t) = &mut node.value {
                for &key in layout.root_only {
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
            tree::merge(&mut tree, node, &mut conflicts, layout.gathers);
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

    crate::diagnostics::sort(&mut diagnostics);
    Ok(Loaded {
        dir,
        sources,
        tree,
        parsed: !syntax_failed,
        diagnostics,
    })
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
