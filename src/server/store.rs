//! The server's store: SQLite (bundled), one file. Every write is one `BEGIN IMMEDIATE`
//! transaction that checks the platform's rules ([`crate::backend::sandbox::check_write`]),
//! bumps the workspace's revision, writes the resource and records the answer under its
//! idempotency key, so a crash leaves either all of it or none of it.
//!
//! Durability: WAL journal. With `synchronous = FULL` (the default) every commit is
//! fsynced before it is acknowledged, so neither a kill -9 nor a power loss loses an
//! acknowledged write. `synchronous = NORMAL` in WAL mode still survives kill -9 (a commit
//! is in the WAL file, in the OS page cache, before it is acknowledged; only the OS
//! crashing can lose the last commits), and trades power-loss durability for throughput.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::backend::BackendError;
use crate::backend::sandbox::{State, check_write};
use crate::catalog::Catalog;
use crate::model::{LiveResource, Write};

/// How hard SQLite syncs a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// fsync on every commit: survives power loss
    #[default]
    Full,
    /// fsync at checkpoints only (WAL): survives kill -9, not an OS crash
    Normal,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed
    #[error("the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// a stored row does not parse
    #[error("the database holds a row socialform did not write: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// the database file could not be created or its mode set
    #[error("the database `{path}`: {source}")]
    Io {
        /// the file
        path: std::path::PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// One page of resources with the revision it was read at.
#[derive(Debug)]
pub struct PageRows {
    /// the workspace's revision
    pub revision: u64,
    /// the resources, in key order
    pub resources: Vec<LiveResource>,
    /// the key to continue after, when there is more
    pub next: Option<String>,
}

/// A write to carry out: the write, the key it is for, and its idempotency record.
#[derive(Debug)]
pub struct WriteRequest {
    /// the platform key of the resource
    pub key: String,
    /// the write (for a delete, the resource is looked up and filled in here)
    pub write: Write,
    /// the idempotency key and the fingerprint of the request it was first used with
    pub idempotency: Option<(String, String)>,
}

/// What a write answered (also what is replayed for a reused idempotency key).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// the HTTP status
    pub status: u16,
    /// the resource's new version (0 after a delete)
    pub version: u64,
    /// the body (the stored resource), empty after a delete
    pub body: String,
    /// replayed from the idempotency record
    pub replayed: bool,
}

