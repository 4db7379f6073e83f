//! `channel = "live_chat"`: the live chat profile and its rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::cfg::Button;
use crate::config::DocPath;
use crate::diagnostics::Code;
use crate::rules::{Ctx, limits::*};

/// `channel = "live_chat"`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveChatProfile {
    /// The in-app colour agents see, `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Full URLs (scheme and host) of the sites that may start the chat; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(pattern(URL_PATTERN)))]
    pub allowed_domains: Vec<String>,
    /// Avatar URL.
    #[schemars(pattern(URL_PATTERN))]
    pub avatar: Option<String>,
    /// The flow sent when a visitor opens the chat.
    #[schemars(length(min = 1))]
    pub start_flow: Option<String>,
    /// At most 3 quick replies attached to every outgoing text message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = LC_ATTACHED_QUICK_REPLIES))]
    pub attached_quick_replies: Vec<Button>,
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &LiveChatProfile) {
    super::labels(
        ctx,
        at,
        "attached_quick_replies",
        p.attached_quick_replies.iter().map(|b| b.label.as_str()),
    );
    let domains: Vec<(DocPath, &str)> = p
        .allowed_domains
        .iter()
        .enumerate()
        .map(|(i, w)| (at.key("allowed_domains").idx(i), w.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "allowed domain", domains);
}
