//! The pipeline as library functions, with types that carry its guarantees:
//!
//! ```text
//! load(path) -> Loaded                 the files, parsed with spans, merged
//! validate(Loaded) -> Validation       schema, decoding, every offline rule
//!   Validation::into_valid -> Valid    only without errors: typed, conditions parsed,
//!                                      references resolved, resources hashed
//! check_live(&Valid, &Catalog)         the `refs::*` checks against the live catalog
//!   -> LiveChecked                     only without errors
//! plan(&LiveChecked, &LiveState) -> Planned
//! ```
//!
//! A [`Valid`] can only be made by [`validate`] and a [`LiveChecked`] only by
//! [`check_live`] (their fields are private), so invalid input cannot reach the plan.
//! Opening the backend of a configuration is [`open_backend`]. Nothing here prints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backend::{self, Backend, BackendError, SandboxFiles, Settings};
use crate::catalog::Catalog;
use crate::config::{self, LoadError, Loaded, Node};
use crate::diagnostics::{Diagnostic, Sources};
use crate::model::{LiveState, Resource, Target};
use crate::plan::{self, Planned};
use crate::rules::proactive::conditions::Condition;
use crate::rules::{self, BackendKind, BackendTable, Config};

/// Reads a configuration directory, or a root file that is a configuration on its own
/// ([`config::load`] with the format's layout).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    config::load(path, &rules::LAYOUT)
}

/// Reads one file as a configuration on its own, whatever else sits in its directory:
/// for tests and tools that keep many one-file configurations side by side; no command
/// uses it ([`config::load_standalone`]).
pub fn load_standalone(path: &Path) -> Result<Loaded, LoadError> {
    config::load_standalone(path, &rules::LAYOUT)
}

/// A configuration read and checked offline: every diagnostic, the typed configuration
/// (as far as it decoded), and, when nothing failed, its [`Valid`] form.
#[derive(Debug)]
pub struct Validation {
    /// the configuration directory (relative paths in the configuration start here)
    pub dir: PathBuf,
    /// every file read
    pub sources: Sources,
    /// the merged document, with spans
    pub tree: Node,
    /// the typed configuration; resources that failed to decode are left out (private:
    /// a [`Valid`] is derived from it as it was checked)
    config: Config,
    /// every problem of reading, of the schema and of the rules, sorted
    pub diagnostics: Vec<Diagnostic>,
    /// the condition trees, kept when nothing failed: the resources are derived from
    /// them by [`Validation::into_valid`], so that `validate` alone never computes them
    conditions: Option<HashMap<String, Condition>>,
}

/// What only a valid configuration has.
#[derive(Debug)]
struct Derived {
    target: Target,
    conditions: HashMap<String, Condition>,
    desired: Vec<Resource>,
    hashes: Vec<String>,
    config_hash: String,
}

/// A configuration without errors (warnings and notes allowed): typed, its target
/// known, the condition trees of its proactive messages parsed once, every internal
/// reference resolved (the rules found none dangling), its desired resources and their
/// hashes computed once. Only [`validate`] makes one.
#[derive(Debug)]
pub struct Valid {
    dir: PathBuf,
    sources: Sources,
    tree: Node,
    config: Config,
    diagnostics: Vec<Diagnostic>,
    derived: Derived,
}

/// Checks a read configuration offline: the JSON Schema, decoding, every rule.
pub fn validate(loaded: Loaded) -> Validation {
    let checked = rules::check_loaded(&loaded);
    let failed = checked.diagnostics.iter().any(|d| d.is_failure(false));
    Validation {
        dir: loaded.dir,
        sources: loaded.sources,
        tree: loaded.tree,
        config: checked.config,
        diagnostics: checked.diagnostics,
        conditions: (!failed).then_some(checked.conditions),
    }
}

/// What a valid configuration derives, once: its target, resources and hashes.
fn derived(config: &Config, conditions: HashMap<String, Condition>) -> Derived {
    let target: Target = config
        .backend
        .as_ref()
        .map(|b| b.kind)
        .unwrap_or_default()
        .into();
    let mut desired = rules::desired(config, &conditions);
    if target == Target::Meta {
        // In the normal form the meta backend reads (domains without their slash, locales
        // by code, `false` absent), so an applied configuration plans to no changes.
        desired = desired.iter().map(backend::meta::normalize).collect();
    }
    let hashes: Vec<String> = desired.iter().map(Resource::hash).collect();
    let config_hash = crate::model::config_hash(
        &config.workspace.name,
        config.workspace.prune,
        hashes.iter().map(String::as_str),
    );
    Derived {
        target,
        conditions,
        desired,
        hashes,
        config_hash,
    }
}

