//! `channel = "instagram"`: the Instagram account profile and its rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::cfg::{GetStarted, IceBreaker};
use crate::config::DocPath;
use crate::rules::{Ctx, limits::*};

/// `channel = "instagram"`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstagramProfile {
    /// The connected Instagram account id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// At most 4 ice breakers, shown only on a customer's first conversation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = IG_ICE_BREAKERS))]
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers`.
    pub get_started: Option<GetStarted>,
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &InstagramProfile) {
    super::ice_breakers_vs_get_started(
        ctx,
        at,
        !p.ice_breakers.is_empty(),
        p.get_started.is_some(),
    );
    super::questions(ctx, at, p.ice_breakers.iter().map(|q| q.question.clone()));
}
