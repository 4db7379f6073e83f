//! `socialform validate`: every offline check, no platform involved.

use std::path::PathBuf;

use socialform::diagnostics::Code;

use super::{Color, DiagFormat, DiagTo, Error, Outcome, counts, parse_allow, print_diagnostics};

/// Check a configuration against every platform limit, offline.
///
/// Reads PATH (a directory with `socialform.toml`, or one file), reports every problem at
/// once, and exits 1 when there are errors (or warnings, with --deny-warnings).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    format: DiagFormat,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Accept this warning or info code for this run: it is not printed and does not fail
    /// --deny-warnings (as `[workspace] allow` does). Repeatable.
    #[arg(long = "allow", value_name = "CODE", value_parser = parse_allow)]
    allow: Vec<Code>,
}

/// Runs `validate`.
pub fn cmd_validate(args: Args, color: Color) -> Result<Outcome, Error> {
    let checked = socialform::pipeline::validate(socialform::pipeline::load(&args.path)?);
    let shown = super::shown(
        checked.config(),
        &checked.diagnostics,
        &args.allow,
        DiagTo::Validate,
    );
    print_diagnostics(
        &shown,
        checked.sources(),
        args.format,
        color,
        DiagTo::Validate,
    );
    let failed = shown.iter().any(|d| d.is_failure(args.deny_warnings));
    if args.format == DiagFormat::Human {
        let files = checked.sources().files().count();
        let verdict = if failed { "failed" } else { "ok" };
        errln!(
            "validate {verdict}: {} file{} checked, {}",
            files,
            if files == 1 { "" } else { "s" },
            counts(&shown)
        );
    }
    // Freeing the checked configuration item by item is a tenth of a large `validate`;
    // the process exit returns the memory at once (it holds no file or lock).
    std::mem::forget(checked);
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}
