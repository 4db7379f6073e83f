//! The view model: what the template draws, built from the resources' JSON fields (the
//! configuration keys of the spec), one side of a change at a time. Every text is taken
//! from both sides by the same function, so the word diff is of what the customer reads.
//! Keys that no mock-up shows are listed under the card ("settings"), so a new key of
//! the format appears in the preview without any change here.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::avatar::{self, Avatar};
use super::text::{self, Other, Side, Text};
use crate::catalog::Catalog;

/// What the builders read besides the resource: where local files are, and the catalog.
pub struct Env<'a> {
    /// the configuration directory
    pub dir: &'a Path,
    /// the sandbox catalog, when the configuration uses it and it is there
    pub catalog: Option<&'a Catalog>,
}

/// One side of one resource being drawn: its fields, and the other side's (to highlight
/// what differs), if the resource has another side.
pub struct Ctx<'a> {
    /// which side this is
    pub side: Side,
    /// this side's fields (an object)
    pub this: &'a Value,
    /// the other side's fields, for a changed resource that exists on both sides
    pub other: Option<&'a Value>,
    /// the directory and catalog
    pub env: &'a Env<'a>,
}

impl Ctx<'_> {
    /// The text `f` reads from this side, highlighted against what it reads from the other.
    fn t(&self, f: impl Fn(&Value) -> Option<String>) -> Option<Text> {
        let this = f(self.this)?;
        Some(match self.other.map(&f) {
            None => text::compare(&this, Other::None, self.side),
            Some(None) => text::compare(&this, Other::Missing, self.side),
            Some(Some(o)) => text::compare(&this, Other::Text(&o), self.side),
        })
    }

    /// Like [`Ctx::t`], for a text this side always has.
    fn tt(&self, f: impl Fn(&Value) -> Option<String>) -> Text {
        self.t(f).unwrap_or_else(|| Text::plain(""))
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.this.get(key).and_then(Value::as_str)
    }

    fn list_len(&self, at: ListAt<'_>) -> usize {
        at.get(self.this).map_or(0, Vec::len)
    }

    /// Every field no mock-up shows, as `key: value`.
    fn extras(&self, shown: &[&str]) -> Vec<Extra> {
        let Some(obj) = self.this.as_object() else {
            return Vec::new();
        };
        obj.iter()
            .filter(|(k, v)| !shown.contains(&k.as_str()) && !v.is_null())
            .map(|(k, _)| Extra {
                key: k.clone(),
                value: self.tt(|v| v.get(k).filter(|v| !v.is_null()).map(show_value)),
            })
            .collect()
    }
}

/// A value shown as text: strings as they are, lists of strings joined, the rest as JSON.
pub fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn get_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn list<'v>(v: &'v Value, key: &str) -> Option<&'v Vec<Value>> {
    v.get(key).and_then(Value::as_array)
}

/// Where a list lives in a resource's fields: a key, for one locale or the default.
#[derive(Clone, Copy)]
struct ListAt<'a> {
    key: &'a str,
    locale: Option<&'a str>,
}

impl ListAt<'_> {
    fn key(key: &str) -> ListAt<'_> {
        ListAt { key, locale: None }
    }

    fn get<'v>(&self, v: &'v Value) -> Option<&'v Vec<Value>> {
        match self.locale {
            Some(l) => localized(v, l, self.key).and_then(Value::as_array),
            None => list(v, self.key),
        }
    }
}

/// A setting that no mock-up shows.
#[derive(Debug, Serialize)]
pub struct Extra {
    /// the configuration key
    pub key: String,
    /// its value
    pub value: Text,
}

/// A button, quick reply, ice breaker or menu item.
#[derive(Debug, Serialize)]
pub struct Button {
    /// what the customer reads
    pub label: Text,
    /// the flow it starts, if any (shown on hover)
    pub flow: Option<String>,
    /// the web page it opens, if any (shown as text: never a link)
    pub url: Option<Text>,
}

/// What one resource looks like on one side.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// a Facebook or Instagram profile: the Messenger welcome screen per locale
    Messenger(Messenger),
    /// an X profile: profile card and direct messages
    X(XProfile),
    /// a WhatsApp business profile card
    Whatsapp(Whatsapp),
    /// a live chat widget
    LiveChat(LiveChat),
    /// a proactive web message
    Proactive(Proactive),
    /// a table of reply profiles
    Reply(Reply),
    /// any other resource: its settings
    Settings(Settings),
}

