//! The OpenAPI document of the API (`schemas/openapi.json`), generated: the bodies' JSON
//! Schemas come from the wire types of [`super`] (schemars, draft 2020-12, which OpenAPI
//! 3.1 uses), the operations from the table [`OPERATIONS`] (method, path, parameters,
//! body, every status with its answer). Every error status answers the JSON
//! [`ErrorBody`]. `socialform schema openapi` prints it; `tests/schema.rs` holds the
//! committed file to it (`SOCIALFORM_BLESS=1` rewrites it).

use std::sync::OnceLock;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{
    CatalogAnswer, ErrorBody, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, MAX_IDEMPOTENCY_KEY, Page,
    PageQuery, WriteBody,
};
use crate::model::LiveResource;

/// Where the OpenAPI document is committed.
pub const OPENAPI_FILE: &str = "schemas/openapi.json";

/// The OpenAPI document as committed (what the server serves at `/openapi.json`;
/// `tests/schema.rs` holds it equal to [`openapi_text`]).
pub const OPENAPI: &str = include_str!("../../schemas/openapi.json");

const DESCRIPTION: &str = "The platform API of socialform's `http` backend, served by `socialform serve`. Reads are one paged snapshot (the catalog, then resources in key order; each page carries the workspace revision, and a client reads again when it moved between pages). Writes are one request per resource, with optimistic concurrency (ETag / If-Match, 412 when the version moved) and idempotency keys. Every error is a JSON `Error`, with one of the statuses listed for its operation; a path the API does not have is 404 and a method a path does not take is 405 (with `Allow`). Every request needs a bearer token scoped to workspaces (401 without a valid token, 403 for another workspace), checked from the headers before any body is read, and is rate-limited per token (429 with Retry-After); a client address whose authentication fails too often (10 times a minute by default) gets 429 (`too_many_auth_failures`) for every request until Retry-After. A 429 is always answered before any processing, so it can be retried; a 5xx may come after a write was committed, so only a write with an Idempotency-Key may be retried after one. Request bodies must be JSON (415 otherwise) and are limited (1 MiB by default; 413 beyond, told by Content-Length before anything is read). Connections have deadlines: a request's headers must arrive within 10 s of its first byte and its body within 30 s (408); a connection on which nothing moves for 60 s while no request is handled is closed (the defaults of `socialform serve`).";

/// The JSON Schema of a type, as a reference into `components/schemas`.
type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    /// the `{workspace}` segment
    Workspace,
    /// the `{key}` segment
    Key,
    /// the `If-Match` header, always required
    IfMatch,
    /// the `Idempotency-Key` header, required or not
    IdempotencyKey(bool),
    /// the query parameters of [`PageQuery`], one parameter per field
    PageQuery,
}

/// The answers several operations share (`components/responses`), all JSON errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// 400 on a bad path or query
    BadRequest,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 408
    RequestTimeout,
    /// 413
    TooLarge,
    /// 415
    UnsupportedMediaType,
    /// 429, with `Retry-After`
    RateLimited,
    /// 500
    Internal,
    /// 503, with `Retry-After`
    Unavailable,
}

impl Shared {
    const ALL: [Shared; 9] = [
        Shared::Unauthorized,
        Shared::Forbidden,
        Shared::RateLimited,
        Shared::Unavailable,
        Shared::TooLarge,
        Shared::BadRequest,
        Shared::UnsupportedMediaType,
        Shared::RequestTimeout,
        Shared::Internal,
    ];

