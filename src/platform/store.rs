//! The platform's one store: SQLite (bundled), one file, used by the embedded sandbox
//! (`.socialform/sandbox.db`) and by `socialform serve`. A write checks the platform's
//! rules ([`crate::platform::check_write`]), bumps the workspace's revision, writes the
//! resource and records the answer under its idempotency key, all in one `BEGIN
//! IMMEDIATE` transaction, so a crash leaves either all of it or none of it: the
//! sandbox's writes one transaction each ([`Store::write`]), `serve`'s in groups
//! ([`Store::write_batch`]: the writes that arrived together, each inside its own
//! savepoint, so a refused one is rolled back alone and the later ones see the earlier
//! ones, exactly as one by one; one commit for all). A plan reads the whole workspace in
//! one query ([`Store::snapshot`]).
//!
//! Durability: WAL journal. With `synchronous = FULL` (the default) every commit is
//! fsynced before any of its writes is acknowledged (a group shares the commit and its
//! one fsync; no answer of it is given before it), so neither a kill -9 nor a power loss
//! loses an acknowledged write. `synchronous = NORMAL` in WAL mode still survives kill -9
//! (a commit is in the WAL file, in the OS page cache, before it is acknowledged; only
//! the OS crashing can lose the last commits), and trades power-loss durability for
//! throughput.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::catalog::Catalog;
use crate::model::{Kind, LiveResource, Resource, Write, WriteOp};
use crate::platform::{Context, Rejection, check_write};

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
    /// an existing file that is not a socialform database (never quoted)
    #[error("`{}` is not a socialform database: {what}", .path.display())]
    NotADatabase {
        /// the file
        path: std::path::PathBuf,
        /// what it is instead, in words that never quote it
        what: &'static str,
    },
    /// the database file could not be created or its mode set
    #[error("the database `{}`: {source}", .path.display())]
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
    Rule(#[from] Rejection),
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

/// The tables. A workspace's catalog has a table of its own: the workspace's row is
/// rewritten by every write (its revision), and SQLite rewrites a whole row, so a catalog
/// of thousands of accounts in it would be copied into the WAL at every write (databases
/// made before keep an empty `workspaces.catalog`, moved here once).
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
CREATE TABLE IF NOT EXISTS catalogs (
    workspace TEXT PRIMARY KEY REFERENCES workspaces(name),
    catalog TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO catalogs (workspace, catalog)
    SELECT name, catalog FROM workspaces WHERE catalog != '';
UPDATE workspaces SET catalog = '' WHERE catalog != '';
";

/// How long an idempotency key is remembered by default.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A whole workspace, read at once.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// the catalog stored with it
    pub catalog: Catalog,
    /// the last version handed out
    pub revision: u64,
    /// every resource, in key order
    pub resources: Vec<LiveResource>,
}

/// What reconciling a workspace with its catalog did and found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciled {
    /// the workspace did not exist and was created from the catalog
    pub created: bool,
    /// the addresses of the resources created for entries added to the catalog
    pub added: Vec<String>,
    /// resources created for the catalog, not stored yet (filled by the reconciling)
    pub new: Vec<LiveResource>,
    /// resources kept whose catalog entry disappeared
    pub orphans: Vec<crate::platform::catalog::Orphan>,
}

fn read_resources(conn: &Connection, workspace: &str) -> Result<Vec<LiveResource>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT data FROM resources WHERE workspace = ?1 ORDER BY key")?;
    let rows = stmt.query_map(params![workspace], |r| {
        r.get_ref(0).map(|v| match v {
            rusqlite::types::ValueRef::Text(t) => serde_json::from_slice::<LiveResource>(t),
            _ => serde_json::from_slice::<LiveResource>(b""),
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

fn read_one(
    conn: &Connection,
    workspace: &str,
    key: &str,
) -> Result<Option<LiveResource>, StoreError> {
    let data: Option<String> = conn
        .prepare_cached("SELECT data FROM resources WHERE workspace = ?1 AND key = ?2")?
        .query_row(params![workspace, key], |r| r.get(0))
        .optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// Every live group of the workspace (their keys are their addresses, `group.<id>`).
fn read_groups(conn: &Connection, workspace: &str) -> Result<Vec<Resource>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM resources WHERE workspace = ?1 AND key >= 'group.' AND key < 'group/'",
    )?;
    let rows = stmt.query_map(params![workspace], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let live: LiveResource = serde_json::from_str(&row?)?;
        out.push(live.resource);
    }
    Ok(out)
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses an existing file that is not an SQLite database, before SQLite opens it.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read as _;
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        }
    }
    if n == 0 || &head == SQLITE_HEADER {
        Ok(())
    } else {
        Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            what: "it is not an SQLite file",
        })
    }
}

