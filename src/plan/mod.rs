//! The plan: desired resources compared with live ones, field by field, ordered by
//! dependency, with the safety checks and the record (`basis`) a saved plan needs to be
//! refused when it went stale. Its JSON form is the contract of config.md, "Plan output".

pub mod apply_report;
pub mod diff;
pub mod drift;
pub mod order;
pub mod render;
pub mod safety;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Kind, MANAGER, Resource};
use crate::model::{LiveResource, LiveState, Write, WriteOp};

/// The plan's format version.
pub const FORMAT_VERSION: &str = "1";

/// Where the plan's JSON Schema is committed.
pub const SCHEMA_FILE: &str = "schemas/plan.schema.json";

/// What a change does to a resource.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// the resource does not exist live and is created
    Create,
    /// the live resource's fields are changed
    Update,
    /// the live resource is deleted and created again (destructive)
    Replace,
    /// the live resource is deleted
    Delete,
}

impl Action {
    /// The spelling in plans.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One field that changes: its dotted path, its live value and its desired value (`null`
/// when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// dotted path of the field, such as `greeting` or `response.follow_up`
    pub path: String,
    /// the live value (`null` when absent)
    pub before: Value,
    /// the desired value (`null` when absent)
    pub after: Value,
}

/// One change to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// the resource's address, such as `profile.acme_fb`
    pub address: String,
    /// the kind of resource
    pub kind: Kind,
    /// what happens to it
    pub action: Action,
    /// the live resource was changed outside socialform since its last apply
    pub drift: bool,
    /// why it counts as drift: changed outside socialform, or applied by another configuration
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_reason: Option<String>,
    /// the change loses live data (a replace)
    pub destructive: bool,
    /// the fields that change
    pub fields: Vec<FieldChange>,
}

/// How many changes of each action a plan holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// resources created
    pub create: usize,
    /// resources updated
    pub update: usize,
    /// resources replaced
    pub replace: usize,
    /// resources deleted
    pub delete: usize,
}

/// What a plan was computed from, so that `apply` can refuse it once stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    /// the configuration directory or root file, relative to the working directory where
    /// `plan` ran (`/`-separated), so a fresh checkout can apply it
    pub config: String,
    /// the hash of the configuration's desired state
    pub config_hash: String,
    /// the version of every live resource the plan saw, by platform key
    pub live: IndexMap<String, u64>,
}

/// A plan, as printed by `plan --format json` and saved by `plan --out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "socialform plan, format version 1")]
pub struct Plan {
    /// `"1"`
    pub format_version: String,
    /// the workspace the plan is for
    pub workspace: String,
    /// the changes, in the order they are applied
    pub changes: Vec<Change>,
    /// addresses of live resources this tool does not manage (never deleted unless `prune = true`)
    pub unmanaged: Vec<String>,
    /// counts per action
    pub summary: Summary,
    /// what the plan was computed from
    pub basis: Basis,
}

impl Plan {
    /// Whether the plan changes anything.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// How one change is carried out, beside the change itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// the writes, in order (a replace is a delete then a create)
    pub writes: Vec<Write>,
    /// the configuration asks for something else than what was last applied
    pub config_changed: bool,
}

/// A plan with what executing it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// the plan as shown and saved
    pub plan: Plan,
    /// one step per change, in the same order
    pub steps: Vec<Step>,
    /// how many live resources socialform manages
    pub managed: usize,
}

/// Why a live resource counts as drift, if it does: it was changed outside socialform
/// since its last apply (its fields no longer hash to the recorded hash), or another
/// configuration applied it since (the recorded configuration is not this one).
pub fn drift_reason(live: &LiveResource, config_id: &str) -> Option<String> {
    if live.managed_by.as_deref() != Some(MANAGER) {
        return None;
    }
    if live
        .applied_hash
        .as_ref()
        .is_some_and(|h| *h != live.resource.hash())
    {
        return Some("changed outside socialform since the last apply".to_string());
    }
    match &live.applied_by {
        Some(by) if by != config_id => Some(format!(
            "last applied by another configuration (`{by}`), not this one (`{config_id}`)"
        )),
        _ => None,
    }
}

/// Whether changing `live` into `desired` is a replace: a field of the kind's
/// [`crate::model::KindSpec::replaced_on`] that both set, to different values.
fn is_replace(desired: &Resource, live: &Resource) -> bool {
    desired.kind.spec().replaced_on.iter().any(|f| {
        match (desired.fields.get(*f), live.fields.get(*f)) {
            (Some(d), Some(l)) => d != l,
            _ => false,
        }
    })
}

/// What the plan is computed from: the workspace settings and the configuration's record.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// `[workspace] name`
    pub workspace: &'a str,
    /// `[workspace] prune`
    pub prune: bool,
    /// the configuration's path, recorded in the plan
    pub config_path: String,
    /// the configuration's hash, recorded in the plan
    pub config_hash: String,
    /// the configuration's identity, recorded on every resource written
    pub config_id: &'a str,
    /// the desired resources
    pub desired: &'a [Resource],
    /// the hash of each desired resource ([`Resource::hash`]), in the same order
    pub hashes: &'a [String],
    /// the live snapshot
    pub live: &'a LiveState,
}