/// Why a write was not done.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// the platform's rules refuse it
    #[error(transparent)]
    Rule(#[from] BackendError),
    /// the idempotency key was used with another request
    #[error("the idempotency key was already used with a different request")]
    KeyReused,
    /// the store failed
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for WriteError {
    fn from(e: rusqlite::Error) -> Self {
        WriteError::Store(e.into())
    }
}

/// The SQLite store: one connection for writes (SQLite has one writer at a time anyway),
/// a few for reads (WAL readers do not block the writer).
#[derive(Debug)]
pub struct Store {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
    synchronous: Synchronous,
    /// how long an idempotency key is remembered, in seconds
    ttl: i64,
}

/// Creates the database file owner-only when it is missing, and narrows the mode of the
/// database, `-wal` and `-shm` files that exist.
#[cfg(unix)]
fn owner_only(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |source: std::io::Error, file: &Path| StoreError::Io {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e, path)),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        match std::fs::symlink_metadata(&file) {
            Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| io(e, &file))?;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

fn connect(path: &Path, synchronous: Synchronous) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(
        None,
        "synchronous",
        match synchronous {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        },
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS workspaces (
    name TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    catalog TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
    workspace TEXT NOT NULL REFERENCES workspaces(name),
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (workspace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (workspace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency(created);
";

/// How long an idempotency key is remembered by default.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed, owner-only) the database at `path`, remembering
    /// idempotency keys for [`IDEMPOTENCY_TTL_SECS`], and forgets older ones.
    pub fn open(path: &Path, synchronous: Synchronous) -> Result<Store, StoreError> {
        Store::open_with_ttl(path, synchronous, IDEMPOTENCY_TTL_SECS)
    }

    /// Opens the database, remembering idempotency keys for `ttl_secs` (at least 1).
    pub fn open_with_ttl(
        path: &Path,
        synchronous: Synchronous,
        ttl_secs: i64,
    ) -> Result<Store, StoreError> {
        owner_only(path)?;
        let writer = connect(path, synchronous)?;
        writer.execute_batch(SCHEMA)?;
        // The -wal and -shm files exist now; make sure of their mode too.
        owner_only(path)?;
        let store = Store {
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            path: path.to_path_buf(),
            synchronous,
            ttl: ttl_secs.max(1),
        };
        store.purge_idempotency()?;
        Ok(store)
    }

    /// Forgets the idempotency keys older than the time they are remembered for; returns
    /// how many. The server calls it periodically.
    pub fn purge_idempotency(&self) -> Result<usize, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        Ok(conn.execute(
            "DELETE FROM idempotency WHERE created < ?1",
            params![now().saturating_sub(self.ttl)],
        )?)
    }

    fn reader<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, self.synchronous)?,
        };
        let out = f(&mut conn);
        let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }

    /// Makes sure the workspace exists: on first use it is created from its catalog like a
    /// new sandbox ([`State::initial`]); afterwards only its catalog is refreshed.
    /// Returns whether it was created.
    pub fn ensure_workspace(&self, name: &str, catalog: &Catalog) -> Result<bool, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let catalog_json = serde_json::to_string(catalog)?;
        let exists: Option<u64> = tx
            .query_row(
                "SELECT revision FROM workspaces WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            tx.execute(
                "UPDATE workspaces SET catalog = ?2 WHERE name = ?1",
                params![name, catalog_json],
            )?;
            tx.commit()?;
            return Ok(false);
        }
        let state = State::initial(name, catalog.clone());
        tx.execute(
            "INSERT INTO workspaces (name, revision, catalog) VALUES (?1, ?2, ?3)",
            params![name, state.revision, catalog_json],
        )?;
        for r in &state.resources {
            tx.execute(
                "INSERT INTO resources (workspace, key, version, data) VALUES (?1, ?2, ?3, ?4)",
                params![name, r.resource.key(), r.version, serde_json::to_string(r)?],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Up to `limit` resources of `workspace` with keys after `after`, and the revision,
    /// read in one transaction.
    pub fn page(
        &self,
        workspace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<PageRows, StoreError> {
        self.reader(|conn| {
            let tx = conn.transaction()?;
            let revision: u64 = tx.query_row(
                "SELECT revision FROM workspaces WHERE name = ?1",
                params![workspace],
                |r| r.get(0),
            )?;
            let mut stmt = tx.prepare_cached(
                "SELECT key, data FROM resources WHERE workspace = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
            )?;
            // One more than asked tells whether there is a next page.
            let rows = stmt.query_map(params![workspace, after.unwrap_or(""), limit + 1], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut resources = Vec::with_capacity(limit);
            let mut keys = Vec::with_capacity(limit);
            let mut more = false;
            for row in rows {
                let (key, data) = row?;
                if resources.len() == limit {
                    more = true;
                    break;
                }
                resources.push(serde_json::from_str(&data)?);
                keys.push(key);
            }
            drop(stmt);
            tx.commit()?;
            Ok(PageRows {
                revision,
                next: if more { keys.pop() } else { None },
                resources,
            })
        })
    }

    /// The live resource under `key`, if any.
    pub fn get(&self, workspace: &str, key: &str) -> Result<Option<LiveResource>, StoreError> {
        self.reader(|conn| {
            let data: Option<String> = conn
                .query_row(
                    "SELECT data FROM resources WHERE workspace = ?1 AND key = ?2",
                    params![workspace, key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
        })
    }

    /// Carries out one write in one transaction, or replays the answer recorded under its
    /// idempotency key.
    pub fn write(
        &self,
        workspace: &str,
        catalog: &Catalog,
        mut req: WriteRequest,
    ) -> Result<Answer, WriteError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some((key, fingerprint)) = &req.idempotency {
            let recorded: Option<(String, u16, u64, String)> = tx
                .query_row(
                    "SELECT fingerprint, status, version, body FROM idempotency
                     WHERE workspace = ?1 AND key = ?2 AND created >= ?3",
                    params![workspace, key, now().saturating_sub(self.ttl)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            if let Some((f, status, version, body)) = recorded {
                if &f != fingerprint {
                    return Err(WriteError::KeyReused);
                }
                return Ok(Answer {
                    status,
                    version,
                    body,
                    replayed: true,
                });
            }
        }
        let revision: u64 = tx.query_row(
            "SELECT revision FROM workspaces WHERE name = ?1",
            params![workspace],
            |r| r.get(0),
        )?;
        let live: Option<LiveResource> = tx
            .query_row(
                "SELECT data FROM resources WHERE workspace = ?1 AND key = ?2",
                params![workspace, req.key],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(StoreError::from)?;
        if req.write.op == crate::model::WriteOp::Delete
            && let Some(l) = &live
        {
            // A delete names only the key; the rules look at the live resource.
            req.write.resource = l.resource.clone();
        }
        let next = check_write(catalog, live.as_ref(), &req.write, revision + 1)?;
        let revision = revision + 1;
        tx.execute(
            "UPDATE workspaces SET revision = ?2 WHERE name = ?1",
            params![workspace, revision],
        )?;
        let answer = match next {
            Some(stored) => {
                let body = serde_json::to_string(&stored).map_err(StoreError::from)?;
                tx.execute(
                    "INSERT INTO resources (workspace, key, version, data) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (workspace, key) DO UPDATE SET version = excluded.version, data = excluded.data",
                    params![workspace, req.key, revision, body],
                )?;
                Answer {
                    status: if live.is_some() { 200 } else { 201 },
                    version: revision,
                    body,
                    replayed: false,
                }
            }
            None => {
                tx.execute(
                    "DELETE FROM resources WHERE workspace = ?1 AND key = ?2",
                    params![workspace, req.key],
                )?;
                Answer {
                    status: 204,
                    version: 0,
                    body: String::new(),
                    replayed: false,
                }
            }
        };
        if let Some((key, fingerprint)) = &req.idempotency {
            // An expired record not purged yet is replaced.
            tx.execute(
                "INSERT OR REPLACE INTO idempotency (workspace, key, fingerprint, status, version, body, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![workspace, key, fingerprint, answer.status, answer.version, answer.body, now()],
            )?;
        }
        tx.commit()?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;
    use crate::model::WriteOp;
    use crate::model::{Kind, Resource};
    use indexmap::IndexMap;
    use serde_json::json;

    fn chat(flow: &str) -> Resource {
        let mut fields = IndexMap::new();
        fields.insert("channel".to_string(), json!("live_chat"));
        fields.insert("start_flow".to_string(), json!(flow));
        Resource::new("profile.chat", Kind::Profile, fields)
    }

    fn catalog() -> Catalog {
        toml::from_str("flows = [\"welcome\"]\nplatform_attributes = [\"email\"]\n").unwrap()
    }

    fn create(idem: Option<&str>) -> WriteRequest {
        WriteRequest {
            key: "profile.chat".into(),
            write: Write {
                op: WriteOp::Create,
                resource: chat("welcome"),
                expected_version: None,
                applied_hash: Some("h".into()),
                applied_by: Some("cfg/w".into()),
            },
            idempotency: idem.map(|k| (k.to_string(), "f".to_string())),
        }
    }

    #[test]
    fn writes_are_versioned_checked_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path, Synchronous::Full).unwrap();
        assert!(store.ensure_workspace("w", &catalog()).unwrap());
        assert!(!store.ensure_workspace("w", &catalog()).unwrap());
        let first = store.write("w", &catalog(), create(Some("k1"))).unwrap();
        assert_eq!(first.status, 201);
        let again = store.write("w", &catalog(), create(Some("k1"))).unwrap();
        assert!(again.replayed);
        assert_eq!(again.version, first.version);
        assert!(matches!(
            store.write("w", &catalog(), create(Some("k2"))),
            Err(WriteError::Rule(BackendError::AlreadyExists(_)))
        ));
        let mut other = create(Some("k1"));
        other.idempotency = Some(("k1".into(), "g".into()));
        assert!(matches!(
            store.write("w", &catalog(), other),
            Err(WriteError::KeyReused)
        ));
        let stale = WriteRequest {
            key: "profile.chat".into(),
            write: Write {
                op: WriteOp::Update,
                resource: chat("welcome"),
                expected_version: Some(first.version - 1),
                applied_hash: None,
                applied_by: None,
            },
            idempotency: None,
        };
        assert!(matches!(
            store.write("w", &catalog(), stale),
            Err(WriteError::Rule(BackendError::Conflict { .. }))
        ));
        drop(store);
        let store = Store::open(&path, Synchronous::Full).unwrap();
        let page = store.page("w", None, 1).unwrap();
        assert_eq!(page.resources.len(), 1);
        assert_eq!(page.revision, first.version);
        let rest = store.page("w", page.next.as_deref(), 10).unwrap();
        assert_eq!(rest.resources.len(), 1);
        assert!(rest.next.is_none());
        let live = store.get("w", "profile.chat").unwrap().unwrap();
        assert_eq!(live.applied_by.as_deref(), Some("cfg/w"));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path, Synchronous::Full).unwrap();
        store.ensure_workspace("w", &catalog()).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.path().join(format!("db.sqlite{suffix}"));
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
        drop(store);
        // A database found readable by others is narrowed when opened.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _store = Store::open(&path, Synchronous::Full).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn expired_keys_are_purged_and_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with_ttl(&dir.path().join("db"), Synchronous::Normal, 1).unwrap();
        store.ensure_workspace("w", &catalog()).unwrap();
        store.write("w", &catalog(), create(Some("k1"))).unwrap();
        assert_eq!(store.purge_idempotency().unwrap(), 0);
        std::thread::sleep(std::time::Duration::from_millis(2100));
        // Expired: the key is free again, so the same create is a new request (and the
        // resource exists now).
        assert!(matches!(
            store.write("w", &catalog(), create(Some("k1"))),
            Err(WriteError::Rule(BackendError::AlreadyExists(_)))
        ));
        store
            .write("w", &catalog(), {
                let mut d = create(Some("k2"));
                d.write.op = WriteOp::Update;
                d.write.expected_version = None;
                d
            })
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(store.purge_idempotency().unwrap(), 2);
    }
}
