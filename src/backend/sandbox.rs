//! The sandbox backend: the platform ([`crate::platform`]) embedded in the process. Its
//! state is an SQLite database (`.socialform/sandbox.db` by default), the same store as
//! `socialform serve`'s: every write its own transaction (WAL), the whole workspace read
//! in one query. It is created on first use from the catalog file, and the catalog is read
//! again and reconciled at every run. A lock file beside the database is held for the life
//! of a run, so two runs never interleave. It refuses what the platform would refuse, by
//! the platform's rules ([`crate::platform::check_write`]).
//!
//! An old state file (JSON, format 1) is migrated once: the one named by the path itself,
//! or `sandbox.json` beside a `sandbox.db` that does not exist yet. The old file is kept
//! renamed (`.migrated` appended) and the run says so ([`Backend::notices`]).
//!
//! Durability: `synchronous = NORMAL` in WAL mode, like `serve --synchronous normal`: a
//! commit is in the WAL file before the write is reported, so a killed run loses no write
//! it reported; only an OS crash or a power loss can lose the last commits of a local
//! sandbox. Writes are serialised (one SQLite writer), so it asks for a parallelism of 1.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Backend, BackendError, Notice};

use crate::catalog::Catalog;

use crate::config::files::{self, FileError};
use crate::model::{LiveResource, LiveState, Write};
use crate::platform::store::{Snapshot, Store, StoreError, Synchronous, WriteError, WriteRequest};

/// The old state file's format version.
const STATE_VERSION: u32 = 1;

/// The largest state file the sandbox reads: 256 MiB, far above what socialform writes
/// for a workspace of tens of thousands of resources, and a bound on the memory a state
/// file planted in a configuration directory can take.
pub const MAX_STATE_BYTES: u64 = 256 * 1024 * 1024;

/// The old sandbox state file (a JSON document), as it was stored before the sandbox
/// became an SQLite database; read only to migrate it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// format of this file
    pub format_version: u32,
    /// the workspace the sandbox stands in for
    pub workspace: String,
    /// the last version handed out; every write takes the next one
    pub revision: u64,
    /// what the platform holds that the configuration refers to
    pub catalog: Catalog,
    /// every resource
    pub resources: Vec<LiveResource>,
}

impl State {
    /// The state of a new platform account ([`crate::platform::initial`]).
    pub fn initial(workspace: &str, catalog: Catalog) -> State {
        let (revision, resources) = crate::platform::initial(&catalog);
        State {
            format_version: STATE_VERSION,
            workspace: workspace.to_string(),
            revision,
            catalog,
            resources,
        }
    }
}

/// A sandbox opened by one run: the store, the workspace, its catalog as reconciled, and
/// the lock it holds until dropped.
#[derive(Debug)]
pub struct Sandbox {
    path: PathBuf,
    store: Store,
    workspace: String,
    catalog: crate::platform::Indexed,
    notices: Vec<Notice>,
    _lock: File,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackendError + '_ {
    move |source| BackendError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn unusable(path: &Path) -> impl FnOnce(FileError) -> BackendError + '_ {
    move |reason| match reason {
        FileError::Io(source) => BackendError::Io {
            path: path.to_path_buf(),
            source,
        },
        reason => BackendError::File {
            path: path.to_path_buf(),
            reason,
        },
    }
}

fn open_lock_file(path: &Path) -> Result<File, BackendError> {
    if let Ok(meta) = std::fs::metadata(path)
        && let Some(kind) = files::non_file_kind(&meta)
    {
        return Err(unusable(path)(FileError::NotAFile(kind)));
    }
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io(path))?;
    let meta = file.metadata().map_err(io(path))?;
    if let Some(kind) = files::non_file_kind(&meta) {
        return Err(unusable(path)(FileError::NotAFile(kind)));
    }
    Ok(file)
}

/// Takes the exclusive lock on `path`, waiting up to `timeout`.
fn lock(
    path: &Path,
    timeout: Duration,
    on_wait: &mut dyn FnMut(&Path),
) -> Result<File, BackendError> {
    let file = open_lock_file(path)?;
    let start = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                if start.elapsed() >= timeout {
                    return Err(BackendError::LockTimeout {
                        path: path.to_path_buf(),
                        waited: start.elapsed(),
                    });
                }
                if !told {
                    on_wait(path);
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(path)(e)),
        }
    }
}