    fn name(self) -> &'static str {
        match self {
            Shared::BadRequest => "BadRequest",
            Shared::Unauthorized => "Unauthorized",
            Shared::Forbidden => "Forbidden",
            Shared::RequestTimeout => "RequestTimeout",
            Shared::TooLarge => "TooLarge",
            Shared::UnsupportedMediaType => "UnsupportedMediaType",
            Shared::RateLimited => "RateLimited",
            Shared::Internal => "Internal",
            Shared::Unavailable => "Unavailable",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Shared::BadRequest => {
                "A bad path or query (`bad_request`): a path segment that is not UTF-8 once percent-decoded, or a query parameter out of its range."
            }
            Shared::Unauthorized => {
                "No token, or not a known one (`unauthorized`). Checked from the headers, before any body is read; every 401 counts towards the client address's limit of failed authentications."
            }
            Shared::Forbidden => "The token is not allowed to use this workspace (`forbidden`).",
            Shared::RequestTimeout => {
                "The body did not arrive within the server's body deadline (30 s by default) (`request_timeout`); the connection is closed."
            }
            Shared::TooLarge => {
                "The body is larger than the server accepts (`payload_too_large`): refused on its Content-Length before anything is read, or as soon as more arrives."
            }
            Shared::UnsupportedMediaType => {
                "The body is not sent as `Content-Type: application/json` (`unsupported_media_type`)."
            }
            Shared::RateLimited => {
                "Too many requests for this token (`rate_limited`), or too many failed authentications from this client address (`too_many_auth_failures`: every request from it is refused, whatever its token, until Retry-After). Nothing was processed; retry after `Retry-After` seconds."
            }
            Shared::Internal => {
                "The server failed (`internal`), for instance its database; nothing is known to have been written."
            }
            Shared::Unavailable => {
                "The platform is unavailable. A write may have been committed: retry it only with its Idempotency-Key."
            }
        }
    }

    fn retry_after(self) -> bool {
        matches!(self, Shared::RateLimited | Shared::Unavailable)
    }
}

/// A response header of a success.
#[derive(Debug, Clone, Copy)]
pub enum Header {
    /// `ETag`: the resource's version
    ETag,
    /// `Idempotent-Replayed`
    Replayed,
}