/// The Messenger welcome screen of a Facebook page or Instagram account.
#[derive(Debug, Serialize)]
pub struct Messenger {
    /// `facebook` or `instagram`
    pub channel: String,
    /// the page's name (the catalog's display name, else the account id)
    pub page_name: String,
    /// whether `page_name` is the account id, for want of a display name
    pub page_name_is_account: bool,
    /// the page's avatar placeholder
    pub avatar: Avatar,
    /// the default locale, then each variant
    pub locales: Vec<MessengerLocale>,
    /// settings no mock-up shows
    pub extras: Vec<Extra>,
}

/// What a customer of one locale sees.
#[derive(Debug, Serialize)]
pub struct MessengerLocale {
    /// `default` or a Meta locale code
    pub code: String,
    /// the greeting, tokens filled (none on Instagram)
    pub greeting: Option<Text>,
    /// whether the greeting is the default one, for want of a variant
    pub greeting_fallback: bool,
    /// the ice breakers
    pub ice_breakers: Vec<Button>,
    /// whether they are the default ones
    pub ice_breakers_fallback: bool,
    /// the Get Started button, when it is shown (not with ice breakers)
    pub get_started: Option<Button>,
    /// a Get Started button hidden by the ice breakers
    pub get_started_hidden: bool,
    /// the persistent menu
    pub menu: Vec<Button>,
    /// whether it is the default one
    pub menu_fallback: bool,
    /// the composer is disabled: customers can only use the menu
    pub composer_disabled: bool,
}

/// An X profile: its card, its welcome message and quick replies, its custom profiles.
#[derive(Debug, Serialize)]
pub struct XProfile {
    /// `@handle`
    pub handle: String,
    /// display name (the catalog's, else the handle)
    pub name: Text,
    /// the profile picture placeholder
    pub avatar: Avatar,
    /// bio, URLs as t.co shows them
    pub bio: Option<Text>,
    /// location
    pub location: Option<Text>,
    /// website as t.co shows it
    pub url: Option<Text>,
    /// the welcome message of direct messages
    pub welcome: Option<Text>,
    /// quick replies under the welcome message
    pub quick_replies: Vec<Button>,
    /// quick replies attached to every outgoing message
    pub attached: Vec<Button>,
    /// custom profiles agents reply under
    pub custom_profiles: Vec<CustomProfile>,
    /// settings no mock-up shows
    pub extras: Vec<Extra>,
}

/// An X custom profile.
#[derive(Debug, Serialize)]
pub struct CustomProfile {
    /// its name
    pub name: Text,
    /// its avatar (a local image inlined, else a placeholder)
    pub avatar: Avatar,
}

/// A WhatsApp business profile card.
#[derive(Debug, Serialize)]
pub struct Whatsapp {
    /// the business's name (the catalog's display name, else the phone number id)
    pub name: String,
    /// whether `name` is the account id
    pub name_is_account: bool,
    /// the profile picture placeholder
    pub avatar: Avatar,
    /// about
    pub about: Option<Text>,
    /// description
    pub description: Option<Text>,
    /// address
    pub address: Option<Text>,
    /// e-mail
    pub email: Option<Text>,
    /// websites
    pub websites: Vec<Text>,
    /// the category, as its human label
    pub vertical: Option<Text>,
    /// settings no mock-up shows
    pub extras: Vec<Extra>,
}

/// A live chat widget.
#[derive(Debug, Serialize)]
pub struct LiveChat {
    /// the profile's id, as the widget's title
    pub title: String,
    /// the widget's avatar placeholder
    pub avatar: Avatar,
    /// the flow sent when the visitor opens the chat
    pub start_flow: Option<Text>,
    /// quick replies attached to every outgoing message
    pub attached: Vec<Button>,
    /// settings no mock-up shows
    pub extras: Vec<Extra>,
}

