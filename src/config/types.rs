//! The typed configuration of `config.md`, version 1. These types are the contract: the
//! JSON Schema is generated from them and the code rules read them. Every struct denies
//! unknown keys; tagged enums stand where the spec switches on a key (`channel`, `type`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::conditions::{Condition, Field, Op, Value as CondValue};
pub use crate::model::Channel;
use crate::rules::limits::*;

/// A whole configuration: the root file and every file merged into it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "socialform configuration, version 1")]
pub struct Config {
    /// The platform workspace this configuration manages.
    pub workspace: Workspace,
    /// Where live state is read and written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<Backend>,
    /// Messaging profiles, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }))]
    pub profiles: IndexMap<String, Profile>,
    /// Profile groups, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }, "maxProperties" = GROUPS))]
    pub groups: IndexMap<String, Group>,
    /// Reply profiles of mailboxes and their smart folders, by mailbox name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub mailboxes: IndexMap<String, Mailbox>,
    /// Workspace-wide contact settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
    /// Contact attributes, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }))]
    pub contact_attributes: IndexMap<String, ContactAttribute>,
    /// Messaging settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging: Option<Messaging>,
    /// Proactive web messages, by id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": ID_PATTERN }, "maxProperties" = PROACTIVE_MESSAGES))]
    pub proactive_messages: IndexMap<String, ProactiveMessage>,
}

/// `[workspace]`: which platform workspace this configuration manages.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// The platform workspace this configuration manages.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Delete live resources of a deletable kind that this tool did not create.
    #[serde(default)]
    pub prune: bool,
    /// Warning and info codes this configuration accepts: they are not printed and do not
    /// fail `--deny-warnings`. Error codes cannot be allowed. `--allow CODE` on the command
    /// line does the same for one run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("description" = crate::rules::allow::schema_description()))]
    #[schemars(inner(length(min = 1)))]
    pub allow: Vec<String>,
}

/// The kind of backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// A local JSON file standing in for the platform.
    #[default]
    Sandbox,
    /// The platform API over HTTP.
    Http,
}

/// `[backend]`: where live state is read and written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backend {
    /// `sandbox` (default) or `http`.
    #[serde(default)]
    pub kind: BackendKind,
    /// Sandbox only: the state file, relative to the configuration directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub path: Option<String>,
    /// Sandbox only: the catalog of what exists on the platform before any apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub catalog: Option<String>,
    /// HTTP only: base URL of the platform API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub url: Option<String>,
    /// HTTP only: the environment variable that holds the bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub token_env: Option<String>,
}

impl Backend {
    /// The sandbox state file, relative to the configuration directory.
    pub fn sandbox_path(&self) -> &str {
        self.path.as_deref().unwrap_or(".socialform/sandbox.json")
    }
    /// The sandbox catalog file, relative to the configuration directory.
    pub fn catalog_path(&self) -> &str {
        self.catalog.as_deref().unwrap_or("catalog.toml")
    }
    /// The environment variable holding the HTTP token.
    pub fn token_env(&self) -> &str {
        self.token_env.as_deref().unwrap_or("SOCIALFORM_TOKEN")
    }
}

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

/// An X quick reply: a button whose label is at most 36 characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XButton {
    /// What the customer sees: at most 36 characters, no URL.
    #[schemars(length(min = 1, max = X_LABEL))]
    pub label: String,
    /// The flow sent when the customer picks it.
    #[schemars(length(min = 1))]
    pub flow: String,
}

/// An X custom profile: another name and avatar agents can reply under.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomProfile {
    /// Name shown to customers, at most 48 characters, unique.
    #[schemars(length(min = 1, max = X_CUSTOM_PROFILE_NAME))]
    pub name: String,
    /// An http(s) URL, or a path to a local image file relative to the configuration directory.
    #[schemars(length(min = 1))]
    pub avatar: String,
}

