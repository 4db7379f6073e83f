//! The OpenAPI fuzzer: `scripts/schemathesis.sh` runs schemathesis against the real
//! `socialform serve` on 127.0.0.1 and passes when it finds nothing. Skipped (with the
//! reason printed) when Python, pip or the schemathesis install is not available.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The script's own bounds are 300 s for a first install and the run's time budget; this
/// is the backstop.
const LIMIT: Duration = Duration::from_secs(900);

#[test]
fn schemathesis_finds_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("bash")
        .arg(root.join("scripts/schemathesis.sh"))
        .env("SOCIALFORM_BIN", env!("CARGO_BIN_EXE_socialform"))
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("scripts/schemathesis.sh ran for more than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (o.join().unwrap(), e.join().unwrap());
    match status.code() {
        Some(0) => {
            let figures = stdout
                .lines()
                .find(|l| l.starts_with("schemathesis:"))
                .unwrap_or("schemathesis: (no figures)");
            println!("{figures}");
            assert!(figures.contains(" 0 failed checks"), "{stdout}\n{stderr}");
        }
        Some(77) => {
            let why = stdout
                .lines()
                .find(|l| l.starts_with("skipped:"))
                .unwrap_or("skipped: (no reason given)");
            eprintln!("schemathesis_finds_nothing {why}");
        }
        other => panic!("scripts/schemathesis.sh exited {other:?}\n{stdout}\n{stderr}"),
    }
}
