//! `[workspace]` and `[backend]`: which workspace a configuration manages and where its
//! live state is read and written.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::model::Target;
use crate::rules::limits::*;

/// `[workspace]`: which platform workspace this configuration manages.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// The platform workspace this configuration manages.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Delete live resources of a deletable kind that this tool did not create.
    #[serde(default)]
    pub prune: bool,
    /// Warning and info codes this configuration accepts: they are not printed and do not
    /// fail `--deny-warnings`. Error codes cannot be allowed. `--allow CODE` on the command
    /// line does the same for one run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("description" = crate::rules::allow::schema_description()))]
    #[schemars(inner(length(min = 1)))]
    pub allow: Vec<String>,
}

/// The kind of backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// A local JSON file standing in for the platform.
    #[default]
    Sandbox,
    /// The platform API over HTTP.
    Http,
    /// Meta's Graph API, directly: Facebook, Instagram and WhatsApp profiles only.
    Meta,
}

impl From<BackendKind> for Target {
    fn from(kind: BackendKind) -> Target {
        match kind {
            BackendKind::Sandbox => Target::Sandbox,
            BackendKind::Http => Target::Http,
            BackendKind::Meta => Target::Meta,
        }
    }
}

/// `[backend]`: where live state is read and written.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Backend")]
pub struct BackendTable {
    /// `sandbox` (default), `http` or `meta`.
    #[serde(default)]
    pub kind: BackendKind,
    /// Sandbox only: the state file, relative to the configuration directory.
    #[schemars(length(min = 1))]
    pub path: Option<String>,
    /// Sandbox only: the catalog of what exists on the platform before any apply.
    #[schemars(length(min = 1))]
    pub catalog: Option<String>,
    /// HTTP only: base URL of the platform API.
    #[schemars(pattern(URL_PATTERN))]
    pub url: Option<String>,
    /// HTTP and meta: the environment variable that holds the bearer token
    /// (`SOCIALFORM_TOKEN`, or `META_TOKEN` for meta).
    #[schemars(length(min = 1))]
    pub token_env: Option<String>,
    /// Meta only: base URL of the Graph API (default `https://graph.facebook.com`).
    #[schemars(pattern(URL_PATTERN))]
    pub api_url: Option<String>,
    /// Meta only: the Graph API version, the `vNN.0` path segment (default `v26.0`).
    #[schemars(pattern(API_VERSION_PATTERN))]
    pub api_version: Option<String>,
    /// Meta only: account id -> the environment variable holding that Page's (or phone
    /// number's) token, for accounts whose token is not `token_env`'s.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": DIGITS_PATTERN }))]
    #[schemars(inner(length(min = 1)))]
    pub account_tokens: IndexMap<String, String>,
}

impl BackendTable {
    /// The sandbox state file, relative to the configuration directory.
    pub fn sandbox_path(&self) -> &str {
        self.path.as_deref().unwrap_or(".socialform/sandbox.db")
    }
    /// The sandbox catalog file, relative to the configuration directory.
    pub fn catalog_path(&self) -> &str {
        self.catalog
            .as_deref()
            .unwrap_or(crate::rules::DEFAULT_CATALOG)
    }
    /// The environment variable holding the token (of the accounts without their own,
    /// on meta).
    pub fn token_env(&self) -> &str {
        let default = match self.kind {
            BackendKind::Meta => crate::model::target::META_TOKEN_ENV,
            _ => crate::model::target::HTTP_TOKEN_ENV,
        };
        self.token_env.as_deref().unwrap_or(default)
    }
    /// Meta: the Graph API base URL.
    pub fn api_url(&self) -> &str {
        self.api_url
            .as_deref()
            .unwrap_or(crate::model::target::META_API_URL)
    }
    /// Meta: the Graph API version.
    pub fn api_version(&self) -> &str {
        self.api_version
            .as_deref()
            .unwrap_or(crate::model::target::META_API_VERSION)
    }
}