/// A proactive message as the web widget shows it.
#[derive(Debug, Serialize)]
pub struct Proactive {
    /// the message's name (for agents)
    pub name: Text,
    /// what the visitor reads
    pub message: Text,
    /// `agent` or `bot`
    pub response: String,
    /// agent: the follow-up message
    pub follow_up: Option<Text>,
    /// agent: whether the visitor is asked for a name
    pub ask_name: bool,
    /// agent: whether the visitor is asked for an e-mail address
    pub ask_email: bool,
    /// bot: the bot
    pub bot: Option<Text>,
    /// bot: the answer it gives
    pub answer: Option<Text>,
    /// the conditions, in the `when` form
    pub when: Option<Text>,
    /// the trigger and schedule in words
    pub rule: Text,
    /// whether the message is published
    pub published: bool,
    /// ticket tags
    pub tags: Option<Text>,
    /// settings no mock-up shows
    pub extras: Vec<Extra>,
}

/// The reply profiles of a mailbox or folder.
#[derive(Debug, Serialize)]
pub struct Reply {
    /// the mailbox
    pub mailbox: String,
    /// the folder, if it is a folder's
    pub folder: Option<String>,
    /// one row per channel
    pub rows: Vec<ReplyRow>,
}

/// One channel's reply profile.
#[derive(Debug, Serialize)]
pub struct ReplyRow {
    /// the channel's name
    pub channel: String,
    /// the profile id, or "default"
    pub profile: Text,
    /// whether the platform's default rule chooses
    pub is_default: bool,
}

/// A resource shown as its settings.
#[derive(Debug, Serialize)]
pub struct Settings {
    /// every field
    pub rows: Vec<Extra>,
}

fn display_name(env: &Env<'_>, channel: &str, account: &str) -> Option<String> {
    env.catalog?
        .accounts
        .iter()
        .find(|a| a.channel == channel && a.account == account && !a.display_name.is_empty())
        .map(|a| a.display_name.clone())
}

fn buttons(ctx: &Ctx<'_>, at: ListAt<'_>, label_key: &'static str) -> Vec<Button> {
    (0..ctx.list_len(at))
        .map(|i| {
            let item = move |v: &Value| at.get(v).and_then(|l| l.get(i)).cloned();
            let this = item(ctx.this).unwrap_or(Value::Null);
            Button {
                label: ctx.tt(|v| item(v).and_then(|b| get_str(&b, label_key))),
                flow: get_str(&this, "flow"),
                url: ctx.t(|v| item(v).and_then(|b| get_str(&b, "url"))),
            }
        })
        .collect()
}

/// The Messenger keys a locale may vary.
const LOCALE_KEYS: &[&str] = &["greeting", "ice_breakers", "persistent_menu"];

/// `key` for customers of `locale`: the variant's when it has one, else the default.
fn localized<'v>(v: &'v Value, locale: &str, key: &str) -> Option<&'v Value> {
    if locale != "default"
        && let Some(x) = v
            .get("locales")
            .and_then(|l| l.get(locale))
            .and_then(|l| l.get(key))
            .filter(|x| !x.is_null())
    {
        return Some(x);
    }
    v.get(key).filter(|x| !x.is_null())
}

fn is_fallback(v: &Value, locale: &str, key: &str) -> bool {
    locale != "default"
        && v.get("locales")
            .and_then(|l| l.get(locale))
            .and_then(|l| l.get(key))
            .is_none_or(Value::is_null)
        && v.get(key).is_some_and(|x| !x.is_null())
}