impl Validation {
    /// The typed configuration, as far as it decoded.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The files read, for rendering diagnostics.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Whether any diagnostic fails the run.
    pub fn has_failures(&self, deny_warnings: bool) -> bool {
        self.diagnostics.iter().any(|d| d.is_failure(deny_warnings))
    }

    /// The valid configuration (its resources derived now), or this validation back
    /// when it has errors.
    pub fn into_valid(mut self) -> Result<Valid, Box<Validation>> {
        match self.conditions.take() {
            Some(conditions) => Ok(Valid {
                derived: derived(&self.config, conditions),
                dir: self.dir,
                sources: self.sources,
                tree: self.tree,
                config: self.config,
                diagnostics: self.diagnostics,
            }),
            None => Err(Box::new(self)),
        }
    }
}

impl Valid {
    /// The configuration directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files read, for rendering diagnostics.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The merged document, with spans.
    pub fn tree(&self) -> &Node {
        &self.tree
    }

    /// The typed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The platform the configuration is written for.
    pub fn target(&self) -> Target {
        self.derived.target
    }

    /// Its warnings and notes, sorted.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The condition tree of a proactive message.
    pub fn condition(&self, id: &str) -> Option<&Condition> {
        self.derived.conditions.get(id)
    }

    /// The resources the configuration asks for, in configuration order.
    pub fn desired(&self) -> &[Resource] {
        &self.derived.desired
    }

    /// The hash of each desired resource, in the same order.
    pub fn hashes(&self) -> &[String] {
        &self.derived.hashes
    }

    /// The hash of the whole desired state, which a saved plan records.
    pub fn config_hash(&self) -> &str {
        &self.derived.config_hash
    }

    /// The identity recorded on every resource this configuration writes.
    pub fn config_id(&self) -> String {
        crate::model::config_id(&self.dir, &self.config.workspace.name)
    }

    /// The `[backend]` table, defaults filled in.
    pub fn backend(&self) -> BackendTable {
        self.config.backend.clone().unwrap_or_default()
    }
}

/// A valid configuration whose platform references all exist in the live catalog.
/// Only [`check_live`] makes one.
#[derive(Debug)]
pub struct LiveChecked<'v> {
    valid: &'v Valid,
    diagnostics: Vec<Diagnostic>,
}

impl<'v> LiveChecked<'v> {
    /// The valid configuration.
    pub fn valid(&self) -> &'v Valid {
        self.valid
    }

    /// The warnings and notes of validation and of the live checks, sorted.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// Checks every platform reference of a valid configuration against the live catalog.
/// `Err` holds every diagnostic of the run (validation's warnings with the live checks'
/// findings, sorted), for one report.
pub fn check_live<'v>(
    valid: &'v Valid,
    catalog: &Catalog,
) -> Result<LiveChecked<'v>, Vec<Diagnostic>> {
    let live = rules::check_live(&valid.tree, &valid.config, catalog);
    let failed = live.iter().any(|d| d.is_failure(false));
    let mut diagnostics = valid.diagnostics.clone();
    diagnostics.extend(live);
    crate::diagnostics::sort(&mut diagnostics);
    if failed {
        Err(diagnostics)
    } else {
        Ok(LiveChecked { valid, diagnostics })
    }
}

/// Plans what the live checks accepted against the live snapshot. `config_path` is the
/// configuration's path as a saved plan records it.
pub fn plan(checked: &LiveChecked<'_>, live: &LiveState, config_path: String) -> Planned {
    let valid = checked.valid;
    let config_id = valid.config_id();
    plan::build(&plan::Input {
        workspace: &valid.config.workspace.name,
        prune: valid.config.workspace.prune,
        config_path,
        config_hash: valid.derived.config_hash.clone(),
        config_id: &config_id,
        desired: &valid.derived.desired,
        hashes: &valid.derived.hashes,
        live,
    })
}

