//! Builders of resources and live resources for the library's unit tests, in one place.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Kind, LiveResource, MANAGER, Resource};

/// The fields of a JSON object, in order.
pub fn fields(v: Value) -> IndexMap<String, Value> {
    match v {
        Value::Object(o) => o.into_iter().collect(),
        other => panic!("fields of a non-object: {other}"),
    }
}

/// A resource from its address, kind and fields (a JSON object).
pub fn resource(address: &str, kind: Kind, fields_of: Value) -> Resource {
    Resource::new(address, kind, fields(fields_of))
}

/// `resource` as live at `version`, managed by socialform or not, with no applied hash.
pub fn live(resource: Resource, version: u64, managed: bool) -> LiveResource {
    LiveResource {
        resource,
        version,
        managed_by: managed.then(|| MANAGER.to_string()),
        applied_hash: None,
        applied_by: None,
    }
}

/// `resource` as socialform left it at `version`: managed, its hash recorded.
pub fn applied(resource: Resource, version: u64) -> LiveResource {
    let hash = resource.hash();
    LiveResource {
        applied_hash: Some(hash),
        ..live(resource, version, true)
    }
}
