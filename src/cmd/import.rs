//! `socialform import`: write a configuration directory from the live platform.

use std::path::{Path, PathBuf};

use socialform::model::LiveState;
use socialform::pipeline::{self, Valid};
use socialform::tools::import::{self, ImportError, Note, Options};

use socialform::diagnostics::text::escape as esc;

use super::{Color, DiagFormat, DiagTo, Error, Outcome, counts, print_diagnostics};

/// Write a configuration directory from what is live on the platform.
///
/// Reads the platform of the configuration at PATH (its [workspace] and [backend]) and
/// writes to DIR a configuration that validates and plans to no changes against that
/// platform: socialform.toml (pointing at the same platform), profiles/<channel>.toml,
/// groups.toml, mailboxes.toml, contacts.toml, messaging.toml and proactive/<id>.toml.
/// Only resources socialform manages are imported unless --include-unmanaged is given.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file whose platform is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Directory to write (must not exist, or be empty; must be outside PATH).
    /// Default: `<name of PATH>-imported`, next to PATH.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also import resources no socialform configuration manages (connected accounts'
    /// profiles never configured, platform attributes, resources made in the platform's
    /// UI): the first plan then adopts them.
    #[arg(long)]
    include_unmanaged: bool,
    #[command(flatten)]
    common: ReadOptions,
}

/// Options of the commands that only read the platform (import, export, snippet,
/// explain).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadOptions {
    /// Seconds to wait for another socialform run to release the platform's lock.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub lock_timeout: u64,
    /// The sandbox state file to use, anywhere: takes precedence over `[backend] path`,
    /// which must stay inside the configuration directory (sandbox backend only).
    #[arg(long, value_name = "PATH", env = "SOCIALFORM_SANDBOX", long_help = super::plan::SANDBOX_HELP)]
    pub sandbox: Option<PathBuf>,
    /// How to print the configuration's diagnostics, when it has errors.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub diagnostics: DiagFormat,
}

/// Loads and validates the configuration at `path`; its errors stop the run (printed
/// here, as `Err(outcome)`).
pub(super) fn load_checked(
    path: &Path,
    common: &ReadOptions,
    color: Color,
) -> Result<Result<Valid, Outcome>, Error> {
    match pipeline::validate(pipeline::load(path)?).into_valid() {
        Ok(valid) => Ok(Ok(valid)),
        Err(invalid) => {
            let shown = super::shown(invalid.config(), &invalid.diagnostics, &[], DiagTo::Stderr);
            print_diagnostics(
                &shown,
                invalid.sources(),
                common.diagnostics,
                color,
                DiagTo::Stderr,
            );
            if common.diagnostics == DiagFormat::Human {
                errln!("validate failed: {}", counts(&shown));
            }
            Ok(Err(Outcome::Failed))
        }
    }
}

/// Reads one snapshot of the platform of a valid configuration; the platform's lock is
/// released before returning.
pub(super) fn read_platform(valid: &Valid, common: &ReadOptions) -> Result<LiveState, Error> {
    let mut platform =
        super::plan::open_platform(valid, common.lock_timeout, common.sandbox.as_deref())?;
    Ok(platform.read()?)
}

/// The prose of an import error, with what to do about it.
pub(super) fn describe(e: &ImportError) -> String {
    match e {
        ImportError::NotEmpty(_) | ImportError::NotADirectory(_) => {
            format!("{e}: import writes a new configuration; choose another directory with --out")
        }
        ImportError::InsideConfig { .. } => format!(
            "{e}: its files would be merged into that configuration; choose a directory outside it with --out"
        ),
        ImportError::Io { .. } => e.to_string(),
    }
}

/// `<dir name>-imported` beside the configuration directory.
fn default_out(config_dir: &Path) -> PathBuf {
    let dir = std::path::absolute(config_dir).unwrap_or_else(|_| config_dir.to_path_buf());
    let dir = dir.canonicalize().unwrap_or(dir);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "socialform".to_string());
    dir.parent()
        .unwrap_or(Path::new("."))
        .join(format!("{name}-imported"))
}