/// `channel = "x"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XProfile {
    /// The connected X account: `@` then 1 to 15 letters, digits or `_`.
    #[schemars(pattern(HANDLE_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Display name, at most 50 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = X_NAME))]
    pub name: Option<String>,
    /// Website, an http(s) URL of at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = X_URL), pattern(URL_PATTERN))]
    pub url: Option<String>,
    /// Location, at most 30 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = X_LOCATION))]
    pub location: Option<String>,
    /// Bio, at most 160 by X's weighted count (every URL counts 23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// Privacy policy URL; required when `custom_profiles` is not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub privacy_policy_url: Option<String>,
    /// Welcome message of direct messages, at most 10,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = X_WELCOME))]
    pub welcome_message: Option<String>,
    /// Quick replies of the welcome message: at most 5, requires `welcome_message`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = X_QUICK_REPLIES))]
    pub quick_replies: Vec<XButton>,
    /// Quick replies attached to every outgoing message: at most 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = X_ATTACHED_QUICK_REPLIES))]
    pub attached_quick_replies: Vec<XButton>,
    /// Custom profiles agents can reply under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_profiles: Vec<CustomProfile>,
    /// Must be `true` when `custom_profiles` is not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_profile_terms_accepted: Option<bool>,
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// The label, at most 30 characters.
    #[schemars(length(min = 1, max = FB_MENU_LABEL))]
    pub label: String,
    /// The flow the item starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub flow: Option<String>,
    /// The web page the item opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub url: Option<String>,
}

/// `channel = "facebook"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FacebookProfile {
    /// The connected page id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Privacy policy URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub privacy_policy_url: Option<String>,
    /// Greeting, at most 160 characters; tokens `{{user_first_name}}`, `{{user_last_name}}`, `{{user_full_name}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = FB_GREETING))]
    pub greeting: Option<String>,
    /// At most 6 ice breakers; they replace the Get Started button.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = FB_ICE_BREAKERS))]
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_started: Option<GetStarted>,
    /// At most 3 menu items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = FB_MENU))]
    pub persistent_menu: Vec<MenuItem>,
    /// The flow sent automatically when a case is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub case_creation_flow: Option<String>,
}

/// `channel = "instagram"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstagramProfile {
    /// The connected Instagram account id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// At most 4 ice breakers, shown only on a customer's first conversation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = IG_ICE_BREAKERS))]
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_started: Option<GetStarted>,
}

/// A WhatsApp business category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Vertical {
    Undefined,
    Other,
    Auto,
    Beauty,
    Apparel,
    Edu,
    Entertain,
    EventPlan,
    Finance,
    Grocery,
    Govt,
    Hotel,
    Health,
    Nonprofit,
    ProfServices,
    Retail,
    Travel,
    Restaurant,
    NotABiz,
}

/// `channel = "whatsapp"`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsappProfile {
    /// The connected phone number id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// About text, 1 to 139 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = WA_ABOUT_MIN, max = WA_ABOUT))]
    pub about: Option<String>,
    /// Profile picture URL; WhatsApp recommends a 640x640 JPEG of at most 63 KB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub avatar_url: Option<String>,
    /// Business address, at most 256 characters.
    #[schemars(length(max = WA_ADDRESS))]
    pub address: String,
    /// Business description, at most 256 characters.
    #[schemars(length(max = WA_DESCRIPTION))]
    pub description: String,
    /// Contact e-mail, at most 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = WA_EMAIL), pattern(EMAIL_PATTERN))]
    pub email: Option<String>,
    /// Business category.
    pub vertical: Vertical,
    /// At most 2 http(s) URLs of at most 256 characters each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = WA_WEBSITES), inner(length(max = WA_WEBSITE), pattern(URL_PATTERN)))]
    pub websites: Vec<String>,
}

/// `channel = "live_chat"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveChatProfile {
    /// The in-app colour agents see, `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Full URLs (scheme and host) of the sites that may start the chat; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(pattern(URL_PATTERN)))]
    pub allowed_domains: Vec<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(URL_PATTERN))]
    pub avatar: Option<String>,
    /// The flow sent when a visitor opens the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub start_flow: Option<String>,
    /// At most 3 quick replies attached to every outgoing text message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = LC_ATTACHED_QUICK_REPLIES))]
    pub attached_quick_replies: Vec<Button>,
}

