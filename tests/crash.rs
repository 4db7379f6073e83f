//! Crash safety of `apply`, end to end (design.md, "Crash-safe"): an apply killed at any
//! point leaves a platform from which the next plan shows exactly the remaining work; an
//! apply the platform refuses half way stops there, says why, and leaves the same.
//!
//! The crash test kills the built binary with SIGKILL at random points of an apply that
//! creates, updates, replaces and deletes every kind of resource, then checks the sandbox
//! after each kill: the state file is valid and accepted, no lock is held, no temp file is
//! left that a later run trips on, the next plan is exactly the tail of the full plan, and
//! a second apply converges to the very platform an uninterrupted apply gives.
//! Kill points come from a deterministic PRNG seeded per trial (the seeds are printed; set
//! `SOCIALFORM_CRASH_SEED` to replay another series): a tenth of the kills at a time
//! before the first write, the others after a random number of the apply's progress lines
//! and a random part of one write's time more (the writes are fast now, each a
//! transaction of the database, so a kill at a random time alone would mostly land
//! before or after them).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, copy_dir, text};
use serde_json::Value;

/// At least this many kills, whatever the budget.
const MIN_TRIALS: usize = 20;
/// At most this many kills.
const MAX_TRIALS: usize = 30;
/// No trial starts once the trials took this long (and `MIN_TRIALS` ran): the test stays
/// under a minute in a debug build on a 2-core machine.
const BUDGET: Duration = Duration::from_secs(30);
/// The seed of the series, unless `SOCIALFORM_CRASH_SEED` says otherwise.
const SEED: u64 = 0x5EED_C4A5_4000_0001;

/// A number in [0, 1) drawn from proptest's deterministic generator seeded with `seed`:
/// enough to spread kill times, and the same for the same seed.
fn unit(seed: u64) -> f64 {
    use proptest::prelude::Rng as _;
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn socialform(dir: &Path, args: &[&str]) -> Output {
    common::socialform(dir, args).output()
}

fn run(dir: &Path, args: &[&str], codes: &[i32]) -> Output {
    let out = socialform(dir, args);
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "{args:?} in {}: {:?}, expected one of {codes:?}\nstdout:\n{}\nstderr:\n{}",
        dir.display(),
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn plan_changes(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["plan", ".", "--format", "json"], &[0]);
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    plan["changes"].as_array().unwrap().clone()
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join(".socialform/sandbox.db")
}

/// The sandbox's live state, as `socialform sandbox show --format json` prints it (which
/// opens the database under its lock, as any run does).
fn read_state(dir: &Path) -> Value {
    let out = run(dir, &["sandbox", "show", "--format", "json"], &[0]);
    serde_json::from_slice(&out.stdout).expect("sandbox show JSON")
}

/// The platform as a user sees it: every resource with its fields and marks, by address,
/// without versions (which depend on how many writes it took to get there).
fn platform(dir: &Path) -> Vec<Value> {
    let state = read_state(dir);
    let mut rs: Vec<Value> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::json!({
                "resource": r["resource"],
                "managed_by": r["managed_by"],
                "applied_hash": r["applied_hash"],
                "applied_by": r["applied_by"],
            })
        })
        .collect();
    rs.sort_by(|a, b| {
        a["resource"]["address"]
            .as_str()
            .cmp(&b["resource"]["address"].as_str())
    });
    rs
}

/// Files beside the database other than its own (the database, its WAL and shared
/// memory files) and its lock file.
fn strays(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join(".socialform"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ![
                "sandbox.db",
                "sandbox.db-wal",
                "sandbox.db-shm",
                "sandbox.db.lock",
            ]
            .contains(&n.as_str())
        })
        .collect()
}

const FACEBOOK: usize = 4;
const CHATS: usize = 24;
const NEW_CHATS: usize = 20;
const ATTRIBUTES: usize = 10;
const NEW_ATTRIBUTES: usize = 8;
const PROACTIVE: usize = 12;
const NEW_PROACTIVE: usize = 12;