fn messenger(ctx: &Ctx<'_>, channel: &str) -> Messenger {
    let account = ctx.str("account").unwrap_or_default();
    let named = display_name(ctx.env, channel, account);
    let page_name = named.clone().unwrap_or_else(|| account.to_string());
    let mut codes = vec!["default".to_string()];
    if let Some(l) = ctx.this.get("locales").and_then(Value::as_object) {
        codes.extend(l.keys().cloned());
    }
    let facebook = channel == "facebook";
    let locales = codes
        .into_iter()
        .map(|code| {
            let c = code.as_str();
            let ice = ListAt {
                key: "ice_breakers",
                locale: Some(c),
            };
            let menu = ListAt {
                key: "persistent_menu",
                locale: Some(c),
            };
            let ice_breakers = buttons(ctx, ice, "question");
            let has_get_started = ctx.this.get("get_started").is_some_and(|g| !g.is_null());
            let get_started = (has_get_started && ice_breakers.is_empty()).then(|| Button {
                label: Text::plain("Get Started"),
                flow: ctx.this.get("get_started").and_then(|g| get_str(g, "flow")),
                url: None,
            });
            MessengerLocale {
                greeting: if facebook {
                    ctx.t(|v| {
                        localized(v, c, "greeting")
                            .and_then(Value::as_str)
                            .map(text::fill_greeting)
                    })
                } else {
                    None
                },
                greeting_fallback: facebook && is_fallback(ctx.this, c, "greeting"),
                ice_breakers_fallback: is_fallback(ctx.this, c, "ice_breakers"),
                get_started_hidden: has_get_started && get_started.is_none(),
                get_started,
                ice_breakers,
                menu: buttons(ctx, menu, "label"),
                menu_fallback: is_fallback(ctx.this, c, "persistent_menu"),
                composer_disabled: facebook
                    && ctx.this.get("composer_input_disabled") == Some(&Value::Bool(true)),
                code,
            }
        })
        .collect();
    let mut shown = vec!["channel", "account", "get_started", "locales"];
    shown.extend(LOCALE_KEYS);
    if facebook {
        shown.push("composer_input_disabled");
    } else {
        // Instagram has no greeting: a key the spec does not give it stays visible.
        shown.retain(|k| *k != "greeting");
    }
    let mut extras = ctx.extras(&shown);
    // Locale variants of keys that no mock-up shows (a future key) stay visible too.
    if let Some(l) = ctx.this.get("locales").and_then(Value::as_object) {
        for (code, variant) in l {
            for (k, _) in variant.as_object().into_iter().flatten() {
                if !LOCALE_KEYS.contains(&k.as_str()) || (!facebook && k == "greeting") {
                    extras.push(Extra {
                        key: format!("locales.{code}.{k}"),
                        value: ctx.tt(|v| {
                            v.get("locales")
                                .and_then(|l| l.get(code))
                                .and_then(|l| l.get(k))
                                .map(show_value)
                        }),
                    });
                }
            }
        }
    }
    Messenger {
        channel: channel.to_string(),
        avatar: avatar::placeholder(&page_name, ctx.str("color"), None),
        page_name_is_account: named.is_none(),
        page_name,
        locales,
        extras,
    }
}

fn x_profile(ctx: &Ctx<'_>) -> XProfile {
    let handle = ctx.str("account").unwrap_or_default().to_string();
    let catalog_name = display_name(ctx.env, "x", &handle);
    let fallback = catalog_name.clone().unwrap_or_else(|| handle.clone());
    let name = ctx.tt(|v| get_str(v, "name").or_else(|| Some(fallback.clone())));
    let custom = ListAt::key("custom_profiles");
    let custom_profiles = (0..ctx.list_len(custom))
        .map(|i| {
            let item = |v: &Value| custom.get(v).and_then(|l| l.get(i)).cloned();
            let this = item(ctx.this).unwrap_or(Value::Null);
            let cname = get_str(&this, "name").unwrap_or_default();
            CustomProfile {
                name: ctx.tt(|v| item(v).and_then(|c| get_str(&c, "name"))),
                avatar: match get_str(&this, "avatar") {
                    Some(a) => avatar::avatar(&cname, None, &a, ctx.env.dir),
                    None => avatar::placeholder(&cname, None, None),
                },
            }
        })
        .collect();
    XProfile {
        avatar: avatar::placeholder(&name.as_plain(), ctx.str("color"), None),
        bio: ctx.t(|v| get_str(v, "bio").map(|b| text::bio_display(&b))),
        location: ctx.t(|v| get_str(v, "location")),
        url: ctx.t(|v| get_str(v, "url").map(|u| text::tco_display(&u))),
        welcome: ctx.t(|v| get_str(v, "welcome_message")),
        quick_replies: buttons(ctx, ListAt::key("quick_replies"), "label"),
        attached: buttons(ctx, ListAt::key("attached_quick_replies"), "label"),
        custom_profiles,
        extras: ctx.extras(&[
            "channel",
            "account",
            "name",
            "bio",
            "location",
            "url",
            "welcome_message",
            "quick_replies",
            "attached_quick_replies",
            "custom_profiles",
        ]),
        handle,
        name,
    }
}

