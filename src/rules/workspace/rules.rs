//! BackendTable rules: keys that belong to the chosen kind, and the sandbox's files, which
//! must stay inside the configuration directory. Secrets are caught with the unknown
//! keys, since `[backend]` has no key that could hold one.

use crate::config::DocPath;
use crate::config::files::{self, FileError};
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::Ctx;
use crate::rules::{BackendKind, BackendTable};

/// The diagnostic of a path written at `path` (a key's value) that cannot be used, or
/// `None` for a problem that only reading the file will tell (an I/O error).
pub(crate) fn path_problem(
    ctx: &Ctx<'_>,
    path: &DocPath,
    what: &str,
    problem: &FileError,
) -> Option<Diagnostic> {
    let d = match problem {
        FileError::Outside => Diagnostic::new(
            Code::PathOutside,
            format!("{what} leaves the configuration directory"),
        )
        .at(ctx.span(path), "outside the configuration directory")
        .help("paths in the configuration are relative to its directory and stay inside it, links resolved: no absolute path, no `..` above it, no link out of it"),
        FileError::NotAFile(kind) => Diagnostic::new(
            Code::NotAFile,
            format!("{what} is {kind}, not a regular file"),
        )
        .at(ctx.span(path), "not a regular file")
        .help("name a regular file: socialform never opens FIFOs, sockets or devices"),
        FileError::TooLarge(limit) => Diagnostic::new(
            Code::TooLarge,
            format!("{what} is larger than {} MiB", limit / (1024 * 1024)),
        )
        .at(ctx.span(path), "too large")
        .help("socialform reads files of at most 8 MiB"),
        FileError::Io(_) => return None,
    };
    Some(d)
}

/// Checks that `value` stays inside the configuration directory and, if it exists, is a
/// regular file within `limit`. `written` is true when `value` is the key's own value at
/// `path` (the diagnostic points there); otherwise it is a default or a file derived from
/// the value, and `what` names it.
fn sandbox_file(
    ctx: &mut Ctx<'_>,
    path: &DocPath,
    value: &str,
    what: &str,
    written: bool,
    limit: u64,
) -> bool {
    let Ok(root) = files::root_of(ctx.input.dir) else {
        return false;
    };
    let found = files::confine(&root, value)
        .and_then(|real| files::check_readable(&real, limit).map(|_| real));
    let Err(problem) = found else {
        return true;
    };
    let Some(mut d) = path_problem(ctx, path, what, &problem) else {
        return false;
    };
    let elsewhere = "to keep the sandbox state elsewhere (or share one sandbox between configurations), give `--sandbox PATH` (or `SOCIALFORM_SANDBOX`) on the command line";
    if !written {
        // Nothing written to point at: a default (or the lock) that is a link out.
        d.primary = None;
        d.help = Some(format!(
            "`{value}` must be a regular file inside the configuration directory, not a link out of it; {elsewhere}"
        ));
    } else if matches!(problem, FileError::Outside) && path.last_key() == Some("path") {
        d.help = Some(format!(
            "the state file is relative to the configuration directory and stays inside it; {elsewhere}"
        ));
    }
    ctx.push(d);
    false
}

/// The sandbox's state file, its lock and its catalog stay inside the directory.
fn sandbox_files(ctx: &mut Ctx<'_>, b: &BackendTable) {
    let at = DocPath::keys(["backend"]);
    let state = b.sandbox_path().to_string();
    let (what, written) = match &b.path {
        Some(_) => ("`backend.path`".to_string(), true),
        None => (format!("the sandbox state file `{state}`"), false),
    };
    if sandbox_file(ctx, &at.key("path"), &state, &what, written, u64::MAX) {
        // The lock sits beside the state; a link there would be opened for writing.
        let lock = format!("{state}.lock");
        let what = format!("the sandbox lock file `{lock}`");
        sandbox_file(ctx, &at.key("path"), &lock, &what, false, u64::MAX);
    }
    let catalog = b.catalog_path().to_string();
    let (what, written) = match &b.catalog {
        Some(_) => ("`backend.catalog`".to_string(), true),
        None => (format!("the sandbox catalog `{catalog}`"), false),
    };
    sandbox_file(
        ctx,
        &at.key("catalog"),
        &catalog,
        &what,
        written,
        files::MAX_FILE_BYTES,
    );
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let Some(b) = &ctx.config().backend else {
        sandbox_files(ctx, &BackendTable::default());
        return;
    };
    if b.kind == BackendKind::Sandbox {
        sandbox_files(ctx, b);
    }
    let at = DocPath::keys(["backend"]);
    let kind = crate::model::Target::from(b.kind).as_str();
    // Each key and the kinds that use it (config.md, "[backend]").
    let keys: [(&str, bool, &[BackendKind], &str); 7] = [
        ("path", b.path.is_some(), &[BackendKind::Sandbox], "sandbox"),
        (
            "catalog",
            b.catalog.is_some(),
            &[BackendKind::Sandbox],
            "sandbox",
        ),
        ("url", b.url.is_some(), &[BackendKind::Http], "http"),
        (
            "token_env",
            b.token_env.is_some(),
            &[BackendKind::Http, BackendKind::Meta],
            "http` or `meta",
        ),
        ("api_url", b.api_url.is_some(), &[BackendKind::Meta], "meta"),
        (
            "api_version",
            b.api_version.is_some(),
            &[BackendKind::Meta],
            "meta",
        ),
        (
            "account_tokens",
            !b.account_tokens.is_empty(),
            &[BackendKind::Meta],
            "meta",
        ),
    ];
    for (key, set, kinds, owners) in keys {
        if set && !kinds.contains(&b.kind) {
            let d = Diagnostic::new(
                Code::BackendKeyForOtherKind,
                format!("`backend.{key}` is not used by the `{kind}` backend"),
            )
            .at(ctx.key_span(&at.key(key)), format!("not a `{kind}` key"))
            .help(format!(
                "`{key}` is for `kind = \"{owners}\"`: remove it, or set `kind` to the backend that uses it"
            ));
            ctx.push(d);
        }
    }
    if b.kind == BackendKind::Http && b.url.is_none() {
        let d = Diagnostic::new(Code::BackendUrlRequired, "the `http` backend needs `url`")
            .at(ctx.key_span(&at), "no `url`")
            .help("add `url = \"https://...\"`: the base URL of the platform API");
        ctx.push(d);
    }
}
