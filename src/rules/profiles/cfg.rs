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
