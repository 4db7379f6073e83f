//! Reading what a configuration names, as untrusted input: paths confined to the
//! configuration directory once symbolic links are resolved, regular files only, read with
//! a bounded reader, and a directory walk that never follows links to directories.
//!
//! Nothing here quotes a file's content: errors say what is wrong with a file, never what
//! it holds.

use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// The largest configuration file, sandbox catalog or avatar socialform reads: 8 MiB.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file named by the configuration (or found by the walk) is not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// an absolute path, a `..` that leaves the directory, or a link pointing outside
    #[error("it is outside the configuration directory")]
    Outside,
    /// a directory, FIFO, socket or device: never opened, since opening a FIFO waits
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    /// more bytes than the limit (found by reading, not only by the reported size)
    #[error("it is larger than {} MiB", .0 / (1024 * 1024))]
    TooLarge(u64),
    /// the file could not be read
    #[error("{0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        FileError::Io(e)
    }
}

/// What a file system object is, when it is not a regular file (`None` for a regular file).
pub fn non_file_kind(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// `path` with `.` and `..` resolved lexically (no file system access). A `..` above the
/// root stays at the root.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `..` at the root is the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` with every symbolic link resolved as far as it exists: the longest existing
/// ancestor, canonicalized, then the components that do not exist yet. A dangling link on
/// the way is followed to where it points (that is where a write through it would land).
fn resolve_existing(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many dangling links as the kernel follows before it says ELOOP.
    for _ in 0..40 {
        let mut existing = path.clone();
        let mut rest = Vec::new();
        let dangling = loop {
            match existing.canonicalize() {
                Ok(mut real) => {
                    for part in rest.iter().rev() {
                        real.push(part);
                    }
                    return Ok(real);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let is_link = std::fs::symlink_metadata(&existing)
                        .is_ok_and(|m| m.file_type().is_symlink());
                    if is_link {
                        break existing;
                    }
                    match (
                        existing.file_name().map(ToOwned::to_owned),
                        existing.parent(),
                    ) {
                        (Some(name), Some(parent)) => {
                            rest.push(name);
                            existing = parent.to_path_buf();
                        }
                        _ => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let target = std::fs::read_link(&dangling)?;
        let base = dangling.parent().unwrap_or(Path::new("/"));
        let mut next = normalize(&base.join(target));
        for part in rest.iter().rev() {
            next.push(part);
        }
        path = next;
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// The configuration directory as every confined path is checked against: absolute, with
/// its symbolic links resolved.
pub fn root_of(dir: &Path) -> std::io::Result<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    dir.canonicalize()
}

/// Resolves `value`, a path written in the configuration, against the configuration
/// directory `root` (from [`root_of`]). The result is where the file is, with every link
/// resolved, and it is inside `root`; otherwise [`FileError::Outside`]. A path that does
/// not exist yet (a state file) is judged by its longest existing ancestor after lexical
/// normalisation. Use the returned path, not `root.join(value)`, for every access.
pub fn confine(root: &Path, value: &str) -> Result<PathBuf, FileError> {
    let rel = Path::new(value);
    if rel.has_root() || rel.is_absolute() {
        return Err(FileError::Outside);
    }
    let lexical = normalize(&root.join(rel));
    if !lexical.starts_with(root) {
        return Err(FileError::Outside);
    }
    let real = resolve_existing(&lexical)?;
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(FileError::Outside)
    }
}

/// Checks a path that exists on disk (a file the walk found through a link) against
/// `root`: its real location, or [`FileError::Outside`].
pub fn within(root: &Path, path: &Path) -> Result<PathBuf, FileError> {
    let real = path.canonicalize()?;
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(FileError::Outside)
    }
}

/// Whether `path`, if it exists, may be read: a regular file of at most `limit` bytes by
/// its reported size. `Ok(false)` when nothing is there.
pub fn check_readable(path: &Path, limit: u64) -> Result<bool, FileError> {
    match std::fs::metadata(path) {
        Ok(meta) => {
            if let Some(kind) = non_file_kind(&meta) {
                return Err(FileError::NotAFile(kind));
            }
            if meta.len() > limit {
                return Err(FileError::TooLarge(limit));
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileError::Io(e)),
    }
}

/// Opens `path` for reading without ever waiting: its metadata is checked first, it is
/// opened non-blocking (a FIFO swapped in meanwhile does not block the open), and the
/// opened file is checked again.
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    let meta = std::fs::metadata(path)?;
    if let Some(kind) = non_file_kind(&meta) {
        return Err(FileError::NotAFile(kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if let Some(kind) = non_file_kind(&file.metadata()?) {
        return Err(FileError::NotAFile(kind));
    }
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes. The limit holds whatever size the file
/// system reports (`/proc` files report 0): at most `limit + 1` bytes are ever read.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let file = open_regular(path)?;
    let reported = file.metadata()?.len();
    if reported > limit {
        return Err(FileError::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(reported).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge(limit));
    }
    Ok(bytes)
}

/// [`read_limited`], as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        FileError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (invalid bytes at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// One `*.toml` file found by [`toml_files`].
#[derive(Debug)]
pub enum Found {
    /// a file to read: `shown` as the walk reached it, `real` where it is
    File {
        /// the path below the walked directory, for messages
        shown: PathBuf,
        /// the path to read (the link's target, for a symbolic link)
        real: PathBuf,
    },
    /// a `*.toml` entry (or a folder) that must not or cannot be read
    Refused {
        /// the path below the walked directory, for messages
        shown: PathBuf,
        /// why
        problem: FileError,
    },
}

impl Found {
    /// The path as the walk reached it.
    pub fn shown(&self) -> &Path {
        match self {
            Found::File { shown, .. } | Found::Refused { shown, .. } => shown,
        }
    }
}

fn is_toml_name(name: &str) -> bool {
    name.ends_with(".toml") && !name.starts_with('.')
}

/// Every `*.toml` entry below `dir`, in sorted depth-first order, skipping hidden files and
/// folders (`.socialform/` among them) and `target/`. Symbolic links to directories are
/// never followed, so the walk is linear in the size of the tree; a linked `*.toml` file
/// is read only when its target is inside `root`. `keep` filters entries (the root file,
/// the catalog); with `first_only`, the walk stops at the first entry kept.
pub fn toml_files(
    dir: &Path,
    root: &Path,
    keep: &dyn Fn(&Path) -> bool,
    first_only: bool,
) -> Vec<Found> {
    let mut out = Vec::new();
    let mut stack: Vec<std::vec::IntoIter<(PathBuf, std::io::Result<std::fs::FileType>)>> =
        Vec::new();
    let list = |dir: &Path| -> std::io::Result<_> {
        let mut entries: Vec<(PathBuf, std::io::Result<std::fs::FileType>)> =
            std::fs::read_dir(dir)?
                .map(|e| e.map(|e| (e.path(), e.file_type())))
                .collect::<std::io::Result<_>>()?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries.into_iter())
    };
    match list(dir) {
        Ok(it) => stack.push(it),
        Err(e) => {
            out.push(Found::Refused {
                shown: dir.to_path_buf(),
                problem: FileError::Io(e),
            });
            return out;
        }
    }
    while let Some(top) = stack.last_mut() {
        let Some((path, file_type)) = top.next() else {
            stack.pop();
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let found = match file_type {
            Err(e) => is_toml_name(&name).then_some(Found::Refused {
                shown: path,
                problem: FileError::Io(e),
            }),
            Ok(t) if t.is_dir() => {
                if !name.starts_with('.') && name != "target" {
                    match list(&path) {
                        Ok(it) => stack.push(it),
                        Err(e) => out.push(Found::Refused {
                            shown: path,
                            problem: FileError::Io(e),
                        }),
                    }
                }
                None
            }
            Ok(t) if t.is_symlink() => {
                // A link to a directory is never followed; a link to a file is read only
                // when its target is inside the configuration directory.
                let target_is_dir = std::fs::metadata(&path).is_ok_and(|m| m.is_dir());
                if target_is_dir || !is_toml_name(&name) {
                    None
                } else {
                    Some(match within(root, &path) {
                        Ok(real) => match check_readable(&real, u64::MAX) {
                            Ok(_) => Found::File { shown: path, real },
                            Err(problem) => Found::Refused {
                                shown: path,
                                problem,
                            },
                        },
                        Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                            // A dangling link: judge where it points, lexically.
                            let problem = match std::fs::read_link(&path) {
                                Ok(target) => {
                                    let base = path
                                        .parent()
                                        .filter(|p| !p.as_os_str().is_empty())
                                        .unwrap_or(Path::new("."));
                                    let resolved =
                                        base.canonicalize().map(|b| normalize(&b.join(&target)));
                                    let inside = resolved.is_ok_and(|r| r.starts_with(root));
                                    if target.has_root() || !inside {
                                        FileError::Outside
                                    } else {
                                        FileError::Io(e)
                                    }
                                }
                                Err(_) => FileError::Io(e),
                            };
                            Found::Refused {
                                shown: path,
                                problem,
                            }
                        }
                        Err(problem) => Found::Refused {
                            shown: path,
                            problem,
                        },
                    })
                }
            }
            Ok(t) => is_toml_name(&name).then(|| {
                if t.is_file() {
                    Found::File {
                        real: path.clone(),
                        shown: path,
                    }
                } else {
                    let kind = std::fs::symlink_metadata(&path)
                        .ok()
                        .and_then(|m| non_file_kind(&m))
                        .unwrap_or("not a regular file");
                    Found::Refused {
                        shown: path,
                        problem: FileError::NotAFile(kind),
                    }
                }
            }),
        };
        if let Some(found) = found
            && keep(found.shown())
        {
            out.push(found);
            if first_only {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/../../x")), Path::new("/x"));
        assert_eq!(normalize(Path::new("a/../../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new("../../x")), Path::new("../../x"));
    }

    #[test]
    fn confinement() {
        let tmp = tempfile::tempdir().unwrap();
        let root = root_of(tmp.path()).unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.png"), b"x").unwrap();
        assert_eq!(confine(&root, "sub/a.png").unwrap(), root.join("sub/a.png"));
        assert_eq!(
            confine(&root, "sub/../sub/./a.png").unwrap(),
            root.join("sub/a.png")
        );
        // Not there yet: judged by the existing ancestor.
        assert_eq!(
            confine(&root, ".socialform/state.json").unwrap(),
            root.join(".socialform/state.json")
        );
        for bad in [
            "/etc/passwd",
            "../x",
            "sub/../../x",
            "../../../../etc/passwd",
        ] {
            assert!(
                matches!(confine(&root, bad), Err(FileError::Outside)),
                "{bad}"
            );
        }
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
            std::os::unix::fs::symlink(root.join("sub/a.png"), root.join("in.png")).unwrap();
            assert!(matches!(
                confine(&root, "out/new.json"),
                Err(FileError::Outside)
            ));
            assert_eq!(confine(&root, "in.png").unwrap(), root.join("sub/a.png"));
            // A dangling link is judged by where it points: a write would land there.
            std::os::unix::fs::symlink(outside.path().join("lock"), root.join("x.lock")).unwrap();
            assert!(matches!(confine(&root, "x.lock"), Err(FileError::Outside)));
            std::os::unix::fs::symlink("sub/new.json", root.join("ok.json")).unwrap();
            assert_eq!(
                confine(&root, "ok.json").unwrap(),
                root.join("sub/new.json")
            );
            // `..` is lexical: `out/..` is the directory itself, never the link's parent.
            assert_eq!(
                confine(&root, "out/../sub/a.png").unwrap(),
                root.join("sub/a.png")
            );
        }
    }

    #[test]
    fn bounded_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        std::fs::write(&f, vec![b'a'; 11]).unwrap();
        assert_eq!(read_limited(&f, 11).unwrap().len(), 11);
        assert!(matches!(read_limited(&f, 10), Err(FileError::TooLarge(10))));
        assert!(matches!(
            read_limited(tmp.path(), 10),
            Err(FileError::NotAFile("a directory"))
        ));
        #[cfg(target_os = "linux")]
        {
            // /proc reports a size of 0: only the bounded reader sees the truth.
            assert!(matches!(
                read_limited(Path::new("/proc/self/maps"), 1),
                Err(FileError::TooLarge(1))
            ));
            assert!(matches!(
                read_limited(Path::new("/dev/zero"), 10),
                Err(FileError::NotAFile("a character device"))
            ));
        }
    }
}
