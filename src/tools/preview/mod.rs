//! `socialform preview`: one self-contained HTML page (styles and images inline, no
//! network at view time) that shows every profile, per channel and per locale, as the
//! customer sees it, and with a saved plan each changed resource before and after, side
//! by side, with the changed words highlighted.
//!
//! The page is built from the desired resources of [`crate::model::desired`] (address,
//! kind and the configuration keys as JSON fields), not from the typed configuration, so
//! a new key shows up with little work. The library returns the page; the CLI writes it.

pub mod avatar;
mod page;
pub mod text;
pub mod view;

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use crate::catalog::Catalog;
use crate::model::{Kind, Resource};
use crate::plan::{Action, Change, Plan};
use crate::rules::BackendKind;
use crate::rules::Config;

/// The Content-Security-Policy of the page: no request of any kind, inline styles and
/// `data:` images only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The largest sandbox catalog read for display names.
const CATALOG_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// What the page is made from.
pub struct Input<'a> {
    /// the validated configuration
    pub config: &'a Config,
    /// the resources it asks for ([`crate::pipeline::Valid::desired`])
    pub resources: &'a [Resource],
    /// its directory (local avatar files are read below it)
    pub dir: &'a Path,
    /// the configuration as named on the command line, shown in the page's header
    pub source: &'a str,
    /// the sandbox catalog, for the accounts' display names
    pub catalog: Option<&'a Catalog>,
    /// a saved plan, to show each change before and after
    pub plan: Option<&'a Plan>,
}

/// Why no page was made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// the plan is for another workspace
    #[error("the plan is for workspace `{plan}`, but this configuration manages `{config}`")]
    OtherWorkspace {
        /// the plan's workspace
        plan: String,
        /// the configuration's
        config: String,
    },
    /// the plan was made from another configuration (or from this one before an edit)
    #[error(
        "the plan was made from another configuration, or from this one before it changed: run `socialform plan --out` on it again"
    )]
    OtherConfiguration,
    /// the plan file has a format this version does not read
    #[error("the plan has format version `{0}`; this socialform reads version {v}", v = crate::plan::FORMAT_VERSION)]
    FormatVersion(String),
    /// the plan creates or updates a resource the configuration does not declare
    #[error("the plan changes `{0}`, which this configuration does not declare")]
    UnknownAddress(String),
    /// the template failed (a bug)
    #[error("the page could not be rendered: {0}")]
    Template(String),
}

/// Why the sandbox catalog was not used for display names (the page then shows account ids).
#[derive(Debug, thiserror::Error)]
pub enum CatalogSkipped {
    /// the catalog path leaves the configuration directory
    #[error("the sandbox catalog `{0}` is outside the configuration directory")]
    Outside(String),
    /// not a regular file, or too large
    #[error("the sandbox catalog `{0}` is not a regular file of at most 8 MiB")]
    NotRegular(String),
    /// it does not parse
    #[error("the sandbox catalog `{0}` cannot be read: {1}")]
    Invalid(String, String),
}

/// The sandbox catalog of a configuration that uses the sandbox, when it is there:
/// `Ok(None)` for another backend or a missing file.
pub fn sandbox_catalog(config: &Config, dir: &Path) -> Result<Option<Catalog>, CatalogSkipped> {
    let backend = config.backend.clone().unwrap_or_default();
    if backend.kind != BackendKind::Sandbox {
        return Ok(None);
    }
    let name = backend.catalog_path().to_string();
    let path = dir.join(&name);
    if !path.exists() {
        return Ok(None);
    }
    let (Ok(root), Ok(real)) = (dir.canonicalize(), path.canonicalize()) else {
        return Ok(None);
    };
    if !real.starts_with(&root) {
        return Err(CatalogSkipped::Outside(name));
    }
    match std::fs::metadata(&real) {
        Ok(m) if m.is_file() && m.len() <= CATALOG_MAX_BYTES => {}
        _ => return Err(CatalogSkipped::NotRegular(name)),
    }
    crate::backend::sandbox::read_catalog(&real)
        .map(Some)
        .map_err(|e| CatalogSkipped::Invalid(name, e.to_string()))
}

