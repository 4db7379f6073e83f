//! The limits catalog: every number the platforms impose, where it comes from, and the
//! format patterns. Every limit carries the targets it binds (config.md, "Targets"): where
//! the care platform and Meta differ, the field has one entry per side. The JSON Schema (through the config types' attributes) and the code
//! rules read these same constants, so the editor and `validate` cannot disagree.

/// Which targets a rule of the catalog binds (config.md, "Targets").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets {
    /// every target: the network's own rule, which the care platform keeps
    All,
    /// the care platform (`sandbox` and `http`): its own rule, from its help centre
    Platform,
    /// Meta's Graph API (`meta`): Meta's documented rule
    Meta,
}

impl Targets {
    /// Whether the rule binds configurations written for `target`.
    pub fn includes(self, target: Target) -> bool {
        match self {
            Targets::All => true,
            Targets::Platform => target.is_platform(),
            Targets::Meta => target == Target::Meta,
        }
    }

    /// The targets in words, for help lines.
    pub fn describe(self) -> &'static str {
        match self {
            Targets::All => "every target",
            Targets::Platform => "the `sandbox` and `http` targets",
            Targets::Meta => "the `meta` target",
        }
    }
}

/// One platform limit: what it bounds, the number, the targets it binds and the source
/// of the number (the document it is read from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// dotted location, as written in the configuration (`facebook.greeting`)
    pub field: &'static str,
    /// the bound
    pub max: usize,
    /// the targets whose configurations it binds
    pub targets: Targets,
    /// where the number comes from
    pub source: &'static str,
}

use crate::model::Target;

