//! `[proactive_messages.<id>]`: proactive web messages, their response, trigger and
//! conditions as written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::conditions::{Condition, Field, Op, Value as CondValue};
use crate::rules::limits::*;

/// When a proactive message may be sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Send")]
pub enum Sending {
    /// at any time
    #[default]
    Always,
    /// within the schedule's business hours
    BusinessHours,
    /// outside the schedule's business hours
    OutsideBusinessHours,
}

/// How often one visitor may get a proactive message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// once per customer
    OncePerCustomer,
    /// once per visit
    OncePerVisit,
    /// every time the conditions hold
    EveryTime,
}

/// What answers a visitor who replies to a proactive message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// An agent answers.
    Agent(AgentResponse),
    /// A bot answers.
    Bot(BotResponse),
}

/// `type = "agent"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentResponse {
    /// Sent when the visitor replies.
    #[schemars(length(min = 1))]
    pub follow_up: String,
    /// Ask the visitor's name first.
    #[serde(default = "yes")]
    pub ask_name: bool,
    /// Ask the visitor's e-mail first.
    #[serde(default = "yes")]
    pub ask_email: bool,
}

/// `type = "bot"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotResponse {
    /// The bot, connected to the message's channel.
    #[schemars(length(min = 1))]
    pub bot: String,
    /// The bot answer that starts.
    #[schemars(length(min = 1))]
    pub answer: String,
}

fn yes() -> bool {
    true
}

/// The event that starts the check of a proactive message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// a page of the site
    PageView,
    /// a page of the help centre
    HelpCenterPageView,
}

/// `[proactive_messages.<id>.trigger]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// `page_view` or `help_center_page_view`.
    pub event: Event,
    /// How long the visitor stays before the check: minutes and seconds (`45s`, `2m`, `1m30s`).
    #[schemars(pattern(DURATION_PATTERN))]
    pub after: String,
}

impl Trigger {
    /// `after` in seconds (the schema guarantees its form).
    pub fn after_seconds(&self) -> Option<u64> {
        parse_duration(&self.after)
    }
}

/// Parses `1m30s`, `2m` or `45s` into seconds; seconds must be below 60.
pub fn parse_duration(s: &str) -> Option<u64> {
    let (minutes, rest) = match s.split_once('m') {
        Some((m, rest)) => (m.parse::<u64>().ok()?, rest),
        None => (0, s),
    };
    let seconds = if rest.is_empty() {
        if s.contains('m') { 0 } else { return None }
    } else {
        let secs = rest.strip_suffix('s')?.parse::<u64>().ok()?;
        if secs >= 60 {
            return None;
        }
        secs
    };
    minutes.checked_mul(60)?.checked_add(seconds)
}

/// A structured condition: a comparison `{ field, op, value }` or a group `{ all }` / `{ any }`.
/// The rules check that exactly one shape is used; the schema only bounds the keys.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// What is tested.
    #[schemars(with = "Option<FieldName>")]
    pub field: Option<String>,
    /// How.
    #[schemars(with = "Option<OpName>")]
    pub op: Option<String>,
    /// Against what: a string, or a list of strings for `contains_any` / `not_contains`.
    pub value: Option<RawValue>,
    /// A nested group: every condition holds (at least 2).
    pub all: Option<Vec<RawCondition>>,
    /// A nested group: at least one condition holds (at least 2).
    pub any: Option<Vec<RawCondition>>,
}

/// A condition value as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawValue {
    /// one string
    One(String),
    /// a list of strings
    Many(Vec<String>),
}

/// The condition fields, for the schema.
#[derive(JsonSchema)]
#[allow(dead_code)]
enum FieldName {
    #[serde(rename = "visitor.page_url")]
    PageUrl,
    #[serde(rename = "visitor.page_title")]
    PageTitle,
    #[serde(rename = "visitor.visit_history")]
    VisitHistory,
    #[serde(rename = "device.language")]
    Language,
}

/// The condition operators, for the schema.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum OpName {
    Is,
    IsNot,
    ContainsAny,
    NotContains,
}

/// `[proactive_messages.<id>.conditions]`: exactly one of `all` and `any`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    /// Every condition holds.
    #[schemars(length(min = 1))]
    pub all: Option<Vec<RawCondition>>,
    /// At least one condition holds.
    #[schemars(length(min = 1))]
    pub any: Option<Vec<RawCondition>>,
}

/// `[proactive_messages.<id>]`: a proactive web message.
#[skip_serializing_none]
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProactiveMessage {
    /// Name in the platform's list.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The brand the message belongs to.
    #[schemars(length(min = 1))]
    pub brand: String,
    /// The web widget messaging channel it is shown on (one channel).
    #[schemars(length(min = 1))]
    pub channel: String,
    /// The text the visitor sees.
    #[schemars(length(min = 1))]
    pub message: String,
    /// Whether the message is live.
    #[serde(default = "yes")]
    pub published: bool,
    /// `always` (default), `business_hours` or `outside_business_hours`.
    #[serde(default)]
    pub send: Sending,
    /// The business-hours schedule of the channel; required unless `send = "always"`.
    #[schemars(length(min = 1))]
    pub schedule: Option<String>,
    /// `once_per_customer`, `once_per_visit` or `every_time`.
    pub frequency: Frequency,
    /// Ticket tags, without white space.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(pattern(TAG_PATTERN)))]
    pub tags: Vec<String>,
    /// What answers a visitor who replies.
    pub response: Response,
    /// The event and delay that start the check.
    pub trigger: Trigger,
    /// Structured conditions; not together with `when`.
    pub conditions: Option<RawConditions>,
    /// Conditions as one expression; not together with `conditions`.
    #[schemars(length(min = 1))]
    pub when: Option<String>,
}

/// Converts a structurally valid raw condition into the tree, or says nothing (the rules
/// report what is wrong with it, with its path).
pub fn leaf_of(raw: &RawCondition) -> Option<Condition> {
    let field = Field::parse(raw.field.as_deref()?)?;
    let op = Op::parse(raw.op.as_deref()?)?;
    let value = match raw.value.as_ref()? {
        RawValue::One(s) => CondValue::One(s.clone()),
        RawValue::Many(v) => CondValue::Many(v.clone()),
    };
    Some(Condition::Leaf { field, op, value })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("2m"), Some(120));
        assert_eq!(parse_duration("1m30s"), Some(90));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("60s"), None);
        assert_eq!(parse_duration("1m60s"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("1h"), None);
    }
}
