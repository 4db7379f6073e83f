//! Where live state is read and written. A backend reads one snapshot of everything
//! (catalog and resources with their versions) in one call, and writes one resource per
//! call with the version it expects, so a concurrent change is a conflict rather than a
//! lost update. The trait is synchronous; an HTTP backend can wrap its own runtime.

pub mod http;
pub mod meta;
pub mod sandbox;

use std::path::PathBuf;
use std::time::Duration;

use crate::model::{LiveState, Write};

pub use crate::platform::Refusal;

/// A backend failure: what the platform said, or why it could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// a file of the backend could not be read or written
    #[error("cannot access `{path}`: {source}")]
    Io {
        /// the file
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
    /// the state file is not what socialform writes (where and what kind of error, never
    /// the file's text)
    #[error("`{}` is not a sandbox state file: {kind} at line {line}, column {column}", .path.display())]
    Corrupt {
        /// the file
        path: PathBuf,
        /// 1-based line of the error
        line: usize,
        /// 1-based column of the error
        column: usize,
        /// what kind of error (never a quote of the file)
        kind: &'static str,
    },
    /// the catalog file is missing
    #[error(
        "the sandbox catalog `{}` does not exist: it declares what the platform holds before any apply (or name an existing sandbox state with --sandbox)", .0.display()
    )]
    CatalogMissing(PathBuf),
    /// the catalog file does not parse (where and what kind of error, never the file's
    /// text: the catalog is not a configuration file)
    #[error("the sandbox catalog `{}` is invalid: {kind} at line {line}, column {column}", .path.display())]
    CatalogInvalid {
        /// the file
        path: PathBuf,
        /// 1-based line of the error
        line: usize,
        /// 1-based column of the error
        column: usize,
        /// what kind of error (never a quote of the file)
        kind: &'static str,
    },
    /// a path of the configuration's `[backend]` that leaves the configuration directory
    #[error(
        "{what} leaves the configuration directory, so it is neither read nor written; to keep the sandbox state elsewhere, give --sandbox PATH (or SOCIALFORM_SANDBOX)"
    )]
    PathOutside {
        /// the key or file, as the user knows it (`[backend] path`)
        what: String,
    },
    /// a file of the backend that is not a regular file, or too large
    #[error("cannot use `{}`: {reason}", .path.display())]
    File {
        /// the file
        path: PathBuf,
        /// why
        reason: crate::config::files::FileError,
    },
    /// the state belongs to another workspace
    #[error("the sandbox state `{path}` belongs to workspace `{found}`, not `{expected}`")]
    WrongWorkspace {
        /// the file
        path: PathBuf,
        /// the configuration's workspace
        expected: String,
        /// the state's workspace
        found: String,
    },
    /// another run holds the lock for too long
    #[error("another socialform run holds `{path}`; gave up after {waited:?} (see --lock-timeout)")]
    LockTimeout {
        /// the lock file
        path: PathBuf,
        /// how long this run waited
        waited: Duration,
    },
    /// the platform did not do a write: the resource changed since it was read, does not
    /// exist, exists already, or the platform refused it (the platform's own words,
    /// [`crate::platform::Rejection`], for every backend)
    #[error(transparent)]
    Rejected(#[from] crate::platform::Rejection),
    /// the sandbox's database failed, or the file is not one
    #[error("the sandbox `{}`: {source}", .path.display())]
    Store {
        /// the database file
        path: PathBuf,
        /// what failed
        source: crate::platform::store::StoreError,
    },
    /// the backend kind is not available yet
    #[error("the `{0}` backend is not available in this build")]
    Unsupported(String),
    /// the http backend's token variable is not set (its value is never shown)
    #[error("the environment variable `{0}` that holds the platform token is not set or empty")]
    TokenMissing(String),
    /// the http backend's configuration is incomplete or invalid
    #[error("the http backend: {0}")]
    HttpConfig(String),
    /// the platform API answered with an error
    #[error("the platform answered {status} {code}: {message}")]
    Api {
        /// the HTTP status
        status: u16,
        /// the API's error code
        code: String,
        /// the API's message
        message: String,
    },
    /// the platform API could not be reached, or its answer was not understood
    #[error("the platform API: {0}")]
    Transport(String),
    /// Meta's Graph API refused or failed a request, or a profile cannot be written there
    #[error(transparent)]
    Meta(Box<meta::graph::MetaError>),
}