macro_rules! limits {
    ($( $(#[$m:meta])* $name:ident = ($field:literal, $max:literal, $targets:ident, $source:literal); )*) => {
        $( $(#[$m])* pub const $name: usize = $max; )*
        /// Every limit of the catalog, for documentation and for the diagnostics' help lines.
        pub const CATALOG: &[Limit] = &[ $( Limit { field: $field, max: $max, targets: Targets::$targets, source: $source } ),* ];
    };
}

/// The care platform's help-centre page on the profile manager (the seed document).
const HELP_PROFILES: &str = "help centre, profile manager";

limits! {
    /// X display name
    X_NAME = ("x.name", 50, All, "X profile settings: name, at most 50 characters");
    /// X profile URL
    X_URL = ("x.url", 100, All, "X profile settings: website, at most 100 characters");
    /// X location
    X_LOCATION = ("x.location", 30, All, "X profile settings: location, at most 30 characters");
    /// X bio, by X's weighted count
    X_BIO = ("x.bio", 160, All, "X profile settings: bio, at most 160 by X's weighted count (URLs count 23)");
    /// X welcome message
    X_WELCOME = ("x.welcome_message", 10_000, All, "X direct messages: welcome message, at most 10,000 characters");
    /// X quick replies on the welcome message
    X_QUICK_REPLIES = ("x.quick_replies", 5, Platform, "help centre, profile manager: at most 5 quick replies on an X welcome message");
    /// X attached quick replies
    X_ATTACHED_QUICK_REPLIES = ("x.attached_quick_replies", 20, All, "X direct messages: at most 20 options on a quick reply");
    /// X quick-reply label
    X_LABEL = ("x.quick_replies.label", 36, All, "X direct messages: quick reply label, at most 36 characters");
    /// X custom profile name
    X_CUSTOM_PROFILE_NAME = ("x.custom_profiles.name", 48, All, "X custom profiles: name, at most 48 characters");
    /// Facebook greeting
    FB_GREETING = ("facebook.greeting", 160, All, "Messenger Profile API, greeting: text, at most 160 characters");
    /// Facebook ice breakers on the care platform
    FB_ICE_BREAKERS = ("facebook.ice_breakers", 6, Platform, "help centre, profile manager: up to 6 ice breakers on a Facebook profile");
    /// Facebook ice breakers on Meta
    FB_ICE_BREAKERS_META = ("facebook.ice_breakers", 4, Meta, "Messenger Profile API, ice breakers: at most 4 questions");
    /// Persistent menu buttons on the care platform
    FB_MENU = ("facebook.persistent_menu", 3, Platform, "help centre, profile manager: up to 3 buttons in the persistent menu");
    /// Persistent menu buttons on Meta
    FB_MENU_META = ("facebook.persistent_menu", 20, Meta, "Messenger Platform, persistent menu: up to 20 buttons (nested menus were removed in Graph v8.0)");
    /// Instagram persistent menu buttons on the care platform (as Facebook's)
    IG_MENU = ("instagram.persistent_menu", 3, Platform, "help centre, profile manager: up to 3 buttons in the persistent menu");
    /// Instagram persistent menu buttons on Meta
    IG_MENU_META = ("instagram.persistent_menu", 20, Meta, "Instagram Messaging API, persistent menu: up to 20 buttons");
    /// Persistent menu label
    FB_MENU_LABEL = ("facebook.persistent_menu.label", 30, All, "Messenger Profile API: menu item title, at most 30 characters");
    /// Get Started and postback payloads on Meta (the flow names)
    PAYLOAD_META = ("facebook.flow", 1_000, Meta, "Messenger Platform, get started and postback buttons: payload, at most 1,000 characters");
    /// Whitelisted domains
    WHITELISTED_DOMAINS = ("facebook.whitelisted_domains", 50, All, "Messenger Profile API, whitelisted_domains: at most 50 domains");
    /// Instagram ice breakers
    IG_ICE_BREAKERS = ("instagram.ice_breakers", 4, All, "Instagram Messaging API: at most 4 ice breakers");
    /// WhatsApp about text
    WA_ABOUT = ("whatsapp.about", 139, All, "WhatsApp Business profile: about, 1 to 139 characters");
    /// WhatsApp address
    WA_ADDRESS = ("whatsapp.address", 256, All, "WhatsApp Business profile: address, at most 256 characters");
    /// WhatsApp description on the care platform
    WA_DESCRIPTION = ("whatsapp.description", 256, Platform, "help centre, profile manager: WhatsApp description, required, at most 256 characters");
    /// WhatsApp description on Meta
    WA_DESCRIPTION_META = ("whatsapp.description", 512, Meta, "WhatsApp Cloud API, business profile: description, at most 512 characters");
    /// WhatsApp e-mail
    WA_EMAIL = ("whatsapp.email", 128, All, "WhatsApp Business profile: email, at most 128 characters");
    /// WhatsApp websites
    WA_WEBSITES = ("whatsapp.websites", 2, All, "WhatsApp Business profile: at most 2 websites");
    /// WhatsApp website length
    WA_WEBSITE = ("whatsapp.websites.item", 256, All, "WhatsApp Business profile: website, at most 256 characters");
    /// Live chat attached quick replies
    LC_ATTACHED_QUICK_REPLIES = ("live_chat.attached_quick_replies", 3, Platform, "help centre, profile manager: at most 3 quick replies on live chat");
    /// Groups in a workspace
    GROUPS = ("groups", 20, Platform, "help centre, profile groups: at most 20 groups in a workspace");
    /// Items in one group
    GROUP_ITEMS = ("groups.items", 20, Platform, "help centre, profile groups: at most 20 profiles and groups in a group");
    /// Proactive messages in a workspace
    PROACTIVE_MESSAGES = ("proactive_messages", 140, Platform, "help centre, proactive messages: at most 140 per workspace");
}

/// The limit of `field` that binds `target`.
pub fn for_target(field: &str, target: Target) -> Option<&'static Limit> {
    CATALOG
        .iter()
        .find(|l| l.field == field && l.targets.includes(target))
}

/// The rules of the Targets table of config.md that are not numbers: what differs
/// between the care platform and Meta, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetRules {
    /// `get_started` with `ice_breakers` is an error (the platform) rather than a warning
    /// (Meta: the ice breakers are shown, not the button)
    pub get_started_with_ice_breakers_is_error: bool,
    /// a `persistent_menu` needs `get_started` (Meta shows no menu without it)
    pub menu_needs_get_started: bool,
    /// WhatsApp `address`, `description` and `vertical` are required
    pub whatsapp_details_required: bool,
    /// flows are payloads sent to the bot, of bounded length, not names checked live
    pub flows_are_payloads: bool,
    /// where the rule on Get Started with ice breakers comes from
    pub ice_breakers_source: &'static str,
    /// where the rule on the menu and Get Started comes from
    pub menu_source: &'static str,
    /// where the rule on the WhatsApp details comes from
    pub whatsapp_source: &'static str,
}

/// The non-numeric rules of `target`.
pub fn rules_of(target: Target) -> TargetRules {
    if target.is_platform() {
        TargetRules {
            get_started_with_ice_breakers_is_error: true,
            menu_needs_get_started: false,
            whatsapp_details_required: true,
            flows_are_payloads: false,
            ice_breakers_source: HELP_PROFILES,
            menu_source: HELP_PROFILES,
            whatsapp_source: HELP_PROFILES,
        }
    } else {
        TargetRules {
            get_started_with_ice_breakers_is_error: false,
            menu_needs_get_started: true,
            whatsapp_details_required: false,
            flows_are_payloads: true,
            ice_breakers_source: "Messenger Platform, ice breakers: they take precedence over the Get Started button",
            menu_source: "Messenger Platform, persistent menu requirements: a Get Started button is required",
            whatsapp_source: "WhatsApp Cloud API, business profile: every field optional",
        }
    }
}

/// The shortest WhatsApp `about`.
pub const WA_ABOUT_MIN: usize = 1;
/// How much a URL weighs in X's count (t.co wrapping).
pub const X_URL_WEIGHT: usize = 23;
/// Fewest options of a dropdown contact attribute.
pub const DROPDOWN_MIN_OPTIONS: usize = 2;
/// Fewest conditions in a nested condition group.
pub const CONDITION_GROUP_MIN: usize = 2;
/// Deepest nesting of condition groups (and of parentheses in a `when` expression). The
/// platform states none; socialform's own bound, which no real message nears, keeps every
/// walk of a condition tree shallow.
pub const CONDITION_DEPTH: usize = 32;

/// socialform's cap on any text where the platform states no limit (twice the longest
/// platform limit, X's 10,000-character welcome message), in characters.
pub const TEXT_CAP: usize = 20_000;
/// socialform's cap on any list (tags, options, `order`, conditions, allowed domains...).
pub const LIST_CAP: usize = 10_000;
/// socialform's cap on the entries of any table (profiles, attributes, mailboxes...).
pub const TABLE_CAP: usize = 100_000;
/// socialform's cap on a key (a mailbox or folder name, an id), in characters.
pub const KEY_CAP: usize = 1_000;

/// Looks a limit up by its catalog field, for help lines (the first of the field: use
/// [`for_target`] for a field whose limit depends on the target).
pub fn find(field: &str) -> Option<&'static Limit> {
    CATALOG.iter().find(|l| l.field == field)
}

/// The account patterns of the channels (defined with their descriptors).
pub use crate::model::channel::{DIGITS_PATTERN, HANDLE_PATTERN};
/// Identifier of profiles, groups, contact attributes and proactive messages (defined
/// with the id normalisation, in `model::id`).
pub use crate::model::id::ID_PATTERN;
/// A Graph API version, the `vNN.N` path segment.
pub const API_VERSION_PATTERN: &str = r"^v[0-9]{1,3}\.[0-9]{1,3}$";
/// An http or https URL with a host.
pub const URL_PATTERN: &str = r"^[hH][tT][tT][pP][sS]?://[^\s/?#@]+(?:[/?#][^\s]*)?$";
/// `#RRGGBB`.
pub const COLOR_PATTERN: &str = "^#[0-9A-Fa-f]{6}$";
/// An e-mail address, as strict as a form would be.
pub const EMAIL_PATTERN: &str = r"^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$";
/// Minutes and seconds, seconds below 60: `45s`, `2m`, `1m30s`.
pub const DURATION_PATTERN: &str = "^(?:[0-9]+m(?:[0-5]?[0-9]s)?|[0-5]?[0-9]s)$";
/// A ticket tag: no white space.
pub const TAG_PATTERN: &str = r"^\S+$";

/// What a format pattern means, for diagnostics built from schema `pattern` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// the regular expression
    pub pattern: &'static str,
    /// what a matching value is, for the message ("an http or https URL")
    pub expected: &'static str,
    /// an example of a good value
    pub example: &'static str,
}

