//! The report of `apply --format json`: what was done, what failed (with the platform's
//! message) and what was left, also when the apply stopped half way or never started.
//! Its JSON Schema is committed in [`SCHEMA_FILE`].

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{Action, Change, Plan};
use crate::apply::Report;
use crate::model::Kind;

/// Where the apply report's JSON Schema is committed.
pub const SCHEMA_FILE: &str = "schemas/apply-report.schema.json";

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// every change of the plan was applied (exit 0)
    Applied,
    /// the plan had no changes (exit 0)
    NothingToDo,
    /// a change failed: the changes in `applied` were made, those in `failed` were not,
    /// nor those in `not_attempted`; the next plan shows exactly the remaining work (exit 1)
    Failed,
    /// nothing was attempted: a saved plan went stale, too many deletes without
    /// `--allow-deletes`, no confirmation; `message` says which (exit 1)
    Refused,
    /// no plan could be made: the configuration or the platform could not be read, or
    /// their checks failed; `message` says why, the diagnostics are on standard error
    /// (exit 1)
    Error,
}

/// One change of the plan and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// the resource's address, such as `profile.acme_fb`
    pub address: String,
    /// the kind of resource
    pub kind: Kind,
    /// what the change does
    pub action: Action,
}

/// A change that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Failed {
    /// the resource's address
    pub address: String,
    /// the kind of resource
    pub kind: Kind,
    /// what the change was to do
    pub action: Action,
    /// why it failed, with the platform's message
    pub error: String,
}

/// How many changes ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// changes applied
    pub applied: usize,
    /// changes that failed
    pub failed: usize,
    /// changes not attempted
    pub not_attempted: usize,
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "socialform apply report, format version 1")]
#[schemars(transform = present_when_null)]
pub struct ApplyReport {
    /// `"1"`
    pub format_version: String,
    /// the workspace applied to (`null` when no plan was made: status `error`)
    pub workspace: Option<String>,
    /// how the apply ended
    pub status: Status,
    /// why nothing was attempted (`refused`) or no plan was made (`error`); otherwise `null`
    pub message: Option<String>,
    /// the changes applied, in the order they completed
    pub applied: Vec<Step>,
    /// the changes that failed (more than one when several were running at the time)
    pub failed: Vec<Failed>,
    /// the changes not attempted, in plan order
    pub not_attempted: Vec<Step>,
    /// how many changes ended each way
    pub summary: Counts,
}

/// `workspace` and `message` are always written, as `null` when there is none: the
/// schema requires them (schemars makes an `Option` optional).
fn present_when_null(schema: &mut schemars::Schema) {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        for key in ["workspace", "message"] {
            if !required.iter().any(|k| k == key) {
                required.push(key.into());
            }
        }
    }
}

fn step(c: &Change) -> Step {
    Step {
        address: c.address.clone(),
        kind: c.kind,
        action: c.action,
    }
}

impl ApplyReport {
    fn new(workspace: Option<&str>, status: Status, message: Option<String>) -> Self {
        ApplyReport {
            format_version: super::FORMAT_VERSION.to_string(),
            workspace: workspace.map(str::to_string),
            status,
            message,
            applied: Vec::new(),
            failed: Vec::new(),
            not_attempted: Vec::new(),
            summary: Counts::default(),
        }
    }

    fn count(mut self) -> Self {
        self.summary = Counts {
            applied: self.applied.len(),
            failed: self.failed.len(),
            not_attempted: self.not_attempted.len(),
        };
        self
    }

    /// A plan without changes.
    pub fn nothing_to_do(plan: &Plan) -> Self {
        Self::new(Some(&plan.workspace), Status::NothingToDo, None)
    }

    /// A plan of which nothing was attempted, and why.
    pub fn refused(plan: &Plan, message: String) -> Self {
        let mut r = Self::new(Some(&plan.workspace), Status::Refused, Some(message));
        r.not_attempted = plan.changes.iter().map(step).collect();
        r.count()
    }

    /// No plan: why (the workspace when it is known).
    pub fn error(workspace: Option<&str>, message: String) -> Self {
        Self::new(workspace, Status::Error, Some(message))
    }

    /// What the executor did with `plan`. (Every address the executor reports is one of
    /// the plan's changes: it reports nothing else.)
    pub fn from_run(plan: &Plan, run: &Report) -> Self {
        let by_address: HashMap<&str, &Change> = plan
            .changes
            .iter()
            .map(|c| (c.address.as_str(), c))
            .collect();
        let find = |address: &str| by_address.get(address).copied();
        let status = if run.is_complete() {
            Status::Applied
        } else {
            Status::Failed
        };
        let mut r = Self::new(Some(&plan.workspace), status, None);
        r.applied = run
            .applied
            .iter()
            .filter_map(|(address, _)| find(address).map(step))
            .collect();
        r.failed = run
            .failed
            .iter()
            .filter_map(|f| {
                find(&f.address).map(|c| Failed {
                    address: c.address.clone(),
                    kind: c.kind,
                    action: c.action,
                    error: f.error.to_string(),
                })
            })
            .collect();
        r.not_attempted = run
            .not_attempted
            .iter()
            .filter_map(|address| find(address).map(step))
            .collect();
        r.count()
    }

    /// Whether the apply ended with exit 0.
    pub fn is_success(&self) -> bool {
        matches!(self.status, Status::Applied | Status::NothingToDo)
    }
}

/// The apply report's JSON Schema (draft 2020-12), generated from [`ApplyReport`].
pub fn json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    settings
        .into_generator()
        .into_root_schema_for::<ApplyReport>()
        .to_value()
}

/// The apply report's JSON Schema as committed in [`SCHEMA_FILE`].
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// The report as pretty JSON, as printed.
pub fn to_json(report: &ApplyReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}
