//! The limits catalog: every number the platforms impose, where it comes from, and the
//! format patterns. The JSON Schema (through the config types' attributes) and the code
//! rules read these same constants, so the editor and `validate` cannot disagree.

/// One platform limit: what it bounds, the number, and the source of the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// dotted location, as written in the configuration (`facebook.greeting`)
    pub field: &'static str,
    /// the bound
    pub max: usize,
    /// where the number comes from
    pub source: &'static str,
}

macro_rules! limits {
    ($( $(#[$m:meta])* $name:ident = ($field:literal, $max:literal, $source:literal); )*) => {
        $( $(#[$m])* pub const $name: usize = $max; )*
        /// Every limit of the catalog, for documentation and for the diagnostics' help lines.
        pub const CATALOG: &[Limit] = &[ $( Limit { field: $field, max: $max, source: $source } ),* ];
    };
}

limits! {
    /// X display name
    X_NAME = ("x.name", 50, "X profile settings: name, at most 50 characters");
    /// X profile URL
    X_URL = ("x.url", 100, "X profile settings: website, at most 100 characters");
    /// X location
    X_LOCATION = ("x.location", 30, "X profile settings: location, at most 30 characters");
    /// X bio, by X's weighted count
    X_BIO = ("x.bio", 160, "X profile settings: bio, at most 160 by X's weighted count (URLs count 23)");
    /// X welcome message
    X_WELCOME = ("x.welcome_message", 10_000, "X direct messages: welcome message, at most 10,000 characters");
    /// X quick replies on the welcome message
    X_QUICK_REPLIES = ("x.quick_replies", 5, "help centre, profile manager: at most 5 quick replies on an X welcome message");
    /// X attached quick replies
    X_ATTACHED_QUICK_REPLIES = ("x.attached_quick_replies", 20, "X direct messages: at most 20 options on a quick reply");
    /// X quick-reply label
    X_LABEL = ("x.quick_replies.label", 36, "X direct messages: quick reply label, at most 36 characters");
    /// X custom profile name
    X_CUSTOM_PROFILE_NAME = ("x.custom_profiles.name", 48, "X custom profiles: name, at most 48 characters");
    /// Facebook greeting
    FB_GREETING = ("facebook.greeting", 160, "Messenger Profile API: greeting text, at most 160 characters");
    /// Facebook ice breakers
    FB_ICE_BREAKERS = ("facebook.ice_breakers", 6, "Messenger Profile API: at most 6 ice breakers");
    /// Facebook persistent menu items
    FB_MENU = ("facebook.persistent_menu", 3, "help centre, profile manager: at most 3 persistent menu items");
    /// Facebook persistent menu label
    FB_MENU_LABEL = ("facebook.persistent_menu.label", 30, "Messenger Profile API: menu item title, at most 30 characters");
    /// Instagram ice breakers
    IG_ICE_BREAKERS = ("instagram.ice_breakers", 4, "Instagram Messaging API: at most 4 ice breakers");
    /// WhatsApp about text
    WA_ABOUT = ("whatsapp.about", 139, "WhatsApp Business profile: about, 1 to 139 characters");
    /// WhatsApp address
    WA_ADDRESS = ("whatsapp.address", 256, "WhatsApp Business profile: address, at most 256 characters");
    /// WhatsApp description
    WA_DESCRIPTION = ("whatsapp.description", 256, "WhatsApp Business profile: description, at most 256 characters");
    /// WhatsApp e-mail
    WA_EMAIL = ("whatsapp.email", 128, "WhatsApp Business profile: email, at most 128 characters");
    /// WhatsApp websites
    WA_WEBSITES = ("whatsapp.websites", 2, "WhatsApp Business profile: at most 2 websites");
    /// WhatsApp website length
    WA_WEBSITE = ("whatsapp.websites.item", 256, "WhatsApp Business profile: website, at most 256 characters");
    /// Live chat attached quick replies
    LC_ATTACHED_QUICK_REPLIES = ("live_chat.attached_quick_replies", 3, "help centre, profile manager: at most 3 quick replies on live chat");
    /// Groups in a workspace
    GROUPS = ("groups", 20, "help centre, profile groups: at most 20 groups in a workspace");
    /// Items in one group
    GROUP_ITEMS = ("groups.items", 20, "help centre, profile groups: at most 20 profiles and groups in a group");
    /// Proactive messages in a workspace
    PROACTIVE_MESSAGES = ("proactive_messages", 140, "help centre, proactive messages: at most 140 per workspace");
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

/// Looks a limit up by its catalog field, for help lines.
pub fn find(field: &str) -> Option<&'static Limit> {
    CATALOG.iter().find(|l| l.field == field)
}

/// The account patterns of the channels (defined with their descriptors).
pub use crate::model::channel::{DIGITS_PATTERN, HANDLE_PATTERN};
/// Identifier of profiles, groups, contact attributes and proactive messages (defined
/// with the id normalisation, in `model::id`).
pub use crate::model::id::ID_PATTERN;
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
