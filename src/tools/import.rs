//! `socialform import`: a configuration written from the live platform. [`import`] turns
//! a live snapshot into a typed [`Config`] that plans to no changes against that same
//! snapshot; [`files`] lays it out as a configuration directory (`socialform.toml`,
//! `profiles/<channel>.toml`, `groups.toml`, ...) with every value serialised by the
//! `toml` crate; [`write`] puts the files on disk. Nothing here prints.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::kind::{DefaultValue, ImportFile};
use crate::model::{Address, Channel, DISPLAY_FIELDS, Kind, MANAGER, PLATFORM_FIELDS, Resource};
use crate::model::{LiveResource, LiveState};
use crate::rules::{
    BackendKind, BackendTable, Config, ContactAttribute, Contacts, Group, Mailbox, Messaging,
    ProactiveMessage, Profile, ReplyProfiles, Workspace,
};

pub use crate::model::id::{from_name as id_from_name, is_id};
/// Where an imported configuration keeps the JSON Schema its `#:schema` comments name.
pub use crate::rules::schema::SCHEMA_FILE;

/// What to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also import live resources no socialform configuration manages (the profiles of
    /// connected accounts never configured, platform attributes, resources made in the
    /// platform's UI). The first plan of the imported configuration then adopts them.
    pub include_unmanaged: bool,
}

/// Something the import says about one live resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Not managed by socialform, so left out (see [`Options::include_unmanaged`]).
    Unmanaged(String),
    /// Unmanaged but imported: the first plan adopts it (an update without field changes).
    Adopted(String),
    /// Imported under another id than its address gives.
    Renamed {
        /// the live address
        address: String,
        /// the id in the imported configuration
        id: String,
    },
    /// Its live fields are not a valid configuration value: left out.
    Undecodable {
        /// the live address
        address: String,
        /// why it does not decode
        reason: String,
    },
    /// A local file the configuration refers to (an avatar) that was not copied beside it.
    FileNotCopied {
        /// the path, as the configuration writes it
        path: String,
        /// why
        reason: String,
    },
    /// Imported, but planning the imported configuration would still change these fields.
    Differs {
        /// the live address
        address: String,
        /// the dotted paths of the fields that differ
        paths: Vec<String>,
    },
}

/// The result of an import: the configuration and what is worth telling about it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// the configuration that describes the live platform
    pub config: Config,
    /// how many live resources it holds
    pub resources: usize,
    /// resources left out, renamed, adopted or not reproduced exactly, in live order
    pub notes: Vec<Note>,
}

/// One file of an imported configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// path relative to the configuration directory, `/`-separated
    pub path: String,
    /// the file's text
    pub text: String,
}

/// Why an imported configuration could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// the target exists and holds files
    #[error("`{0}` exists and is not empty")]
    NotEmpty(PathBuf),
    /// the target exists and is a file
    #[error("`{0}` exists and is not a directory")]
    NotADirectory(PathBuf),
    /// the target is inside the configuration being read: its files would be merged in
    #[error("`{target}` is inside the configuration directory `{config}`")]
    InsideConfig {
        /// the target directory
        target: PathBuf,
        /// the configuration directory
        config: PathBuf,
    },
    /// a file could not be written
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// the file or directory
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// The ids taken so far among resources of one kind, and for each base where the search
/// for a numbered id stopped: `n` live resources named alike take `n` ids in linear time,
/// not `n²` tries (the ids below that number were all taken, and stay taken).
#[derive(Default)]
struct Ids {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

impl Ids {
    /// `base`, or `base_<alt>`, or `base_2`, `base_3`, ...: the first not taken, shortened
    /// so it stays a valid id; with the number it took, if it took one.
    fn unique(&self, base: &str, alt: Option<&str>) -> (String, Option<usize>) {
        let fits = |stem: &str, suffix: &str| {
            let keep = 63usize.saturating_sub(suffix.len()).min(stem.len());
            format!("{}{suffix}", stem[..keep].trim_end_matches('_'))
        };
        if !self.taken.contains(base) {
            return (base.to_string(), None);
        }
        if let Some(alt) = alt {
            let c = fits(base, &format!("_{alt}"));
            if !self.taken.contains(&c) {
                return (c, None);
            }
        }
        let from = self.next.get(base).copied().unwrap_or(2);
        (from..)
            .map(|n| (fits(base, &format!("_{n}")), Some(n)))
            .find(|(c, _)| !self.taken.contains(c))
            .unwrap_or_else(|| (base.to_string(), None))
    }

