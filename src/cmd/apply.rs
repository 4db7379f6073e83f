//! `socialform apply`: carry out a plan, either one computed now (shown, then confirmed)
//! or one saved by `plan --out` (refused when stale).

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use socialform::diagnostics::text::escape as esc;
use socialform::plan::apply_report::{self, ApplyReport};
use socialform::plan::{self, Action, Plan};

use super::plan::{Common, Prepared, prepare};
use super::{Color, Error, Outcome};

/// How to report an apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApplyFormat {
    /// for people: the plan on standard output, progress and the outcome on standard error
    Text,
    /// one JSON report on standard output of what was applied, what failed and what was
    /// left (schemas/apply-report.schema.json); the plan, progress and diagnostics go to
    /// standard error
    Json,
}

/// Apply a configuration, or a plan saved by `socialform plan --out FILE`.
///
/// With a configuration (directory or root file), plans, shows the plan and asks for
/// confirmation on a terminal (--auto-approve skips it; without a terminal it is
/// required). With a saved plan, applies exactly it, and refuses it when the
/// configuration or any live resource changed since it was made.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file, or a saved plan file.
    #[arg(default_value = ".")]
    target: PathBuf,
    /// Apply without asking for confirmation.
    #[arg(long)]
    auto_approve: bool,
    /// Allow deleting more than 30% of the managed resources of a workspace.
    #[arg(long)]
    allow_deletes: bool,
    /// How many writes run at once against an http backend. The sandbox ignores it: it
    /// writes one at a time, each its own transaction.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    parallelism: u16,
    /// How to report the apply: `json` prints one report on standard output, also when
    /// the apply stops half way or is refused.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    format: ApplyFormat,
    #[command(flatten)]
    common: Common,
}

fn is_plan_file(path: &Path) -> bool {
    path.is_file() && path.extension().is_none_or(|e| e != "toml")
}

/// Reads a saved plan; shared by `apply` and `preview`.
pub(super) fn read_plan(path: &Path) -> Result<Plan, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.display().to_string(),
        source,
    })?;
    // serde's messages may quote the file; say where and what kind of error only.
    serde_json::from_str(&text).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Eof => "the file ends early",
            serde_json::error::Category::Data => "not the plan format",
            serde_json::error::Category::Io => "a read error",
        };
        Error::PlanFile {
            path: path.display().to_string(),
            reason: format!("{kind} at line {}, column {}", e.line(), e.column()),
        }
    })
}

/// Asks on the terminal; only `yes` goes ahead.
fn confirm(n: usize) -> bool {
    err!(
        "\nApply these {n} change{}? Only `yes` is accepted: ",
        if n == 1 { "" } else { "s" }
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim() == "yes"
}

/// Runs `apply`; with `--format json`, prints its report whatever happens.
pub fn cmd_apply(args: Args, color: Color) -> Result<Outcome, Error> {
    let format = args.format;
    let mut report = None;
    let result = run(args, color, &mut report);
    if format == ApplyFormat::Json {
        let report = report.unwrap_or_else(|| {
            let message = match &result {
                Err(e) => e.to_string(),
                Ok(_) => "no plan was made: the configuration or its live checks have errors \
                          (the diagnostics are on standard error)"
                    .to_string(),
            };
            ApplyReport::error(None, message)
        });
        out!("{}", apply_report::to_json(&report));
    }
    result
}

/// Applies, leaving in `report` what the JSON report says once a plan exists.
fn run(args: Args, color: Color, report: &mut Option<ApplyReport>) -> Result<Outcome, Error> {
    let json = args.format == ApplyFormat::Json;
    let saved = if is_plan_file(&args.target) {
        Some(read_plan(&args.target)?)
    } else {
        None
    };
    let config_path = saved
        .as_ref()
        .map_or_else(|| args.target.clone(), |p| PathBuf::from(&p.basis.config));
    let mut prepared = match prepare(&config_path, &args.common, color)? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let planned = &prepared.planned;
    // Refused before anything is attempted: the report says why, with every change left.
    let refuse = |report: &mut Option<ApplyReport>, e: Error| {
        *report = Some(ApplyReport::refused(&planned.plan, e.to_string()));
        Err(e)
    };
    match &saved {
        Some(saved) => {
            if let Err(reason) = plan::check_fresh(saved, planned) {
                let e = Error::Stale {
                    path: args.target.display().to_string(),
                    reason,
                };
                return refuse(report, e);
            }
        }
        // The plan is for people: on standard output, unless that holds the report.
        None if json => err!("{}", plan::render::text(&planned.plan, color.stderr)),
        None => out!("{}", plan::render::text(&planned.plan, color.stdout)),
    }
    if !planned.plan.has_changes() {
        *report = Some(ApplyReport::nothing_to_do(&planned.plan));
        errln!("Nothing to do.");
        return Ok(Outcome::Success);
    }
    if let Err(e) = plan::safety::check_deletes(planned, args.allow_deletes) {
        return refuse(report, e.into());
    }
    if saved.is_none() && !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            return refuse(report, Error::NeedsApproval);
        }
        if !confirm(planned.plan.changes.len()) {
            *report = Some(ApplyReport::refused(
                &planned.plan,
                "the apply was not confirmed: nothing was changed".to_string(),
            ));
            errln!("Apply cancelled: nothing was changed.");
            return Ok(Outcome::Failed);
        }
    }
    let (outcome, done) = execute(&mut prepared, usize::from(args.parallelism));
    *report = Some(done);
    Ok(outcome)
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Replace => "replaced",
        Action::Delete => "deleted",
    }
}

fn execute(prepared: &mut Prepared, parallelism: usize) -> (Outcome, ApplyReport) {
    use socialform::apply::Event;
    // A bar on a terminal, one line per change otherwise (CI logs, tests).
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(prepared.planned.plan.changes.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |event: Event<'_>| match (&bar, event) {
        (Some(bar), Event::Applied { address, action }) => {
            bar.inc(1);
            bar.set_message(format!("{}: {}", esc(address), past(action)));
        }
        (Some(bar), Event::Failed { address, error, .. }) => {
            bar.println(format!(
                "  {}: failed: {}",
                esc(address),
                esc(&error.to_string())
            ));
        }
        (None, Event::Applied { address, action }) => {
            errln!("  {}: {}", esc(address), past(action))
        }
        // Failures are listed once, after the run.
        (None, Event::Failed { .. }) => {}
    };
    let report = socialform::apply::execute(
        prepared.backend.as_ref(),
        &prepared.planned,
        parallelism,
        &progress,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let json = ApplyReport::from_run(&prepared.planned.plan, &report);
    let outcome = match report.failed.first() {
        None if report.is_complete() => {
            let n = |a: Action| report.applied.iter().filter(|(_, x)| *x == a).count();
            errln!(
                "Apply complete: {} created, {} updated, {} replaced, {} deleted.",
                n(Action::Create),
                n(Action::Update),
                n(Action::Replace),
                n(Action::Delete)
            );
            Outcome::Success
        }
        _ => {
            for f in &report.failed {
                errln!(
                    "error: {} ({}) failed: {}",
                    esc(&f.address),
                    f.action.as_str(),
                    esc(&f.error.to_string())
                );
            }
            if !report.not_attempted.is_empty() {
                errln!("not attempted: {}", esc(&report.not_attempted.join(", ")));
            }
            errln!(
                "{} of {} changes applied; `socialform plan` shows the remaining work.",
                report.applied.len(),
                prepared.planned.plan.changes.len()
            );
            Outcome::Failed
        }
    };
    (outcome, json)
}
