//! `[groups.<id>]`: profile groups.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::rules::limits::*;

/// `[groups.<id>]`: a profile group.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Display name in the inbox; defaults to the id.
    #[schemars(length(min = 1))]
    pub name: Option<String>,
    /// `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Profile ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Group ids (groups nest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}