    /// Takes the first free id of [`Ids::unique`].
    fn claim(&mut self, base: &str, alt: Option<&str>) -> String {
        let (id, n) = self.unique(base, alt);
        if let Some(n) = n {
            self.next.insert(base.to_string(), n + 1);
        }
        self.taken.insert(id.clone());
        id
    }
}

/// The id of a live resource: its address's, or one made from its name when the address
/// holds no valid id; unique among `taken`.
fn id_for(r: &Resource, name: Option<&str>, alt: Option<&str>, ids: &mut Ids) -> String {
    let base = match (address_id(&r.address, r.kind).filter(|id| is_id(id)), name) {
        (Some(id), _) => id,
        (None, Some(name)) => id_from_name(name),
        (None, None) => id_from_name(&r.address),
    };
    ids.claim(&base, alt)
}

/// The fields a configuration writes: without platform-owned and display-only fields.
fn config_fields(r: &Resource, also_drop: &[&str]) -> Value {
    Value::Object(
        r.fields
            .iter()
            .filter(|(k, _)| {
                !PLATFORM_FIELDS.contains(&k.as_str())
                    && !DISPLAY_FIELDS.contains(&k.as_str())
                    && !also_drop.contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn decode<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// The id part of an address such as `profile.acme_fb`, of a kind whose address holds one.
fn address_id(address: &str, kind: Kind) -> Option<String> {
    let address: Address = address.parse().ok()?;
    (address.kind() == kind)
        .then(|| address.id_part().map(str::to_string))
        .flatten()
}

/// A proactive message from its live fields, its conditions in the `when` form.
fn proactive_of(r: &Resource) -> Result<ProactiveMessage, String> {
    let mut m: ProactiveMessage = decode(config_fields(r, &[]))?;
    let tree = crate::rules::proactive::condition_tree(&m)
        .ok_or_else(|| "its conditions are not a valid condition tree".to_string())?;
    m.when = Some(crate::rules::proactive::when::render(&tree));
    m.conditions = None;
    Ok(m)
}

/// Builds the configuration that describes `live`: every resource socialform manages
/// (and, with [`Options::include_unmanaged`], every other one), under the id its address
/// gives. A bound profile never configured is named by the sandbox after its account, so
/// it gets an id made from its display name instead. `backend` is written as given.
pub fn import(
    live: &LiveState,
    workspace: &str,
    backend: Option<BackendTable>,
    options: &Options,
) -> Imported {
    let mut config = Config {
        workspace: Workspace {
            name: workspace.to_string(),
            prune: false,
            allow: Vec::new(),
        },
        backend,
        ..Config::default()
    };
    let mut notes = Vec::new();
    let managed = |l: &LiveResource| l.managed_by.as_deref() == Some(MANAGER);
    // Managed resources first, so they keep the ids their configuration gave them and
    // unmanaged ones give way when a name is taken.
    let mut order: Vec<&LiveResource> = live.resources.iter().filter(|l| managed(l)).collect();
    for l in live.resources.iter().filter(|l| !managed(l)) {
        if options.include_unmanaged {
            order.push(l);
        } else {
            notes.push(Note::Unmanaged(l.resource.address.clone()));
        }
    }
    let mut taken: [Ids; 4] = Default::default();
    let mut included = Vec::new();
    for l in order {
        let r = &l.resource;
        let address = r.address.clone();
        let undecodable = |reason: String| Note::Undecodable {
            address: address.clone(),
            reason,
        };
        let result: Result<(), String> = match r.kind {
            Kind::Profile => decode::<Profile>(config_fields(r, &[])).map(|p| {
                let display = r
                    .fields
                    .get("display_name")
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty());
                let alt = Some(p.channel().as_str());
                let id = if !managed(l) && p.channel().is_bound() {
                    // Named by the sandbox after its account: a display name reads better.
                    let base = id_from_name(display.unwrap_or(&r.address));
                    taken[0].claim(&base, alt)
                } else {
                    id_for(r, display, alt, &mut taken[0])
                };
                config.profiles.insert(id, p);
            }),
            Kind::Group => decode::<Group>(config_fields(r, &[])).map(|g| {
                let id = id_for(r, g.name.as_deref(), None, &mut taken[1]);
                config.groups.insert(id, g);
            }),
            Kind::ContactAttribute => decode::<ContactAttribute>(config_fields(r, &[])).map(|a| {
                let id = id_for(r, a.label.as_deref(), None, &mut taken[2]);
                config.contact_attributes.insert(id, a);
            }),
            Kind::ProactiveMessage => proactive_of(r).map(|m| {
                let id = id_for(r, Some(&m.name), None, &mut taken[3]);
                config.proactive_messages.insert(id, m);
            }),
            Kind::ReplyProfiles => {
                let mailbox = r.fields.get("mailbox").and_then(Value::as_str);
                let folder = r.fields.get("folder").and_then(Value::as_str);
                match mailbox {
                    None => Err("it names no mailbox".to_string()),
                    Some(name) => decode::<ReplyProfiles>(config_fields(r, &["mailbox", "folder"]))
                        .map(|rp| {
                            let mb = config.mailboxes.entry(name.to_string()).or_default();
                            match folder {
                                Some(f) => {
                                    mb.folders.entry(f.to_string()).or_default().reply_profiles =
                                        Some(rp)
                                }
                                None => mb.reply_profiles = Some(rp),
                            }
                        }),
                }
            }
            Kind::Contacts => decode::<Contacts>(config_fields(r, &[])).map(|c| {
                config.contacts = Some(c);
            }),
            Kind::Messaging => decode::<Messaging>(config_fields(r, &[])).map(|m| {
                config.messaging = Some(m);
            }),
        };
        match result {
            Ok(()) => included.push(l),
            Err(reason) => notes.push(undecodable(reason)),
        }
    }
    // What the imported configuration asks for, against what is live: by construction the
    // same, which this says rather than assumes.
    let desired = crate::rules::desired_of(&config);
    // By platform key, looked up once per live resource (a scan of every desired resource
    // for each was quadratic in the platform's size).
    let mut by_key = std::collections::HashMap::new();
    for d in &desired {
        by_key.entry(d.key()).or_insert(d);
    }
    for l in &included {
        let key = l.resource.key();
        let Some(d) = by_key.get(&key).copied() else {
            continue;
        };
        if d.address != l.resource.address {
            let id = address_id(&d.address, d.kind).unwrap_or_else(|| d.address.clone());
            notes.push(Note::Renamed {
                address: l.resource.address.clone(),
                id,
            });
        }
        if !managed(l) {
            notes.push(Note::Adopted(l.resource.address.clone()));
        }
        let paths: Vec<String> = crate::plan::diff::comparable(Some(&l.resource), Some(d))
            .into_iter()
            .map(|c| c.path)
            .collect();
        if !paths.is_empty() {
            notes.push(Note::Differs {
                address: l.resource.address.clone(),
                paths,
            });
        }
    }
    Imported {
        config,
        resources: included.len(),
        notes,
    }
}

// ---------------------------------------------------------------------------------------
// Paths

/// `p` made absolute, `.` and `..` resolved, and symbolic links resolved as far as the
/// path exists.
fn resolve(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut lexical = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other.as_os_str()),
        }
    }
    let mut existing = lexical.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(ToOwned::to_owned),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return lexical,
        }
    }
}

