//! The registry of diagnostic codes. A code is a promise: CI filters and suppressions
//! are written against it, so codes are never renamed or reused.

use super::Severity;

macro_rules! codes {
    ($( $name:ident = ($code:literal, $sev:ident, $desc:literal); )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Code { $( $name ),* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$name ),* ];

            /// The code as users see and filter it (`limits::too_long`).
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$name => $code ),* }
            }

            /// The code spelled `s` (`limits::too_long`), if there is one.
            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }

            /// The severity every diagnostic of this code has.
            pub fn severity(self) -> Severity {
                match self { $( Code::$name => Severity::$sev ),* }
            }

            /// One line on what the code means, for the reference table.
            pub fn description(self) -> &'static str {
                match self { $( Code::$name => $desc ),* }
            }
        }
    };
}

codes! {
    // Reading and merging files.
    Io = ("config::io", Error, "a configuration file could not be read");
    TomlSyntax = ("config::syntax", Error, "the file is not valid TOML");
    TooDeep = ("config::too_deep", Error, "tables and arrays nested deeper than 128 levels (the run stops, as on a syntax error)");
    DuplicateDefinition = ("config::duplicate_definition", Error, "the same table or key is defined in two places");
    RootOnlyTable = ("config::root_only_table", Error, "`[workspace]` or `[backend]` outside the root file");
    PathOutside = ("config::path_outside", Error, "a path in the configuration, or a linked file, that leaves the configuration directory (absolute, `..` or a symbolic link)");
    NotAFile = ("config::not_a_file", Error, "a FIFO, socket, device or directory where a regular file is read: never opened");
    TooLarge = ("config::too_large", Error, "a configuration file, catalog or avatar over 8 MiB");
    AllowError = ("config::allow_error", Error, "an error code in `[workspace] allow`: only warnings and notes can be allowed");
    AllowUnknown = ("config::allow_unknown", Error, "a code in `[workspace] allow` that does not exist (with a suggestion when one is close)");
    // The schema: shape, types, allowed values.
    UnknownKey = ("schema::unknown_key", Error, "a key the format does not define (with a suggestion when one is close)");
    MissingKey = ("schema::missing_key", Error, "a required key is absent");
    WrongType = ("schema::wrong_type", Error, "a value of the wrong TOML type");
    InvalidValue = ("schema::invalid_value", Error, "a value outside the allowed set");
    InvalidId = ("schema::invalid_id", Error, "an id that does not match `^[a-z][a-z0-9_]{0,62}$`");
    SchemaOther = ("schema::invalid", Error, "a value the JSON Schema rejects for another reason");
    // Formats.
    BadFormat = ("format::invalid", Error, "a URL, e-mail, colour, handle, numeric id, duration or tag in the wrong form");
    // Limits.
    TooLong = ("limits::too_long", Error, "a text longer than the platform allows");
    TooShort = ("limits::too_short", Error, "an empty text where one is required");
    TooManyItems = ("limits::too_many_items", Error, "a list longer than the platform allows");
    TooFewItems = ("limits::too_few_items", Error, "a list shorter than required");
    TooManyResources = ("limits::too_many_resources", Error, "more groups or proactive messages than a workspace may hold");
    OverCap = ("limits::over_cap", Error, "a text, list, table or key larger than socialform accepts where the platform states no limit (the caps are in the README)");
    XWeightedLength = ("limits::x_weighted_length", Error, "an X bio over 160 by X's weighted count");
    XCountDiffers = ("x::weighted_count_differs", Info, "an X bio whose weighted count differs from its length");
    // Profiles.
    DuplicateValue = ("profiles::duplicate", Error, "a label, question or name that must be unique appears twice");
    DuplicateAccount = ("profiles::duplicate_account", Error, "two profiles bound to the same account of the same channel");
    UrlInLabel = ("x::url_in_label", Error, "a quick-reply label that contains a URL");
    QuickRepliesNeedWelcome = ("x::quick_replies_without_welcome", Error, "X quick replies without a welcome message");
    PrivacyPolicyRequired = ("x::privacy_policy_required", Error, "X custom profiles without a privacy policy URL");
    TermsNotAccepted = ("x::terms_not_accepted", Error, "X custom profiles without `custom_profile_terms_accepted = true`");
    AvatarNotFound = ("x::avatar_not_found", Error, "a custom profile avatar path that names no image file");
    GreetingToken = ("facebook::greeting_token", Error, "a `{{...}}` token the Facebook greeting does not support");
    GetStartedWithIceBreakers = ("profiles::get_started_with_ice_breakers", Error, "Get Started together with ice breakers, which replace it");
    MenuItemTarget = ("facebook::menu_item_target", Error, "a persistent menu item without exactly one of `flow` and `url`");
    CaseFlowOverlap = ("facebook::case_creation_flow_overlap", Warning, "a case creation flow together with ice breakers, Get Started or a menu");
    IceBreakersHideGetStarted = ("meta::ice_breakers_hide_get_started", Warning, "on `meta`: Get Started together with ice breakers, which Meta shows instead of the button");
    MenuNeedsGetStarted = ("meta::menu_needs_get_started", Error, "on `meta`: a persistent menu without a Get Started button, which Meta does not show");
    WhitelistedDomain = ("facebook::whitelisted_domain", Error, "a whitelisted domain that is not the https URL of a domain (an IP address, `localhost`, a path)");
    ComposerNeedsMenu = ("facebook::composer_needs_menu", Error, "`composer_input_disabled = true` without a persistent menu");
    UnknownLocale = ("locales::unknown", Error, "a locale code Meta does not support (with a suggestion when one is close)");
    LocaleWithoutDefault = ("locales::without_default", Error, "a locale variant of a key the profile itself does not set (Meta requires a default)");
    AvatarNotJpeg = ("whatsapp::avatar_not_jpeg", Warning, "a WhatsApp avatar URL that does not end in `.jpg` or `.jpeg`");
    // Groups.
    UnknownMember = ("groups::unknown_member", Error, "a group item that names no declared profile or group");
    DuplicateMember = ("groups::duplicate_member", Error, "the same item twice in one group");
    TooManyMembers = ("groups::too_many_items", Error, "more than 20 profiles and groups in one group");
    GroupCycle = ("groups::cycle", Error, "groups that contain each other (the message names the cycle)");
    // Reply profiles.
    UnknownReplyProfile = ("reply::unknown_profile", Error, "a reply profile that names no declared profile");
    ReplyChannelMismatch = ("reply::channel_mismatch", Error, "a reply profile of another channel than its key");
    // Contacts.
    OptionsOnText = ("contacts::options_on_text", Error, "`options` on a text attribute");
    DropdownOptions = ("contacts::dropdown_options", Error, "a dropdown with fewer than 2 options");
    PlatformAttributeKey = ("contacts::platform_attribute_key", Error, "a platform attribute (no `type`) with a key other than `enabled`");
    MatchingAttribute = ("contacts::matching_attribute", Error, "a matching attribute that is disabled or not a text attribute");
    MatchingByUserId = ("contacts::matched_by_user_id", Info, "X and Instagram contacts are matched by user id, not by the matching attribute");
    DuplicateOrder = ("contacts::duplicate_in_order", Error, "the same attribute twice in `order`");
    // Messaging.
    ConversationControlKeep = ("messaging::conversation_control", Warning, "proactive messages with `conversation_control` other than `release`");
    AutoResponseMessage = ("messaging::auto_response_message", Error, "an enabled automatic response without a message");
    // Proactive messages.
    ConditionsAndWhen = ("proactive::conditions_and_when", Error, "both `conditions` and `when`, or neither");
    WhenSyntax = ("proactive::when_syntax", Error, "a `when` expression that does not parse (points at the character)");
    ConditionShape = ("proactive::condition_shape", Error, "a condition that is neither `{ field, op, value }` nor a group, or a top level without exactly one of `all` and `any`");
    ConditionGroupSize = ("proactive::condition_group_size", Error, "a nested condition group with fewer than 2 conditions");
    ConditionsTooDeep = ("proactive::conditions_too_deep", Error, "condition groups nested deeper than 32 levels");
    ConditionValue = ("proactive::condition_value", Error, "an operator the field does not take, or a value of the wrong form");
    ScheduleRequired = ("proactive::schedule_required", Error, "`send` other than `always` without a `schedule`");
    ScheduleUnused = ("proactive::schedule_unused", Warning, "a `schedule` that `send = \"always\"` never uses");
    EveryTime = ("proactive::every_time", Warning, "`frequency = \"every_time\"`: recommended only for critical messages");
    // Backend.
    SecretInConfig = ("backend::secret_in_config", Error, "a token, secret or password written in `[backend]`");
    BackendUrlRequired = ("backend::url_required", Error, "`kind = \"http\"` without `url`");
    NotOnTarget = ("backend::not_on_target", Error, "a table or key that the target does not have (on `meta`: anything but facebook, instagram and whatsapp profiles, and the platform-only keys)");
    BackendKeyForOtherKind = ("backend::key_for_other_kind", Error, "a `[backend]` key that the chosen kind does not use");
    // Checks against the live catalog, at plan time.
    UnknownFlow = ("refs::unknown_flow", Error, "a flow the platform does not have");
    UnknownAccount = ("refs::unknown_account", Error, "a bound profile whose account is not connected to the workspace");
    UnknownBrand = ("refs::unknown_brand", Error, "a brand the platform does not have");
    UnknownChannel = ("refs::unknown_channel", Error, "a messaging channel the platform does not have");
    ChannelNotInBrand = ("refs::channel_not_in_brand", Error, "a messaging channel not connected to the message's brand");
    UnknownSchedule = ("refs::unknown_schedule", Error, "a business-hours schedule the channel does not have");
    UnknownBot = ("refs::unknown_bot", Error, "a bot the platform does not have, or not connected to the channel");
    UnknownBotAnswer = ("refs::unknown_bot_answer", Error, "a bot answer the bot does not have");
    UnknownMailbox = ("refs::unknown_mailbox", Error, "a mailbox the platform does not have");
    UnknownFolder = ("refs::unknown_folder", Error, "a smart folder the mailbox does not have, or one that is not custom");
    ReplyProfileNotInTopics = ("refs::reply_profile_not_in_topics", Error, "a reply profile whose account is connected to none of the mailbox's topics");
    UnknownPlatformAttribute = ("refs::unknown_platform_attribute", Error, "an attribute that is neither declared nor a platform attribute");
    // The platform's state against its catalog, at plan time and when `serve` starts.
    Orphaned = ("platform::orphaned", Warning, "a live resource whose catalog entry disappeared (an account no longer connected, a platform attribute no longer filled): kept, not dropped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_namespaced() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            let (ns, name) = code.as_str().split_once("::").expect("namespaced");
            assert!(!ns.is_empty() && !name.is_empty());
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == ':')
            );
        }
    }
}