/// Compares desired resources with the live snapshot and orders the changes.
pub fn build(input: &Input<'_>) -> Planned {
    let live = input.live;
    // One index of the snapshot: looking each desired resource up by scanning the live
    // ones made a plan quadratic in the workspace's size.
    let by_key: std::collections::HashMap<String, &LiveResource> = live
        .resources
        .iter()
        .map(|r| (r.resource.key(), r))
        .collect();
    let mut matched = std::collections::HashSet::new();
    let mut items: Vec<(Change, Step)> = Vec::new();
    for (d, desired_hash) in input.desired.iter().zip(input.hashes) {
        let key = d.key();
        let Some(l) = by_key.get(&key).copied() else {
            let fields = diff::comparable(None, Some(d));
            let write = Write::put(
                WriteOp::Create,
                d,
                None,
                desired_hash.clone(),
                input.config_id,
            );
            items.push((
                Change {
                    address: d.address.clone(),
                    kind: d.kind,
                    action: Action::Create,
                    drift: false,
                    drift_reason: None,
                    destructive: false,
                    fields,
                },
                Step {
                    writes: vec![write],
                    config_changed: true,
                },
            ));
            continue;
        };
        matched.insert(key);
        let fields = diff::comparable(Some(&l.resource), Some(d));
        let managed = l.managed_by.as_deref() == Some(MANAGER);
        if fields.is_empty() && managed && l.resource.address == d.address {
            continue;
        }
        let reason = drift_reason(l, input.config_id);
        let drift = reason.is_some();
        // Whether this configuration changed since it last applied the resource; unknown
        // (and not claimed) when another configuration applied it since.
        let config_changed = l.applied_by.as_deref().is_none_or(|b| b == input.config_id)
            && l.applied_hash.as_deref() != Some(desired_hash.as_str());
        let replace = is_replace(d, &l.resource);
        let (action, writes) = if replace {
            let create = Write::put(
                WriteOp::Create,
                d,
                None,
                desired_hash.clone(),
                input.config_id,
            );
            (Action::Replace, vec![Write::delete(l), create])
        } else {
            let upd = Write::put(
                WriteOp::Update,
                d,
                Some(l.version),
                desired_hash.clone(),
                input.config_id,
            );
            (Action::Update, vec![upd])
        };
        items.push((
            Change {
                address: d.address.clone(),
                kind: d.kind,
                action,
                drift,
                drift_reason: reason,
                destructive: replace,
                fields,
            },
            Step {
                writes,
                config_changed,
            },
        ));
    }
    let mut unmanaged = Vec::new();
    for l in &live.resources {
        if matched.contains(&l.resource.key()) {
            continue;
        }
        let managed = l.managed_by.as_deref() == Some(MANAGER);
        if l.resource.is_platform_owned() || !(managed || input.prune) {
            unmanaged.push(l.resource.address.clone());
            continue;
        }
        let fields = diff::comparable(Some(&l.resource), None);
        let del = Write::delete(l);
        items.push((
            Change {
                address: l.resource.address.clone(),
                kind: l.resource.kind,
                action: Action::Delete,
                drift: drift_reason(l, input.config_id).is_some(),
                drift_reason: drift_reason(l, input.config_id),
                destructive: false,
                fields,
            },
            Step {
                writes: vec![del],
                config_changed: true,
            },
        ));
    }
    let items = order::order(items, input.desired, live);
    let mut summary = Summary::default();
    for (c, _) in &items {
        match c.action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::Replace => summary.replace += 1,
            Action::Delete => summary.delete += 1,
        }
    }
    let (changes, steps) = items.into_iter().unzip();
    let basis = Basis {
        config: input.config_path.clone(),
        config_hash: input.config_hash.clone(),
        live: live
            .resources
            .iter()
            .map(|r| (r.resource.key(), r.version))
            .collect(),
    };
    Planned {
        plan: Plan {
            format_version: FORMAT_VERSION.to_string(),
            workspace: input.workspace.to_string(),
            changes,
            unmanaged,
            summary,
            basis,
        },
        steps,
        managed: live
            .resources
            .iter()
            .filter(|r| r.managed_by.as_deref() == Some(MANAGER))
            .count(),
    }
}

/// Why a saved plan can no longer be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    /// the configuration changed since the plan was made
    #[error("the configuration changed since the plan was made")]
    ConfigChanged,
    /// live resources changed since the plan was made
    #[error("the platform changed since the plan was made: {}", .0.join(", "))]
    LiveMoved(Vec<String>),
    /// the plan's changes are not what planning now gives
    #[error("the plan's changes differ from what planning now gives")]
    ChangesDiffer,
    /// the plan is for another workspace
    #[error("the plan is for workspace `{0}`")]
    OtherWorkspace(String),
    /// the plan file is of another format version
    #[error("the plan has format version `{0}`, this socialform writes `1`")]
    FormatVersion(String),
}

/// Whether a saved plan still describes what applying now would do.
pub fn check_fresh(saved: &Plan, now: &Planned) -> Result<(), Stale> {
    if saved.format_version != FORMAT_VERSION {
        return Err(Stale::FormatVersion(saved.format_version.clone()));
    }
    if saved.workspace != now.plan.workspace {
        return Err(Stale::OtherWorkspace(saved.workspace.clone()));
    }
    if saved.basis.config_hash != now.plan.basis.config_hash {
        return Err(Stale::ConfigChanged);
    }
    let (a, b) = (&saved.basis.live, &now.plan.basis.live);
    let mut moved: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    moved.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
    if !moved.is_empty() {
        return Err(Stale::LiveMoved(moved));
    }
    if saved.changes != now.plan.changes {
        return Err(Stale::ChangesDiffer);
    }
    Ok(())
}

/// The plan's JSON Schema (draft 2020-12), generated from [`Plan`].
pub fn json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    settings
        .into_generator()
        .into_root_schema_for::<Plan>()
        .to_value()
}

/// The plan's JSON Schema as committed in [`SCHEMA_FILE`].
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// The plan as pretty JSON, as printed and saved.
pub fn to_json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