impl From<crate::platform::catalog::CatalogError> for BackendError {
    fn from(e: crate::platform::catalog::CatalogError) -> BackendError {
        use crate::platform::catalog::CatalogError;
        match e {
            CatalogError::Missing(path) => BackendError::CatalogMissing(path),
            CatalogError::Invalid {
                path,
                line,
                column,
                kind,
            } => BackendError::CatalogInvalid {
                path,
                line,
                column,
                kind,
            },
            CatalogError::File { path, reason } => BackendError::File { path, reason },
            CatalogError::Io { path, source } => BackendError::Io { path, source },
        }
    }
}

/// A platform: one snapshot read, one resource per write. Writes take `&self` and the
/// backend is `Sync`, so the executor can run independent writes from several threads.
pub trait Backend: Send + Sync {
    /// Reads the catalog and every resource with its version, in one consistent snapshot.
    fn read(&mut self) -> Result<LiveState, BackendError>;
    /// Writes one resource; returns its new version (0 for a delete). May be called from
    /// several threads at once, up to [`Backend::max_parallelism`].
    fn write(&self, write: &Write) -> Result<u64, BackendError>;
    /// How many writes may usefully run at once (the executor takes the smaller of this
    /// and `--parallelism`).
    fn max_parallelism(&self) -> usize {
        usize::MAX
    }
    /// What opening the backend did that the user should hear of (a command prints them).
    fn notices(&self) -> &[Notice] {
        &[]
    }
}

/// Something opening a backend did that the user should hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// the sandbox's old JSON state file was migrated into its database, once
    Migrated {
        /// the old state file
        from: PathBuf,
        /// the database
        to: PathBuf,
        /// where the old file was kept
        kept: PathBuf,
    },
    /// a resource was created for an entry added to the catalog (its address)
    Added(String),
}

/// What opening a backend takes: plain settings, which the pipeline
/// (`crate::pipeline::open_backend`) derives from a configuration's `[backend]`, the
/// command line and the environment.
#[derive(Debug)]
pub enum Settings {
    /// the embedded platform
    Sandbox {
        /// the state file (its lock is beside it, with `.lock` appended)
        state: PathBuf,
        /// the catalog the state is created from on first use
        catalog: PathBuf,
        /// the workspace the state must belong to
        workspace: String,
        /// how long to wait for another run's lock before giving up
        lock_timeout: Duration,
    },
    /// the platform API over HTTP
    Http(http::HttpOptions),
    /// Meta's Graph API (tokens read from the environment when it opens)
    Meta(meta::MetaSettings),
}

/// Where a sandbox keeps its state and its catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFiles {
    /// the state file (its lock is beside it, with `.lock` appended)
    pub state: PathBuf,
    /// the catalog the state is created from on first use
    pub catalog: PathBuf,
}

/// `value`, a path of the configuration (relative to its directory `root`), resolved and
/// confined to the directory; `what` names it for the error.
pub fn confined(
    root: &std::path::Path,
    value: &str,
    what: impl Fn() -> String,
) -> Result<PathBuf, BackendError> {
    use crate::config::files::{self, FileError};
    match files::confine(root, value) {
        Ok(p) => Ok(p),
        Err(FileError::Outside) => Err(BackendError::PathOutside { what: what() }),
        Err(reason) => Err(BackendError::File {
            path: root.join(value),
            reason,
        }),
    }
}

/// Opens a backend. `on_wait` is called once, with the lock file, when another run holds
/// the sandbox's lock and this one starts waiting.
pub fn open(
    settings: Settings,
    on_wait: &mut dyn FnMut(&std::path::Path),
) -> Result<Box<dyn Backend>, BackendError> {
    match settings {
        Settings::Sandbox {
            state,
            catalog,
            workspace,
            lock_timeout,
        } => Ok(Box::new(sandbox::Sandbox::open(
            &state,
            &catalog,
            &workspace,
            lock_timeout,
            on_wait,
        )?)),
        Settings::Http(options) => Ok(Box::new(http::HttpBackend::new(options)?)),
        Settings::Meta(settings) => Ok(Box::new(meta::MetaBackend::new(settings)?)),
    }
}