/// Refuses an SQLite database that another program made: one with tables, none of them
/// socialform's.
fn check_tables(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "workspaces") {
        return Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            what: "an SQLite database without socialform's tables",
        });
    }
    Ok(())
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
        check_header(path)?;
        owner_only(path)?;
        check_tables(&Connection::open(path)?, path)?;
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

    /// Makes sure the workspace exists and matches its catalog: on first use it is
    /// created from it like a new platform account ([`crate::platform::initial`]);
    /// afterwards the catalog is stored anew and reconciled with the resources (the
    /// profiles of accounts and the platform attributes added to the catalog are created;
    /// resources whose catalog entry disappeared are kept and reported), in one
    /// transaction.
    pub fn ensure_workspace(
        &self,
        name: &str,
        catalog: &Catalog,
    ) -> Result<Reconciled, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let catalog_json = serde_json::to_string(catalog)?;
        let exists: Option<(u64, String)> = tx
            .query_row(
                "SELECT w.revision, c.catalog FROM workspaces w JOIN catalogs c ON c.workspace = w.name
                 WHERE w.name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let insert = |tx: &rusqlite::Transaction<'_>, r: &LiveResource| -> Result<(), StoreError> {
            tx.execute(
                "INSERT INTO resources (workspace, key, version, data) VALUES (?1, ?2, ?3, ?4)",
                params![name, r.resource.key(), r.version, serde_json::to_string(r)?],
            )?;
            Ok(())
        };
        let Some((mut revision, stored)) = exists else {
            let (revision, resources) = crate::platform::initial(catalog);
            tx.execute(
                "INSERT INTO workspaces (name, revision, catalog) VALUES (?1, ?2, '')",
                params![name, revision],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO catalogs (workspace, catalog) VALUES (?1, ?2)",
                params![name, catalog_json],
            )?;
            for r in &resources {
                insert(&tx, r)?;
            }
            tx.commit()?;
            return Ok(Reconciled {
                created: true,
                ..Reconciled::default()
            });
        };
        if stored == catalog_json {
            // The catalog did not change: nothing to add, and the orphans are those of the
            // last start (the plan reports them from the live state anyway).
            tx.commit()?;
            return Ok(Reconciled::default());
        }
        let stored: Catalog = serde_json::from_str(&stored)?;
        let live = read_resources(&tx, name)?;
        let mut out = crate::platform::catalog::reconcile(&stored, catalog, &live);
        for mut r in std::mem::take(&mut out.new) {
            revision += 1;
            r.version = revision;
            out.added.push(r.resource.address.clone());
            insert(&tx, &r)?;
        }
        tx.execute(
            "UPDATE workspaces SET revision = ?2 WHERE name = ?1",
            params![name, revision],
        )?;
        tx.execute(
            "UPDATE catalogs SET catalog = ?2 WHERE workspace = ?1",
            params![name, catalog_json],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// The whole workspace as one snapshot: its catalog, its revision and every resource
    /// in key order, read in one transaction with one query for the resources. `None`
    /// when the workspace does not exist.
    pub fn snapshot(&self, workspace: &str) -> Result<Option<Snapshot>, StoreError> {
        self.reader(|conn| {
            let tx = conn.transaction()?;
            let head: Option<(u64, String)> = tx
                .query_row(
                    "SELECT w.revision, c.catalog FROM workspaces w JOIN catalogs c ON c.workspace = w.name
                     WHERE w.name = ?1",
                    params![workspace],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((revision, catalog)) = head else {
                return Ok(None);
            };
            let resources = read_resources(&tx, workspace)?;
            tx.commit()?;
            Ok(Some(Snapshot {
                catalog: serde_json::from_str(&catalog)?,
                revision,
                resources,
            }))
        })
    }

    /// The names of the workspaces the store holds.
    pub fn workspaces(&self) -> Result<Vec<String>, StoreError> {
        self.reader(|conn| {
            let mut stmt = conn.prepare("SELECT name FROM workspaces ORDER BY name")?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(names)
        })
    }

    /// Replaces everything the workspace holds by the resources given, at `revision`, in
    /// one transaction (a migration from the sandbox's old state file); the workspace is
    /// created if needed.
    pub fn replace_all(
        &self,
        workspace: &str,
        catalog: &Catalog,
        revision: u64,
        resources: &[LiveResource],
    ) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM resources WHERE workspace = ?1",
            params![workspace],
        )?;
        tx.execute(
            "DELETE FROM idempotency WHERE workspace = ?1",
            params![workspace],
        )?;
        tx.execute(
            "INSERT INTO workspaces (name, revision, catalog) VALUES (?1, ?2, '')
             ON CONFLICT (name) DO UPDATE SET revision = excluded.revision",
            params![workspace, revision],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO catalogs (workspace, catalog) VALUES (?1, ?2)",
            params![workspace, serde_json::to_string(catalog)?],
        )?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO resources (workspace, key, version, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in resources {
                stmt.execute(params![
                    workspace,
                    r.resource.key(),
                    r.version,
                    serde_json::to_string(r)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A workspace as a new platform account again, from `catalog`: every resource and
    /// idempotency record of it forgotten, in one transaction. The revision keeps growing,
    /// so no version is handed out twice.
    pub fn reset(&self, workspace: &str, catalog: &Catalog) -> Result<(), StoreError> {
        let revision = self.snapshot(workspace)?.map_or(0, |s| s.revision);
        let (count, mut resources) = crate::platform::initial(catalog);
        for r in &mut resources {
            r.version += revision;
        }
        self.replace_all(workspace, catalog, revision + count, &resources)
    }

    /// An edit as the platform's own UI makes it: the fields of the live resource under
    /// `key` set (`Some`) or removed (`None`), checked by the platform's rules like any
    /// write, stored under a new version with its marks (`managed_by`, the applied hash)
    /// kept, so `drift` reports it. Returns the resource as stored.
    pub fn edit(
        &self,
        workspace: &str,
        key: &str,
        changes: &[(String, Option<serde_json::Value>)],
    ) -> Result<LiveResource, WriteError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (revision, catalog): (u64, String) = tx.query_row(
            "SELECT w.revision, c.catalog FROM workspaces w JOIN catalogs c ON c.workspace = w.name
             WHERE w.name = ?1",
            params![workspace],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let catalog = crate::platform::Indexed::new(
            serde_json::from_str(&catalog).map_err(StoreError::from)?,
        );
        let Some(live) = read_one(&tx, workspace, key)? else {
            return Err(Rejection::NotFound(key.to_string()).into());
        };
        let mut resource = live.resource.clone();
        for (field, value) in changes {
            match value {
                Some(v) => {
                    resource.fields.insert(field.clone(), v.clone());
                }
                None => {
                    resource.fields.shift_remove(field);
                }
            }
        }
        let groups = if resource.kind == Kind::Group {
            read_groups(&tx, workspace)?
        } else {
            Vec::new()
        };
        let write = Write {
            op: crate::model::WriteOp::Update,
            resource,
            expected_version: Some(live.version),
            applied_hash: live.applied_hash.clone(),
            applied_by: live.applied_by.clone(),
        };
        let ctx = Context {
            live: Some(&live),
            groups: &groups,
        };
        let mut stored = check_write(&catalog, ctx, &write, revision + 1)?
            .ok_or_else(|| Rejection::NotFound(key.to_string()))?;
        // The platform's UI leaves the marks as they were.
        stored.managed_by = live.managed_by.clone();
        stored.applied_hash = live.applied_hash.clone();
        stored.applied_by = live.applied_by.clone();
        tx.execute(
            "UPDATE workspaces SET revision = ?2 WHERE name = ?1",
            params![workspace, revision + 1],
        )?;
        tx.execute(
            "UPDATE resources SET version = ?3, data = ?4 WHERE workspace = ?1 AND key = ?2",
            params![
                workspace,
                key,
                revision + 1,
                serde_json::to_string(&stored).map_err(StoreError::from)?
            ],
        )?;
        tx.commit()?;
        Ok(stored)
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
    /// idempotency key (the embedded sandbox's writes; `serve` groups its writes with
    /// [`Store::write_batch`]).
    pub fn write(
        &self,
        workspace: &str,
        catalog: &crate::platform::Indexed,
        req: WriteRequest,
    ) -> Result<Answer, WriteError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let answer = apply_write(&tx, workspace, catalog, &req, self.ttl)?;
        tx.commit()?;
        Ok(answer)
    }

    /// Carries out writes in one transaction, one commit (one fsync with
    /// `synchronous = FULL`), in the order given, and returns their results in that
    /// order. Each write runs inside its own savepoint: a write refused (or failing) is
    /// rolled back to it, and only that write gets its error, the one it gets alone; the
    /// later writes see the effects of the earlier ones (a version, an idempotency
    /// record), exactly as if each had been its own transaction in that order. No result
    /// is returned before the commit: if it fails, every write of the transaction gets
    /// its error and nothing of them is stored. If SQLite rolls the whole transaction
    /// back under a write (a full disk, an I/O error), that write gets its error, as it
    /// would alone, and the others of the batch go again in a new transaction.
    pub fn write_batch(&self, jobs: Vec<Job>) -> Batch {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut results: Vec<Option<Result<Answer, WriteError>>> =
            jobs.iter().map(|_| None).collect();
        let mut commits = 0;
        // The writes not carried out yet, in order.
        let mut pending: Vec<usize> = (0..jobs.len()).collect();
        while !pending.is_empty() {
            let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
                Ok(tx) => tx,
                Err(e) => {
                    for &i in &pending {
                        results[i] = Some(Err(duplicate(&e).into()));
                    }
                    break;
                }
            };
            let mut done = Vec::with_capacity(pending.len());
            let mut lost = None;
            for (at, &i) in pending.iter().enumerate() {
                let result = savepointed(&mut tx, &jobs[i], self.ttl);
                if tx.is_autocommit() {
                    // SQLite rolled the transaction back under this write: nothing of the
                    // transaction is stored.
                    results[i] = Some(result.and_then(|_| Err(rolled_back().into())));
                    lost = Some(at);
                    break;
                }
                done.push((i, result));
            }
            if let Some(at) = lost {
                // The writes before it (their results dropped) and after it go again.
                pending.remove(at);
                continue;
            }
            match tx.commit() {
                Ok(()) => {
                    commits += 1;
                    for (i, r) in done {
                        results[i] = Some(r);
                    }
                }
                Err(e) => {
                    for (i, _) in done {
                        results[i] = Some(Err(duplicate(&e).into()));
                    }
                }
            }
            pending.clear();
        }
        Batch {
            results: results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err(rolled_back().into())))
                .collect(),
            commits,
        }
    }
}

/// What a batch of writes did ([`Store::write_batch`]).
#[derive(Debug)]
pub struct Batch {
    /// the result of each write, in the order given
    pub results: Vec<Result<Answer, WriteError>>,
    /// the transactions committed: 1, or 0 when the commit failed (or every write of the
    /// batch was one under which SQLite rolled the transaction back)
    pub commits: u64,
}

/// One write of a batch ([`Store::write_batch`]): the workspace, its catalog and the write.
#[derive(Debug)]
pub struct Job {
    /// the workspace written to
    pub workspace: String,
    /// its catalog, which the platform's rules check the write against
    pub catalog: std::sync::Arc<crate::platform::Indexed>,
    /// the write
    pub request: WriteRequest,
}

/// One job of a batch inside its own savepoint: released when it is done, rolled back to
/// (and released) when it is refused or fails, so that only its own effects go.
fn savepointed(
    tx: &mut rusqlite::Transaction<'_>,
    job: &Job,
    ttl: i64,
) -> Result<Answer, WriteError> {
    let sp = tx.savepoint()?;
    match apply_write(&sp, &job.workspace, &job.catalog, &job.request, ttl) {
        Ok(answer) => {
            sp.commit()?;
            Ok(answer)
        }
        Err(e) => {
            // Rolled back to the savepoint and released; should that fail, the
            // transaction is checked by the caller.
            let _ = sp.finish();
            Err(e)
        }
    }
}

/// The same SQLite error again, for every write of a transaction that failed as a whole
/// (`rusqlite::Error` is not `Clone`; its code and message are kept).
fn duplicate(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// The error of a write whose transaction SQLite rolled back though the write itself
/// succeeded (it cannot be: SQLite rolls back under a failing statement).
fn rolled_back() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some("the transaction was rolled back".into()),
    )
}

