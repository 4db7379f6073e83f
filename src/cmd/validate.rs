//! `socialform validate`: every offline check, no platform involved.

use std::path::PathBuf;

use super::{Color, DiagFormat, Error, Outcome, counts, print_diagnostics};

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
}

/// Runs `validate`.
pub fn cmd_validate(args: Args, color: Color) -> Result<Outcome, Error> {
    let loaded = socialform::config::load(&args.path)?;
    print_diagnostics(&loaded.diagnostics, &loaded.sources, args.format, color);
    let failed = loaded.has_failures(args.deny_warnings);
    if args.format == DiagFormat::Human {
        let files = loaded.sources.files().count();
        let verdict = if failed { "failed" } else { "ok" };
        eprintln!(
            "validate {verdict}: {} file{} checked, {}",
            files,
            if files == 1 { "" } else { "s" },
            counts(&loaded.diagnostics)
        );
    }
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}
