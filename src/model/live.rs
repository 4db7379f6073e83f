//! The live side of the model: resources as the platform holds them (with their
//! versions and the marks socialform left), one snapshot of the platform, and the writes
//! that change it. The plan is made of these, so it never needs a backend.

use serde::{Deserialize, Serialize};

use super::Resource;
use crate::catalog::Catalog;

/// A resource as it is live: its fields, version and the marks socialform left on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveResource {
    /// the resource as the platform holds it
    pub resource: Resource,
    /// bumped by every write; writes name the version they expect
    pub version: u64,
    /// who manages it (`socialform`), absent when no tool ever wrote it
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// the hash of the fields socialform last applied
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_hash: Option<String>,
    /// the identity of the configuration that last applied it ([`crate::model::config_id`])
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_by: Option<String>,
}

/// One consistent snapshot of the platform.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    /// what the configuration refers to
    pub catalog: Catalog,
    /// every resource of a kind socialform manages
    pub resources: Vec<LiveResource>,
}

impl LiveState {
    /// The live resource with this platform key ([`Resource::key`]).
    pub fn get(&self, key: &str) -> Option<&LiveResource> {
        self.resources.iter().find(|r| r.resource.key() == key)
    }
}

/// What one write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOp {
    /// create a resource that does not exist
    Create,
    /// replace the fields of an existing resource
    Update,
    /// delete an existing resource
    Delete,
}

/// One write of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// create, update or delete
    pub op: WriteOp,
    /// the resource: its new fields (create, update), or the live one (delete)
    pub resource: Resource,
    /// the live version the write is based on (update, delete)
    pub expected_version: Option<u64>,
    /// the hash recorded with the write (create, update)
    pub applied_hash: Option<String>,
    /// the configuration recorded with the write (create, update)
    pub applied_by: Option<String>,
}

impl Write {
    /// Creates or updates `resource`, recording its hash (`Resource::hash`, which the
    /// caller has computed already) and the configuration that applies it.
    pub fn put(
        op: WriteOp,
        resource: &Resource,
        expected_version: Option<u64>,
        hash: String,
        config_id: &str,
    ) -> Write {
        Write {
            op,
            resource: resource.clone(),
            expected_version,
            applied_hash: Some(hash),
            applied_by: Some(config_id.to_string()),
        }
    }

    /// Deletes a live resource at the version it was read.
    pub fn delete(live: &LiveResource) -> Write {
        Write {
            op: WriteOp::Delete,
            resource: live.resource.clone(),
            expected_version: Some(live.version),
            applied_hash: None,
            applied_by: None,
        }
    }
}