fn catalog() -> String {
    let mut s = String::from(
        "flows = [\"welcome\", \"orders\", \"refunds\", \"status\"]\nplatform_attributes = [\"email\", \"phone\"]\n\n",
    );
    for i in 0..FACEBOOK {
        s += &format!(
            "[[accounts]]\nchannel = \"facebook\"\naccount = \"{}\"\ndisplay_name = \"Desk {i}\"\n\n",
            1_000_000 + i
        );
    }
    s += "[[brands]]\nname = \"acme\"\nchannels = [\"web\"]\n\n";
    s += "[[channels]]\nname = \"web\"\nschedules = [\"Office\"]\n\n";
    s += "[[mailboxes]]\nname = \"Care\"\ntopics = [\"T\"]\nfolders = [{ name = \"VIP\", custom = true }]\n\n";
    s += "[[topics]]\nname = \"T\"\naccounts = [\"1000000\", \"1000001\"]\n";
    s
}

/// Whether live chat `i` is in the configuration: the base one has the first `CHATS`;
/// the target one drops every tenth of them and adds `NEW_CHATS`.
fn chat_in(target: bool, i: usize) -> bool {
    if target { i % 10 != 3 } else { i < CHATS }
}

/// The configuration: `target = false` is the base applied before the trials, `true` is
/// what the trials apply on top of it. Between them every kind of resource and every
/// action (create, update, replace, delete) occurs.
fn config(target: bool) -> String {
    let mut s = String::from("[workspace]\nname = \"crash\"\n\n");
    s += &format!(
        "[messaging]\nconversation_control = \"release\"\nrouting = \"{}\"\n\n",
        if target { "assigned" } else { "broadcast" }
    );
    for i in 0..FACEBOOK {
        s += &format!(
            "[profiles.fb_{i}]\nchannel = \"facebook\"\naccount = \"{}\"\ngreeting = \"{} desk {i}.\"\n\n",
            1_000_000 + i,
            if target { "Welcome to" } else { "Hello from" }
        );
    }
    let chats = if target { CHATS + NEW_CHATS } else { CHATS };
    let mut present = Vec::new();
    for i in (0..chats).filter(|i| chat_in(target, *i)) {
        let flow = if target && i % 4 == 0 {
            "orders"
        } else {
            "welcome"
        };
        s += &format!(
            "[profiles.chat_{i:03}]\nchannel = \"live_chat\"\nstart_flow = \"{flow}\"\nattached_quick_replies = [{{ label = \"Agent\", flow = \"status\" }}]\n\n"
        );
        present.push(format!("chat_{i:03}"));
    }
    let groups = if target { 19 } else { 10 };
    for g in 0..groups {
        let shift = if target { 3 } else { 0 };
        let members: Vec<String> = (0..6)
            .map(|k| format!("\"{}\"", present[(g * 5 + k + shift) % present.len()]))
            .collect();
        s += &format!(
            "[groups.g{g:02}]\nname = \"Group {g}\"\nprofiles = [{}]\n\n",
            members.join(", ")
        );
    }
    let subs: Vec<String> = (0..groups).map(|g| format!("\"g{g:02}\"")).collect();
    s += &format!("[groups.all]\ngroups = [{}]\n\n", subs.join(", "));
    s += &format!(
        "[mailboxes.\"Care\".reply_profiles]\nfacebook = \"fb_{}\"\n\n[mailboxes.\"Care\".folders.\"VIP\".reply_profiles]\nfacebook = \"default\"\n\n",
        if target { 1 } else { 0 }
    );
    s += "[contacts]\nmatching_attribute = \"email\"\n";
    s += &format!("vip = {target}\n\n");
    s += &format!("[contact_attributes.phone]\nenabled = {}\n\n", !target);
    let attributes = if target {
        ATTRIBUTES + NEW_ATTRIBUTES
    } else {
        ATTRIBUTES
    };
    for a in 0..attributes {
        if target && a % 5 == 2 && a < ATTRIBUTES {
            continue; // deleted
        }
        let dropdown = target && a % 5 == 0; // a replace of a text attribute
        let label = if target && a % 5 == 1 {
            format!("Attribute {a} (renamed)")
        } else {
            format!("Attribute {a}")
        };
        if dropdown {
            s += &format!(
                "[contact_attributes.attr{a:03}]\nlabel = \"{label}\"\ntype = \"dropdown\"\noptions = [\"A\", \"B\"]\n\n"
            );
        } else {
            s += &format!(
                "[contact_attributes.attr{a:03}]\nlabel = \"{label}\"\ntype = \"text\"\n\n"
            );
        }
    }
    let messages = if target {
        PROACTIVE + NEW_PROACTIVE
    } else {
        PROACTIVE
    };
    for m in 0..messages {
        if target && m % 7 == 5 && m < PROACTIVE {
            continue; // deleted
        }
        let message = if target && m % 3 == 0 {
            format!("Still need help with page {m}?")
        } else {
            format!("Need help with page {m}?")
        };
        s += &format!(
            "[proactive_messages.m{m:03}]\nname = \"Message {m}\"\nbrand = \"acme\"\nchannel = \"web\"\nmessage = \"{message}\"\nfrequency = \"once_per_visit\"\nresponse = {{ type = \"agent\", follow_up = \"An agent is coming.\" }}\ntrigger = {{ event = \"page_view\", after = \"30s\" }}\nwhen = 'visitor.page_url contains_any [\"/p{m}\", \"/q{m}\"] and (device.language is \"fr\" or visitor.visit_history is new_user)'\n\n"
        );
    }
    s
}

