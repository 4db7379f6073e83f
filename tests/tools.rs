//! import, export, snippet and explain, end to end: the built binary against a sandbox in
//! a temporary directory. Their logic is tested at library level (src/import.rs,
//! src/export.rs, src/snippet.rs, src/explain.rs); these prove the wiring and exit codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::text;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/tools/acme";

/// A copy of the fixture as `<tmp>/acme`; commands run in `<tmp>`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let (tmp, _) = common::workspace(FIXTURE, "acme", None);
    let root = tmp.path().to_path_buf();
    (tmp, root)
}

fn run(dir: &Path, args: &[&str], code: i32) -> Output {
    common::socialform(dir, args).assert_code(code)
}

fn applied() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = workspace();
    run(&root, &["apply", "acme", "--auto-approve"], 0);
    (tmp, root)
}

#[test]
fn import_round_trips_to_a_configuration_that_plans_no_changes() {
    let (_tmp, root) = applied();
    let out = run(&root, &["import", "acme", "--out", "imported"], 0);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Imported 18 resources"), "{stderr}");
    assert!(
        stderr.contains("profile.instagram_17841400000000001"),
        "unmanaged ones are named: {stderr}"
    );
    let dir = root.join("imported");
    for f in [
        "socialform.toml",
        "profiles/facebook.toml",
        "profiles/x.toml",
        "profiles/whatsapp.toml",
        "profiles/live_chat.toml",
        "groups.toml",
        "mailboxes.toml",
        "contacts.toml",
        "messaging.toml",
        "proactive/checkout_help.toml",
        "proactive/order_status.toml",
    ] {
        let body = std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(body.starts_with("#:schema "), "{f}: {body}");
    }
    assert!(dir.join("schemas/socialform.schema.json").is_file());
    assert!(
        dir.join("avatars/barnaby.png").is_file(),
        "a local avatar is copied beside the configuration"
    );
    // A configuration names no file outside its directory: the imported one reads the
    // same sandbox through --sandbox, as the import says.
    let root_file = std::fs::read_to_string(dir.join("socialform.toml")).unwrap();
    assert!(!root_file.contains(".."), "{root_file}");
    assert!(
        stderr.contains("socialform plan imported --sandbox acme/.socialform/sandbox.db"),
        "{stderr}"
    );
    let proactive = std::fs::read_to_string(dir.join("proactive/checkout_help.toml")).unwrap();
    assert!(proactive.contains("when = "), "{proactive}");
    assert!(!proactive.contains("conditions"), "{proactive}");

    let sandbox = "acme/.socialform/sandbox.db";
    run(&root, &["validate", "imported"], 0);
    run(
        &root,
        &[
            "plan",
            "imported",
            "--detailed-exitcode",
            "--sandbox",
            sandbox,
        ],
        0,
    );
    // From inside the imported directory too, naming the sandbox by the environment.
    let out = common::socialform(&dir, &["plan", ".", "--detailed-exitcode"])
        .env("SOCIALFORM_SANDBOX", "../acme/.socialform/sandbox.db")
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Without it, the new directory has no sandbox of its own: an error, not a guess.
    let out = run(&root, &["plan", "imported"], 1);
    assert!(
        text(&out.stderr).contains("--sandbox"),
        "{}",
        text(&out.stderr)
    );
    // Reading changed nothing for the original configuration.
    run(&root, &["plan", "acme", "--detailed-exitcode"], 0);

    // A directory that holds files, or one inside the configuration, is refused.
    let out = run(&root, &["import", "acme", "--out", "imported"], 1);
    assert!(
        text(&out.stderr).contains("is not empty"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&root, &["import", "acme", "--out", "acme/sub"], 1);
    assert!(text(&out.stderr).contains("inside the configuration directory"));
    assert!(!root.join("acme/sub").exists());

    // The default target is `<name>-imported` beside the configuration.
    run(&root.join("acme"), &["import"], 0);
    run(
        &root,
        &[
            "plan",
            "acme-imported",
            "--detailed-exitcode",
            "--sandbox",
            sandbox,
        ],
        0,
    );
}

#[test]
fn import_with_unmanaged_adopts_them_under_display_name_ids() {
    let (_tmp, root) = applied();
    run(
        &root,
        &["import", "acme", "--out", "all", "--include-unmanaged"],
        0,
    );
    run(&root, &["validate", "all"], 0);
    let instagram = std::fs::read_to_string(root.join("all/profiles/instagram.toml")).unwrap();
    assert!(instagram.contains("[profiles.acme_air]"), "{instagram}");
    let facebook = std::fs::read_to_string(root.join("all/profiles/facebook.toml")).unwrap();
    assert!(facebook.contains("[profiles.acme_cargo]"), "{facebook}");
    let out = run(
        &root,
        &[
            "plan",
            "all",
            "--format",
            "json",
            "--sandbox",
            "acme/.socialform/sandbox.db",
        ],
        0,
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let mut adopted: Vec<&str> = changes
        .iter()
        .map(|c| {
            assert_eq!(c["action"], "update");
            assert_eq!(c["fields"], Value::Array(vec![]), "{c}");
            c["address"].as_str().unwrap()
        })
        .collect();
    adopted.sort();
    assert_eq!(
        adopted,
        [
            "contact_attribute.phone",
            "profile.acme_air",
            "profile.acme_cargo"
        ]
    );
}

#[test]
fn export_groups_csv_expands_nested_groups() {
    let (_tmp, root) = applied();
    let out = run(&root, &["export", "groups", "acme"], 0);
    assert_eq!(
        text(&out.stdout),
        "group_id,group_name,profile,profile_id,profile_display_name\n\
         group.everything,Everything,web_chat,profile.web_chat,web_chat\n\
         group.everything,Everything,acme_fb,account:facebook:1234567890,Acme Air\n\
         group.everything,Everything,acme_wa,account:whatsapp:15550002222,Acme WhatsApp\n\
         group.everything,Everything,acme_x,account:x:@AcmeCare,Acme Air Care\n\
         group.messaging,messaging,acme_wa,account:whatsapp:15550002222,Acme WhatsApp\n\
         group.messaging,messaging,acme_fb,account:facebook:1234567890,Acme Air\n\
         group.messaging,messaging,acme_x,account:x:@AcmeCare,Acme Air Care\n\
         group.social,\"Social \"\"care\"\" team\",acme_fb,account:facebook:1234567890,Acme Air\n\
         group.social,\"Social \"\"care\"\" team\",acme_x,account:x:@AcmeCare,Acme Air Care\n"
    );
    run(
        &root,
        &["export", "groups", "acme", "--out", "groups.csv"],
        0,
    );
    assert_eq!(
        std::fs::read(root.join("groups.csv")).unwrap(),
        out.stdout,
        "--out writes what stdout shows"
    );
}

#[test]
fn export_groups_xlsx_needs_a_file_and_is_a_zip() {
    let (_tmp, root) = applied();
    run(&root, &["export", "groups", "acme", "--format", "xlsx"], 1);
    let out = run(
        &root,
        &[
            "export",
            "groups",
            "acme",
            "--format",
            "xlsx",
            "--out",
            "groups.xlsx",
        ],
        0,
    );
    assert!(out.stdout.is_empty());
    let bytes = std::fs::read(root.join("groups.xlsx")).unwrap();
    assert!(bytes.starts_with(b"PK"), "zip magic");
}

#[test]
fn snippet_needs_an_applied_live_chat_profile() {
    let (_tmp, root) = workspace();
    let out = run(&root, &["snippet", "web_chat", "acme"], 1);
    assert!(
        text(&out.stderr).contains("run `socialform apply` first"),
        "{}",
        text(&out.stderr)
    );
    run(&root, &["apply", "acme", "--auto-approve"], 0);
    let out = run(&root, &["snippet", "web_chat", "acme"], 0);
    let html = text(&out.stdout);
    assert!(html.contains("<script>"), "{html}");
    assert!(html.contains("\"profile\":\"profile.web_chat\""), "{html}");
    assert!(html.contains("\"workspace\":\"acme\""), "{html}");
    assert!(
        html.contains(
            "<!-- Allowed domains: https://www.acme.example, https://shop.acme.example -->"
        ),
        "{html}"
    );
    let out = run(&root, &["snippet", "help_chat", "acme"], 0);
    assert!(text(&out.stdout).contains("Allowed domains: any"));

    let out = run(&root, &["snippet", "acme_fb", "acme"], 1);
    assert!(
        text(&out.stderr).contains("`acme_fb` is a facebook profile, not a live chat profile"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&root, &["snippet", "web_caht", "acme"], 1);
    assert!(
        text(&out.stderr).contains("did you mean `web_chat`?"),
        "{}",
        text(&out.stderr)
    );
}

fn explain(root: &Path, args: &[&str], code: i32) -> (String, String) {
    let mut all = vec!["explain", "reply"];
    all.extend_from_slice(args);
    all.push("acme");
    let out = run(root, &all, code);
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn explain_reply_folder_mailbox_and_default() {
    let (_tmp, root) = applied();
    let mb = ["--mailbox", "Customer Care"];

    let (out, _) = explain(
        &root,
        &[&mb[..], &["--folder", "VIP", "--channel", "x"]].concat(),
        0,
    );
    assert!(
        out.contains("1. folder \"VIP\": x = \"acme_x\"   <- decides"),
        "{out}"
    );
    assert!(
        out.contains("Uses profile `acme_x` (account @AcmeCare): set by the folder \"VIP\""),
        "{out}"
    );

    let (out, _) = explain(
        &root,
        &[&mb[..], &["--folder", "VIP", "--channel", "facebook"]].concat(),
        0,
    );
    assert!(
        out.contains(
            "Uses profile `acme_fb` (account 1234567890): set by the mailbox \"Customer Care\""
        ),
        "{out}"
    );

    // "default" in the folder wins over the mailbox's profile.
    let (out, _) = explain(
        &root,
        &[
            &mb[..],
            &["--folder", "Complaints", "--channel", "facebook"],
        ]
        .concat(),
        0,
    );
    assert!(
        out.contains("the folder \"Complaints\" says \"default\""),
        "{out}"
    );
    assert!(
        out.contains("- `acme_fb`: account 1234567890, \"Acme Air\", topic \"Acme\""),
        "{out}"
    );
    assert!(
        out.contains("- (no profile in the configuration): account 5550001111, \"Acme Cargo\", topic \"Cargo\""),
        "{out}"
    );

    let (out, _) = explain(&root, &[&mb[..], &["--channel", "x"]].concat(), 0);
    assert!(
        out.contains("the mailbox \"Customer Care\" says \"default\""),
        "{out}"
    );
    assert!(
        out.contains("1. the profile last used to post on x"),
        "{out}"
    );
    assert!(out.contains("- `acme_x`: account @AcmeCare"), "{out}");

    let (out, _) = explain(&root, &["--mailbox", "Sales", "--channel", "whatsapp"], 0);
    assert!(out.contains("the mailbox sets none"), "{out}");
    assert!(out.contains("it has none"), "{out}");
}

#[test]
fn explain_reply_unknown_names_exit_1_with_a_suggestion() {
    let (_tmp, root) = applied();
    let (_, err) = explain(&root, &["--mailbox", "Customer Cair", "--channel", "x"], 1);
    assert!(err.contains("did you mean `Customer Care`?"), "{err}");
    let (_, err) = explain(
        &root,
        &[
            "--mailbox",
            "Customer Care",
            "--folder",
            "Complaint",
            "--channel",
            "x",
        ],
        1,
    );
    assert!(
        err.contains("has no smart folder `Complaint`; did you mean `Complaints`?"),
        "{err}"
    );
    let (_, err) = explain(&root, &["--mailbox", "Sales", "--channel", "facebok"], 1);
    assert!(
        err.contains("`facebok` is not a channel; did you mean `facebook`?"),
        "{err}"
    );
}
