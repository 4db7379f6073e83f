//! The button and menu types several channels share.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::rules::limits::*;

/// A button that sends a flow: a quick reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// What the customer sees.
    #[schemars(length(min = 1))]
    pub label: String,
    /// The flow sent when the customer picks it.
    #[schemars(length(min = 1))]
    pub flow: String,
}

/// An ice breaker: a question that starts a flow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IceBreaker {
    /// The question the customer sees; non-empty and unique.
    #[schemars(length(min = 1))]
    pub question: String,
    /// The flow started when the customer picks it.
    #[schemars(length(min = 1))]
    pub flow: String,
}

/// The Get Started button.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetStarted {
    /// The flow started when the customer presses it.
    #[schemars(length(min = 1))]
    pub flow: String,
}

/// A persistent menu item: a label with exactly one of `flow` and `url`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// The label, at most 30 characters.
    #[schemars(length(min = 1, max = FB_MENU_LABEL))]
    pub label: String,
    /// The flow the item starts.
    #[schemars(length(min = 1))]
    pub flow: Option<String>,
    /// The web page the item opens.
    #[schemars(pattern(URL_PATTERN))]
    pub url: Option<String>,
}

/// `[profiles.<id>.locales.<code>]` of a Facebook profile: what customers whose language
/// is `<code>` see instead of the profile's own (default) greeting, ice breakers and menu.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FacebookLocale {
    /// The greeting in this locale, at most 160 characters; needs the profile's `greeting`.
    #[schemars(length(max = FB_GREETING))]
    pub greeting: Option<String>,
    /// The ice breakers in this locale; need the profile's `ice_breakers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ice_breakers: Vec<IceBreaker>,
    /// The persistent menu in this locale; needs the profile's `persistent_menu`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_menu: Vec<MenuItem>,
}

/// `[profiles.<id>.locales.<code>]` of an Instagram profile: ice breakers and menu (no
/// greeting on Instagram).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstagramLocale {
    /// The ice breakers in this locale; need the profile's `ice_breakers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ice_breakers: Vec<IceBreaker>,
    /// The persistent menu in this locale; needs the profile's `persistent_menu`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_menu: Vec<MenuItem>,
}

/// What one locale of a Messenger profile shows, whichever its channel: what the rules
/// check per locale.
#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    /// the greeting (Facebook only)
    pub greeting: Option<&'a str>,
    /// the ice breakers
    pub ice_breakers: &'a [IceBreaker],
    /// the persistent menu
    pub persistent_menu: &'a [MenuItem],
}

impl FacebookLocale {
    /// Its variant, for the rules.
    pub fn variant(&self) -> Variant<'_> {
        Variant {
            greeting: self.greeting.as_deref(),
            ice_breakers: &self.ice_breakers,
            persistent_menu: &self.persistent_menu,
        }
    }
}

impl InstagramLocale {
    /// Its variant, for the rules.
    pub fn variant(&self) -> Variant<'_> {
        Variant {
            greeting: None,
            ice_breakers: &self.ice_breakers,
            persistent_menu: &self.persistent_menu,
        }
    }
}

/// `false`, which a switch's default leaves unwritten.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