fn store_error(path: &Path) -> impl FnOnce(StoreError) -> BackendError + '_ {
    move |source| BackendError::Store {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether an existing file is an old JSON state file (its first byte that is not
/// white space is `{`); an SQLite database starts with `SQLite format 3`.
fn is_json_state(path: &Path) -> bool {
    use std::io::Read as _;
    let Ok(f) = File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(64);
    if f.take(64).read_to_end(&mut head).is_err() {
        return false;
    }
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// `path` with `suffix` appended to its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Reads an old state file, bounded; its errors say where and what kind, never what the
/// file holds.
fn read_state(path: &Path, workspace: &str) -> Result<State, BackendError> {
    let text = files::read_text(path, MAX_STATE_BYTES).map_err(unusable(path))?;
    let state: State = serde_json::from_str(&text).map_err(|e| BackendError::Corrupt {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        kind: json_error_kind(&e),
    })?;
    if state.workspace != workspace {
        return Err(BackendError::WrongWorkspace {
            path: path.to_path_buf(),
            expected: workspace.to_string(),
            found: state.workspace,
        });
    }
    Ok(state)
}

/// Migrates the old state file `old` into a new database at `path` (which may be `old`
/// itself): the database is built aside, then the old file is renamed with `.migrated`
/// appended and the database moved into place.
fn migrate(path: &Path, old: &Path, workspace: &str) -> Result<PathBuf, BackendError> {
    let state = read_state(old, workspace)?;
    let tmp = with_suffix(path, ".migrating");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&tmp, suffix));
    }
    {
        let store = Store::open(&tmp, Synchronous::Full).map_err(store_error(&tmp))?;
        store
            .replace_all(workspace, &state.catalog, state.revision, &state.resources)
            .map_err(store_error(&tmp))?;
    }
    let kept = with_suffix(old, ".migrated");
    std::fs::rename(old, &kept).map_err(io(old))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(kept)
}

impl Sandbox {
    /// Opens (and on first use creates, from `catalog`) the sandbox database at `path`,
    /// holding its lock until the sandbox is dropped; migrates an old state file once; and
    /// reconciles the stored state with the catalog file (when it exists: an existing
    /// sandbox named with `--sandbox` may be used without its catalog).
    pub fn open(
        path: &Path,
        catalog: &Path,
        workspace: &str,
        lock_timeout: Duration,
        on_wait: &mut dyn FnMut(&Path),
    ) -> Result<Sandbox, BackendError> {
        // A state that is not a regular file (a FIFO, a device) is refused before
        // anything is created beside it.
        files::check_readable(path, u64::MAX).map_err(unusable(path))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let lock_file = lock(&with_suffix(path, ".lock"), lock_timeout, on_wait)?;
        let mut notices = Vec::new();
        let exists = files::check_readable(path, MAX_STATE_BYTES).map_err(unusable(path))?;
        let sibling = (path.extension().is_some_and(|e| e == "db"))
            .then(|| path.with_extension("json"))
            .filter(|p| std::fs::symlink_metadata(p).is_ok());
        let old = match (exists, sibling) {
            (true, _) if is_json_state(path) => Some(path.to_path_buf()),
            (false, Some(sibling)) => {
                files::check_readable(&sibling, MAX_STATE_BYTES).map_err(unusable(&sibling))?;
                Some(sibling)
            }
            _ => None,
        };
        if let Some(old) = old {
            let kept = migrate(path, &old, workspace)?;
            notices.push(Notice::Migrated {
                from: old,
                to: path.to_path_buf(),
                kept,
            });
        }
        let store = Store::open(path, Synchronous::Normal).map_err(store_error(path))?;
        let held = store.workspaces().map_err(store_error(path))?;
        if !held.is_empty() && !held.iter().any(|w| w == workspace) {
            return Err(BackendError::WrongWorkspace {
                path: path.to_path_buf(),
                expected: workspace.to_string(),
                found: held.join(", "),
            });
        }
        let file_catalog = match crate::platform::catalog::read(catalog) {
            Ok(c) => Some(c),
            Err(crate::platform::catalog::CatalogError::Missing(_)) if !held.is_empty() => None,
            Err(e) => return Err(e.into()),
        };
        let catalog = match file_catalog {
            Some(c) => {
                let reconciled = store
                    .ensure_workspace(workspace, &c)
                    .map_err(store_error(path))?;
                notices.extend(reconciled.added.into_iter().map(Notice::Added));
                c
            }
            None => store
                .snapshot(workspace)
                .map_err(store_error(path))?
                .map(|s| s.catalog)
                .unwrap_or_default(),
        };
        Ok(Sandbox {
            path: path.to_path_buf(),
            store,
            workspace: workspace.to_string(),
            catalog: crate::platform::Indexed::new(catalog),
            notices,
            _lock: lock_file,
        })
    }