fn whatsapp(ctx: &Ctx<'_>) -> Whatsapp {
    let account = ctx.str("account").unwrap_or_default();
    let named = display_name(ctx.env, "whatsapp", account);
    let name = named.clone().unwrap_or_else(|| account.to_string());
    let websites = ListAt::key("websites");
    Whatsapp {
        avatar: avatar::placeholder(&name, ctx.str("color"), ctx.str("avatar_url")),
        about: ctx.t(|v| get_str(v, "about")),
        description: ctx.t(|v| get_str(v, "description")),
        address: ctx.t(|v| get_str(v, "address")),
        email: ctx.t(|v| get_str(v, "email")),
        websites: (0..ctx.list_len(websites))
            .map(|i| {
                ctx.tt(|v| {
                    websites
                        .get(v)
                        .and_then(|l| l.get(i))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
            })
            .collect(),
        vertical: ctx.t(|v| get_str(v, "vertical").map(|x| text::vertical_label(&x))),
        extras: ctx.extras(&[
            "channel",
            "account",
            "about",
            "avatar_url",
            "description",
            "address",
            "email",
            "websites",
            "vertical",
        ]),
        name_is_account: named.is_none(),
        name,
    }
}

fn live_chat(ctx: &Ctx<'_>, id: &str) -> LiveChat {
    LiveChat {
        title: id.to_string(),
        avatar: avatar::placeholder(id, ctx.str("color"), ctx.str("avatar")),
        start_flow: ctx.t(|v| get_str(v, "start_flow")),
        attached: buttons(ctx, ListAt::key("attached_quick_replies"), "label"),
        extras: ctx.extras(&["channel", "avatar", "start_flow", "attached_quick_replies"]),
    }
}

fn proactive(ctx: &Ctx<'_>) -> Proactive {
    let response = |v: &Value| v.get("response").cloned().unwrap_or(Value::Null);
    let resp = response(ctx.this);
    let flag = |key: &str| resp.get(key).and_then(Value::as_bool).unwrap_or(true);
    let trigger = |v: &Value, k: &str| v.get("trigger").and_then(|t| get_str(t, k));
    Proactive {
        name: ctx.tt(|v| get_str(v, "name")),
        message: ctx.tt(|v| get_str(v, "message")),
        response: get_str(&resp, "type").unwrap_or_default(),
        follow_up: ctx.t(|v| get_str(&response(v), "follow_up")),
        ask_name: flag("ask_name"),
        ask_email: flag("ask_email"),
        bot: ctx.t(|v| get_str(&response(v), "bot")),
        answer: ctx.t(|v| get_str(&response(v), "answer")),
        when: ctx.t(|v| get_str(v, "when")),
        rule: ctx.tt(|v| {
            Some(text::schedule_words(
                trigger(v, "event").as_deref(),
                trigger(v, "after").as_deref(),
                get_str(v, "send").as_deref(),
                get_str(v, "schedule").as_deref(),
                get_str(v, "frequency").as_deref(),
            ))
        }),
        published: ctx.this.get("published") != Some(&Value::Bool(false)),
        tags: ctx.t(|v| v.get("tags").filter(|t| !t.is_null()).map(show_value)),
        extras: ctx.extras(&[
            "name",
            "message",
            "response",
            "when",
            "conditions",
            "trigger",
            "send",
            "schedule",
            "frequency",
            "published",
            "tags",
        ]),
    }
}

fn reply(ctx: &Ctx<'_>) -> Reply {
    let rows = ctx
        .this
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| *k != "mailbox" && *k != "folder" && v.is_string())
        .map(|(k, v)| ReplyRow {
            channel: text::channel_label(k).to_string(),
            profile: ctx.tt(|o| get_str(o, k)),
            is_default: v.as_str() == Some("default"),
        })
        .collect();
    Reply {
        mailbox: ctx.str("mailbox").unwrap_or_default().to_string(),
        folder: ctx.str("folder").map(str::to_string),
        rows,
    }
}

/// The body of a resource of `kind` (and, for a profile, its channel) on one side.
pub fn body(ctx: &Ctx<'_>, kind: crate::model::Kind, id: &str) -> Body {
    use crate::model::Kind;
    match kind {
        Kind::Profile => match ctx.str("channel").unwrap_or_default() {
            c @ ("facebook" | "instagram") => Body::Messenger(messenger(ctx, c)),
            "x" => Body::X(x_profile(ctx)),
            "whatsapp" => Body::Whatsapp(whatsapp(ctx)),
            "live_chat" => Body::LiveChat(live_chat(ctx, id)),
            _ => Body::Settings(Settings {
                rows: ctx.extras(&[]),
            }),
        },
        Kind::ProactiveMessage => Body::Proactive(proactive(ctx)),
        Kind::ReplyProfiles => Body::Reply(reply(ctx)),
        _ => Body::Settings(Settings {
            rows: ctx.extras(&[]),
        }),
    }
}

/// A group in the tree of nested groups.
#[derive(Debug, Serialize)]
pub struct GroupNode {
    /// `group.<id>`
    pub address: String,
    /// the group's name
    pub name: Text,
    /// its colour, `#RRGGBB`, when valid
    pub color: Option<String>,
    /// `unchanged`, or the plan's action on the group
    pub state: &'static str,
    /// the profiles it holds directly
    pub profiles: Vec<Member>,
    /// the groups it nests
    pub children: Vec<GroupNode>,
    /// a nested group already shown above this one (a cycle, which validation refuses)
    pub cycle: bool,
}

/// A profile in a group.
#[derive(Debug, Serialize)]
pub struct Member {
    /// the profile id
    pub profile: String,
    /// the profile id as shown, highlighted when added or removed
    pub id: Text,
    /// the profile's channel name, when known
    pub channel: Option<String>,
}

/// One group, as the tree needs it: its fields on this side and the other.
pub struct GroupSide<'a> {
    /// `group.<id>`
    pub address: &'a str,
    /// the group's fields on this side
    pub this: &'a Value,
    /// its fields on the other side, when it changes and exists there
    pub other: Option<&'a Value>,
    /// `unchanged`, or the plan's action on it
    pub state: &'static str,
}

