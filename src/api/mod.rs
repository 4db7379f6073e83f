//! The wire types of the platform API (`schemas/openapi.json`): every request and
//! response body, query parameter set, header name and error object, shared by the
//! server (`socialform serve`, [`crate::server`]) and the `http` backend's client
//! ([`crate::backend::http`]), so the two cannot disagree. [`openapi`] generates the
//! OpenAPI document from these types and a table of the operations.
//!
//! The layer is low: it imports [`crate::model`] and [`crate::catalog`] only. The bodies
//! that carry model types ([`Resource`], [`LiveResource`], [`Catalog`]) describe them on
//! the wire with the JSON Schemas of [`schemas`].
//!
//! Fields that a server outside this crate may fill with anything (an error's `code` and
//! `reason`) are text on the wire, so a client still reads an answer with a code it does
//! not know; their documented values are the enums [`ErrorCode`] and [`RefusalReason`].

pub mod openapi;
pub mod schemas;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::catalog::Catalog;
use crate::model::{LiveResource, Resource};

/// The largest page, and the page size the client asks for.
pub const PAGE_SIZE: usize = 1000;

/// The header naming a write's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The header the server sets on an answer replayed from an idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";

/// The longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The longest resource address a write may carry, in bytes.
pub const MAX_ADDRESS: usize = 512;

/// The catalog of a workspace (`GET /v1/workspaces/{workspace}/catalog`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CatalogAnswer {
    /// The workspace.
    pub workspace: String,
    /// What the platform holds that configurations refer to.
    pub catalog: Catalog,
}

/// One page of a workspace's resources (`GET /v1/workspaces/{workspace}/resources`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Page {
    /// The workspace revision when the page was read; bumped by every write.
    pub revision: u64,
    /// The resources, in key order.
    pub resources: Vec<LiveResource>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The query of a page read (`GET /v1/workspaces/{workspace}/resources?limit=&after=`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (the default); a value out of that range is refused (400, the
    /// message names the maximum), not clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = PAGE_SIZE))]
    pub limit: Option<usize>,
    /// The `next` cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl PageQuery {
    /// The query string (without `?`), each value percent-encoded.
    pub fn encode(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.limit {
            parts.push(format!("limit={l}"));
        }
        if let Some(a) = &self.after {
            parts.push(format!("after={}", encode_segment(a)));
        }
        parts.join("&")
    }
}

/// The body of a create (`POST`) or update (`PUT`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteBody {
    /// The resource's new fields.
    pub resource: Resource,
    /// The hash of the fields applied (kept as the live resource's `applied_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_hash: Option<String>,
    /// The identity of the configuration applying it (kept as `applied_by`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_by: Option<String>,
}

/// Every error answer of the API, whatever its status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    /// Stable machine code.
    #[schemars(with = "ErrorCode")]
    pub code: String,
    /// For people.
    pub message: String,
    /// On a 412: the version now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
    /// On a refusal: which rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefusalReason>")]
    pub reason: Option<String>,
    /// On a refusal: the account or flow concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// The codes of [`ErrorBody::code`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    JsonSchema,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[schemars(inline)]
pub enum ErrorCode {
    /// 401, no token, or not a known one
    Unauthorized,
    /// 403, the token is not allowed to use this workspace
    Forbidden,
    /// 404, the workspace is not served here
    WorkspaceNotFound,
    /// 404, no such resource, or no such endpoint
    NotFound,
    /// 409, the resource exists already
    AlreadyExists,
    /// 412, the version moved (with `current_version`)
    VersionMismatch,
    /// 422, the platform refuses the write (with `reason` and `subject`)
    Refused,
    /// 428, no If-Match, or an empty one
    PreconditionRequired,
    /// 400, a create without an Idempotency-Key
    IdempotencyKeyRequired,
    /// 422, the idempotency key was used for another request
    IdempotencyKeyReused,
    /// 400, the body's key is not the path's
    KeyMismatch,
    /// 400, a bad path, query, header or body
    BadRequest,
    /// 413, the body is larger than the server accepts
    PayloadTooLarge,
    /// 429, too many requests for this token
    RateLimited,
    /// 429, too many failed authentications from this client address
    TooManyAuthFailures,
    /// 405, the endpoint does not take that method
    MethodNotAllowed,
    /// 415, the body is not sent as JSON
    UnsupportedMediaType,
    /// 408, the body did not arrive in time
    RequestTimeout,
    /// 429 or 503, a failure injected by `socialform serve --fail-rate`
    Injected,
    /// 500, the server failed
    Internal,
}

impl ErrorCode {
    /// Its spelling on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The rules a refusal names ([`ErrorBody::reason`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    JsonSchema,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[schemars(inline)]
pub enum RefusalReason {
    /// profiles of this channel are created by connecting an account, not by a write
    CreateBound,
    /// a bound profile is removed by disconnecting its account, not by a delete
    DeleteBound,
    /// the contact attribute is the platform's own
    PlatformAttribute,
    /// the account (`subject`) is not connected to the workspace
    AccountNotConnected,
    /// the flow (`subject`) does not exist
    UnknownFlow,
    /// the resource breaks a rule of the configuration format, the one `validate` applies
    /// (its diagnostic code, such as `limits::too_long`, is the `subject`)
    Rule,
}

impl RefusalReason {
    /// Its spelling on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Percent-encodes one path segment or query value (everything but unreserved
/// characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(
            encode_segment(r#"reply_profiles["Care"]"#),
            "reply_profiles%5B%22Care%22%5D"
        );
        assert_eq!(encode_segment("account:x:@a_b"), "account%3Ax%3A%40a_b");
    }

    #[test]
    fn a_page_query_encodes_what_it_holds() {
        assert_eq!(PageQuery::default().encode(), "");
        let q = PageQuery {
            limit: Some(5),
            after: Some("profile.a b&c".into()),
        };
        assert_eq!(q.encode(), "limit=5&after=profile.a%20b%26c");
    }

    #[test]
    fn codes_are_spelled_alike_by_serde_and_strum() {
        for c in ErrorCode::iter() {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.as_str().parse::<ErrorCode>().unwrap(), c);
        }
        for r in RefusalReason::iter() {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