/// Carries out one write inside the open transaction (or savepoint) `conn`, or replays
/// the answer recorded under its idempotency key: the platform's rules checked against
/// the live resource, the workspace's revision bumped, the resource written and the
/// answer recorded. On an error the caller rolls back what it wrote.
fn apply_write(
    conn: &Connection,
    workspace: &str,
    catalog: &crate::platform::Indexed,
    req: &WriteRequest,
    ttl: i64,
) -> Result<Answer, WriteError> {
    if let Some((key, fingerprint)) = &req.idempotency {
        let recorded: Option<(String, u16, u64, String)> = conn
            .prepare_cached(
                "SELECT fingerprint, status, version, body FROM idempotency
                 WHERE workspace = ?1 AND key = ?2 AND created >= ?3",
            )?
            .query_row(params![workspace, key, now().saturating_sub(ttl)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
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
    let revision: u64 = conn
        .prepare_cached("SELECT revision FROM workspaces WHERE name = ?1")?
        .query_row(params![workspace], |r| r.get(0))?;
    let live = read_one(conn, workspace, &req.key)?;
    let filled;
    let write = match &live {
        Some(l) if req.write.op == WriteOp::Delete => {
            // A delete names only the key; the rules look at the live resource.
            filled = Write {
                resource: l.resource.clone(),
                ..req.write.clone()
            };
            &filled
        }
        _ => &req.write,
    };
    let groups = if write.resource.kind == Kind::Group && write.op != WriteOp::Delete {
        read_groups(conn, workspace)?
    } else {
        Vec::new()
    };
    let ctx = Context {
        live: live.as_ref(),
        groups: &groups,
    };
    let next = check_write(catalog, ctx, write, revision + 1)?;
    let revision = revision + 1;
    conn.prepare_cached("UPDATE workspaces SET revision = ?2 WHERE name = ?1")?
        .execute(params![workspace, revision])?;
    let answer = match next {
        Some(stored) => {
            let body = serde_json::to_string(&stored).map_err(StoreError::from)?;
            conn.prepare_cached(
                "INSERT INTO resources (workspace, key, version, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (workspace, key) DO UPDATE SET version = excluded.version, data = excluded.data",
            )?
            .execute(params![workspace, req.key, revision, body])?;
            Answer {
                status: if live.is_some() { 200 } else { 201 },
                version: revision,
                body,
                replayed: false,
            }
        }
        None => {
            conn.prepare_cached("DELETE FROM resources WHERE workspace = ?1 AND key = ?2")?
                .execute(params![workspace, req.key])?;
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
        conn.prepare_cached(
            "INSERT OR REPLACE INTO idempotency (workspace, key, fingerprint, status, version, body, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![workspace, key, fingerprint, answer.status, answer.version, answer.body, now()])?;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WriteOp;
    use crate::model::{Kind, Resource};
    use crate::platform::Rejection;
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

    fn indexed() -> crate::platform::Indexed {
        crate::platform::Indexed::new(catalog())
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
        assert!(store.ensure_workspace("w", &catalog()).unwrap().created);
        assert!(!store.ensure_workspace("w", &catalog()).unwrap().created);
        let first = store.write("w", &indexed(), create(Some("k1"))).unwrap();
        assert_eq!(first.status, 201);
        let again = store.write("w", &indexed(), create(Some("k1"))).unwrap();
        assert!(again.replayed);
        assert_eq!(again.version, first.version);
        assert!(matches!(
            store.write("w", &indexed(), create(Some("k2"))),
            Err(WriteError::Rule(Rejection::AlreadyExists(_)))
        ));
        let mut other = create(Some("k1"));
        other.idempotency = Some(("k1".into(), "g".into()));
        assert!(matches!(
            store.write("w", &indexed(), other),
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
            store.write("w", &indexed(), stale),
            Err(WriteError::Rule(Rejection::Conflict { .. }))
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
        store.write("w", &indexed(), create(Some("k1"))).unwrap();
        assert_eq!(store.purge_idempotency().unwrap(), 0);
        std::thread::sleep(std::time::Duration::from_millis(2100));
        // Expired: the key is free again, so the same create is a new request (and the
        // resource exists now).
        assert!(matches!(
            store.write("w", &indexed(), create(Some("k1"))),
            Err(WriteError::Rule(Rejection::AlreadyExists(_)))
        ));
        store
            .write("w", &indexed(), {
                let mut d = create(Some("k2"));
                d.write.op = WriteOp::Update;
                d.write.expected_version = None;
                d
            })
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(store.purge_idempotency().unwrap(), 2);
    }

    // Group commit: a batch is one transaction with a savepoint per write.

    fn profile(address: &str, flow: &str) -> Resource {
        let mut r = chat(flow);
        r.address = address.to_string();
        r
    }

    fn put(
        address: &str,
        flow: &str,
        op: WriteOp,
        expected: Option<u64>,
        idem: Option<(&str, &str)>,
    ) -> WriteRequest {
        let resource = profile(address, flow);
        WriteRequest {
            key: resource.key(),
            write: Write {
                op,
                resource,
                expected_version: expected,
                applied_hash: Some("h".into()),
                applied_by: Some("cfg/w".into()),
            },
            idempotency: idem.map(|(k, f)| (k.to_string(), f.to_string())),
        }
    }

    fn job(workspace: &str, request: WriteRequest) -> Job {
        Job {
            workspace: workspace.to_string(),
            catalog: std::sync::Arc::new(indexed()),
            request,
        }
    }

    /// A write of workspace `w` whose resource points at the flow `welcome`.
    fn on_w(address: &str, op: WriteOp, expected: Option<u64>, idem: Option<(&str, &str)>) -> Job {
        job("w", put(address, "welcome", op, expected, idem))
    }

    fn fresh(dir: &tempfile::TempDir, name: &str) -> (Store, u64) {
        let store = Store::open(&dir.path().join(name), Synchronous::Full).unwrap();
        store.ensure_workspace("w", &catalog()).unwrap();
        store.ensure_workspace("v", &catalog()).unwrap();
        let revision = store.snapshot("w").unwrap().unwrap().revision;
        (store, revision)
    }

    fn revision(store: &Store, workspace: &str) -> u64 {
        store.snapshot(workspace).unwrap().unwrap().revision
    }

    /// What a result reads as, to compare a batch with writes one by one.
    fn outcome(r: &Result<Answer, WriteError>) -> String {
        match r {
            Ok(a) => format!("{a:?}"),
            Err(e) => format!("error: {e}"),
        }
    }

    /// Creates, refusals, updates on the same key, a replay, a reused key, a stale
    /// If-Match and a delete, over two workspaces.
    fn mixed(base: u64) -> Vec<(&'static str, WriteRequest)> {
        #[rustfmt::skip]
        let rows = [
            ("w", "profile.a", "welcome", WriteOp::Create, None, Some(("k1", "f1"))),
            ("w", "profile.b", "nope", WriteOp::Create, None, Some(("k2", "f2"))),
            ("w", "profile.a", "welcome", WriteOp::Create, None, Some(("k3", "f3"))),
            ("v", "profile.a", "welcome", WriteOp::Create, None, Some(("k1", "f1"))),
            ("w", "profile.a", "welcome", WriteOp::Create, None, Some(("k1", "f1"))),
            ("w", "profile.a", "welcome", WriteOp::Create, None, Some(("k1", "other"))),
            ("w", "profile.a", "welcome", WriteOp::Update, Some(base + 1), None),
            ("w", "profile.a", "welcome", WriteOp::Update, Some(base + 1), None),
            ("w", "profile.c", "welcome", WriteOp::Create, None, Some(("k2", "f2b"))),
            ("w", "profile.a", "welcome", WriteOp::Delete, Some(base + 3), Some(("k4", "f4"))),
            ("w", "profile.a", "welcome", WriteOp::Delete, Some(base + 3), Some(("k4", "f4"))),
            ("w", "profile.a", "welcome", WriteOp::Delete, None, None),
        ];
        rows.into_iter()
            .map(|(ws, address, flow, op, expected, idem)| {
                (ws, put(address, flow, op, expected, idem))
            })
            .collect()
    }

    #[test]
    fn a_batch_answers_exactly_as_the_writes_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let (one_by_one, base) = fresh(&dir, "one");
        let (batched, base2) = fresh(&dir, "batch");
        assert_eq!(base, base2);
        let alone: Vec<String> = mixed(base)
            .into_iter()
            .map(|(ws, req)| outcome(&one_by_one.write(ws, &indexed(), req)))
            .collect();
        let jobs = mixed(base)
            .into_iter()
            .map(|(ws, req)| job(ws, req))
            .collect();
        let together: Vec<String> = batched
            .write_batch(jobs)
            .results
            .iter()
            .map(outcome)
            .collect();
        assert_eq!(together, alone);
        for ws in ["w", "v"] {
            let (a, b) = (
                one_by_one.snapshot(ws).unwrap().unwrap(),
                batched.snapshot(ws).unwrap().unwrap(),
            );
            assert_eq!(a.revision, b.revision, "{ws}");
            assert_eq!(a.resources, b.resources, "{ws}");
        }
        // Applied in w: create a, update a, create c, delete a: four versions, no more.
        assert_eq!(revision(&batched, "w"), base + 4);
        assert_eq!(revision(&batched, "v"), base + 1);
    }

    #[test]
    fn a_refused_write_in_a_batch_is_refused_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        let batch = store.write_batch(vec![
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
            job(
                "w",
                put(
                    "profile.b",
                    "nope",
                    WriteOp::Create,
                    None,
                    Some(("k2", "f2")),
                ),
            ),
            on_w("profile.c", WriteOp::Create, None, Some(("k3", "f3"))),
        ]);
        assert_eq!(batch.commits, 1);
        let results = batch.results;
        assert_eq!(results.len(), 3);
        let a = results[0].as_ref().unwrap();
        assert_eq!((a.status, a.version), (201, base + 1));
        let refused = results[1].as_ref().unwrap_err();
        assert!(
            matches!(refused, WriteError::Rule(Rejection::Refused { .. })),
            "{refused}"
        );
        let c = results[2].as_ref().unwrap();
        assert_eq!((c.status, c.version), (201, base + 2));
        // The same write alone is refused the same way.
        let alone = store
            .write(
                "w",
                &indexed(),
                put(
                    "profile.b",
                    "nope",
                    WriteOp::Create,
                    None,
                    Some(("k2", "f2")),
                ),
            )
            .unwrap_err();
        assert_eq!(alone.to_string(), refused.to_string());
        assert_eq!(revision(&store, "w"), base + 2);
        assert!(store.get("w", "profile.b").unwrap().is_none());
        // Its idempotency key was not recorded: another request may use it.
        let b = store
            .write(
                "w",
                &indexed(),
                put(
                    "profile.b",
                    "welcome",
                    WriteOp::Create,
                    None,
                    Some(("k2", "g")),
                ),
            )
            .unwrap();
        assert_eq!((b.status, b.version, b.replayed), (201, base + 3, false));
    }

    #[test]
    fn a_write_failing_after_it_wrote_is_rolled_back_to_its_savepoint() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        // The insert of profile.bad fails after the write bumped the revision.
        store
            .writer
            .lock()
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER refuse_bad BEFORE INSERT ON resources WHEN NEW.key = 'profile.bad'
                 BEGIN SELECT RAISE(ABORT, 'the test refuses profile.bad'); END;",
            )
            .unwrap();
        let batch = store.write_batch(vec![
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
            on_w("profile.bad", WriteOp::Create, None, Some(("k2", "f2"))),
            on_w("profile.c", WriteOp::Create, None, Some(("k2", "f2"))),
        ]);
        assert_eq!(batch.commits, 1);
        let results = batch.results;
        assert_eq!(results[0].as_ref().unwrap().version, base + 1);
        let failed = results[1].as_ref().unwrap_err();
        assert!(
            matches!(failed, WriteError::Store(StoreError::Sqlite(_))),
            "{failed}"
        );
        assert!(failed.to_string().contains("the test refuses"), "{failed}");
        // Its revision and its idempotency record went with it: the next write takes the
        // next version, and the key is free (not replayed, not refused as reused).
        let c = results[2].as_ref().unwrap();
        assert_eq!((c.status, c.version, c.replayed), (201, base + 2, false));
        assert_eq!(revision(&store, "w"), base + 2);
        assert!(store.get("w", "profile.bad").unwrap().is_none());
    }

    #[test]
    fn writes_on_one_key_in_a_batch_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        let batch = store.write_batch(vec![
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
            on_w("profile.a", WriteOp::Update, Some(base + 1), None),
            on_w("profile.a", WriteOp::Update, Some(base + 1), None),
            on_w("profile.a", WriteOp::Delete, Some(base + 2), None),
        ]);
        assert_eq!(batch.commits, 1);
        let results = batch.results;
        assert_eq!(results[0].as_ref().unwrap().version, base + 1);
        let updated = results[1].as_ref().unwrap();
        assert_eq!((updated.status, updated.version), (200, base + 2));
        match &results[2] {
            Err(WriteError::Rule(Rejection::Conflict {
                expected, found, ..
            })) => {
                assert_eq!((*expected, *found), (base + 1, base + 2));
            }
            other => panic!("{other:?}"),
        }
        let deleted = results[3].as_ref().unwrap();
        assert_eq!((deleted.status, deleted.version), (204, 0));
        assert!(store.get("w", "profile.a").unwrap().is_none());
        assert_eq!(revision(&store, "w"), base + 3);
    }

    #[test]
    fn an_idempotency_key_repeated_in_a_batch_replays() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        let batch = store.write_batch(vec![
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
            on_w("profile.a", WriteOp::Create, None, Some(("k1", "g"))),
        ]);
        assert_eq!(batch.commits, 1);
        let results = batch.results;
        let first = results[0].as_ref().unwrap();
        assert!(!first.replayed);
        let again = results[1].as_ref().unwrap();
        assert!(again.replayed);
        assert_eq!(
            (again.status, again.version, &again.body),
            (first.status, first.version, &first.body)
        );
        assert!(matches!(results[2], Err(WriteError::KeyReused)));
        // One write applied, one version.
        assert_eq!(revision(&store, "w"), base + 1);
    }

    #[test]
    fn a_failed_commit_fails_every_write_of_the_batch_and_stores_none() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        // A deferred foreign key broken by the batch's third write: checked at COMMIT.
        store
            .writer
            .lock()
            .unwrap()
            .execute_batch(&format!(
                "CREATE TABLE test_deferred (workspace TEXT REFERENCES workspaces(name)
                     DEFERRABLE INITIALLY DEFERRED);
                 CREATE TRIGGER break_commit AFTER UPDATE ON workspaces WHEN NEW.revision = {}
                 BEGIN INSERT INTO test_deferred VALUES ('nowhere'); END;",
                base + 3
            ))
            .unwrap();
        let batch = || {
            vec![
                on_w("profile.a", WriteOp::Create, None, Some(("k1", "f1"))),
                job("w", put("profile.b", "nope", WriteOp::Create, None, None)),
                on_w("profile.c", WriteOp::Create, None, Some(("k3", "f3"))),
                on_w("profile.d", WriteOp::Create, None, Some(("k4", "f4"))),
            ]
        };
        let failed = store.write_batch(batch());
        assert_eq!(failed.commits, 0);
        let results = failed.results;
        assert_eq!(results.len(), 4);
        for r in &results {
            match r {
                Err(WriteError::Store(StoreError::Sqlite(e))) => {
                    assert!(e.to_string().contains("FOREIGN KEY"), "{e}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(revision(&store, "w"), base);
        for key in ["profile.a", "profile.c", "profile.d"] {
            assert!(store.get("w", key).unwrap().is_none(), "{key}");
        }
        // Nothing was recorded under the keys either: the same batch, once the commit
        // can succeed, is carried out afresh.
        store
            .writer
            .lock()
            .unwrap()
            .execute_batch("DROP TRIGGER break_commit;")
            .unwrap();
        let done = store.write_batch(batch());
        assert_eq!(done.commits, 1);
        let results = done.results;
        let versions: Vec<Option<u64>> = results
            .iter()
            .map(|r| r.as_ref().ok().map(|a| a.version))
            .collect();
        assert_eq!(
            versions,
            [Some(base + 1), None, Some(base + 2), Some(base + 3)]
        );
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .all(|a| !a.replayed)
        );
        assert_eq!(revision(&store, "w"), base + 3);
    }

    #[test]
    fn a_write_under_which_sqlite_rolls_back_fails_alone_and_the_others_go_again() {
        let dir = tempfile::tempdir().unwrap();
        let (store, base) = fresh(&dir, "db");
        let (alone, _) = fresh(&dir, "alone");
        // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error does.
        let trigger =
            "CREATE TRIGGER lose_all BEFORE INSERT ON resources WHEN NEW.key = 'profile.bad'
             BEGIN SELECT RAISE(ROLLBACK, 'the test rolls back'); END;";
        for s in [&store, &alone] {
            s.writer.lock().unwrap().execute_batch(trigger).unwrap();
        }
        let requests = || {
            vec![
                put(
                    "profile.a",
                    "welcome",
                    WriteOp::Create,
                    None,
                    Some(("k1", "f1")),
                ),
                put(
                    "profile.a",
                    "welcome",
                    WriteOp::Create,
                    None,
                    Some(("k1", "f1")),
                ),
                put(
                    "profile.bad",
                    "welcome",
                    WriteOp::Create,
                    None,
                    Some(("k2", "f2")),
                ),
                put(
                    "profile.c",
                    "welcome",
                    WriteOp::Create,
                    None,
                    Some(("k3", "f3")),
                ),
            ]
        };
        let batch = store.write_batch(requests().into_iter().map(|r| job("w", r)).collect());
        let one_by_one: Vec<String> = requests()
            .into_iter()
            .map(|r| outcome(&alone.write("w", &indexed(), r)))
            .collect();
        assert_eq!(
            batch.results.iter().map(outcome).collect::<Vec<_>>(),
            one_by_one
        );
        let r = &batch.results;
        assert_eq!(r[0].as_ref().unwrap().version, base + 1);
        assert!(r[1].as_ref().unwrap().replayed);
        assert!(
            r[2].as_ref()
                .unwrap_err()
                .to_string()
                .contains("the test rolls back"),
            "{:?}",
            r[2]
        );
        assert_eq!(r[3].as_ref().unwrap().version, base + 2);
        assert_eq!(batch.commits, 1);
        assert_eq!(revision(&store, "w"), base + 2);
        assert!(store.get("w", "profile.a").unwrap().is_some());
    }
}
