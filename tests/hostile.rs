//! Untrusted input, the loader side (config.md, "Files"): a table of hostile
//! configurations, each built by the test in a fresh temporary directory, run through the
//! real binary.
//!
//! Each case is one row of [`CASES`]: a name, a `setup` that builds `cfg/` (the
//! configuration directory) beside `outside/` (a sibling holding a planted secret, in
//! `secret.txt`, `secret.toml` and `secret.png`), and the commands to run, each with its
//! expected exit code and a text its output must contain (a diagnostic code, usually).
//! Every command runs in the temporary directory under a timeout ([`TIMEOUT`]: a hang
//! fails the case) and a memory limit ([`MEMORY_KIB`] of address space, set by
//! `sh -c 'ulimit -v ...; exec ...'`), with the secret also in `SOCIALFORM_TOKEN`. After
//! each command the suite checks that the secret (and `/etc/passwd`'s first line) is in
//! neither stdout nor stderr, that `outside/` lists exactly as before, that no path the
//! case names as `absent` exists, and, after the case, that no file under the temporary
//! directory (outside `outside/`) holds the secret.
//!
//! To add a case, add a row.

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a run may take before it counts as a hang and is killed.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The address-space limit of every run, in KiB (`ulimit -v`): 1 GiB.
const MEMORY_KIB: u64 = 1024 * 1024;
/// The planted secret: in the environment and in every file of `outside/`.
const SECRET: &str = "hostile-secret-7f3a9c0e51";

const VALIDATE: &[&str] = &["validate", "cfg"];
const PLAN: &[&str] = &["plan", "cfg"];
const APPLY: &[&str] = &["apply", "cfg", "--auto-approve"];
const DRIFT: &[&str] = &["drift", "cfg"];
const IMPORT: &[&str] = &["import", "cfg", "--out", "imported"];

/// One command of a case: its arguments, expected exit code, and a text the output
/// (stdout and stderr) must contain (empty: anything).
type Run = (&'static [&'static str], i32, &'static str);

/// One hostile configuration.
struct Case {
    /// what it is, for failure messages
    name: &'static str,
    /// builds `cfg/` (and anything else) in the temporary directory
    setup: fn(&Env),
    /// the commands, in order
    runs: &'static [Run],
    /// paths (relative to the temporary directory) that must not exist after any run
    absent: &'static [&'static str],
}

/// The temporary directory of one case.
struct Env {
    root: PathBuf,
}

const BASE_CONFIG: &str = r#"[workspace]
name = "hostile"

[profiles.web]
channel = "live_chat"
start_flow = "welcome"
"#;

const BASE_CATALOG: &str = r#"flows = ["welcome"]

[[accounts]]
channel = "x"
account = "@Desk"
display_name = "Desk"
"#;

const X_PROFILE: &str = r#"
[profiles.desk]
channel = "x"
account = "@Desk"
privacy_policy_url = "https://example.com/privacy"
custom_profile_terms_accepted = true
custom_profiles = [{ name = "Agent", avatar = "AVATAR" }]
"#;

impl Env {
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    /// A symbolic link at `rel` whose target is `target`, as written.
    fn link(&self, rel: &str, target: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, path).unwrap();
    }
    fn fifo(&self, rel: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success(), "mkfifo {}", path.display());
    }
    fn socket(&self, rel: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // The socket file stays once the listener is dropped.
        drop(std::os::unix::net::UnixListener::bind(path).unwrap());
    }
    /// A valid TOML file of `bytes` bytes (one long comment).
    fn big(&self, rel: &str, bytes: usize) {
        let mut text = String::with_capacity(bytes);
        text.push('#');
        text.extend(std::iter::repeat_n('x', bytes - 2));
        text.push('\n');
        self.write(rel, text);
    }
    /// The valid minimal configuration and its catalog.
    fn base(&self) {
        self.write("cfg/socialform.toml", BASE_CONFIG);
        self.write("cfg/catalog.toml", BASE_CATALOG);
    }
    /// The base with this `[backend]` table.
    fn backend(&self, table: &str) {
        self.write(
            "cfg/socialform.toml",
            format!("[backend]\n{table}\n\n{BASE_CONFIG}"),
        );
        self.write("cfg/catalog.toml", BASE_CATALOG);
    }
    /// The base with an X profile whose custom profile's avatar is `avatar`.
    fn avatar(&self, avatar: &str) {
        self.base();
        self.write(
            "cfg/socialform.toml",
            format!("{BASE_CONFIG}{}", X_PROFILE.replace("AVATAR", avatar)),
        );
    }
    /// Runs the binary (for a setup); panics on a hang.
    fn run(&self, args: &[&str]) -> Outcome {
        run(&self.root, args).unwrap_or_else(|e| panic!("{e}"))
    }
}