/// What an operation answers with one status.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// a shared error answer
    Shared(Shared),
    /// a JSON [`ErrorBody`], described here
    Error(&'static str),
    /// a JSON body of a type, with headers
    Json(&'static str, SchemaOf, &'static [Header]),
    /// no body, with headers
    Empty(&'static str, &'static [Header]),
    /// `text/plain`
    Text(&'static str),
    /// a JSON object (this document)
    Document(&'static str),
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// the path template
    pub path: &'static str,
    /// the method, lower case
    pub method: &'static str,
    /// `operationId`
    pub id: &'static str,
    /// what it does
    pub summary: &'static str,
    /// its parameters, in order
    pub params: &'static [Param],
    /// its JSON request body, required when present
    pub body: Option<SchemaOf>,
    /// every status it answers, in order
    pub responses: &'static [(u16, Answer)],
    /// no token needed
    pub public: bool,
}

const CATALOG: &str = "/v1/workspaces/{workspace}/catalog";
const RESOURCES: &str = "/v1/workspaces/{workspace}/resources";
const RESOURCE: &str = "/v1/workspaces/{workspace}/resources/{key}";

const NOT_FOUND: Answer = Answer::Error(
    "The workspace is not served here (`workspace_not_found`), or the resource does not exist (`not_found`).",
);
const VERSION_MOVED: Answer =
    Answer::Error("The version moved (`version_mismatch`, with `current_version`).");
const NO_IF_MATCH: Answer =
    Answer::Error("No If-Match, or an empty one (`precondition_required`).");
const WRITTEN: &[Header] = &[Header::ETag, Header::Replayed];

use Answer::Shared as S;
use Shared::*;

/// Every operation of the API.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        path: CATALOG,
        method: "get",
        id: "getCatalog",
        summary: "What the platform holds that configurations refer to.",
        params: &[Param::Workspace],
        body: None,
        responses: &[
            (200, Answer::Json("The catalog.", of::<CatalogAnswer>, &[])),
            (400, S(BadRequest)),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: RESOURCES,
        method: "get",
        id: "listResources",
        summary: "One page of the workspace's resources, in key order.",
        params: &[Param::Workspace, Param::PageQuery],
        body: None,
        responses: &[
            (200, Answer::Json("A page.", of::<Page>, &[])),
            (400, Answer::Error("A bad query (`bad_request`).")),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: RESOURCES,
        method: "post",
        id: "createResource",
        summary: "Creates one resource.",
        params: &[Param::Workspace, Param::IdempotencyKey(true)],
        body: Some(of::<WriteBody>),
        responses: &[
            (201, Answer::Json("Created.", of::<LiveResource>, WRITTEN)),
            (
                400,
                Answer::Error(
                    "Not a write, a bad path, or no Idempotency-Key (`bad_request`, `idempotency_key_required`).",
                ),
            ),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (408, S(RequestTimeout)),
            (
                409,
                Answer::Error("The resource exists already (`already_exists`)."),
            ),
            (413, S(TooLarge)),
            (415, S(UnsupportedMediaType)),
            (
                422,
                Answer::Error(
                    "The platform refuses it (`refused`, with `reason` and `subject`), or the idempotency key was used for another request (`idempotency_key_reused`).",
                ),
            ),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: RESOURCE,
        method: "get",
        id: "getResource",
        summary: "One resource.",
        params: &[Param::Workspace, Param::Key],
        body: None,
        responses: &[
            (
                200,
                Answer::Json("The resource.", of::<LiveResource>, WRITTEN),
            ),
            (400, S(BadRequest)),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: RESOURCE,
        method: "put",
        id: "updateResource",
        summary: "Replaces the fields of one resource.",
        params: &[
            Param::Workspace,
            Param::Key,
            Param::IfMatch,
            Param::IdempotencyKey(false),
        ],
        body: Some(of::<WriteBody>),
        responses: &[
            (200, Answer::Json("Updated.", of::<LiveResource>, WRITTEN)),
            (
                400,
                Answer::Error(
                    "Not a write, a bad path, an If-Match that is not one ETag such as `\"42\"` or `*`, or the body's key is not the path's (`bad_request`, `key_mismatch`).",
                ),
            ),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (408, S(RequestTimeout)),
            (412, VERSION_MOVED),
            (413, S(TooLarge)),
            (415, S(UnsupportedMediaType)),
            (
                422,
                Answer::Error("The platform refuses it (`refused`), or `idempotency_key_reused`."),
            ),
            (428, NO_IF_MATCH),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: RESOURCE,
        method: "delete",
        id: "deleteResource",
        summary: "Deletes one resource.",
        params: &[
            Param::Workspace,
            Param::Key,
            Param::IfMatch,
            Param::IdempotencyKey(false),
        ],
        body: None,
        responses: &[
            (204, Answer::Empty("Deleted.", &[Header::Replayed])),
            (
                400,
                Answer::Error(
                    "A bad path, or an If-Match that is not one ETag such as `\"42\"` or `*` (`bad_request`).",
                ),
            ),
            (401, S(Unauthorized)),
            (403, S(Forbidden)),
            (404, NOT_FOUND),
            (412, VERSION_MOVED),
            (
                422,
                Answer::Error(
                    "The platform refuses it (`refused`: bound profiles and platform attributes are not deleted), or `idempotency_key_reused`.",
                ),
            ),
            (428, NO_IF_MATCH),
            (429, S(RateLimited)),
            (500, S(Internal)),
            (503, S(Unavailable)),
        ],
        public: false,
    },
    Operation {
        path: "/metrics",
        method: "get",
        id: "metrics",
        summary: "Request counters (Prometheus text format): `socialform_requests_total`, `socialform_requests{route,status}`, `socialform_idempotent_replays_total`, and `socialform_writes_total` with `socialform_commits_total` (the writes carried out and the transactions they were committed in: writes that arrive together share one). Served only when the server runs with `--metrics` (404 otherwise), to any valid token whatever its workspaces.",
        params: &[],
        body: None,
        responses: &[
            (200, Answer::Text("The counters.")),
            (401, S(Unauthorized)),
            (
                404,
                Answer::Error("The server runs without `--metrics` (`not_found`)."),
            ),
            (429, S(RateLimited)),
        ],
        public: false,
    },
    Operation {
        path: "/openapi.json",
        method: "get",
        id: "openapi",
        summary: "This document.",
        params: &[],
        body: None,
        responses: &[(200, Answer::Document("The document."))],
        public: true,
    },
];

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn error_ref() -> Value {
    json!({ "$ref": "#/components/schemas/Error" })
}

fn retry_after() -> Value {
    json!({
        "description": "Seconds to wait before trying again.",
        "schema": { "type": "integer", "minimum": 1 }
    })
}

fn header(h: Header) -> (&'static str, Value) {
    match h {
        Header::ETag => (
            "ETag",
            json!({
                "description": "The resource's new version, quoted.",
                "schema": { "type": "string" }
            }),
        ),
        Header::Replayed => (
            IDEMPOTENT_REPLAYED,
            json!({
                "description": "`true` when the answer is replayed from the idempotency key.",
                "schema": { "type": "string" }
            }),
        ),
    }
}

fn headers(list: &[Header]) -> Map<String, Value> {
    list.iter()
        .map(|h| {
            let (name, value) = header(*h);
            (name.to_string(), value)
        })
        .collect()
}

fn answer(a: &Answer, generator: &mut SchemaGenerator) -> Value {
    match a {
        Answer::Shared(s) => json!({ "$ref": format!("#/components/responses/{}", s.name()) }),
        Answer::Error(description) => json!({
            "description": description,
            "content": json_content(error_ref()),
        }),
        Answer::Json(description, schema, list) => {
            let mut v = json!({ "description": description });
            if !list.is_empty() {
                v["headers"] = Value::Object(headers(list));
            }
            v["content"] = json_content(schema(generator).to_value());
            v
        }
        Answer::Empty(description, list) => {
            let mut v = json!({ "description": description });
            if !list.is_empty() {
                v["headers"] = Value::Object(headers(list));
            }
            v
        }
        Answer::Text(description) => json!({
            "description": description,
            "content": { "text/plain": { "schema": { "type": "string" } } },
        }),
        Answer::Document(description) => json!({
            "description": description,
            "content": json_content(json!({ "type": "object" })),
        }),
    }
}

fn params(p: &Param, generator: &mut SchemaGenerator) -> Vec<Value> {
    let path = |name: &str, description: &str| {
        json!({
            "name": name,
            "in": "path",
            "required": true,
            "schema": { "type": "string" },
            "description": description,
        })
    };
    match p {
        Param::Workspace => vec![path("workspace", "The workspace name.")],
        Param::Key => vec![path(
            "key",
            "The resource's platform key, percent-encoded: its address (`profile.web_chat`, `reply_profiles[\"Care\"]`), or `account:<channel>:<account>` for a profile bound to a connected account.",
        )],
        Param::IfMatch => vec![json!({
            "name": "If-Match",
            "in": "header",
            "required": true,
            "schema": { "type": "string", "pattern": "^(\\*|(W/)?\"[0-9]{1,19}\")$" },
            "description": "The version the change is based on, as one ETag (`\"42\"`); `*` skips the check. Required so that a concurrent change is a 412 and never a lost update; an empty If-Match is no condition and is treated as absent (428).",
        })],
        Param::IdempotencyKey(required) => vec![json!({
            "name": IDEMPOTENCY_KEY,
            "in": "header",
            "required": required,
            "schema": { "type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY },
            "description": "A client-chosen unique key. The first answer to a request with this key is recorded with the write, in the same transaction, for 24 hours; a retry with the same key and the same request gets that answer again (with `Idempotent-Replayed: true`) and changes nothing. The same key with a different request is a 422 `idempotency_key_reused`.",
        })],
        Param::PageQuery => query_params(PageQuery::json_schema(generator).to_value()),
    }
}

/// One query parameter per property of a query type's schema, its description moved up.
fn query_params(mut schema: Value) -> Vec<Value> {
    clean(&mut schema);
    let required: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"))
                .unwrap_or(Value::Null);
            let mut v = json!({ "name": name, "in": "query" });
            if required.contains(&json!(name)) {
                v["required"] = json!(true);
            }
            v["schema"] = property;
            if !description.is_null() {
                v["description"] = description;
            }
            v
        })
        .collect()
}

fn operation(op: &Operation, generator: &mut SchemaGenerator) -> Value {
    let mut v = json!({ "operationId": op.id, "summary": op.summary });
    if op.public {
        v["security"] = json!([]);
    }
    let parameters: Vec<Value> = op
        .params
        .iter()
        .flat_map(|p| params(p, generator))
        .collect();
    if !parameters.is_empty() {
        v["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = op.body {
        v["requestBody"] = json!({
            "required": true,
            "content": json_content(body(generator).to_value()),
        });
    }
    let responses: Map<String, Value> = op
        .responses
        .iter()
        .map(|(status, a)| (status.to_string(), answer(a, generator)))
        .collect();
    v["responses"] = Value::Object(responses);
    v
}

/// The OpenAPI document (3.1).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut generator = schemars::generate::SchemaSettings::draft2020_12()
            .with(|s| {
                s.definitions_path = "/components/schemas".into();
                s.meta_schema = None;
            })
            .into_generator();
        // The error object first: every error status answers it.
        generator.subschema_for::<ErrorBody>();
        let mut paths = Map::new();
        for op in OPERATIONS {
            let item = paths
                .entry(op.path.to_string())
                .or_insert_with(|| json!({}));
            item[op.method] = operation(op, &mut generator);
        }
        let responses: Map<String, Value> = Shared::ALL
            .iter()
            .map(|s| {
                let mut v = json!({ "description": s.description() });
                if s.retry_after() {
                    v["headers"] = json!({ "Retry-After": retry_after() });
                }
                v["content"] = json_content(error_ref());
                (s.name().to_string(), v)
            })
            .collect();
        let mut schemas = Value::Object(generator.take_definitions(true));
        clean(&mut schemas);
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "socialform platform API",
                "version": "1",
                "description": DESCRIPTION,
            },
            "servers": [{ "url": "http://127.0.0.1:8080" }],
            "security": [{ "bearer": [] }],
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token scoped to one or more workspaces.",
                    }
                },
                "responses": responses,
                "schemas": schemas,
            }
        })
    })
}