/// The applies every trial runs: deletions are part of the change set.
const APPLY: &[&str] = &["apply", ".", "--auto-approve", "--allow-deletes"];

/// Writes the base configuration, applies it, then writes the target configuration: the
/// directory every trial starts from.
fn template(root: &Path) -> PathBuf {
    let dir = root.join("template").join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("catalog.toml"), catalog()).unwrap();
    std::fs::write(dir.join("socialform.toml"), config(false)).unwrap();
    run(&dir, APPLY, &[0]);
    run(&dir, &["plan", ".", "--detailed-exitcode"], &[0]);
    std::fs::write(dir.join("socialform.toml"), config(true)).unwrap();
    dir
}

/// A fresh copy of the template, named `cfg` like it (a configuration's identity is the
/// name of its directory).
fn trial_dir(root: &Path, template: &Path, name: &str) -> PathBuf {
    let dir = root.join(name).join("cfg");
    copy_dir(template, &dir);
    dir
}

/// An apply run to the end, timed: when its first write was reported and when it ended.
struct Calibration {
    first_write: Duration,
    total: Duration,
}

fn calibrate(dir: &Path) -> Calibration {
    let start = Instant::now();
    let mut child = Command::new(bin())
        .args(APPLY)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_write = None;
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if first_write.is_none() && line.starts_with("  ") && line.contains(": ") {
            first_write = Some(start.elapsed());
        }
        lines.push(line);
    }
    let status = child.wait().unwrap();
    let total = start.elapsed();
    assert!(status.success(), "{status:?}\n{}", lines.join("\n"));
    Calibration {
        first_write: first_write.expect("progress lines"),
        total,
    }
}

/// Checks that `now` (the plan after a kill) is exactly the work the full plan had left:
/// its last `now.len()` changes. The first remaining change may be the create half of a
/// replace whose delete went through. Returns whether that happened.
fn assert_remaining_work(full: &[Value], now: &[Value], context: &str) -> bool {
    assert!(
        now.len() <= full.len(),
        "{context}: {} changes after the kill, the full plan had {}\n{now:#?}",
        now.len(),
        full.len()
    );
    let tail = &full[full.len() - now.len()..];
    let mut half_replace = false;
    for (j, (n, f)) in now.iter().zip(tail).enumerate() {
        if j == 0 && f["action"] == "replace" && n["action"] == "create" {
            assert_eq!(n["address"], f["address"], "{context}");
            assert_eq!(n["drift"], false, "{context}");
            half_replace = true;
            continue;
        }
        assert_eq!(
            n,
            f,
            "{context}: change {j} of the remaining {} is not the full plan's",
            now.len()
        );
    }
    half_replace
}

