//! `[messaging]`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// Who keeps a conversation once an agent replied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationControl {
    /// the conversation goes back to the queue
    Release,
    /// the agent keeps it
    Keep,
}

/// How new conversations reach agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    /// available to all agents
    Broadcast,
    /// assigned to one agent
    Assigned,
}

/// The automatic response sent on new conversations.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoResponse {
    /// Whether it is sent.
    pub enabled: bool,
    /// The text sent; required when enabled.
    #[schemars(length(min = 1))]
    pub message: Option<String>,
}

/// `[messaging]`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Messaging {
    /// `release` or `keep`; proactive messages only work with `release`.
    pub conversation_control: Option<ConversationControl>,
    /// `broadcast` or `assigned`.
    pub routing: Option<Routing>,
    /// The automatic response.
    pub auto_response: Option<AutoResponse>,
    /// Whether a satisfaction survey is sent when a conversation ends.
    pub satisfaction_survey: Option<bool>,
}
