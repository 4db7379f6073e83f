//! `socialform plan`: validate, check against the live catalog, compare with the live
//! resources, and show (or save) what applying would change.

use std::path::{Path, PathBuf};
use std::time::Duration;

use socialform::backend::{self, Backend};
use socialform::pipeline::{self, Valid};
use socialform::plan::{self, Planned};

use socialform::diagnostics::Code;

use super::{Color, DiagFormat, DiagTo, Error, Outcome, counts, parse_allow, print_diagnostics};

/// How to print a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// for people, coloured on a terminal
    Text,
    /// for a pull-request comment
    Markdown,
    /// the plan JSON of config.md
    Json,
}

/// Show what applying the configuration would change on the platform.
///
/// Validates PATH first (errors stop the plan), checks every platform reference against
/// the live catalog, then compares the desired resources with the live ones. With --out,
/// the plan is also saved for `socialform apply FILE`, which refuses it once stale.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Also save the plan (JSON) to this file, for `socialform apply FILE`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit 2 when the plan has changes (0: none, 1: error).
    #[arg(long)]
    detailed_exitcode: bool,
    #[command(flatten)]
    common: Common,
}

/// Options every command that reads the platform takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Seconds to wait for another socialform run to release the platform's lock.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub lock_timeout: u64,
    /// The sandbox state file to use, anywhere: takes precedence over `[backend] path`,
    /// which must stay inside the configuration directory (sandbox backend only).
    #[arg(long, value_name = "PATH", env = "SOCIALFORM_SANDBOX", long_help = SANDBOX_HELP)]
    pub sandbox: Option<PathBuf>,
    /// How to print diagnostics (always on standard error).
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub diagnostics: DiagFormat,
    /// Accept this warning code for this run: it is not printed (as `[workspace] allow`
    /// does). Repeatable.
    #[arg(long = "allow", value_name = "CODE", value_parser = parse_allow)]
    pub allow: Vec<Code>,
}

/// The long help of `--sandbox`, shared by every command that opens the platform.
pub(super) const SANDBOX_HELP: &str = "The sandbox state file to use, anywhere (its lock is \
beside it, PATH.lock). The command line and the environment are trusted, the configuration \
is not: `[backend] path` must stay inside the configuration directory, while --sandbox may \
name any file, to keep the state outside a checkout or to share one sandbox between two \
configuration directories. Takes precedence over `[backend] path`; used by the sandbox \
backend only.";

/// A configuration that validated and passed the live checks: its backend (holding the
/// lock) and the plan.
pub struct Prepared {
    /// the platform, locked for this run
    pub backend: Box<dyn Backend>,
    /// what applying would do
    pub planned: Planned,
}

/// Opens the platform of a valid configuration, saying on stderr when it waits for
/// another run's lock and when a request is retried.
pub(super) fn open_platform(
    valid: &Valid,
    lock_timeout: u64,
    sandbox: Option<&Path>,
) -> Result<Box<dyn Backend>, backend::BackendError> {
    let options = pipeline::OpenOptions {
        lock_timeout: Duration::from_secs(lock_timeout),
        on_retry: Some(backend::http::Notify(std::sync::Arc::new(|line: &str| {
            errln!("  retry: {}", socialform::diagnostics::text::escape(line))
        }))),
        sandbox: sandbox.map(Path::to_path_buf),
    };
    let mut on_wait = |lock: &Path| {
        errln!(
            "waiting for another socialform run to release `{}` (up to {lock_timeout}s)...",
            socialform::diagnostics::text::escape(&lock.display().to_string()),
        )
    };
    let backend = pipeline::open_backend(valid, &options, &mut on_wait)?;
    print_notices(backend.notices());
    Ok(backend)
}

/// Prints what opening the platform did that the user should hear of (on stderr).
pub(super) fn print_notices(notices: &[backend::Notice]) {
    let shown =
        |p: &Path| socialform::diagnostics::text::escape(&p.display().to_string()).into_owned();
    for notice in notices {
        match notice {
            backend::Notice::Migrated { from, to, kept } => errln!(
                "note: migrated the sandbox state `{}` to the database `{}` (once; the old file is kept as `{}`)",
                shown(from),
                shown(to),
                shown(kept)
            ),
            backend::Notice::Added(address) => errln!(
                "note: `{}` was added from the sandbox catalog",
                socialform::diagnostics::text::escape(address)
            ),
        }
    }
}