#[test]
fn an_apply_killed_at_any_point_leaves_exactly_the_remaining_work() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let template = template(root);
    let full = plan_changes(&template);
    let actions: BTreeSet<&str> = full.iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        BTreeSet::from(["create", "delete", "replace", "update"]),
        "every action is exercised"
    );

    // One uninterrupted apply: how long it takes, and the platform it leaves.
    let reference = trial_dir(root, &template, "reference");
    let cal = calibrate(&reference);
    run(&reference, &["plan", ".", "--detailed-exitcode"], &[0]);
    let converged = platform(&reference);
    let per_write = cal.total.saturating_sub(cal.first_write) / full.len() as u32;
    eprintln!(
        "crash: {} changes; a full apply takes {:.0} ms, its first write at {:.0} ms ({:.2} ms a write); setup took {:.1} s",
        full.len(),
        cal.total.as_secs_f64() * 1e3,
        cal.first_write.as_secs_f64() * 1e3,
        per_write.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64()
    );

    let seed = std::env::var("SOCIALFORM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let trials_start = Instant::now();
    let (mut untouched, mut midway, mut finished, mut half_replaces, mut temp_left) =
        (0, 0, 0, 0, 0);
    let mut trials = 0;
    while trials < MAX_TRIALS && (trials < MIN_TRIALS || trials_start.elapsed() < BUDGET) {
        let trial_seed = seed ^ (trials as u64).wrapping_mul(0xA24B_AED4_963E_E407);
        let u = unit(trial_seed);
        let v = unit(trial_seed.rotate_left(29) ^ 0x9E37_79B9_7F4A_7C15);
        // Before the first write: a time; else after `lines` progress lines, `then` more.
        let (before, lines, then) = if u < 0.1 {
            (
                Some(cal.first_write.mul_f64(0.5 + 5.0 * u)),
                0,
                Duration::ZERO,
            )
        } else {
            let lines = ((u - 0.1) / 0.9 * full.len() as f64) as usize;
            (None, lines, per_write.mul_f64(v))
        };
        let dir = trial_dir(root, &template, &format!("trial-{trials:02}"));
        let context = match before {
            Some(d) => format!(
                "trial {trials} (seed {trial_seed:#x}, killed after {:.0} ms)",
                d.as_secs_f64() * 1e3
            ),
            None => format!(
                "trial {trials} (seed {trial_seed:#x}, killed {:.2} ms after progress line {lines})",
                then.as_secs_f64() * 1e3
            ),
        };

        let mut child = Command::new(bin())
            .args(APPLY)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let stderr = child.stderr.take().unwrap();
        match before {
            Some(delay) => std::thread::sleep(delay),
            None => {
                let mut seen = 0;
                let mut reader = BufReader::new(stderr).lines();
                while seen < lines {
                    match reader.next() {
                        Some(Ok(line)) if line.starts_with("  ") && line.contains(": ") => {
                            seen += 1
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    }
                }
                std::thread::sleep(then);
            }
        }
        let _ = child.kill(); // SIGKILL; a no-op when it already ended
        let status = child.wait().unwrap();
        assert!(
            status.success() || status.code().is_none(),
            "{context}: the apply failed on its own: {status:?}"
        );

        // The lock died with the process.
        let lock = std::fs::File::options()
            .write(true)
            .open(dir.join(".socialform/sandbox.db.lock"))
            .unwrap();
        assert!(lock.try_lock().is_ok(), "{context}: the lock is still held");
        drop(lock);

        // The database is one socialform opens (each write was its own transaction:
        // nothing half written), and nothing else was left beside it.
        let state = read_state(&dir);
        assert!(state["revision"].as_u64().is_some(), "{context}");
        let left = strays(&dir);
        assert!(
            left.is_empty(),
            "{context}: unexpected files beside the database (pid {pid}): {left:?}"
        );
        temp_left += left.len();

        // The next plan is accepted and shows exactly the work the full plan had left.
        let out = run(
            &dir,
            &[
                "plan",
                ".",
                "--format",
                "json",
                "--detailed-exitcode",
                "--lock-timeout",
                "0",
            ],
            &[0, 2],
        );
        // Opening the sandbox under its lock cleared what the killed run left.
        assert!(
            strays(&dir).is_empty(),
            "{context}: left beside the state after the next run: {:?}",
            strays(&dir)
        );
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        let now = plan["changes"].as_array().unwrap();
        assert_eq!(
            out.status.code() == Some(2),
            !now.is_empty(),
            "{context}: exit code and changes disagree"
        );
        half_replaces += usize::from(assert_remaining_work(&full, now, &context));
        match now.len() {
            0 => finished += 1,
            n if n == full.len() => untouched += 1,
            _ => midway += 1,
        }

        // A second apply converges to the platform an uninterrupted apply leaves.
        if !now.is_empty() {
            run(&dir, &[APPLY, &["--lock-timeout", "0"]].concat(), &[0]);
        }
        run(&dir, &["plan", ".", "--detailed-exitcode"], &[0]);
        assert!(
            platform(&dir) == converged,
            "{context}: the platform differs from an uninterrupted apply's"
        );
        assert!(
            strays(&dir).is_empty(),
            "{context}: the second apply left files: {:?}",
            strays(&dir)
        );
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
        trials += 1;
    }
    eprintln!(
        "crash: {trials} kills in {:.1} s ({:.1} s in all): {midway} mid-way ({half_replaces} between the two writes of a replace), {untouched} before the first write, {finished} after the last; {temp_left} temp files left behind",
        trials_start.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(trials >= MIN_TRIALS);
    assert!(
        midway * 2 >= trials,
        "too few kills landed mid-way ({midway} of {trials}): the calibration is off"
    );
}

/// The base of the refusal tests: live chats, groups, attributes, contact and messaging
/// settings and proactive messages, and `phone`, a platform contact attribute, in the
/// middle of the attributes.
fn refusal_workspace(root: &Path) -> PathBuf {
    let dir = root.join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("catalog.toml"), catalog()).unwrap();
    let mut s = String::from(
        "[workspace]\nname = \"crash\"\n\n[messaging]\nconversation_control = \"release\"\n\n",
    );
    for i in 0..6 {
        s += &format!("[profiles.chat_{i}]\nchannel = \"live_chat\"\nstart_flow = \"welcome\"\n\n");
    }
    s += "[profiles.chat_orders]\nchannel = \"live_chat\"\nstart_flow = \"orders\"\n\n";
    s += "[groups.chats]\nprofiles = [\"chat_0\", \"chat_1\", \"chat_orders\"]\n\n";
    for a in 0..3 {
        s += &format!("[contact_attributes.attr{a}]\ntype = \"text\"\n\n");
    }
    s += "[contact_attributes.phone]\nenabled = false\n\n";
    for a in 3..6 {
        s += &format!("[contact_attributes.attr{a}]\ntype = \"text\"\n\n");
    }
    s += "[contacts]\nmatching_attribute = \"email\"\n\n";
    for m in 0..3 {
        s += &format!(
            "[proactive_messages.m{m}]\nname = \"Message {m}\"\nbrand = \"acme\"\nchannel = \"web\"\nmessage = \"Hello\"\nfrequency = \"once_per_visit\"\nresponse = {{ type = \"agent\", follow_up = \"Soon.\" }}\ntrigger = {{ event = \"page_view\", after = \"30s\" }}\nwhen = 'visitor.page_url is \"/{m}\"'\n\n"
        );
    }
    std::fs::write(dir.join("socialform.toml"), s).unwrap();
    // The first plan creates the sandbox state from the catalog.
    run(&dir, &["plan", ".", "--detailed-exitcode"], &[2]);
    dir
}

/// What the platform holds, to compare before and after a run that must write nothing.
fn resources_now(dir: &Path) -> Value {
    let state = read_state(dir);
    serde_json::json!([state["revision"], state["resources"]])
}

#[test]
fn a_write_refused_half_way_stops_the_apply_and_the_next_plan_shows_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = refusal_workspace(tmp.path());
    // The platform loses its `phone` attribute while its catalog still lists it: the
    // live checks pass, the plan creates it, and the platform refuses to create a
    // platform attribute. The writes before it go through, the ones after it do not.
    // (Were `plan` to report such an impossible create itself, as it could from the
    // catalog, this test would need another way to have one write refused.)
    common::sandbox_lose(&state_path(&dir), "contact_attribute.phone");
    let full = plan_changes(&dir);
    let k = full
        .iter()
        .position(|c| c["address"] == "contact_attribute.phone")
        .unwrap();
    assert_eq!(full[k]["action"], "create");
    assert!(
        k > 3 && k + 3 < full.len(),
        "the refusal is half way: {k} of {}",
        full.len()
    );
    let before = resources_now(&dir);

    let out = run(&dir, &["apply", ".", "--auto-approve"], &[1]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: contact_attribute.phone (create) failed: the platform refused `contact_attribute.phone`: a platform contact attribute cannot be created or deleted"),
        "{stderr}"
    );
    let rest: Vec<&str> = full[k + 1..]
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        stderr.contains(&format!("not attempted: {}", rest.join(", "))),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{k} of {} changes applied", full.len())),
        "{stderr}"
    );
    // Progress was reported for exactly the changes before the refused one, in order.
    let reported: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(": created"))
        .collect();
    let expected: Vec<&str> = full[..k]
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(reported, expected);

    // The changes before the refusal are live and managed; nothing after it is.
    assert_ne!(resources_now(&dir), before);
    let state = read_state(&dir);
    let live = |address: &str| {
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"]["address"] == address)
            .cloned()
    };
    for a in &expected {
        let r = live(a).unwrap_or_else(|| panic!("{a} was applied"));
        assert_eq!(r["managed_by"], "socialform", "{a}");
    }
    for a in &rest {
        assert!(
            live(a).is_none_or(|r| r["managed_by"].is_null()),
            "{a} was not attempted"
        );
    }
    assert!(live("contact_attribute.phone").is_none());

    // The next plan is exactly the remaining work: the refused change and those after it.
    run(&dir, &["plan", ".", "--detailed-exitcode"], &[2]);
    assert_eq!(plan_changes(&dir), full[k..]);
    // Once the configuration no longer asks for the impossible, the rest applies.
    let config = std::fs::read_to_string(dir.join("socialform.toml")).unwrap();
    std::fs::write(
        dir.join("socialform.toml"),
        config.replace("[contact_attributes.phone]\nenabled = false\n\n", ""),
    )
    .unwrap();
    let out = run(&dir, &["apply", ".", "--auto-approve"], &[0]);
    assert!(
        text(&out.stderr).contains(&format!("Apply complete: {} created", rest.len())),
        "{}",
        text(&out.stderr)
    );
    run(&dir, &["plan", ".", "--detailed-exitcode"], &[0]);
}

#[test]
fn a_flow_removed_after_the_plan_stops_the_apply_before_any_write() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = refusal_workspace(tmp.path());
    run(&dir, &["plan", ".", "--out", "plan.json"], &[0]);
    // The flow a profile uses is deleted on the platform after the plan was reviewed: the
    // saved plan's versions still match, but the live checks of the apply catch it.
    // The catalog is read at every run: the flow is gone from the platform.
    let before = resources_now(&dir);
    let catalog = std::fs::read_to_string(dir.join("catalog.toml")).unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        catalog.replace("\"orders\", ", ""),
    )
    .unwrap();
    let out = run(&dir, &["apply", "plan.json"], &[1]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("flow `orders` does not exist on the platform"),
        "{stderr}"
    );
    assert_eq!(resources_now(&dir), before, "nothing written");
}
