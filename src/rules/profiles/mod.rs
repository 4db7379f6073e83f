//! `[profiles.<id>]`: messaging profiles. The `Profile` enum (tagged on `channel`), the
//! dispatch of the rules to each channel's file (its struct and its rules), the rules
//! every channel shares, and the mapping of profiles to resources.

pub mod cfg;
pub mod facebook;
pub mod instagram;
pub(crate) mod live;
pub mod live_chat;
mod messenger;
pub mod whatsapp;
pub mod x;

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::model::{Address, Channel, Resource};
use crate::rules::{Config, Ctx};

pub use cfg::{Button, FacebookLocale, GetStarted, IceBreaker, InstagramLocale, MenuItem};
pub use facebook::FacebookProfile;
pub use instagram::InstagramProfile;
pub use live_chat::LiveChatProfile;
pub use whatsapp::{Vertical, WhatsappProfile};
pub use x::{CustomProfile, XButton, XProfile};

/// `[profiles.<id>]`: a messaging profile, by channel.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Profile {
    /// An X profile.
    X(XProfile),
    /// A Facebook page.
    Facebook(FacebookProfile),
    /// An Instagram account.
    Instagram(InstagramProfile),
    /// A WhatsApp Business phone number.
    Whatsapp(WhatsappProfile),
    /// A live chat profile.
    LiveChat(LiveChatProfile),
}

impl Profile {
    /// The channel of the profile.
    pub fn channel(&self) -> Channel {
        match self {
            Profile::X(_) => Channel::X,
            Profile::Facebook(_) => Channel::Facebook,
            Profile::Instagram(_) => Channel::Instagram,
            Profile::Whatsapp(_) => Channel::Whatsapp,
            Profile::LiveChat(_) => Channel::LiveChat,
        }
    }

    /// The connected account the profile binds to (none for live chat).
    pub fn account(&self) -> Option<&str> {
        match self {
            Profile::X(p) => Some(&p.account),
            Profile::Facebook(p) => Some(&p.account),
            Profile::Instagram(p) => Some(&p.account),
            Profile::Whatsapp(p) => Some(&p.account),
            Profile::LiveChat(_) => None,
        }
    }
}

/// The resources the profiles ask for: each profile's table as written.
pub(crate) fn resources(config: &Config, out: &mut Vec<Resource>) {
    for (id, p) in &config.profiles {
        out.push(Resource::at(
            &Address::profile(id),
            crate::rules::fields_of(p),
        ));
    }
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let config = ctx.config();
    accounts(ctx, config);
    for (id, profile) in &config.profiles {
        let at = DocPath::keys(["profiles", id.as_str()]);
        match profile {
            Profile::X(p) => x::check(ctx, &at, p),
            Profile::Facebook(p) => facebook::check(ctx, &at, p),
            Profile::Instagram(p) => instagram::check(ctx, &at, p),
            Profile::Whatsapp(p) => whatsapp::check(ctx, &at, p),
            Profile::LiveChat(p) => live_chat::check(ctx, &at, p),
        }
    }
}

/// Two profiles bound to one account of one channel would each overwrite the other on
/// every apply. X handles are compared without case, as X does.
fn accounts(ctx: &mut Ctx<'_>, config: &Config) {
    let mut first: HashMap<(Channel, String), &str> = HashMap::new();
    for (id, profile) in &config.profiles {
        let Some(account) = profile.account() else {
            continue;
        };
        let channel = profile.channel();
        let key = match channel {
            Channel::X => account.to_lowercase(),
            _ => account.to_string(),
        };
        match first.get(&(channel, key.clone())) {
            None => {
                first.insert((channel, key), id);
            }
            Some(&earlier) => {
                let here = DocPath::keys(["profiles", id.as_str(), "account"]);
                let there = DocPath::keys(["profiles", earlier, "account"]);
                let d = Diagnostic::new(
                    Code::DuplicateAccount,
                    format!(
                        "profiles `{earlier}` and `{id}` are both bound to the {channel} account `{}`",
                        text::clip(account)
                    ),
                )
                .at(ctx.span(&here), format!("also bound by `{earlier}`"))
                .also(ctx.span(&there), format!("bound by `{earlier}` here"))
                .help("an account has one profile: merge the two, or bind one to another account (each apply would otherwise overwrite the other)");
                ctx.push(d);
            }
        }
    }
}

pub(super) fn labels<'a>(
    ctx: &mut Ctx<'_>,
    at: &DocPath,
    key: &str,
    buttons: impl IntoIterator<Item = &'a str>,
) {
    let items: Vec<(DocPath, &str)> = buttons
        .into_iter()
        .enumerate()
        .map(|(i, l)| (at.key(key).idx(i).key("label"), l))
        .collect();
    ctx.unique(Code::DuplicateValue, "label", items);
}

pub(super) fn ice_breakers_vs_get_started(
    ctx: &mut Ctx<'_>,
    at: &DocPath,
    has_ice: bool,
    has_get_started: bool,
) {
    if has_ice && has_get_started {
        let d = Diagnostic::new(
            Code::GetStartedWithIceBreakers,
            format!("`{at}` has both ice breakers and a Get Started button"),
        )
        .at(ctx.key_span(&at.key("get_started")), "Get Started is replaced by the ice breakers")
        .also(ctx.key_span(&at.key("ice_breakers")), "ice breakers defined here")
        .help("keep one: ice breakers replace the Get Started button, so remove `get_started` or `ice_breakers`");
        ctx.push(d);
    }
}

pub(super) fn questions(ctx: &mut Ctx<'_>, at: &DocPath, qs: impl IntoIterator<Item = String>) {
    let qs: Vec<String> = qs.into_iter().collect();
    let items: Vec<(DocPath, &str)> = qs
        .iter()
        .enumerate()
        .map(|(i, q)| (at.key("ice_breakers").idx(i).key("question"), q.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "ice breaker question", items);
}