    /// The whole workspace as stored now.
    pub fn snapshot(&self) -> Result<Snapshot, BackendError> {
        self.store
            .snapshot(&self.workspace)
            .map_err(store_error(&self.path))?
            .ok_or_else(|| {
                store_error(&self.path)(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
            })
    }

    /// An edit as the platform's UI makes it ([`Store::edit`]): fields set or removed, a
    /// new version, the marks kept.
    pub fn edit(
        &self,
        key: &str,
        changes: &[(String, Option<serde_json::Value>)],
    ) -> Result<LiveResource, BackendError> {
        self.store
            .edit(&self.workspace, key, changes)
            .map_err(|e| self.write_error(e))
    }

    /// The sandbox as a new platform account again, from its catalog.
    pub fn reset(&self) -> Result<(), BackendError> {
        self.store
            .reset(&self.workspace, &self.catalog)
            .map_err(store_error(&self.path))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_error(&self, e: WriteError) -> BackendError {
        match e {
            WriteError::Rule(r) => r.into(),
            // The sandbox sends no idempotency key.
            WriteError::KeyReused => io(&self.path)(std::io::Error::other(e.to_string())),
            WriteError::Store(s) => store_error(&self.path)(s),
        }
    }
}

/// What kind of JSON error, in words that never quote the file.
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Eof => "the file ends early",
        serde_json::error::Category::Data => "a value of the wrong type or shape",
        serde_json::error::Category::Io => "a read error",
    }
}

/// Reads a sandbox catalog file ([`crate::platform::catalog::read`]).
pub fn read_catalog(path: &Path) -> Result<Catalog, BackendError> {
    Ok(crate::platform::catalog::read(path)?)
}

impl Backend for Sandbox {
    fn read(&mut self) -> Result<LiveState, BackendError> {
        let s = self.snapshot()?;
        Ok(LiveState {
            catalog: s.catalog,
            resources: s.resources,
        })
    }

    fn write(&self, write: &Write) -> Result<u64, BackendError> {
        let req = WriteRequest {
            key: write.resource.key(),
            write: write.clone(),
            idempotency: None,
        };
        self.store
            .write(&self.workspace, &self.catalog, req)
            .map(|a| a.version)
            .map_err(|e| self.write_error(e))
    }

    fn max_parallelism(&self) -> usize {
        1
    }