/// The path of `to` relative to the directory `from_dir`, `/`-separated (`../cfg/x.json`);
/// absolute when the two share no root.
pub fn relative_path(from_dir: &Path, to: &Path) -> String {
    let (from, to) = (resolve(from_dir), resolve(to));
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    if f.first() != t.first() {
        return to.to_string_lossy().replace('\\', "/");
    }
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// The `[backend]` of the imported configuration. An `http` or `meta` backend is copied
/// as it is.
/// A sandbox keeps the defaults: its state and catalog are files of the source
/// directory, and a configuration may not name files outside its own directory, so the
/// imported one reads the source's sandbox through `--sandbox` (or `SOCIALFORM_SANDBOX`),
/// which the command line trusts.
pub fn backend_for(source: Option<&BackendTable>) -> BackendTable {
    let b = source.cloned().unwrap_or_default();
    match b.kind {
        BackendKind::Sandbox => BackendTable::default(),
        BackendKind::Http | BackendKind::Meta => b,
    }
}

/// Refuses a target that exists and is not an empty directory, or that lies inside the
/// configuration directory being read (every `*.toml` below it would be merged into it).
pub fn check_target(target: &Path, config_dir: &Path) -> Result<(), ImportError> {
    let (t, c) = (resolve(target), resolve(config_dir));
    if t.starts_with(&c) {
        return Err(ImportError::InsideConfig {
            target: target.to_path_buf(),
            config: config_dir.to_path_buf(),
        });
    }
    if target.exists() {
        if !target.is_dir() {
            return Err(ImportError::NotADirectory(target.to_path_buf()));
        }
        let mut entries = std::fs::read_dir(target).map_err(|source| ImportError::Io {
            path: target.to_path_buf(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(ImportError::NotEmpty(target.to_path_buf()));
        }
    }
    Ok(())
}

/// The local files a configuration refers to, as it writes them: X custom profile
/// avatars given as a path (relative to the configuration directory) rather than a URL.
pub fn local_files(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in config.profiles.values() {
        if let Profile::X(x) = p {
            for c in &x.custom_profiles {
                let lower = c.avatar.to_ascii_lowercase();
                let url = lower.starts_with("http://") || lower.starts_with("https://");
                if !url && !out.contains(&c.avatar) {
                    out.push(c.avatar.clone());
                }
            }
        }
    }
    out
}

/// Copies the local files of `config` ([`local_files`]) from `source_dir` to the same
/// relative path below `target_dir`, so the imported configuration writes the same value
/// and finds the file. The paths come from the live platform, so they are untrusted like
/// a configuration's: a path that is absolute, leaves the source directory (`..`, a link
/// out), names no regular file or a file over 8 MiB is not copied and comes back as a
/// note that never quotes the file.
pub fn copy_local_files(
    config: &Config,
    source_dir: &Path,
    target_dir: &Path,
) -> Result<Vec<Note>, ImportError> {
    use crate::config::files::{self, FileError};
    let mut notes = Vec::new();
    let root = files::root_of(source_dir).map_err(|source| ImportError::Io {
        path: source_dir.to_path_buf(),
        source,
    })?;
    for path in local_files(config) {
        let not_copied = |reason: String| Note::FileNotCopied {
            path: path.clone(),
            reason,
        };
        let read = files::confine(&root, &path)
            .and_then(|from| files::read_limited(&from, files::MAX_FILE_BYTES));
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(FileError::Outside) => {
                notes.push(not_copied(
                    "it is outside the configuration directory; copy it and fix the path by hand"
                        .to_string(),
                ));
                continue;
            }
            Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                notes.push(not_copied(
                    "the source configuration has no such file".to_string(),
                ));
                continue;
            }
            Err(e) => {
                notes.push(not_copied(e.to_string()));
                continue;
            }
        };
        // The same relative path, normalised: inside the new directory by construction.
        let rel = files::normalize(Path::new(&path));
        let to = target_dir.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ImportError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&to, bytes).map_err(|source| ImportError::Io {
            path: to.clone(),
            source,
        })?;
    }
    Ok(notes)
}

