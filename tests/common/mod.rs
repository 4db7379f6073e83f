//! What the integration tests share: one runner of the built binary (a small builder:
//! working directory, arguments, environment, standard input, time and memory limits),
//! and the builders of their working copies. Each test binary uses part of it.
#![allow(dead_code)]

pub mod graph;

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_socialform")
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One run of the binary, to be configured then run: `NO_COLOR=1`, no standard input and
/// no `SOCIALFORM_SANDBOX` from the environment unless told otherwise.
#[derive(Debug, Clone)]
pub struct Run {
    program: String,
    args: Vec<String>,
    dir: PathBuf,
    env: Vec<(String, Option<String>)>,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
    memory_kib: Option<u64>,
}

/// `socialform ARGS` in `dir`.
pub fn socialform(dir: &Path, args: &[&str]) -> Run {
    program(bin(), dir, args)
}

/// Another program, run the same way (the tests of the guards themselves).
pub fn program(program: &str, dir: &Path, args: &[&str]) -> Run {
    Run {
        program: program.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        dir: dir.to_path_buf(),
        env: vec![
            ("NO_COLOR".into(), Some("1".into())),
            ("SOCIALFORM_SANDBOX".into(), None),
        ],
        stdin: None,
        timeout: None,
        memory_kib: None,
    }
}

impl Run {
    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Writes `bytes` to standard input (closed after them).
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Kills the run after `limit`.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Runs under an address-space limit (`ulimit -v`, in KiB).
    pub fn memory_kib(mut self, kib: u64) -> Self {
        self.memory_kib = Some(kib);
        self
    }

    fn command(&self) -> Command {
        let mut cmd = match self.memory_kib {
            Some(kib) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                    .arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        cmd.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd
    }

    /// Runs to the end; `Err` with the time it ran when it was killed at its time limit.
    pub fn try_output(self) -> Result<(Output, Duration), Duration> {
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        if let (Some(bytes), Some(mut input)) = (self.stdin.clone(), child.stdin.take()) {
            std::thread::spawn(move || {
                let _ = input.write_all(&bytes);
            });
        }
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = r.read_to_end(&mut v);
                v
            })
        };
        let stdout = drain(Box::new(child.stdout.take().unwrap()));
        let stderr = drain(Box::new(child.stderr.take().unwrap()));
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if self.timeout.is_some_and(|t| start.elapsed() > t) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let took = start.elapsed();
        let output = Output {
            status,
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
        };
        Ok((output, took))
    }

    /// Runs to the end (a run killed at its time limit fails the test).
    pub fn output(self) -> Output {
        let args = self.args.clone();
        match self.try_output() {
            Ok((output, _)) => output,
            Err(after) => panic!("socialform {args:?} ran for more than {after:?}"),
        }
    }

    /// Runs, and fails the test unless it exits with `code`.
    pub fn assert_code(self, code: i32) -> Output {
        let args = self.args.clone();
        let out = self.output();
        assert_code(&out, code, &args);
        out
    }
}

/// Fails the test unless `out` exited with `code`, showing what it printed.
pub fn assert_code(out: &Output, code: i32, args: &[String]) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Copies the directory `from` to `to`, every file and folder.
pub fn copy_dir(from: &Path, to: &Path) {
    copy_dir_skipping(from, to, &[]);
}

/// Copies the directory `from` to `to`, without the entries named in `skip` (at any depth).
pub fn copy_dir_skipping(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir_skipping(&entry.path(), &target, skip);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Replaces the first `from` in `dir/file` by `to` (which must be there).
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let s = std::fs::read_to_string(&path).unwrap();
    assert!(s.contains(from), "{from} in {file}");
    std::fs::write(&path, s.replacen(from, to, 1)).unwrap();
}