/// `[groups.<id>]`: a profile group.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Display name in the inbox; defaults to the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub name: Option<String>,
    /// `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Profile ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Group ids (groups nest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// Reply profiles by channel: a profile id of that channel, or `"default"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyProfiles {
    /// X replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub x: Option<String>,
    /// Facebook replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub facebook: Option<String>,
    /// Instagram replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub instagram: Option<String>,
    /// WhatsApp replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub whatsapp: Option<String>,
    /// Live chat replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub live_chat: Option<String>,
}

impl ReplyProfiles {
    /// The settings, by channel, in channel order.
    pub fn entries(&self) -> Vec<(Channel, &str)> {
        [
            (Channel::X, &self.x),
            (Channel::Facebook, &self.facebook),
            (Channel::Instagram, &self.instagram),
            (Channel::Whatsapp, &self.whatsapp),
            (Channel::LiveChat, &self.live_chat),
        ]
        .into_iter()
        .filter_map(|(c, v)| v.as_deref().map(|v| (c, v)))
        .collect()
    }

    /// The setting for one channel.
    pub fn get(&self, channel: Channel) -> Option<&str> {
        self.entries()
            .into_iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, v)| v)
    }
}

/// `[mailboxes."<name>"]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    /// The mailbox's reply profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_profiles: Option<ReplyProfiles>,
    /// Custom smart folders of the mailbox, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub folders: IndexMap<String, Folder>,
}

/// `[mailboxes."<name>".folders."<folder>"]`: a custom smart folder's settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Folder {
    /// The folder's reply profiles; they take precedence over the mailbox's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_profiles: Option<ReplyProfiles>,
}

/// `[contacts]`: workspace-wide contact settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// The attribute that links one contact's conversations across channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub matching_attribute: Option<String>,
    /// Agents can mark and filter VIP contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<bool>,
    /// Agents may edit CRM-managed attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_editing: Option<bool>,
    /// Display order of attributes, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
}

/// The type of a custom contact attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// free text
    Text,
    /// one of a list of options
    Dropdown,
}

impl AttributeType {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::Text => "text",
            AttributeType::Dropdown => "dropdown",
        }
    }
}

/// `[contact_attributes.<id>]`: a custom attribute (with `type`) or a platform attribute (without).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAttribute {
    /// Label agents see; defaults to the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub label: Option<String>,
    /// `text` or `dropdown`; absent for a platform attribute.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<AttributeType>,
    /// Dropdown options: at least 2, unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Whether agents see the attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Filled by a CRM; agents edit it only when `[contacts] crm_editing` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_managed: Option<bool>,
    /// Used to look the contact up in the CRM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<bool>,
}

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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoResponse {
    /// Whether it is sent.
    pub enabled: bool,
    /// The text sent; required when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub message: Option<String>,
}

/// `[messaging]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Messaging {
    /// `release` or `keep`; proactive messages only work with `release`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_control: Option<ConversationControl>,
    /// `broadcast` or `assigned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// The automatic response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_response: Option<AutoResponse>,
    /// Whether a satisfaction survey is sent when a conversation ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction_survey: Option<bool>,
}

/// When a proactive message may be sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Send {
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// What is tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<FieldName>")]
    pub field: Option<String>,
    /// How.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<OpName>")]
    pub op: Option<String>,
    /// Against what: a string, or a list of strings for `contains_any` / `not_contains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<RawValue>,
    /// A nested group: every condition holds (at least 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<RawCondition>>,
    /// A nested group: at least one condition holds (at least 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    /// Every condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub all: Option<Vec<RawCondition>>,
    /// At least one condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub any: Option<Vec<RawCondition>>,
}

/// `[proactive_messages.<id>]`: a proactive web message.
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
    pub send: Send,
    /// The business-hours schedule of the channel; required unless `send = "always"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RawConditions>,
    /// Conditions as one expression; not together with `conditions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
