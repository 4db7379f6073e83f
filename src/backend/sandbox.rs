//! The sandbox backend: a local JSON file standing in for a platform account. It is
//! created on first use from the catalog file, written atomically (temp file, fsync,
//! rename, fsync of the directory) and guarded by a lock file for the life of a run, so
//! two runs never interleave. It refuses what the platform would refuse.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Backend, BackendError, Refusal};

use crate::catalog::Catalog;

use crate::config::files::{self, FileError};
use crate::model::{Address, Kind, MANAGER, PLATFORM_FIELDS, Resource};
use crate::model::{LiveResource, LiveState, Write, WriteOp};

/// The state file's format version.
const STATE_VERSION: u32 = 1;

/// The largest state file the sandbox reads: 256 MiB, far above what socialform writes
/// for a workspace of tens of thousands of resources, and a bound on the memory a state
/// file planted in a configuration directory can take.
pub const MAX_STATE_BYTES: u64 = 256 * 1024 * 1024;

/// The sandbox state file, as stored.
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
    /// The state of a new platform account: the catalog, the profiles of its connected
    /// accounts and its platform contact attributes, none of them managed.
    pub fn initial(workspace: &str, catalog: Catalog) -> State {
        let mut resources = Vec::new();
        let mut revision = 0;
        for a in &catalog.accounts {
            revision += 1;
            let mut fields = IndexMap::new();
            fields.insert("channel".to_string(), json!(a.channel));
            fields.insert("account".to_string(), json!(a.account));
            fields.insert("display_name".to_string(), json!(a.display_name));
            let id = crate::model::id::from_name(&format!(
                "{}_{}",
                a.channel,
                a.account.trim_start_matches('@')
            ));
            resources.push(LiveResource {
                resource: Resource::at(&Address::profile(&id), fields),
                version: revision,
                managed_by: None,
                applied_hash: None,
                applied_by: None,
            });
        }
        for name in &catalog.platform_attributes {
            revision += 1;
            let mut fields = IndexMap::new();
            fields.insert("platform".to_string(), json!(true));
            fields.insert("enabled".to_string(), json!(true));
            resources.push(LiveResource {
                resource: Resource::at(&Address::id(Kind::ContactAttribute, name), fields),
                version: revision,
                managed_by: None,
                applied_hash: None,
                applied_by: None,
            });
        }
        State {
            format_version: STATE_VERSION,
            workspace: workspace.to_string(),
            revision,
            catalog,
            resources,
        }
    }
}

