//! How the model types that API bodies carry look on the wire: the JSON Schemas of
//! [`Resource`], [`LiveResource`] and [`Catalog`], written beside the API rather than in
//! the model (which knows no wire). `tests/schema.rs` holds them to what the types
//! serialize: every example value of each type validates against its schema, and a
//! property the type does not have is refused where the type refuses it.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::MAX_ADDRESS;
use crate::catalog::Catalog;
use crate::model::{Kind, LiveResource, Resource};

impl JsonSchema for Resource {
    fn schema_name() -> Cow<'static, str> {
        "Resource".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kind = generator.subschema_for::<Kind>();
        json_schema!({
            "type": "object",
            "description": "One resource: where it is, what it is, and its fields.",
            "required": ["address", "kind", "fields"],
            "properties": {
                "address": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_ADDRESS,
                    "description": "Its address as written: `profile.acme_fb`, `reply_profiles[\"Customer Care\"][\"VIP\"]`, `contacts`, ..."
                },
                "kind": kind,
                "fields": {
                    "type": "object",
                    "description": "The resource's fields (config.md), in a stable order."
                }
            }
        })
    }
}

impl JsonSchema for LiveResource {
    fn schema_name() -> Cow<'static, str> {
        "LiveResource".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let resource = generator.subschema_for::<Resource>();
        json_schema!({
            "type": "object",
            "description": "A resource as it is live: its fields, version and the marks socialform left on it.",
            "required": ["resource", "version"],
            "properties": {
                "resource": resource,
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Bumped by every write (the workspace revision at that write)."
                },
                "managed_by": {
                    "type": "string",
                    "description": "`socialform` once socialform wrote it; absent otherwise."
                },
                "applied_hash": {
                    "type": "string",
                    "description": "The hash of the fields last applied."
                },
                "applied_by": {
                    "type": "string",
                    "description": "The identity of the configuration that last applied it (opaque)."
                }
            }
        })
    }
}

/// A list of names.
fn names() -> serde_json::Value {
    serde_json::json!({ "type": "array", "items": { "type": "string" } })
}

/// A catalog entry: its `name` and the `extra` properties, nothing else.
fn named(extra: serde_json::Value, required: &[&str]) -> serde_json::Value {
    let mut properties = serde_json::json!({ "name": { "type": "string" } });
    if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    serde_json::json!({
        "type": "object",
        "required": required,
        "additionalProperties": false,
        "properties": properties,
    })
}

impl JsonSchema for Catalog {
    fn schema_name() -> Cow<'static, str> {
        "Catalog".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let list = |item: serde_json::Value| serde_json::json!({ "type": "array", "items": item });
        json_schema!({
            "type": "object",
            "description": "The sandbox catalog of config.md: flows, platform_attributes, accounts, brands, channels, bots, mailboxes, topics.",
            "additionalProperties": false,
            "properties": {
                "flows": names(),
                "platform_attributes": names(),
                "accounts": list(serde_json::json!({
                    "type": "object",
                    "required": ["channel", "account"],
                    "additionalProperties": false,
                    "properties": {
                        "channel": { "type": "string" },
                        "account": { "type": "string" },
                        "display_name": { "type": "string" }
                    }
                })),
                "brands": list(named(serde_json::json!({ "channels": names() }), &["name"])),
                "channels": list(named(serde_json::json!({ "schedules": names() }), &["name"])),
                "bots": list(named(
                    serde_json::json!({ "channels": names(), "answers": names() }),
                    &["name"],
                )),
                "mailboxes": list(named(
                    serde_json::json!({
                        "topics": names(),
                        "folders": list(named(
                            serde_json::json!({ "custom": { "type": "boolean" } }),
                            &["name"],
                        ))
                    }),
                    &["name"],
                )),
                "topics": list(named(serde_json::json!({ "accounts": names() }), &["name"]))
            }
        })
    }
}