/// Runs the pipeline: load, validate, read the platform, check against its catalog,
/// plan. Diagnostics are printed here; `Err(outcome)` inside means they stopped the run.
pub fn prepare(
    path: &Path,
    common: &Common,
    color: Color,
) -> Result<Result<Prepared, Outcome>, Error> {
    let validation = pipeline::validate(pipeline::load(path)?);
    // One report per run: machine formats print one JSON array, so the offline findings
    // wait for the live ones unless they stop the run on their own. Everything goes to
    // standard error (standard output holds only the plan), without info notes and
    // without the codes the configuration allows.
    let report = |config: &socialform::rules::Config,
                  sources: &socialform::diagnostics::Sources,
                  diags: &[socialform::diagnostics::Diagnostic],
                  stage: &str| {
        let shown = super::shown(config, diags, &common.allow, DiagTo::Stderr);
        print_diagnostics(&shown, sources, common.diagnostics, color, DiagTo::Stderr);
        let failed = shown.iter().any(|d| d.is_failure(false));
        if failed && common.diagnostics == DiagFormat::Human {
            errln!("{stage} failed: {}", counts(&shown));
        }
        failed
    };
    let valid = match validation.into_valid() {
        Ok(valid) => valid,
        Err(invalid) => {
            report(
                invalid.config(),
                invalid.sources(),
                &invalid.diagnostics,
                "validate",
            );
            return Ok(Err(Outcome::Failed));
        }
    };
    let opened = open_platform(&valid, common.lock_timeout, common.sandbox.as_deref())
        .and_then(|mut b| Ok((b.read()?, b)));
    let (live, backend) = match opened {
        Ok(x) => x,
        Err(e) => {
            report(
                valid.config(),
                valid.sources(),
                valid.diagnostics(),
                "validate",
            );
            return Err(e.into());
        }
    };
    let checked = match pipeline::check_live(&valid, &live.catalog) {
        Ok(checked) => checked,
        Err(diags) => {
            report(valid.config(), valid.sources(), &diags, "live checks");
            return Ok(Err(Outcome::Failed));
        }
    };
    // Live resources whose catalog entry disappeared are kept, and said so.
    let mut live_diags = checked.diagnostics().to_vec();
    live_diags.extend(socialform::platform::catalog::orphan_diagnostics(
        &live.catalog,
        &live.resources,
    ));
    report(valid.config(), valid.sources(), &live_diags, "live checks");
    let planned = pipeline::plan(&checked, &live, recorded_path(path));
    // The configuration and the live state are not needed again by this one-shot process,
    // and freeing them item by item (millions of small allocations for a large workspace)
    // costs about 7% of a plan: the process exit returns the memory at once. Neither
    // holds a file, a lock or a connection (the backend, which does, is returned).
    std::mem::forget(checked);
    std::mem::forget(live);
    std::mem::forget(valid);
    Ok(Ok(Prepared { backend, planned }))
}

/// The configuration's path as a saved plan records it: relative to the working
/// directory, `/`-separated, so that `apply PLANFILE` in a fresh checkout (another
/// directory, same layout) finds it; absolute only when the two share no root.
fn recorded_path(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => socialform::tools::import::relative_path(&cwd, path),
        Err(_) => std::path::absolute(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .to_string_lossy()
            .replace('\\', "/"),
    }
}

/// Runs `plan`.
pub fn cmd_plan(args: Args, color: Color) -> Result<Outcome, Error> {
    let prepared = match prepare(&args.path, &args.common, color)? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let plan = &prepared.planned.plan;
    match args.format {
        PlanFormat::Text => out!("{}", plan::render::text(plan, color.stdout)),
        PlanFormat::Markdown => out!("{}", plan::render::markdown(plan)),
        PlanFormat::Json => out!("{}", plan::to_json(plan)),
    }
    if let Some(out) = &args.out {
        std::fs::write(out, plan::to_json(plan)).map_err(|source| Error::Write {
            path: out.display().to_string(),
            source,
        })?;
        errln!(
            "Saved the plan to `{}`: apply exactly it with `socialform apply {}`.",
            out.display(),
            out.display()
        );
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Success
    })
}
