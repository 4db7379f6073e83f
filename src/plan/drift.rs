//! The drift report: the plan, and per change what `drift` adds to it: whether the
//! configuration changed since the resource was last applied, and so whether the
//! difference is drift (the platform moved), a pending change (the configuration did)
//! or both. Printed by `drift --format json`; its JSON Schema is committed in
//! [`SCHEMA_FILE`]. The plan's own fields keep the meaning and the form of the plan JSON
//! (config.md, "Plan output").

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{Action, Basis, Change, FieldChange, Plan, Summary};
use crate::model::Kind;

/// Where the drift report's JSON Schema is committed.
pub const SCHEMA_FILE: &str = "schemas/drift.schema.json";

/// What one difference between the platform and the configuration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// the live resource moved since the last apply (changed outside socialform, or
    /// applied by another configuration); the configuration did not: applying undoes it
    Drift,
    /// the configuration asks for something not applied yet (including a resource to
    /// create, or one removed from the configuration); the live resource did not move
    PendingChange,
    /// both: the live resource moved and the configuration changed too
    DriftAndPendingChange,
}

/// What change `c` is, given whether the configuration changed since its last apply.
pub fn cause(c: &Change, config_changed: bool) -> Cause {
    match (c.action, c.drift, config_changed) {
        (Action::Create, _, _) => Cause::PendingChange,
        // A drifted resource removed from the configuration: both.
        (Action::Delete, true, _) => Cause::DriftAndPendingChange,
        (Action::Delete, false, _) => Cause::PendingChange,
        (_, true, true) => Cause::DriftAndPendingChange,
        (_, true, false) => Cause::Drift,
        (_, false, _) => Cause::PendingChange,
    }
}

/// One difference: the plan's change, with what drift adds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftChange {
    /// the resource's address, such as `profile.acme_fb`
    pub address: String,
    /// the kind of resource
    pub kind: Kind,
    /// what applying the configuration would do to it
    pub action: Action,
    /// the live resource was changed outside socialform since its last apply (or applied
    /// by another configuration since)
    pub drift: bool,
    /// why it counts as drift
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_reason: Option<String>,
    /// the change loses live data (a replace)
    pub destructive: bool,
    /// the fields that differ: `before` is the live value, `after` the configuration's
    pub fields: Vec<FieldChange>,
    /// the configuration asks for something else than what it last applied to this
    /// resource (always true for a resource to create or to delete; false when another
    /// configuration applied it last, since this one's change cannot be told)
    pub config_changed: bool,
    /// what the difference is, from `drift`, `config_changed` and `action`
    pub cause: Cause,
}

/// The report of `drift --format json`: the plan's fields, each change with what drift
/// adds to it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "socialform drift report, format version 1")]
pub struct DriftReport {
    /// `"1"`, the plan's format version
    pub format_version: String,
    /// the workspace compared
    pub workspace: String,
    /// the differences, in the order applying would carry them out
    pub changes: Vec<DriftChange>,
    /// addresses of live resources this tool does not manage
    pub unmanaged: Vec<String>,
    /// counts per action
    pub summary: Summary,
    /// what the comparison was computed from
    pub basis: Basis,
}

impl DriftReport {
    /// The report of a plan; `config_changed[i]` tells whether change `i` is asked for by
    /// the configuration (claimed when missing).
    pub fn new(plan: &Plan, config_changed: &[bool]) -> Self {
        let changes = plan
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let changed = config_changed.get(i).copied().unwrap_or(true);
                let cause = cause(c, changed);
                // Destructured whole, so that a field added to `Change` is added here too.
                let Change {
                    address,
                    kind,
                    action,
                    drift,
                    drift_reason,
                    destructive,
                    fields,
                } = c.clone();
                DriftChange {
                    address,
                    kind,
                    action,
                    drift,
                    drift_reason,
                    destructive,
                    fields,
                    config_changed: changed,
                    cause,
                }
            })
            .collect();
        DriftReport {
            format_version: plan.format_version.clone(),
            workspace: plan.workspace.clone(),
            changes,
            unmanaged: plan.unmanaged.clone(),
            summary: plan.summary.clone(),
            basis: plan.basis.clone(),
        }
    }
}

/// The drift report's JSON Schema (draft 2020-12), generated from [`DriftReport`].
pub fn json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    settings
        .into_generator()
        .into_root_schema_for::<DriftReport>()
        .to_value()
}

/// The drift report's JSON Schema as committed in [`SCHEMA_FILE`].
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// The report as pretty JSON, as printed.
pub fn to_json(report: &DriftReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    fn change(action: Action, drift: bool) -> Change {
        Change {
            address: "profile.p".into(),
            kind: Kind::Profile,
            action,
            drift,
            drift_reason: drift.then(|| "changed outside socialform since the last apply".into()),
            destructive: false,
            fields: vec![],
        }
    }

    #[test]
    fn causes() {
        use Action::*;
        assert_eq!(cause(&change(Create, false), true), Cause::PendingChange);
        assert_eq!(cause(&change(Update, false), true), Cause::PendingChange);
        assert_eq!(cause(&change(Update, true), false), Cause::Drift);
        assert_eq!(
            cause(&change(Update, true), true),
            Cause::DriftAndPendingChange
        );
        assert_eq!(
            cause(&change(Delete, true), true),
            Cause::DriftAndPendingChange
        );
        assert_eq!(cause(&change(Delete, false), true), Cause::PendingChange);
    }

    #[test]
    fn the_report_is_the_plan_with_two_keys_more_per_change() {
        let plan = Plan {
            format_version: "1".into(),
            workspace: "w".into(),
            changes: vec![change(Action::Update, true), change(Action::Create, false)],
            unmanaged: vec!["group.x".into()],
            summary: Summary {
                create: 1,
                update: 1,
                replace: 0,
                delete: 0,
            },
            basis: Basis {
                config: "c".into(),
                config_hash: "h".into(),
                live: IndexMap::new(),
            },
        };
        let report = serde_json::to_value(DriftReport::new(&plan, &[false])).unwrap();
        let mut plan_json = serde_json::to_value(&plan).unwrap();
        let changes = plan_json["changes"].as_array_mut().unwrap();
        changes[0]["config_changed"] = false.into();
        changes[0]["cause"] = "drift".into();
        changes[1]["config_changed"] = true.into();
        changes[1]["cause"] = "pending_change".into();
        assert_eq!(report, plan_json);
    }
}
