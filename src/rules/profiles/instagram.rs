//! `channel = "instagram"`: the Instagram account profile and its rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use indexmap::IndexMap;

use super::cfg::{GetStarted, IceBreaker, InstagramLocale, MenuItem, Variant};
use crate::config::DocPath;
use crate::rules::{Ctx, limits::*};

// IG_ICE_BREAKERS and the menu limits are checked per locale by `messenger.rs`.

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
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers` on `sandbox` and `http`,
    /// required by a `persistent_menu` on `meta`.
    pub get_started: Option<GetStarted>,
    /// Persistent menu items: at most 3 on `sandbox` and `http`, 20 on `meta`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_menu: Vec<MenuItem>,
    /// Per-locale variants of `ice_breakers` and `persistent_menu` (no greeting on
    /// Instagram), keyed by a Meta locale code.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub locales: IndexMap<String, InstagramLocale>,
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &InstagramProfile) {
    let profile = super::messenger::Profile {
        channel: "instagram",
        default: Variant {
            greeting: None,
            ice_breakers: &p.ice_breakers,
            persistent_menu: &p.persistent_menu,
        },
        get_started: p.get_started.as_ref(),
        locales: p
            .locales
            .iter()
            .map(|(code, l)| (code.as_str(), l.variant()))
            .collect(),
        greeting: None,
    };
    super::messenger::check(ctx, at, &profile);
}