/// `socialform plan . --format json` in `dir`, which must exit 0, parsed.
pub fn plan_json(dir: &Path) -> Value {
    let out = socialform(dir, &["plan", ".", "--format", "json"]).assert_code(0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A copy of the repository's directory `fixture` as `<tmp>/<name>`; the temporary
/// directory lives as long as the first value. Only `files` when given.
pub fn workspace(
    fixture: &str,
    name: &str,
    files: Option<&[&str]>,
) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    let src = root().join(fixture);
    match files {
        Some(files) => {
            std::fs::create_dir_all(&dir).unwrap();
            for f in files {
                std::fs::copy(src.join(f), dir.join(f)).unwrap();
            }
        }
        None => copy_dir_skipping(&src, &dir, &[".socialform"]),
    }
    (tmp, dir)
}

/// The one way to refresh committed files that the code generates (the JSON Schemas,
/// `docs/diagnostics.md`, the insta snapshots): `SOCIALFORM_BLESS=1 cargo test`.
pub fn blessing() -> bool {
    std::env::var_os("SOCIALFORM_BLESS").is_some()
}

/// The committed file `rel` (from the repository's root) is what the code generates;
/// under [`blessing`] it is written first.
pub fn assert_committed(rel: &str, generated: &str) {
    let path = root().join(rel);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if blessing() && committed != generated {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{rel} is out of date: run `SOCIALFORM_BLESS=1 cargo test` and commit it"
    );
}

/// Under [`blessing`], writes `contents` as the insta snapshot `tests/snapshots/NAME.snap`
/// (keeping the header of the committed one, which insta does not compare), so that the
/// `insta::assert_snapshot!` that follows passes and the change shows in the diff.
pub fn bless_snapshot(name: &str, contents: &str) {
    if !blessing() {
        return;
    }
    let path = root().join("tests/snapshots").join(format!("{name}.snap"));
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let (header, body) = match old
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---\n"))
    {
        Some((meta, body)) => (format!("---\n{meta}\n---\n"), body.to_string()),
        None => (
            format!(
                "---\nsource: tests/{}.rs\n---\n",
                name.split("__").next().unwrap_or("")
            ),
            String::new(),
        ),
    };
    if body.trim_end() != contents.trim_end() {
        std::fs::write(&path, format!("{header}{}\n", contents.trim_end())).unwrap();
    }
}

/// Edits a live resource of the sandbox of the configuration in `dir` as the platform's
/// UI would (`socialform sandbox edit ADDRESS FIELD=VALUE`, each VALUE written as TOML):
/// a new version, socialform's marks kept, so `drift` reports it.
pub fn sandbox_edit(dir: &Path, address: &str, changes: &[(&str, Value)]) {
    let mut args = vec![
        "sandbox".to_string(),
        "edit".to_string(),
        address.to_string(),
    ];
    for (field, value) in changes {
        let value = toml::Value::try_from(value).expect("a TOML value");
        args.push(format!("{field}={value}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    socialform(dir, &args).assert_code(0);
}

/// The live state of the sandbox of the configuration in `dir`, as
/// `socialform sandbox show --format json` prints it.
pub fn sandbox_state(dir: &Path) -> Value {
    let out = socialform(dir, &["sandbox", "show", "--format", "json"]).assert_code(0);
    serde_json::from_slice(&out.stdout).expect("sandbox show JSON")
}

/// The platform loses a resource behind socialform's back: no command does that (the
/// platform's UI cannot delete a platform attribute), so its row is removed from the
/// sandbox database `db` directly.
pub fn sandbox_lose(db: &Path, key: &str) {
    let conn = rusqlite::Connection::open(db).expect("the sandbox database");
    let n = conn
        .execute("DELETE FROM resources WHERE key = ?1", [key])
        .expect("a delete");
    assert_eq!(n, 1, "{key} was live");
}

/// Waits for a child server's first line, `listening on ADDRESS`, and returns ADDRESS (as
/// printed: a URL for `serve` and `emulate meta`). The child's standard output must be
/// piped; its later lines are read and dropped, so the child never blocks on a full pipe.
/// Kills the child and panics (naming `what`) when nothing comes within 20 seconds.
pub fn listening_on(child: &mut std::process::Child, what: &str) -> String {
    use std::io::BufRead as _;
    let stdout = child
        .stdout
        .take()
        .expect("the child's standard output is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let line = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("the {what} did not say where it listens");
        }
    };
    line.strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line of the {what}: `{line}`"))
        .to_string()
}
