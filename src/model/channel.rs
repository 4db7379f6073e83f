//! The messaging channels profiles live on, and one descriptor per channel. Every place
//! that lists channels derives from [`Channel::all`] and [`Channel::spec`], so a new
//! channel is a compile error in [`Channel::spec`] until it is described.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// An X handle.
pub const HANDLE_PATTERN: &str = "^@[A-Za-z0-9_]{1,15}$";
/// A numeric platform id (Facebook page, Instagram account, WhatsApp phone number id).
pub const DIGITS_PATTERN: &str = "^[0-9]+$";

/// A messaging channel a profile lives on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// X (Twitter)
    X,
    /// Facebook Messenger
    Facebook,
    /// Instagram direct messages
    Instagram,
    /// WhatsApp Business
    Whatsapp,
    /// The web live chat
    LiveChat,
}

/// Everything about a channel that is not the keys of its profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSpec {
    /// the channel described
    pub channel: Channel,
    /// its name for people, as the platform writes it (`WhatsApp`)
    pub display: &'static str,
    /// whether its profiles bind to an account already connected on the platform
    /// (updated, never created or deleted) rather than being created
    pub bound: bool,
    /// the pattern of a connected account's handle or id (bound channels)
    pub account_pattern: Option<&'static str>,
    /// whether the platform matches its contacts by their user id on the network,
    /// whatever `[contacts] matching_attribute` says
    pub matched_by_user_id: bool,
    /// the keys of its profiles that name a flow of the platform, as paths from the
    /// profile's table: `key` for a string, `key[].flow` for the `flow` of every item of
    /// a list, `key.flow` for the `flow` of a table
    pub flow_fields: &'static [&'static str],
}

const X: ChannelSpec = ChannelSpec {
    channel: Channel::X,
    display: "X",
    bound: true,
    account_pattern: Some(HANDLE_PATTERN),
    matched_by_user_id: true,
    flow_fields: &["quick_replies[].flow", "attached_quick_replies[].flow"],
};

const FACEBOOK: ChannelSpec = ChannelSpec {
    channel: Channel::Facebook,
    display: "Facebook",
    bound: true,
    account_pattern: Some(DIGITS_PATTERN),
    matched_by_user_id: false,
    flow_fields: &[
        "ice_breakers[].flow",
        "get_started.flow",
        "persistent_menu[].flow",
        "case_creation_flow",
        "locales.*.ice_breakers[].flow",
        "locales.*.persistent_menu[].flow",
    ],
};

const INSTAGRAM: ChannelSpec = ChannelSpec {
    channel: Channel::Instagram,
    display: "Instagram",
    bound: true,
    account_pattern: Some(DIGITS_PATTERN),
    matched_by_user_id: true,
    flow_fields: &[
        "ice_breakers[].flow",
        "get_started.flow",
        "persistent_menu[].flow",
        "locales.*.ice_breakers[].flow",
        "locales.*.persistent_menu[].flow",
    ],
};

const WHATSAPP: ChannelSpec = ChannelSpec {
    channel: Channel::Whatsapp,
    display: "WhatsApp",
    bound: true,
    account_pattern: Some(DIGITS_PATTERN),
    matched_by_user_id: false,
    flow_fields: &[],
};

const LIVE_CHAT: ChannelSpec = ChannelSpec {
    channel: Channel::LiveChat,
    display: "Live chat",
    bound: false,
    account_pattern: None,
    matched_by_user_id: false,
    flow_fields: &["start_flow", "attached_quick_replies[].flow"],
};

impl Channel {
    /// The channel's descriptor.
    pub fn spec(self) -> &'static ChannelSpec {
        match self {
            Channel::X => &X,
            Channel::Facebook => &FACEBOOK,
            Channel::Instagram => &INSTAGRAM,
            Channel::Whatsapp => &WHATSAPP,
            Channel::LiveChat => &LIVE_CHAT,
        }
    }

    /// Every channel, in declaration order.
    pub fn all() -> impl Iterator<Item = Channel> {
        <Channel as strum::IntoEnumIterator>::iter()
    }

    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses the configuration spelling.
    pub fn parse(s: &str) -> Option<Channel> {
        s.parse().ok()
    }

    /// Whether profiles on this channel bind to an already connected account.
    pub fn is_bound(self) -> bool {
        self.spec().bound
    }

    /// Whether a channel written in a live resource (perhaps one socialform does not know)
    /// binds its profiles to an account: every channel but the known unbound ones.
    pub fn binds(spelling: &str) -> bool {
        Channel::parse(spelling).is_none_or(Channel::is_bound)
    }
}

/// The last key of every flow field of every channel (`flow`, `start_flow`, ...): the
/// keys a platform checks against its flow catalog wherever they appear in a write.
pub fn flow_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Channel::all()
        .flat_map(|c| c.spec().flow_fields.iter())
        .map(|f| f.rsplit('.').next().unwrap_or(f))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// One step of a flow-field path ([`ChannelSpec::flow_fields`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStep<'a> {
    /// a key of a table
    Key(&'a str),
    /// every item of a list
    Each,
    /// every entry of a table (`*`: the variants of `locales`)
    Entries,
}

/// The steps of a flow-field path: `ice_breakers[].flow` is `ice_breakers`, every item,
/// `flow`; `locales.*.greeting` is `locales`, every entry, `greeting`.
pub fn flow_steps(field: &str) -> Vec<FlowStep<'_>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        if part == "*" {
            out.push(FlowStep::Entries);
            continue;
        }
        match part.strip_suffix("[]") {
            Some(key) => {
                out.push(FlowStep::Key(key));
                out.push(FlowStep::Each);
            }
            None => out.push(FlowStep::Key(part)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_describes_its_own_channel() {
        for c in Channel::all() {
            assert_eq!(c.spec().channel, c);
            assert_eq!(c.spec().bound, c.spec().account_pattern.is_some(), "{c}");
        }
    }

    #[test]
    fn flow_keys_are_those_the_platform_checked_before() {
        assert_eq!(flow_keys(), ["case_creation_flow", "flow", "start_flow"]);
        assert_eq!(
            flow_steps("ice_breakers[].flow"),
            [
                FlowStep::Key("ice_breakers"),
                FlowStep::Each,
                FlowStep::Key("flow")
            ]
        );
        assert_eq!(
            flow_steps("locales.*.get_started.flow"),
            [
                FlowStep::Key("locales"),
                FlowStep::Entries,
                FlowStep::Key("get_started"),
                FlowStep::Key("flow")
            ]
        );
    }

    #[test]
    fn unknown_live_channels_bind_as_before() {
        assert!(Channel::binds("facebook"));
        assert!(!Channel::binds("live_chat"));
        assert!(Channel::binds("zzz"));
    }
}
