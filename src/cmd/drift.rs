//! `socialform drift`: read-only comparison of the platform with the configuration, for
//! scheduled CI runs that catch hand edits.

use std::path::PathBuf;

use socialform::plan;

use super::plan::{Common, prepare};
use super::{Color, Error, Outcome};

/// How to print the drift report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// for people, coloured on a terminal
    Text,
    /// for a pull-request comment or a CI summary, with a legend
    Markdown,
    /// the plan JSON, each change with `config_changed` and `cause` (schemas/drift.schema.json)
    Json,
}

/// Report where the platform differs from the configuration, changing nothing.
///
/// Says per resource which fields differ and whether it is drift (changed outside
/// socialform since the last apply) or a configuration change not applied yet. Exits 0
/// when nothing differs, 2 when something does, 1 on error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    format: DriftFormat,
    #[command(flatten)]
    common: Common,
}

/// Runs `drift`.
pub fn cmd_drift(args: Args, color: Color) -> Result<Outcome, Error> {
    let prepared = match prepare(&args.path, &args.common, color)? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let planned = &prepared.planned;
    let changed: Vec<bool> = planned.steps.iter().map(|s| s.config_changed).collect();
    match args.format {
        DriftFormat::Text => out!(
            "{}",
            plan::render::drift(&planned.plan, &changed, color.stdout)
        ),
        DriftFormat::Markdown => out!("{}", plan::render::drift_markdown(&planned.plan, &changed)),
        DriftFormat::Json => out!(
            "{}",
            plan::drift::to_json(&plan::drift::DriftReport::new(&planned.plan, &changed))
        ),
    }
    Ok(if planned.plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Success
    })
}