/// Every format pattern the schema uses.
pub const FORMATS: &[Format] = &[
    Format {
        pattern: API_VERSION_PATTERN,
        expected: "a Graph API version, `v` then major and minor numbers",
        example: "v26.0",
    },
    Format {
        pattern: ID_PATTERN,
        expected: "an id: a lowercase letter, then up to 62 lowercase letters, digits or `_`",
        example: "acme_care",
    },
    Format {
        pattern: URL_PATTERN,
        expected: "an http or https URL",
        example: "https://www.example.com/help",
    },
    Format {
        pattern: COLOR_PATTERN,
        expected: "a colour written `#RRGGBB`",
        example: "#1D9BF0",
    },
    Format {
        pattern: HANDLE_PATTERN,
        expected: "an X handle: `@` then 1 to 15 letters, digits or `_`",
        example: "@AcmeCare",
    },
    Format {
        pattern: DIGITS_PATTERN,
        expected: "a numeric platform id (digits only)",
        example: "1234567890",
    },
    Format {
        pattern: EMAIL_PATTERN,
        expected: "an e-mail address",
        example: "care@example.com",
    },
    Format {
        pattern: DURATION_PATTERN,
        expected: "minutes and seconds, seconds below 60",
        example: "1m30s",
    },
    Format {
        pattern: TAG_PATTERN,
        expected: "a ticket tag without white space",
        example: "checkout_help",
    },
];

/// Looks a format up by its pattern.
pub fn format_of(pattern: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.pattern == pattern)
}