/// Runs `import`.
pub fn cmd_import(args: Args, color: Color) -> Result<Outcome, Error> {
    let valid = match load_checked(&args.path, &args.common, color)? {
        Ok(l) => l,
        Err(outcome) => return Ok(outcome),
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(valid.dir()));
    import::check_target(&out, valid.dir())?;
    let live = read_platform(&valid, &args.common)?;
    std::fs::create_dir_all(&out).map_err(|source| Error::Write {
        path: out.display().to_string(),
        source,
    })?;
    let config = valid.config();
    let backend = import::backend_for(config.backend.as_ref());
    let imported = import::import(
        &live,
        &config.workspace.name,
        Some(backend),
        &Options {
            include_unmanaged: args.include_unmanaged,
        },
    );
    let comment = format!(
        "Imported from the live platform of workspace `{}` by `socialform import`.",
        config.workspace.name
    );
    let files = import::files(&imported.config, &comment);
    import::write(&out, &files)?;
    let mut notes = imported.notes.clone();
    notes.extend(import::copy_local_files(
        &imported.config,
        valid.dir(),
        &out,
    )?);

    report(&notes);
    let written = files.iter().filter(|f| f.path.ends_with(".toml")).count();
    errln!(
        "Imported {} resource{} into `{}` ({written} configuration file{}).",
        imported.resources,
        if imported.resources == 1 { "" } else { "s" },
        out.display(),
        if written == 1 { "" } else { "s" },
    );

    // The promise is a configuration that validates: hold the written files to it.
    let check = pipeline::validate(pipeline::load(&out)?);
    if check.has_failures(false) {
        print_diagnostics(
            &check.diagnostics,
            check.sources(),
            DiagFormat::Human,
            color,
            DiagTo::Stderr,
        );
        errln!(
            "error: the imported configuration does not validate ({}); please report this",
            counts(&check.diagnostics)
        );
        return Ok(Outcome::Failed);
    }
    let adopted = imported
        .notes
        .iter()
        .any(|n| matches!(n, Note::Adopted(_) | Note::Differs { .. }));
    // A configuration names no file outside its directory: the new one reads the same
    // sandbox through --sandbox.
    let source_backend = valid.backend();
    let sandbox = match source_backend.kind {
        socialform::rules::BackendKind::Sandbox => {
            let files = pipeline::sandbox_files(
                &source_backend,
                valid.dir(),
                args.common.sandbox.as_deref(),
            )?;
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            format!(" --sandbox {}", import::relative_path(&cwd, &files.state))
        }
        socialform::rules::BackendKind::Http | socialform::rules::BackendKind::Meta => {
            String::new()
        }
    };
    if adopted {
        errln!(
            "Next: `socialform plan {}{sandbox}` shows the changes listed above; nothing else.",
            out.display()
        );
    } else {
        errln!(
            "Next: `socialform plan {}{sandbox}` shows no changes.",
            out.display()
        );
    }
    Ok(Outcome::Success)
}

fn report(notes: &[Note]) {
    let unmanaged: Vec<&str> = notes
        .iter()
        .filter_map(|n| match n {
            Note::Unmanaged(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    if !unmanaged.is_empty() {
        errln!(
            "Left out {} unmanaged resource{} (--include-unmanaged imports them): {}",
            unmanaged.len(),
            if unmanaged.len() == 1 { "" } else { "s" },
            esc(&unmanaged.join(", "))
        );
    }
    for n in notes {
        match n {
            Note::Unmanaged(_) => {}
            Note::Adopted(a) => errln!(
                "  {}: unmanaged; the first plan adopts it (an update without field changes)",
                esc(a)
            ),
            Note::Renamed { address, id } => {
                errln!("  {}: imported as `{}`", esc(address), esc(id))
            }
            Note::Undecodable { address, reason } => {
                errln!(
                    "warning: {} left out: its live fields are not valid configuration: {}",
                    esc(address),
                    esc(reason)
                )
            }
            Note::FileNotCopied { path, reason } => {
                errln!("warning: `{}` not copied: {}", esc(path), esc(reason))
            }
            Note::Differs { address, paths } => errln!(
                "warning: {}: planning the import would still change {}",
                esc(address),
                esc(&paths.join(", "))
            ),
        }
    }
}