const CASES: &[Case] = &[
    Case {
        name: "a *.toml linked to /etc/passwd",
        setup: |e| {
            e.base();
            e.link("cfg/passwd.toml", "/etc/passwd");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "a *.toml linked to a secret outside",
        setup: |e| {
            e.base();
            e.link("cfg/profiles/secret.toml", "../../outside/secret.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "a dangling *.toml link pointing outside",
        setup: |e| {
            e.base();
            e.link("cfg/gone.toml", "../outside/not-there.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "a *.toml linked to /dev/zero",
        setup: |e| {
            e.base();
            e.link("cfg/x.toml", "/dev/zero");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "a *.toml linked to /proc/self/environ",
        setup: |e| {
            e.base();
            e.link("cfg/env.toml", "/proc/self/environ");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "a *.toml that links to itself",
        setup: |e| {
            e.base();
            e.link("cfg/loop.toml", "loop.toml");
        },
        runs: &[(VALIDATE, 1, "config::io"), (PLAN, 1, "config::io")],
        absent: &[],
    },
    Case {
        name: "the root file given alone, linked to a secret outside",
        setup: |e| e.link("cfg/socialform.toml", "../outside/secret.toml"),
        runs: &[
            (
                &["validate", "cfg/socialform.toml"],
                1,
                "config::path_outside",
            ),
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "a *.toml linked inside the directory is read",
        setup: |e| {
            e.write("cfg/socialform.toml", "[workspace]\nname = \"hostile\"\n");
            e.write("cfg/catalog.toml", BASE_CATALOG);
            e.write(
                "cfg/data/profiles.txt",
                "[profiles.linked]\nchannel = \"live_chat\"\n",
            );
            e.link("cfg/profiles.toml", "data/profiles.txt");
        },
        runs: &[
            (VALIDATE, 0, "2 files checked"),
            (PLAN, 0, "profile.linked"),
        ],
        absent: &[],
    },
    Case {
        name: "[backend] catalog = \"/proc/self/environ\"",
        setup: |e| e.backend("catalog = \"/proc/self/environ\""),
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "[backend] catalog = \"../../../../etc/passwd\"",
        setup: |e| e.backend("catalog = \"../../../../etc/passwd\""),
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "the default catalog linked to a secret outside",
        setup: |e| {
            e.write("cfg/socialform.toml", BASE_CONFIG);
            e.link("cfg/catalog.toml", "../outside/secret.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "a catalog whose error would quote a secret",
        setup: |e| {
            e.write("cfg/socialform.toml", BASE_CONFIG);
            e.write(
                "cfg/catalog.toml",
                format!("flows = [\"welcome\"]\n{SECRET} = \"{SECRET}\"\n"),
            );
        },
        runs: &[
            (VALIDATE, 0, "validate ok"),
            (PLAN, 1, "does not define at line 2, column 1"),
        ],
        absent: &[],
    },
    Case {
        name: "a state file whose error would quote a secret",
        setup: |e| {
            e.base();
            e.write(
                "cfg/.socialform/sandbox.db",
                format!("{{\"format_version\": 1, \"{SECRET}\": \"{SECRET}\"}}"),
            );
        },
        runs: &[(
            PLAN,
            1,
            "not a sandbox state file: a value of the wrong type or shape",
        )],
        absent: &[],
    },
    Case {
        name: "[backend] path outside",
        setup: |e| e.backend("path = \"../outside/state.json\""),
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
            (DRIFT, 1, "config::path_outside"),
            (IMPORT, 1, "config::path_outside"),
        ],
        absent: &["outside/state.json", "outside/state.json.lock", "imported"],
    },
    Case {
        name: "[backend] path absolute",
        setup: |e| {
            let state = e.path("outside/abs/state.json");
            e.backend(&format!("path = {:?}", state.to_str().unwrap()));
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
        ],
        absent: &["outside/abs"],
    },
    Case {
        name: "[backend] path = \"/tmp/x\"",
        setup: |e| e.backend("path = \"/tmp/x\""),
        runs: &[
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
        ],
        absent: &["/tmp/x", "/tmp/x.lock"],
    },
    Case {
        name: "[backend] path through a link to a folder outside",
        setup: |e| {
            e.backend("path = \"state/sandbox.db\"");
            e.link("cfg/state", "../outside");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &["outside/sandbox.db", "outside/sandbox.db.lock"],
    },
    Case {
        name: ".socialform/ linked to a folder outside",
        setup: |e| {
            e.base();
            e.link("cfg/.socialform", "../outside");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (APPLY, 1, "config::path_outside"),
        ],
        absent: &["outside/sandbox.db", "outside/sandbox.db.lock"],
    },
    Case {
        name: "the sandbox lock linked outside",
        setup: |e| {
            e.base();
            e.link("cfg/.socialform/sandbox.db.lock", "../../outside/lock");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &["outside/lock", "cfg/.socialform/sandbox.db"],
    },
    Case {
        name: "--sandbox outside the checkout is trusted",
        setup: |e| {
            e.base();
            e.write("elsewhere/.keep", "");
        },
        runs: &[
            (
                &["plan", "cfg", "--sandbox", "elsewhere/state.json"],
                0,
                "profile.web",
            ),
            (
                &[
                    "apply",
                    "cfg",
                    "--auto-approve",
                    "--sandbox",
                    "elsewhere/state.json",
                ],
                0,
                "Apply complete",
            ),
            (
                &["drift", "cfg", "--sandbox", "elsewhere/state.json"],
                0,
                "",
            ),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "two symbolic links to `.`",
        setup: |e| {
            e.base();
            e.link("cfg/a", ".");
            e.link("cfg/b", ".");
            e.link("cfg/profiles/up", "..");
            e.write(
                "cfg/profiles/more.toml",
                "[groups.all]\nprofiles = [\"web\"]\n",
            );
        },
        runs: &[(VALIDATE, 0, "2 files checked"), (PLAN, 0, "group.all")],
        absent: &[],
    },
    Case {
        name: "a FIFO named x.toml",
        setup: |e| {
            e.base();
            e.fifo("cfg/x.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::not_a_file"),
            (PLAN, 1, "config::not_a_file"),
            (&["validate", "cfg/x.toml"], 1, "give the directory"),
        ],
        absent: &[],
    },
    Case {
        name: "a FIFO as the root file",
        setup: |e| {
            e.fifo("cfg/socialform.toml");
            e.write("cfg/catalog.toml", BASE_CATALOG);
        },
        runs: &[
            (VALIDATE, 1, "config::not_a_file"),
            (
                &["validate", "cfg/socialform.toml"],
                1,
                "config::not_a_file",
            ),
            (PLAN, 1, "config::not_a_file"),
        ],
        absent: &[],
    },
    Case {
        name: "a FIFO as the catalog",
        setup: |e| {
            e.base();
            std::fs::remove_file(e.path("cfg/catalog.toml")).unwrap();
            e.fifo("cfg/catalog.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::not_a_file"),
            (PLAN, 1, "config::not_a_file"),
        ],
        absent: &["cfg/.socialform/sandbox.db"],
    },
    Case {
        name: "a FIFO as the state file",
        setup: |e| {
            e.base();
            e.fifo("cfg/.socialform/sandbox.db");
        },
        runs: &[(VALIDATE, 1, "config::not_a_file"), (PLAN, 1, "FIFO")],
        absent: &[],
    },
    Case {
        name: "a FIFO as the lock file",
        setup: |e| {
            e.base();
            e.fifo("cfg/.socialform/sandbox.db.lock");
        },
        runs: &[(VALIDATE, 1, "config::not_a_file"), (PLAN, 1, "FIFO")],
        absent: &["cfg/.socialform/sandbox.db"],
    },
    Case {
        name: "a FIFO given to --sandbox",
        setup: |e| {
            e.base();
            e.fifo("elsewhere/state.json");
        },
        runs: &[(
            &["plan", "cfg", "--sandbox", "elsewhere/state.json"],
            1,
            "FIFO",
        )],
        absent: &["elsewhere/state.json.lock"],
    },
    Case {
        name: "a socket named x.toml",
        setup: |e| {
            e.base();
            e.socket("cfg/x.toml");
        },
        runs: &[
            (VALIDATE, 1, "config::not_a_file"),
            (PLAN, 1, "config::not_a_file"),
        ],
        absent: &[],
    },
    Case {
        name: "a 9 MiB *.toml",
        setup: |e| {
            e.base();
            e.big("cfg/big.toml", 9 * 1024 * 1024);
        },
        runs: &[
            (VALIDATE, 1, "config::too_large"),
            (PLAN, 1, "config::too_large"),
        ],
        absent: &[],
    },
    Case {
        name: "a 9 MiB root file given alone",
        setup: |e| e.big("cfg/socialform.toml", 9 * 1024 * 1024),
        runs: &[(&["validate", "cfg/socialform.toml"], 1, "config::too_large")],
        absent: &[],
    },
    Case {
        name: "a 9 MiB catalog",
        setup: |e| {
            e.write("cfg/socialform.toml", BASE_CONFIG);
            e.big("cfg/catalog.toml", 9 * 1024 * 1024);
        },
        runs: &[
            (VALIDATE, 1, "config::too_large"),
            (PLAN, 1, "larger than 8 MiB"),
        ],
        absent: &["cfg/.socialform/sandbox.db"],
    },
    Case {
        name: "a *.toml of 8 MiB exactly is read",
        setup: |e| {
            e.base();
            e.big("cfg/big.toml", 8 * 1024 * 1024);
        },
        runs: &[(VALIDATE, 0, "validate ok"), (PLAN, 0, "profile.web")],
        absent: &[],
    },
    Case {
        name: "a *.toml that is not UTF-8",
        setup: |e| {
            e.base();
            e.write("cfg/latin1.toml", b"# caf\xe9\n".as_slice());
        },
        runs: &[(VALIDATE, 1, "config::io"), (PLAN, 1, "not UTF-8")],
        absent: &[],
    },
    Case {
        name: "the root file given while its directory holds other files",
        setup: |e| {
            e.base();
            e.write("cfg/groups.toml", "[groups.all]\nprofiles = [\"web\"]\n");
        },
        runs: &[
            (
                &["validate", "cfg/socialform.toml"],
                1,
                "give the directory, `cfg`",
            ),
            (
                &["plan", "cfg/socialform.toml"],
                1,
                "give the directory, `cfg`",
            ),
            (
                &["apply", "cfg/socialform.toml", "--auto-approve"],
                1,
                "give the directory, `cfg`",
            ),
            (VALIDATE, 0, "validate ok"),
        ],
        absent: &["cfg/.socialform"],
    },
    Case {
        name: "a file with nothing beside it is a configuration of its own",
        setup: |e| {
            e.base();
            e.write(
                "cfg/profiles/more.toml",
                "[groups.all]\nprofiles = [\"web\"]\n",
            );
        },
        runs: &[
            // Alone in its folder: its own configuration, which has no [workspace].
            (
                &["validate", "cfg/profiles/more.toml"],
                1,
                "schema::missing_key",
            ),
            (
                &["plan", "cfg/profiles/more.toml"],
                1,
                "schema::missing_key",
            ),
            // The root file has it below: refused, naming it.
            (
                &["validate", "cfg/socialform.toml"],
                1,
                "profiles/more.toml",
            ),
        ],
        absent: &[],
    },
    Case {
        name: "an avatar path to a secret outside",
        setup: |e| e.avatar("../outside/secret.png"),
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
            (IMPORT, 1, "config::path_outside"),
        ],
        absent: &["imported"],
    },
    Case {
        name: "an absolute avatar path",
        setup: |e| {
            let secret = e.path("outside/secret.png");
            e.avatar(secret.to_str().unwrap());
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (PLAN, 1, "config::path_outside"),
        ],
        absent: &[],
    },
    Case {
        name: "an avatar linked to a secret outside",
        setup: |e| {
            e.avatar("avatars/agent.png");
            e.link("cfg/avatars/agent.png", "../../outside/secret.png");
        },
        runs: &[
            (VALIDATE, 1, "config::path_outside"),
            (IMPORT, 1, "config::path_outside"),
        ],
        absent: &["imported"],
    },
    Case {
        name: "an avatar that is a FIFO",
        setup: |e| {
            e.avatar("avatars/agent.png");
            e.fifo("cfg/avatars/agent.png");
        },
        runs: &[
            (VALIDATE, 1, "config::not_a_file"),
            (PLAN, 1, "config::not_a_file"),
        ],
        absent: &[],
    },
    Case {
        name: "an avatar path on the live platform that leads outside (import)",
        setup: |e| {
            e.avatar("avatars/agent.png");
            e.write("cfg/avatars/agent.png", b"\x89PNG".as_slice());
            let applied = e.run(APPLY);
            assert_eq!(applied.code, Some(0), "{}", applied.stderr);
            // The platform now says the avatar is outside (as a hostile platform, or a
            // hand edit, could): import must not copy it.
            let edited = e.run(&[
                "sandbox",
                "edit",
                "profile.desk",
                r#"custom_profiles=[{ name = "Agent", avatar = "../outside/secret.png" }]"#,
                "--config",
                "cfg",
            ]);
            assert_eq!(edited.code, Some(0), "{}", edited.stderr);
        },
        runs: &[(
            IMPORT,
            1,
            "not copied: it is outside the configuration directory",
        )],
        absent: &["outside/imported", "imported/outside"],
    },
    Case {
        name: "a local avatar is imported",
        setup: |e| {
            e.avatar("avatars/agent.png");
            e.write("cfg/avatars/agent.png", b"\x89PNG".as_slice());
            let applied = e.run(APPLY);
            assert_eq!(applied.code, Some(0), "{}", applied.stderr);
        },
        runs: &[
            (IMPORT, 0, "Imported 2 resources"),
            (&["validate", "imported"], 0, "validate ok"),
        ],
        absent: &[],
    },
    Case {
        name: "deeply nested TOML arrays",
        setup: |e| {
            e.base();
            let depth = 5_000;
            let text = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
            e.write("cfg/deep.toml", text);
        },
        runs: &[(VALIDATE, 1, "config::"), (PLAN, 1, "config::")],
        absent: &[],
    },
    Case {
        name: "a thousand configuration files",
        setup: |e| {
            e.base();
            for i in 0..1000 {
                e.write(
                    &format!("cfg/many/g{:02}/m{i}.toml", i % 20),
                    format!("[contact_attributes.a{i}]\ntype = \"text\"\n"),
                );
            }
        },
        runs: &[
            (VALIDATE, 0, "1001 files checked"),
            (PLAN, 0, "contact_attribute.a999"),
        ],
        absent: &[],
    },
];

/// What one run printed and how it ended.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `run` to its end, or kills it after `timeout` (`Err`: a hang).
fn supervised(run: common::Run, timeout: Duration) -> Result<Outcome, Duration> {
    let (out, took) = run.timeout(timeout).try_output()?;
    Ok(Outcome {
        code: out.status.code(),
        stdout: common::text(&out.stdout),
        stderr: common::text(&out.stderr),
        took,
    })
}

/// Runs the binary in `dir` under the memory limit, with the secret in the environment;
/// `Err` on a hang (killed after [`TIMEOUT`]).
fn run(dir: &Path, args: &[&str]) -> Result<Outcome, String> {
    let run = common::socialform(dir, args)
        .memory_kib(MEMORY_KIB)
        .env("SOCIALFORM_TOKEN", SECRET);
    supervised(run, TIMEOUT).map_err(|after| format!("{args:?}: killed after {after:?}: a hang"))
}

/// Every entry below `dir` (not following links) with its kind and size, to compare.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (String, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let meta = std::fs::symlink_metadata(entry.path()).unwrap();
            let kind = format!("{:?}", meta.file_type());
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.insert(entry.path(), (kind, meta.len()));
        }
    }
    out
}

/// Regular files below `dir` (not following links, skipping `skip`) that contain the
/// secret.
fn files_with_secret(dir: &Path, skip: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for (path, _) in listing(dir) {
        if path.starts_with(skip) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > 64 * 1024 * 1024 {
            continue;
        }
        let mut bytes = Vec::new();
        if std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .is_ok()
            && String::from_utf8_lossy(&bytes).contains(SECRET)
        {
            found.push(path);
        }
    }
    found
}

/// Runs one case; returns what went wrong, if anything, and the time it took.
fn check(case: &Case) -> (Vec<String>, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let env = Env {
        root: tmp.path().canonicalize().unwrap(),
    };
    let outside = env.path("outside");
    env.write("outside/secret.txt", format!("{SECRET}\n"));
    env.write(
        "outside/secret.toml",
        format!("# {SECRET}\n[workspace]\nname = \"{SECRET}\"\n"),
    );
    env.write("outside/secret.png", format!("{SECRET}\n"));
    env.write(
        "outside/nested/secret.json",
        format!("{{\"s\": \"{SECRET}\"}}\n"),
    );
    let passwd_first_line = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|t| t.lines().next().map(String::from))
        .filter(|l| !l.is_empty());

    let start = Instant::now();
    (case.setup)(&env);
    let before = listing(&outside);
    // Files the case itself wrote with the secret (a catalog that would be quoted).
    let planted = files_with_secret(&env.root, &outside);
    // An absolute path the case names may exist for other reasons: only its appearance
    // counts.
    let absent: Vec<(PathBuf, bool)> = case
        .absent
        .iter()
        .map(|rel| {
            let path = env.path(rel);
            let existed = std::fs::symlink_metadata(&path).is_ok();
            (path, existed)
        })
        .collect();
    let mut problems = Vec::new();
    for (args, exit, expect) in case.runs {
        let out = match run(&env.root, args) {
            Ok(out) => out,
            Err(hang) => {
                problems.push(hang);
                continue;
            }
        };
        let both = format!("{}{}", out.stdout, out.stderr);
        let what = format!("{args:?}");
        if out.code != Some(*exit) {
            problems.push(format!(
                "{what}: exit {:?}, expected {exit}\nstdout:\n{}\nstderr:\n{}",
                out.code, out.stdout, out.stderr
            ));
        }
        if !both.contains(expect) {
            problems.push(format!(
                "{what}: the output does not contain {expect:?}\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            ));
        }
        if both.contains(SECRET) {
            problems.push(format!("{what}: the secret is in the output:\n{both}"));
        }
        if let Some(line) = &passwd_first_line
            && both.contains(line.as_str())
        {
            problems.push(format!(
                "{what}: /etc/passwd is quoted in the output:\n{both}"
            ));
        }
        if listing(&outside) != before {
            problems.push(format!("{what}: something changed in outside/"));
        }
        for (path, existed) in &absent {
            if !existed && std::fs::symlink_metadata(path).is_ok() {
                problems.push(format!("{what}: `{}` exists", path.display()));
            }
        }
        if out.took > TIMEOUT / 2 {
            problems.push(format!("{what}: took {:?}", out.took));
        }
    }
    for path in files_with_secret(&env.root, &outside) {
        if !planted.contains(&path) {
            problems.push(format!("`{}` holds the secret", path.display()));
        }
    }
    (problems, start.elapsed())
}

#[test]
fn hostile_configurations_are_refused_without_reading_writing_or_quoting_outside() {
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in CASES {
        let (problems, took) = check(case);
        runs += case.runs.len();
        eprintln!("{:>6} ms  {}", took.as_millis(), case.name);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, problems.join("\n  ")));
        }
    }
    eprintln!(
        "{} hostile cases, {runs} runs, {} failed, in {:.1} s",
        CASES.len(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_guards_catch_a_hang_a_memory_hog_and_a_leak() {
    // A hang is killed at the timeout, not waited out.
    let here = std::env::temp_dir();
    let sleeper = common::program("sh", &here, &["-c", "exec sleep 60"]);
    let start = Instant::now();
    assert!(supervised(sleeper, Duration::from_millis(200)).is_err());
    assert!(start.elapsed() < Duration::from_secs(10));
    // The memory limit is the exec'd program's own (here a shell that prints it).
    let limited = common::program("sh", &here, &["-c", "ulimit -v"]).memory_kib(MEMORY_KIB);
    let out = supervised(limited, TIMEOUT).unwrap();
    assert_eq!(out.stdout.trim(), MEMORY_KIB.to_string(), "{}", out.stderr);
    // The secret check sees a file that holds it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("leak.json"), SECRET).unwrap();
    assert_eq!(
        files_with_secret(tmp.path(), &tmp.path().join("none")).len(),
        1
    );
}