/// A sandbox opened by one run: its state, and the lock it holds until dropped. The state
/// sits behind a mutex so the sandbox can be shared by the executor's workers; writes are
/// serialised anyway (each one rewrites the file), so it asks for a parallelism of 1.
#[derive(Debug)]
pub struct Sandbox {
    path: PathBuf,
    state: Mutex<State>,
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

/// Opens (creating it if needed) the lock file, never waiting on a FIFO or a device put
/// in its place: the open is non-blocking, and only a regular file is kept.
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

/// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename,
/// fsync of the directory. A crash leaves the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BackendError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        // A new file, never one that exists (a link planted under the temp file's name
        // would otherwise be written through).
        let create = || File::options().write(true).create_new(true).open(&tmp);
        let mut f = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp).map_err(io(&tmp))?;
                create()
            }
            other => other,
        }
        .map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))?;
        #[cfg(unix)]
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes the temp files `write_atomic` leaves when a run dies before its rename.
fn remove_stale_temps(path: &Path) {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Sandbox {
    /// Opens (and on first use creates, from `catalog`) the state file at `path`, holding
    /// its lock until the sandbox is dropped.
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
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_file = lock(Path::new(&lock_path), lock_timeout, on_wait)?;
        // A run killed between writing its temp file and renaming it leaves a full copy
        // of the state behind; holding the lock, no other run can be writing one now.
        remove_stale_temps(path);
        let exists = files::check_readable(path, MAX_STATE_BYTES).map_err(unusable(path))?;
        let state = if exists {
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
            state
        } else {
            let state = State::initial(workspace, read_catalog(catalog)?);
            persist(path, &state)?;
            state
        };
        Ok(Sandbox {
            path: path.to_path_buf(),
            state: Mutex::new(state),
            _lock: lock_file,
        })
    }

    /// The state as it is now.
    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied state: writes build
        // the next state aside and swap it in only once it is persisted.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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

/// What kind of catalog error, in words that never quote the file. `toml`'s own messages
/// quote the offending line (and serde's name the value), so only their kind is kept.
fn catalog_error_kind(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "a key the catalog format does not define"
    } else if message.starts_with("missing field") {
        "a required key is missing"
    } else if message.starts_with("invalid type") {
        "a value of the wrong type"
    } else if message.starts_with("invalid length") {
        "a list of the wrong length"
    } else if message.starts_with("duplicate") {
        "a key defined twice"
    } else {
        "a value the catalog format does not accept"
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Reads a sandbox catalog file (config.md, "The sandbox catalog"): a regular file of at
/// most 8 MiB. Its errors say where and what kind, never what the file holds.
pub fn read_catalog(path: &Path) -> Result<Catalog, BackendError> {
    let text = match files::read_text(path, files::MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackendError::CatalogMissing(path.to_path_buf()));
        }
        Err(e) => return Err(unusable(path)(e)),
    };
    let invalid = |offset: usize, kind: &'static str| {
        let (line, column) = line_col(&text, offset);
        BackendError::CatalogInvalid {
            path: path.to_path_buf(),
            line,
            column,
            kind,
        }
    };
    // Syntax first, so that its errors are told apart from the format's.
    if let Err(e) = text.parse::<toml::Table>() {
        let offset = e.span().map_or(0, |s| s.start);
        return Err(invalid(offset, "not valid TOML"));
    }
    toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, catalog_error_kind(e.message()))
    })
}

/// Refuses a write that names a flow the catalog does not hold, under any key that is a
/// flow field of some channel ([`crate::model::channel::flow_keys`]), wherever it is.
fn check_flows(catalog: &Catalog, address: &str, value: &Value) -> Result<(), BackendError> {
    static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(crate::model::channel::flow_keys);
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if let (true, Some(flow)) = (keys.contains(&k.as_str()), v.as_str())
                    && !catalog.has_flow(flow)
                {
                    return Err(BackendError::Refused {
                        address: address.to_string(),
                        reason: Refusal::UnknownFlow(flow.to_string()),
                    });
                }
                check_flows(catalog, address, v)?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|v| check_flows(catalog, address, v)),
        _ => Ok(()),
    }
}