    fn notices(&self) -> &[Notice] {
        &self.notices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Refusal;
    use crate::model::{Kind, Resource, WriteOp};
    use indexmap::IndexMap;
    use serde_json::json;

    fn catalog() -> Catalog {
        toml::from_str(
            r#"
            flows = ["welcome"]
            platform_attributes = ["email"]
            [[accounts]]
            channel = "facebook"
            account = "123"
            display_name = "Acme"
            "#,
        )
        .unwrap()
    }

    fn open(dir: &Path) -> Sandbox {
        std::fs::write(dir.join("catalog.toml"), "flows = [\"welcome\"]\n[[accounts]]\nchannel = \"facebook\"\naccount = \"123\"\ndisplay_name = \"Acme\"\n").unwrap();
        Sandbox::open(
            &dir.join(".socialform/sandbox.db"),
            &dir.join("catalog.toml"),
            "w",
            Duration::from_millis(100),
            &mut |_| {},
        )
        .unwrap()
    }

    fn chat(flow: &str) -> Resource {
        let mut fields = IndexMap::new();
        fields.insert("channel".to_string(), json!("live_chat"));
        fields.insert("start_flow".to_string(), json!(flow));
        Resource::new("profile.chat", Kind::Profile, fields)
    }

    #[test]
    fn initial_state_has_accounts_and_platform_attributes() {
        let s = State::initial("w", catalog());
        assert_eq!(s.resources.len(), 2);
        assert_eq!(s.resources[0].resource.key(), "account:facebook:123");
        assert_eq!(s.resources[0].resource.address, "profile.facebook_123");
        assert!(
            s.resources
                .iter()
                .all(|r| r.managed_by.is_none() && r.resource.is_platform_owned())
        );
    }

    #[test]
    fn writes_are_checked_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let mut sb = open(dir.path());
        let create = Write {
            op: WriteOp::Create,
            resource: chat("welcome"),
            expected_version: None,
            applied_hash: Some("h".into()),
            applied_by: None,
        };
        let v = sb.write(&create).unwrap();
        assert!(matches!(
            sb.write(&create),
            Err(BackendError::Rejected(
                crate::platform::Rejection::AlreadyExists(_)
            ))
        ));
        let bad = Write {
            op: WriteOp::Update,
            resource: chat("nope"),
            expected_version: Some(v),
            applied_hash: None,
            applied_by: None,
        };
        assert!(matches!(
            sb.write(&bad),
            Err(BackendError::Rejected(
                crate::platform::Rejection::Refused {
                    reason: Refusal::UnknownFlow(_),
                    ..
                }
            ))
        ));
        let stale = Write {
            op: WriteOp::Update,
            resource: chat("welcome"),
            expected_version: Some(v - 1),
            applied_hash: None,
            applied_by: None,
        };
        assert!(matches!(
            sb.write(&stale),
            Err(BackendError::Rejected(
                crate::platform::Rejection::Conflict { .. }
            ))
        ));
        let live = sb.read().unwrap();
        let bound = live.get("account:facebook:123").unwrap().clone();
        let del = Write {
            op: WriteOp::Delete,
            resource: bound.resource,
            expected_version: Some(bound.version),
            applied_hash: None,
            applied_by: None,
        };
        assert!(matches!(
            sb.write(&del),
            Err(BackendError::Rejected(
                crate::platform::Rejection::Refused {
                    reason: Refusal::DeleteBound,
                    ..
                }
            ))
        ));
        drop(sb);
        // The state survives a reopen.
        let sb = open(dir.path());
        assert_eq!(
            sb.snapshot()
                .unwrap()
                .resources
                .iter()
                .filter(|r| r.managed_by.is_some())
                .count(),
            1
        );
    }

    #[test]
    fn catalog_and_state_errors_never_quote_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "s3cr3t-v4lue";
        let catalog = dir.path().join("catalog.toml");
        for (text, kind, line, column) in [
            (
                format!("flows = [\"a\"]\n{secret} = 1\n"),
                "a key the catalog format does not define",
                2,
                1,
            ),
            (
                format!("flows = [\"a\"]\nflows = \"{secret}\"\n"),
                "not valid TOML",
                2,
                1,
            ),
            (
                format!("platform_attributes = \"{secret}\"\n"),
                "a value of the wrong type",
                1,
                23,
            ),
            (format!("flows = [\"{secret}\n"), "not valid TOML", 1, 23),
        ] {
            std::fs::write(&catalog, &text).unwrap();
            let e = read_catalog(&catalog).unwrap_err();
            let shown = e.to_string();
            assert!(!shown.contains(secret), "{shown}");
            assert!(
                shown.contains(&format!("{kind} at line {line}, column {column}")),
                "{text:?}: {shown}"
            );
        }
        std::fs::write(&catalog, "flows = []\n").unwrap();
        let state = dir.path().join(".socialform/sandbox.json");
        std::fs::create_dir_all(state.parent().unwrap()).unwrap();
        std::fs::write(&state, format!("{{\"format_version\": \"{secret}\"}}")).unwrap();
        let e = Sandbox::open(
            &state,
            &catalog,
            "w",
            Duration::from_millis(100),
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains(secret), "{e}");
        assert!(
            e.contains("a value of the wrong type or shape at line 1"),
            "{e}"
        );
    }

    #[test]
    fn a_second_run_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = open(dir.path());
        let mut waited = false;
        let second = Sandbox::open(
            &dir.path().join(".socialform/sandbox.db"),
            &dir.path().join("catalog.toml"),
            "w",
            Duration::from_millis(150),
            &mut |_| waited = true,
        );
        assert!(waited);
        assert!(matches!(second, Err(BackendError::LockTimeout { .. })));
    }
}