/// One resource of the page: its fields before and after the plan (the same fields on
/// both sides without a plan or a change).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub address: String,
    pub kind: Kind,
    /// the plan's change of it, if any
    pub change: Option<ChangeInfo>,
    /// the live resource the plan starts from (none for a create)
    pub before: Option<Value>,
    /// the configuration's resource (none for a delete)
    pub after: Option<Value>,
}

/// What the page says about a change.
#[derive(Debug, Clone)]
pub(crate) struct ChangeInfo {
    pub action: Action,
    pub drift: bool,
    pub drift_reason: Option<String>,
    pub paths: Vec<String>,
}

fn object(fields: &IndexMap<String, Value>) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Sets the dotted `path` of `fields` to `value`, creating tables on the way; `null`
/// removes the key.
fn set_path(fields: &mut Value, path: &str, value: &Value) {
    let mut node = fields;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if !node.is_object() {
            *node = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = node else { return };
        if keys.peek().is_none() {
            if value.is_null() {
                map.shift_remove(key);
            } else {
                map.insert(key.to_string(), value.clone());
            }
            return;
        }
        node = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

/// The fields of a resource before a change: the configuration's with each changed
/// path set back to its `before` value.
fn before_of(after: &Value, change: &Change) -> Value {
    let mut before = after.clone();
    for f in &change.fields {
        set_path(&mut before, &f.path, &f.before);
    }
    before
}

/// A deleted resource's fields, from the change alone.
fn deleted(change: &Change) -> Value {
    let mut before = Value::Object(serde_json::Map::new());
    for f in &change.fields {
        if !f.before.is_null() {
            set_path(&mut before, &f.path, &f.before);
        }
    }
    before
}

/// Checks that `plan` was made for this configuration: same workspace, same desired state.
fn check_plan(plan: &Plan, config: &Config, resources: &[Resource]) -> Result<(), PreviewError> {
    if plan.format_version != crate::plan::FORMAT_VERSION {
        return Err(PreviewError::FormatVersion(plan.format_version.clone()));
    }
    if plan.workspace != config.workspace.name {
        return Err(PreviewError::OtherWorkspace {
            plan: plan.workspace.clone(),
            config: config.workspace.name.clone(),
        });
    }
    if plan.basis.config_hash != crate::rules::config_hash(config, resources) {
        return Err(PreviewError::OtherConfiguration);
    }
    Ok(())
}

/// Pairs every desired resource with the plan's change of it, and adds the deletions.
fn entries(resources: &[Resource], plan: Option<&Plan>) -> Result<Vec<Entry>, PreviewError> {
    let changes: IndexMap<&str, &Change> = plan
        .map(|p| p.changes.iter().map(|c| (c.address.as_str(), c)).collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(resources.len());
    for r in resources {
        let after = object(&r.fields);
        let change = changes.get(r.address.as_str()).copied();
        let before = match change.map(|c| c.action) {
            None => None,
            Some(Action::Create) => None,
            Some(Action::Update | Action::Replace) => change.map(|c| before_of(&after, c)),
            Some(Action::Delete) => return Err(PreviewError::UnknownAddress(r.address.clone())),
        };
        out.push(Entry {
            address: r.address.clone(),
            kind: r.kind,
            change: change.map(info),
            before,
            after: Some(after),
        });
    }
    for c in changes.values() {
        if resources.iter().any(|r| r.address == c.address) {
            continue;
        }
        if c.action != Action::Delete {
            return Err(PreviewError::UnknownAddress(c.address.clone()));
        }
        out.push(Entry {
            address: c.address.clone(),
            kind: c.kind,
            change: Some(info(c)),
            before: Some(deleted(c)),
            after: None,
        });
    }
    Ok(out)
}

fn info(c: &Change) -> ChangeInfo {
    ChangeInfo {
        action: c.action,
        drift: c.drift,
        drift_reason: c.drift_reason.clone(),
        paths: c.fields.iter().map(|f| f.path.clone()).collect(),
    }
}

/// The page: one HTML document.
pub fn render(input: &Input<'_>) -> Result<String, PreviewError> {
    if let Some(plan) = input.plan {
        check_plan(plan, input.config, input.resources)?;
    }
    let entries = entries(input.resources, input.plan)?;
    page::render(input, &entries)
}

#[cfg(test)]
mod tests;