/// The platform's rules for one write, shared by the sandbox and `socialform serve`:
/// given the catalog and the live resource under the write's key (if any), either the
/// resource as stored after the write, with `version` as its new version (`None` for a
/// delete), or why the platform refuses it (exists already, not found, a moved version,
/// a refusal).
pub fn check_write(
    catalog: &Catalog,
    live: Option<&LiveResource>,
    w: &Write,
    version: u64,
) -> Result<Option<LiveResource>, BackendError> {
    let address = w.resource.address.clone();
    let refused = |reason| BackendError::Refused {
        address: address.clone(),
        reason,
    };
    let check_version = |live: &LiveResource| match w.expected_version {
        Some(v) if v != live.version => Err(BackendError::Conflict {
            address: address.clone(),
            expected: v,
            found: live.version,
        }),
        _ => Ok(()),
    };
    let all_fields = || Value::Object(w.resource.fields.clone().into_iter().collect());
    match w.op {
        WriteOp::Create => {
            if live.is_some() {
                return Err(BackendError::AlreadyExists(address));
            }
            if w.resource.bound_channel().is_some() {
                return Err(refused(Refusal::CreateBound));
            }
            if w.resource.kind == Kind::ContactAttribute && !w.resource.fields.contains_key("type")
            {
                return Err(refused(Refusal::PlatformAttribute));
            }
            check_flows(catalog, &address, &all_fields())?;
            let mut resource = w.resource.clone();
            resource
                .fields
                .retain(|k, _| !PLATFORM_FIELDS.contains(&k.as_str()));
            Ok(Some(LiveResource {
                resource,
                version,
                managed_by: Some(MANAGER.to_string()),
                applied_hash: w.applied_hash.clone(),
                applied_by: w.applied_by.clone(),
            }))
        }
        WriteOp::Update => {
            let Some(live) = live else {
                return Err(BackendError::NotFound(address));
            };
            check_version(live)?;
            if let Some(channel) = w.resource.bound_channel() {
                let account = w
                    .resource
                    .fields
                    .get("account")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !catalog
                    .accounts
                    .iter()
                    .any(|a| a.channel == channel && a.account == account)
                {
                    return Err(refused(Refusal::AccountNotConnected(account.to_string())));
                }
            }
            check_flows(catalog, &address, &all_fields())?;
            // Platform-owned fields stay what the platform says.
            let mut fields: IndexMap<String, Value> = live
                .resource
                .fields
                .iter()
                .filter(|(k, _)| PLATFORM_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            fields.extend(
                w.resource
                    .fields
                    .iter()
                    .filter(|(k, _)| !PLATFORM_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            Ok(Some(LiveResource {
                resource: Resource::new(w.resource.address.clone(), w.resource.kind, fields),
                version,
                managed_by: Some(MANAGER.to_string()),
                applied_hash: w.applied_hash.clone(),
                applied_by: w.applied_by.clone(),
            }))
        }
        WriteOp::Delete => {
            let Some(live) = live else {
                return Err(BackendError::NotFound(address));
            };
            check_version(live)?;
            if live.resource.bound_channel().is_some() {
                return Err(refused(Refusal::DeleteBound));
            }
            if live.resource.is_platform_owned() {
                return Err(refused(Refusal::PlatformAttribute));
            }
            Ok(None)
        }
    }
}

/// Applies one write to a sandbox state by [`check_write`]; returns the new version (0 for
/// a delete).
fn apply(state: &mut State, w: &Write) -> Result<u64, BackendError> {
    let key = w.resource.key();
    let pos = state.resources.iter().position(|r| r.resource.key() == key);
    let next = check_write(
        &state.catalog,
        pos.map(|i| &state.resources[i]),
        w,
        state.revision + 1,
    )?;
    state.revision += 1;
    match (next, pos) {
        (Some(live), Some(i)) => {
            state.resources[i] = live;
            Ok(state.revision)
        }
        (Some(live), None) => {
            state.resources.push(live);
            Ok(state.revision)
        }
        (None, Some(i)) => {
            state.resources.remove(i);
            Ok(0)
        }
        (None, None) => Ok(0),
    }
}

fn persist(path: &Path, state: &State) -> Result<(), BackendError> {
    let mut text = serde_json::to_string_pretty(state)
        .map_err(|e| io(path)(std::io::Error::other(e.to_string())))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

impl Backend for Sandbox {
    fn read(&mut self) -> Result<LiveState, BackendError> {
        let state = self.state();
        Ok(LiveState {
            catalog: state.catalog.clone(),
            resources: state.resources.clone(),
        })
    }

    fn write(&self, write: &Write) -> Result<u64, BackendError> {
        let mut state = self.state();
        let mut next = state.clone();
        let version = apply(&mut next, write)?;
        persist(&self.path, &next)?;
        *state = next;
        Ok(version)
    }

    fn max_parallelism(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            &dir.join(".socialform/sandbox.json"),
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
            Err(BackendError::AlreadyExists(_))
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
            Err(BackendError::Refused {
                reason: Refusal::UnknownFlow(_),
                ..
            })
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
            Err(BackendError::Conflict { .. })
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
            Err(BackendError::Refused {
                reason: Refusal::DeleteBound,
                ..
            })
        ));
        drop(sb);
        // The state survives a reopen.
        let sb = open(dir.path());
        assert_eq!(
            sb.state()
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
            &dir.path().join(".socialform/sandbox.json"),
            &dir.path().join("catalog.toml"),
            "w",
            Duration::from_millis(150),
            &mut |_| waited = true,
        );
        assert!(waited);
        assert!(matches!(second, Err(BackendError::LockTimeout { .. })));
    }
}