/// The document as the committed file's text.
pub fn openapi_text() -> String {
    let mut s = serde_json::to_string_pretty(document()).unwrap_or_default();
    s.push('\n');
    s
}

/// What schemars writes that the wire does not need: `null` for an absent optional value
/// (the API leaves the key out, it never sends `null`), Rust integer formats (`uint64`:
/// `minimum` says it), and a documented enum's `oneOf` of constants (an `enum`, its
/// values' documentation in its description).
fn clean(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                clean(v);
            }
            // Doc comments are wrapped; a description is one paragraph per blank line.
            if let Some(Value::String(d)) = obj.get_mut("description") {
                *d = d
                    .split("\n\n")
                    .map(|p| p.replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
            }
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    obj.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            if obj
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint") || f.starts_with("int"))
            {
                obj.remove("format");
            }
            let null = |v: &Value| {
                v.get("type").is_some_and(|t| t == "null") || v.get("const") == Some(&Value::Null)
            };
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(branches)) = obj.get_mut(key) else {
                    continue;
                };
                branches.retain(|b| !null(b));
                if branches.len() == 1 {
                    let only = branches.remove(0);
                    obj.remove(key);
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            obj.entry(k).or_insert(v);
                        }
                    }
                }
            }
            if let Some(docs) = crate::config::schema::const_one_of_to_enum(obj)
                && !docs.is_empty()
            {
                let head = obj
                    .get("description")
                    .and_then(Value::as_str)
                    .map(|d| format!("{d} "))
                    .unwrap_or_default();
                obj.insert(
                    "description".into(),
                    json!(format!("{head}{}.", docs.join("; "))),
                );
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean),
        _ => {}
    }
}