/// The tree of groups on one side: the groups no other group nests are roots.
pub fn group_tree(
    side: Side,
    groups: &[GroupSide<'_>],
    channels: &dyn Fn(&str) -> Option<String>,
    env: &Env<'_>,
) -> Vec<GroupNode> {
    let nested: HashSet<String> = groups
        .iter()
        .flat_map(|g| members(g.this, "groups"))
        .map(|id| crate::model::Address::group(&id).to_string())
        .collect();
    let mut roots: Vec<&GroupSide<'_>> = groups
        .iter()
        .filter(|g| !nested.contains(g.address))
        .collect();
    if roots.is_empty() && !groups.is_empty() {
        // Every group is nested (only possible with a cycle): start from the first.
        roots.push(&groups[0]);
    }
    let mut seen = Vec::new();
    roots
        .into_iter()
        .map(|g| node(side, g, groups, channels, env, &mut seen))
        .collect()
}

fn members(v: &Value, key: &str) -> Vec<String> {
    list(v, key)
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn node(
    side: Side,
    g: &GroupSide<'_>,
    all: &[GroupSide<'_>],
    channels: &dyn Fn(&str) -> Option<String>,
    env: &Env<'_>,
    path: &mut Vec<String>,
) -> GroupNode {
    let ctx = Ctx {
        side,
        this: g.this,
        other: g.other,
        env,
    };
    let other_profiles = g.other.map(|o| members(o, "profiles"));
    let profiles = members(g.this, "profiles")
        .into_iter()
        .map(|id| Member {
            profile: id.clone(),
            channel: channels(&id),
            id: match &other_profiles {
                None => Text::plain(id.clone()),
                Some(o) if o.contains(&id) => Text::plain(id.clone()),
                Some(_) => text::compare(&id, Other::Missing, side),
            },
        })
        .collect();
    let cycle = path.iter().any(|p| p == g.address);
    let mut children = Vec::new();
    if !cycle {
        path.push(g.address.to_string());
        for id in members(g.this, "groups") {
            let address = crate::model::Address::group(&id).to_string();
            if let Some(child) = all.iter().find(|c| c.address == address) {
                children.push(node(side, child, all, channels, env, path));
            }
        }
        path.pop();
    }
    GroupNode {
        address: g.address.to_string(),
        name: ctx.tt(|v| get_str(v, "name")),
        color: ctx
            .str("color")
            .map(|c| avatar::color_for(c, Some(c)))
            .filter(|c| Some(c.as_str()) == ctx.str("color")),
        state: g.state,
        profiles,
        children,
        cycle,
    }
}