/// Writes `files` below `dir`, creating it and the folders the files need.
pub fn write(dir: &Path, files: &[File]) -> Result<(), ImportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, &f.text).map_err(io(&path))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rendering

/// A TOML key as written in a table header or before `=`: bare when it can be, quoted by
/// the `toml` crate otherwise.
fn key_text(key: &str) -> String {
    let mut t = toml::Table::new();
    t.insert(key.to_string(), toml::Value::Integer(0));
    let line = toml::to_string(&t).unwrap_or_default();
    line.trim_end()
        .strip_suffix(" = 0")
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

fn toml_table<T: Serialize>(value: &T) -> toml::Table {
    match toml::Value::try_from(value) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    }
}

/// `[a.b."c d"]` then `key = value` lines; values inline, lists of tables one per line.
fn push_table(out: &mut String, path: &[&str], table: &toml::Table) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    let header: Vec<String> = path.iter().map(|k| key_text(k)).collect();
    out.push_str(&format!("[{}]\n", header.join(".")));
    for (k, v) in table {
        out.push_str(&key_text(k));
        out.push_str(" = ");
        match v {
            toml::Value::Array(items) if items.len() > 1 && items.iter().any(|i| i.is_table()) => {
                out.push_str("[\n");
                for item in items {
                    out.push_str(&format!("  {item},\n"));
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
        out.push('\n');
    }
}

fn schema_line(depth: usize) -> String {
    let up = if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    };
    format!("#:schema {up}{SCHEMA_FILE}\n")
}

fn file(path: impl Into<String>, body: String) -> File {
    let path = path.into();
    let depth = path.matches('/').count();
    File {
        text: format!("{}{body}", schema_line(depth)),
        path,
    }
}

/// Drops `key` from `t` when it holds the default `value`.
fn drop_default(t: &mut toml::Table, key: &str, value: toml::Value) {
    if t.get(key) == Some(&value) {
        t.remove(key);
    }
}

/// Drops from the table of the resource `id` of `kind` the values its configuration
/// defaults to ([`crate::model::KindSpec::import_defaults`]).
fn drop_defaults(t: &mut toml::Table, kind: Kind, id: &str) {
    for d in kind.spec().import_defaults {
        if d.only_with.is_some_and(|k| !t.contains_key(k)) {
            continue;
        }
        let value = match d.value {
            DefaultValue::Bool(b) => toml::Value::Boolean(b),
            DefaultValue::Str(s) => toml::Value::String(s.to_string()),
            DefaultValue::Id => toml::Value::String(id.to_string()),
        };
        drop_at(t, d.path, value);
    }
}

/// Drops the key at `path` (keys of nested tables) when it holds `value`.
fn drop_at(t: &mut toml::Table, path: &[&str], value: toml::Value) {
    match path {
        [] => {}
        [last] => drop_default(t, last, value),
        [first, rest @ ..] => {
            if let Some(toml::Value::Table(inner)) = t.get_mut(*first) {
                drop_at(inner, rest, value);
            }
        }
    }
}

/// The file of an imported configuration that holds a resource of `kind`
/// ([`crate::model::KindSpec::import_file`]).
fn file_of(kind: Kind, channel: Option<Channel>, id: &str) -> String {
    match kind.spec().import_file {
        ImportFile::ByChannel(dir) => {
            format!("{dir}/{}.toml", channel.map_or("unknown", Channel::as_str))
        }
        ImportFile::One(file) => file.to_string(),
        ImportFile::PerId(dir) => format!("{dir}/{id}.toml"),
    }
}

/// The bodies of the files being written, by path, in the order they are first written.
type Bodies = indexmap::IndexMap<String, String>;

/// Writes the tables of a kind declared by id (`[groups.<id>]`), ids sorted, each to its
/// file, without its defaults.
fn write_each<V: Serialize>(
    bodies: &mut Bodies,
    kind: Kind,
    entries: &indexmap::IndexMap<String, V>,
) {
    let namespace = kind.spec().namespace.key();
    for id in sorted_keys(entries) {
        let mut t = toml_table(&entries[id]);
        drop_defaults(&mut t, kind, id);
        let body = bodies.entry(file_of(kind, None, id)).or_default();
        push_table(body, &[namespace, id], &t);
    }
}

/// Writes the one table of a kind (`[contacts]`), if the configuration has it.
fn write_one<V: Serialize>(bodies: &mut Bodies, kind: Kind, value: Option<&V>) {
    if let Some(value) = value {
        let mut t = toml_table(value);
        drop_defaults(&mut t, kind, "");
        let body = bodies.entry(file_of(kind, None, "")).or_default();
        push_table(body, &[kind.spec().namespace.key()], &t);
    }
}

/// The order in which `files` writes the kinds: the contact settings open
/// `contacts.toml`, before the attributes they order.
const WRITE_ORDER: [Kind; 7] = [
    Kind::Profile,
    Kind::Group,
    Kind::ReplyProfiles,
    Kind::Contacts,
    Kind::ContactAttribute,
    Kind::Messaging,
    Kind::ProactiveMessage,
];

/// The files of a configuration directory that holds `config`: `socialform.toml`
/// (workspace and backend), then the file of each kind
/// ([`crate::model::KindSpec::import_file`]: `profiles/<channel>.toml`, `groups.toml`,
/// `mailboxes.toml`, `contacts.toml`, `messaging.toml`, `proactive/<id>.toml`; those
/// with something in them), and the JSON Schema their `#:schema` comments name. Ids are
/// sorted; values the configuration defaults to are left out.
pub fn files(config: &Config, comment: &str) -> Vec<File> {
    let mut root = String::new();
    // A comment holds no control character but tab: anything else would not be TOML.
    for line in comment.lines() {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        root.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
    }
    let mut ws = toml_table(&config.workspace);
    drop_default(&mut ws, "prune", toml::Value::Boolean(false));
    push_table(&mut root, &["workspace"], &ws);
    if let Some(b) = &config.backend {
        push_table(&mut root, &["backend"], &toml_table(b));
    }

    // The body of each file, in the order the files are first written to.
    let mut bodies = Bodies::new();
    bodies.insert(crate::config::ROOT_FILE.to_string(), root);
    for kind in WRITE_ORDER {
        match kind {
            Kind::Profile => {
                for channel in Channel::all() {
                    let mut ids: Vec<&String> = config
                        .profiles
                        .iter()
                        .filter(|(_, p)| p.channel() == channel)
                        .map(|(id, _)| id)
                        .collect();
                    ids.sort();
                    for id in ids {
                        let mut t = toml_table(&config.profiles[id]);
                        drop_defaults(&mut t, kind, id);
                        let body = bodies.entry(file_of(kind, Some(channel), id)).or_default();
                        push_table(body, &["profiles", id], &t);
                    }
                }
            }
            Kind::Group => write_each(&mut bodies, kind, &config.groups),
            Kind::ReplyProfiles => {
                if config.mailboxes.is_empty() {
                    continue;
                }
                let body = bodies.entry(file_of(kind, None, "")).or_default();
                for name in sorted_keys(&config.mailboxes) {
                    let mailbox: &Mailbox = &config.mailboxes[name];
                    if let Some(rp) = &mailbox.reply_profiles {
                        push_table(
                            body,
                            &["mailboxes", name, "reply_profiles"],
                            &toml_table(rp),
                        );
                    }
                    for folder in sorted_keys(&mailbox.folders) {
                        if let Some(rp) = &mailbox.folders[folder].reply_profiles {
                            push_table(
                                body,
                                &["mailboxes", name, "folders", folder, "reply_profiles"],
                                &toml_table(rp),
                            );
                        }
                    }
                }
            }
            Kind::Contacts => write_one(&mut bodies, kind, config.contacts.as_ref()),
            Kind::ContactAttribute => write_each(&mut bodies, kind, &config.contact_attributes),
            Kind::Messaging => write_one(&mut bodies, kind, config.messaging.as_ref()),
            Kind::ProactiveMessage => write_each(&mut bodies, kind, &config.proactive_messages),
        }
    }
    let mut out: Vec<File> = bodies
        .into_iter()
        .map(|(path, body)| file(path, body))
        .collect();
    out.push(File {
        path: SCHEMA_FILE.to_string(),
        text: crate::rules::schema::schema_text(),
    });
    out
}

fn sorted_keys<V>(map: &indexmap::IndexMap<String, V>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sandbox::State;
    use crate::catalog::Catalog;
    use serde_json::json;

    fn live(resources: Vec<(&str, Kind, Value, bool)>) -> LiveState {
        LiveState {
            catalog: Catalog::default(),
            resources: resources
                .into_iter()
                .enumerate()
                .map(|(i, (address, kind, fields, managed))| {
                    let resource = crate::model::testing::resource(address, kind, fields);
                    crate::model::testing::live(resource, i as u64 + 1, managed)
                })
                .collect(),
        }
    }

    #[test]
    fn ids_from_display_names() {
        assert_eq!(id_from_name("Acme Air"), "acme_air");
        assert_eq!(id_from_name("  Acme -- Air!  "), "acme_air");
        assert_eq!(id_from_name("1-800-ACME"), "p1_800_acme");
        assert_eq!(id_from_name("Äöü"), "profile");
        assert!(is_id(&id_from_name(&"x".repeat(200))));
        let ids = Ids {
            taken: ["acme".to_string(), "acme_facebook".to_string()].into(),
            ..Ids::default()
        };
        assert_eq!(ids.unique("acme", Some("x")).0, "acme_x");
        assert_eq!(ids.unique("acme", Some("facebook")).0, "acme_2");
        assert_eq!(ids.unique("free", None).0, "free");
        let long = "a".repeat(63);
        let ids = Ids {
            taken: [long.clone()].into(),
            ..Ids::default()
        };
        let (u, _) = ids.unique(&long, None);
        assert!(is_id(&u) && u.ends_with("_2"), "{u}");
    }

    #[test]
    fn many_resources_named_alike_take_numbered_ids_in_order() {
        // The numbered search resumes where it stopped: the same ids as a search from 2
        // each time, including around an id taken by another base.
        let mut ids = Ids::default();
        ids.taken.insert("care_5".to_string());
        let got: Vec<String> = (0..8).map(|_| ids.claim("care", None)).collect();
        assert_eq!(
            got,
            [
                "care", "care_2", "care_3", "care_4", "care_6", "care_7", "care_8", "care_9"
            ]
        );
        // 20,000 alike: linear (quadratic tries would be 200 million set lookups).
        let mut ids = Ids::default();
        for i in 0..20_000 {
            let id = ids.claim("agent", None);
            assert_eq!(
                id,
                if i == 0 {
                    "agent".to_string()
                } else {
                    format!("agent_{}", i + 1)
                }
            );
        }
    }

    #[test]
    fn managed_only_by_default_and_unmanaged_named_after_display_name() {
        let state = live(vec![
            (
                "profile.acme_fb",
                Kind::Profile,
                json!({"channel": "facebook", "account": "1", "display_name": "Acme Air", "greeting": "Hi"}),
                true,
            ),
            (
                "profile.facebook_2",
                Kind::Profile,
                json!({"channel": "facebook", "account": "2", "display_name": "Acme Air"}),
                false,
            ),
            (
                "profile.x_acmecare",
                Kind::Profile,
                json!({"channel": "x", "account": "@AcmeCare", "display_name": "Acme Air Care"}),
                false,
            ),
            (
                "contact_attribute.phone",
                Kind::ContactAttribute,
                json!({"platform": true, "enabled": true}),
                false,
            ),
        ]);
        let plain = import(&state, "w", None, &Options::default());
        assert_eq!(
            plain.config.profiles.keys().collect::<Vec<_>>(),
            ["acme_fb"]
        );
        assert_eq!(plain.resources, 1);
        assert_eq!(
            plain.notes,
            [
                Note::Unmanaged("profile.facebook_2".into()),
                Note::Unmanaged("profile.x_acmecare".into()),
                Note::Unmanaged("contact_attribute.phone".into()),
            ]
        );
        let all = import(
            &state,
            "w",
            None,
            &Options {
                include_unmanaged: true,
            },
        );
        let ids: Vec<&String> = all.config.profiles.keys().collect();
        assert_eq!(ids, ["acme_fb", "acme_air", "acme_air_care"]);
        assert_eq!(
            all.config.contact_attributes["phone"],
            ContactAttribute {
                enabled: Some(true),
                ..Default::default()
            }
        );
        assert!(all.notes.contains(&Note::Renamed {
            address: "profile.facebook_2".into(),
            id: "acme_air".into()
        }));
        assert!(
            all.notes
                .contains(&Note::Adopted("profile.facebook_2".into()))
        );
        assert!(
            !all.notes
                .iter()
                .any(|n| matches!(n, Note::Differs { .. } | Note::Undecodable { .. })),
            "{:?}",
            all.notes
        );
    }

    #[test]
    fn collisions_take_the_channel_then_a_number() {
        let state = live(vec![
            (
                "profile.acme",
                Kind::Profile,
                json!({"channel": "live_chat"}),
                true,
            ),
            (
                "profile.facebook_1",
                Kind::Profile,
                json!({"channel": "facebook", "account": "1", "display_name": "Acme"}),
                false,
            ),
            (
                "profile.instagram_2",
                Kind::Profile,
                json!({"channel": "instagram", "account": "2", "display_name": "Acme"}),
                false,
            ),
            (
                "profile.instagram_3",
                Kind::Profile,
                json!({"channel": "instagram", "account": "3", "display_name": "Acme"}),
                false,
            ),
        ]);
        let all = import(
            &state,
            "w",
            None,
            &Options {
                include_unmanaged: true,
            },
        );
        let ids: Vec<&String> = all.config.profiles.keys().collect();
        assert_eq!(ids, ["acme", "acme_facebook", "acme_instagram", "acme_2"]);
    }

    #[test]
    fn undecodable_resources_are_left_out_with_the_reason() {
        let state = live(vec![(
            "profile.wa",
            Kind::Profile,
            json!({"channel": "whatsapp", "account": "9", "vertical": "spaceship"}),
            true,
        )]);
        let got = import(&state, "w", None, &Options::default());
        assert!(got.config.profiles.is_empty());
        assert!(
            matches!(&got.notes[0], Note::Undecodable { address, reason }
            if address == "profile.wa" && reason.contains("spaceship"))
        );
    }

    #[test]
    fn proactive_conditions_come_back_as_when() {
        let config: Config = toml::from_str(
            r#"
            [workspace]
            name = "w"
            [proactive_messages.help]
            name = "Help"
            brand = "acme"
            channel = "web"
            message = "Hello \"you\"\nthere"
            frequency = "once_per_visit"
            response = { type = "agent", follow_up = "Soon", ask_email = false }
            trigger = { event = "page_view", after = "45s" }
            conditions = { any = [
              { field = "visitor.page_url", op = "contains_any", value = ["/a", "/b\"c"] },
              { all = [{ field = "device.language", op = "is", value = "fr" }, { field = "visitor.visit_history", op = "is", value = "new_user" }] },
            ] }
            "#,
        )
        .unwrap();
        let desired = crate::rules::desired_of(&config);
        let state = LiveState {
            catalog: Catalog::default(),
            resources: desired
                .iter()
                .map(|r| crate::model::testing::live(r.clone(), 1, true))
                .collect(),
        };
        let got = import(&state, "w", None, &Options::default());
        assert!(got.notes.is_empty(), "{:?}", got.notes);
        let m = &got.config.proactive_messages["help"];
        assert!(m.conditions.is_none());
        assert_eq!(
            m.when.as_deref(),
            Some(
                r#"visitor.page_url contains_any ["/a", "/b\"c"] or (device.language is "fr" and visitor.visit_history is new_user)"#
            )
        );
        // Written out and read back, it is the same configuration.
        let text: String = files(&got.config, "")
            .iter()
            .filter(|f| f.path.ends_with(".toml"))
            .map(|f| f.text.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("[proactive_messages.help]"));
        assert!(!text.contains("published"), "{text}");
        assert!(text.contains("ask_email = false"), "{text}");
        assert!(!text.contains("ask_name"), "{text}");
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(
            crate::rules::desired_of(&back),
            crate::rules::desired_of(&got.config)
        );
    }

    #[test]
    fn files_are_laid_out_by_kind_with_schema_comments() {
        let config: Config = toml::from_str(
            r#"
            [workspace]
            name = "w"
            [backend]
            path = "../cfg/.socialform/sandbox.json"
            catalog = "../cfg/catalog.toml"
            [profiles.fb]
            channel = "facebook"
            account = "1"
            ice_breakers = [{ question = "Q1", flow = "f" }, { question = "Q2", flow = "f" }]
            [profiles.chat]
            channel = "live_chat"
            [groups.all]
            name = "all"
            profiles = ["fb", "chat"]
            [mailboxes."Customer Care".folders."VIP \"gold\"".reply_profiles]
            facebook = "fb"
            [contact_attributes.tier]
            label = "tier"
            type = "text"
            [messaging]
            routing = "assigned"
            "#,
        )
        .unwrap();
        let odd = files(&config, "a\rb\u{7}\nc");
        assert!(odd[0].text.contains("# a b \n# c\n"), "{}", odd[0].text);
        let fs = files(&config, "Imported.");
        let paths: Vec<&str> = fs.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "socialform.toml",
                "profiles/facebook.toml",
                "profiles/live_chat.toml",
                "groups.toml",
                "mailboxes.toml",
                "contacts.toml",
                "messaging.toml",
                SCHEMA_FILE
            ]
        );
        assert!(fs[0].text.starts_with(
            "#:schema ./schemas/socialform.schema.json\n# Imported.\n\n[workspace]\nname = \"w\"\n"
        ));
        assert!(
            fs[1]
                .text
                .starts_with("#:schema ../schemas/socialform.schema.json\n[profiles.fb]\n")
        );
        assert!(
            fs[1]
                .text
                .contains("ice_breakers = [\n  { question = \"Q1\"")
        );
        assert!(!fs[3].text.contains("name ="), "{}", fs[3].text);
        assert!(!fs[5].text.contains("label"), "{}", fs[5].text);
        assert!(
            fs[4]
                .text
                .contains(r#"[mailboxes."Customer Care".folders.'VIP "gold"'.reply_profiles]"#),
            "{}",
            fs[4].text
        );
        let all: String = fs[..7].iter().map(|f| f.text.as_str()).collect();
        let back: Config = toml::from_str(&all).unwrap();
        assert_eq!(
            crate::rules::desired_of(&back),
            crate::rules::desired_of(&config)
        );
    }

    #[test]
    fn every_kind_is_written_once() {
        let mut kinds: Vec<&str> = WRITE_ORDER.iter().map(|k| k.as_str()).collect();
        kinds.sort_unstable();
        let mut all: Vec<&str> = Kind::all().map(Kind::as_str).collect();
        all.sort_unstable();
        assert_eq!(kinds, all);
    }

    #[test]
    fn relative_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b/c");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        assert_eq!(
            relative_path(&b, &a.join(".socialform/sandbox.json")),
            "../../a/.socialform/sandbox.json"
        );
        assert_eq!(relative_path(&a, &a.join("catalog.toml")), "catalog.toml");
        assert_eq!(relative_path(&a, &a), ".");
        assert_eq!(relative_path(&a.join("./x/../"), &b.join("../d")), "../b/d");
        // A sandbox is read through --sandbox: the imported [backend] names no file.
        let backend = backend_for(None);
        assert_eq!(backend.kind, BackendKind::Sandbox);
        assert_eq!((backend.path, backend.catalog), (None, None));
    }

    #[test]
    fn target_must_be_empty_and_outside_the_configuration() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = tmp.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        assert!(matches!(
            check_target(&cfg.join("out"), &cfg),
            Err(ImportError::InsideConfig { .. })
        ));
        let out = tmp.path().join("out");
        assert!(check_target(&out, &cfg).is_ok());
        std::fs::create_dir_all(&out).unwrap();
        assert!(check_target(&out, &cfg).is_ok());
        std::fs::write(out.join("x"), "").unwrap();
        assert!(matches!(
            check_target(&out, &cfg),
            Err(ImportError::NotEmpty(_))
        ));
        assert!(matches!(
            check_target(&out.join("x"), &cfg),
            Err(ImportError::NotADirectory(_))
        ));
    }

    #[test]
    fn local_avatars_are_copied_beside_the_configuration() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        std::fs::create_dir_all(src.join("img")).unwrap();
        std::fs::write(src.join("img/a.png"), b"png").unwrap();
        let config: Config = toml::from_str(
            r#"
            [workspace]
            name = "w"
            [profiles.x]
            channel = "x"
            account = "@a"
            custom_profiles = [
              { name = "A", avatar = "img/a.png" },
              { name = "B", avatar = "https://cdn.example/b.png" },
              { name = "C", avatar = "../elsewhere/c.png" },
              { name = "D", avatar = "img/missing.png" },
              { name = "E", avatar = "/abs/e.png" },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(
            local_files(&config),
            [
                "img/a.png",
                "../elsewhere/c.png",
                "img/missing.png",
                "/abs/e.png"
            ]
        );
        let notes = copy_local_files(&config, &src, &dst).unwrap();
        assert_eq!(std::fs::read(dst.join("img/a.png")).unwrap(), b"png");
        let paths: Vec<&str> = notes
            .iter()
            .map(|n| match n {
                Note::FileNotCopied { path, .. } => path.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            paths,
            ["../elsewhere/c.png", "img/missing.png", "/abs/e.png"]
        );
    }

    #[test]
    fn a_fresh_sandbox_imports_nothing_by_default() {
        let catalog: Catalog = toml::from_str(
            "platform_attributes = [\"email\"]\n[[accounts]]\nchannel = \"x\"\naccount = \"@A\"\ndisplay_name = \"A\"\n",
        )
        .unwrap();
        let state = State::initial("w", catalog);
        let live = LiveState {
            catalog: state.catalog.clone(),
            resources: state.resources.clone(),
        };
        let got = import(&live, "w", None, &Options::default());
        assert_eq!(got.resources, 0);
        assert_eq!(got.notes.len(), 2);
    }
}