/// How to open the platform of a configuration: what the command line and the
/// environment add to its `[backend]`.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// how long to wait for another run's lock before giving up
    pub lock_timeout: Duration,
    /// http only: reports retries and waits (never with the token)
    pub on_retry: Option<backend::http::Notify>,
    /// sandbox only: the state file to use instead of `[backend] path`, from the command
    /// line or the environment (trusted, so anywhere)
    pub sandbox: Option<PathBuf>,
}

/// The sandbox files of a configuration in `dir`: `sandbox` (from `--sandbox` or
/// `SOCIALFORM_SANDBOX`) if given, else `[backend] path`, which like `[backend] catalog`
/// must stay inside `dir` once links are resolved ([`BackendError::PathOutside`]). The
/// paths returned are resolved: use them, not `dir.join(...)`.
pub fn sandbox_files(
    table: &BackendTable,
    dir: &Path,
    sandbox: Option<&Path>,
) -> Result<SandboxFiles, BackendError> {
    let root = config::files::root_of(dir).map_err(|source| BackendError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let state = match sandbox {
        Some(p) => p.to_path_buf(),
        None => {
            let value = table.sandbox_path();
            let state = backend::confined(&root, value, || match &table.path {
                Some(_) => "`[backend] path`".to_string(),
                None => format!("the sandbox state file `{value}`"),
            })?;
            // The lock beside it is opened for writing: it must not lead out either.
            let lock = format!("{value}.lock");
            backend::confined(&root, &lock, || format!("the sandbox lock file `{lock}`"))?;
            state
        }
    };
    let value = table.catalog_path();
    let catalog = backend::confined(&root, value, || match &table.catalog {
        Some(_) => "`[backend] catalog`".to_string(),
        None => format!("the sandbox catalog `{value}`"),
    })?;
    Ok(SandboxFiles { state, catalog })
}

/// The settings of the backend a configuration names: its `[backend]`, `--sandbox`, and
/// the token from the environment variable `token_env` names (never from a file).
pub fn backend_settings(
    config: &Config,
    dir: &Path,
    options: &OpenOptions,
) -> Result<Settings, BackendError> {
    let table = config.backend.clone().unwrap_or_default();
    let workspace = config.workspace.name.clone();
    match table.kind {
        BackendKind::Sandbox => {
            let files = sandbox_files(&table, dir, options.sandbox.as_deref())?;
            Ok(Settings::Sandbox {
                state: files.state,
                catalog: files.catalog,
                workspace,
                lock_timeout: options.lock_timeout,
            })
        }
        BackendKind::Http => {
            let url = table.url.clone().ok_or_else(|| {
                BackendError::HttpConfig("`[backend] url` is required".to_string())
            })?;
            let token_env = table.token_env();
            let token = std::env::var(token_env)
                .ok()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| BackendError::TokenMissing(token_env.to_string()))?;
            Ok(Settings::Http(backend::http::HttpOptions {
                url,
                workspace,
                token: backend::http::Secret::new(token.trim().to_string()),
                on_retry: options.on_retry.clone(),
                ..backend::http::HttpOptions::default()
            }))
        }
        BackendKind::Meta => Ok(Settings::Meta(meta_settings(config, &table))),
    }
}

/// The `meta` backend's settings: `[backend]` with its defaults, and the declared
/// profiles (only they are read and written).
fn meta_settings(config: &Config, table: &BackendTable) -> backend::meta::MetaSettings {
    let profiles = config
        .profiles
        .iter()
        .filter_map(|(id, p)| {
            let avatar_url = match p {
                rules::Profile::Whatsapp(w) => w.avatar_url.clone(),
                _ => None,
            };
            Some(backend::meta::MetaProfile {
                address: crate::model::Address::profile(id).to_string(),
                channel: p.channel(),
                account: p.account()?.to_string(),
                avatar_url,
            })
        })
        .collect();
    backend::meta::MetaSettings {
        api_url: table.api_url().to_string(),
        api_version: table.api_version().to_string(),
        token_env: table.token_env().to_string(),
        account_tokens: table.account_tokens.clone(),
        profiles,
    }
}

/// Opens the backend of a valid configuration. `on_wait` is called once, with the lock
/// file, when another run holds the sandbox's lock and this one starts waiting.
pub fn open_backend(
    valid: &Valid,
    options: &OpenOptions,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<Box<dyn Backend>, BackendError> {
    let settings = backend_settings(&valid.config, &valid.dir, options)?;
    backend::open(settings, on_wait)
}
