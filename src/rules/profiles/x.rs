//! `channel = "x"`: the X profile and its rules (X's weighted count, labels without
//! URLs, custom profiles and their avatars).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::config::DocPath;
use crate::config::files;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::rules::{Ctx, limits::*};
use crate::text as x_text;

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
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XProfile {
    /// The connected X account: `@` then 1 to 15 letters, digits or `_`.
    #[schemars(pattern(HANDLE_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Display name, at most 50 characters.
    #[schemars(length(max = X_NAME))]
    pub name: Option<String>,
    /// Website, an http(s) URL of at most 100 characters.
    #[schemars(length(max = X_URL), pattern(URL_PATTERN))]
    pub url: Option<String>,
    /// Location, at most 30 characters.
    #[schemars(length(max = X_LOCATION))]
    pub location: Option<String>,
    /// Bio, at most 160 by X's weighted count (every URL counts 23).
    pub bio: Option<String>,
    /// Privacy policy URL; required when `custom_profiles` is not empty.
    #[schemars(pattern(URL_PATTERN))]
    pub privacy_policy_url: Option<String>,
    /// Welcome message of direct messages, at most 10,000 characters.
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
    pub custom_profile_terms_accepted: Option<bool>,
}

fn x_labels(ctx: &mut Ctx<'_>, at: &DocPath, key: &str, buttons: &[XButton]) {
    super::labels(ctx, at, key, buttons.iter().map(|b| b.label.as_str()));
    for (i, b) in buttons.iter().enumerate() {
        if let Some(url) = x_text::find_urls(&b.label).into_iter().next() {
            let path = at.key(key).idx(i).key("label");
            let d = Diagnostic::new(
                Code::UrlInLabel,
                format!(
                    "the quick-reply label `{}` contains a URL",
                    text::clip(&b.label)
                ),
            )
            .at(ctx.sub_span(&path, url), "a URL")
            .help(
                "X does not allow links in quick-reply labels: put the link in the flow's message",
            );
            ctx.push(d);
        }
    }
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &XProfile) {
    if let Some(bio) = &p.bio {
        let weighted = x_text::weighted_length(bio);
        let chars = x_text::char_count(bio);
        let path = at.key("bio");
        if weighted > X_BIO {
            let d = Diagnostic::new(
                Code::XWeightedLength,
                format!("`{path}` counts {weighted} by X's weighted count; the limit is {}", X_BIO),
            )
            .at(ctx.span(&path), format!("{weighted} weighted ({chars} characters)"))
            .help("X counts every URL as 23 and emoji, CJK and most non-Latin characters as 2: shorten the bio");
            ctx.push(d);
        } else if weighted != chars {
            let d = Diagnostic::new(
                Code::XCountDiffers,
                format!("`{path}` has {chars} characters but X counts it as {weighted}"),
            )
            .at(ctx.span(&path), format!("{weighted} of {} by X's count", X_BIO))
            .help("X counts every URL as 23 and emoji, CJK and most non-Latin characters as 2; the limit applies to X's count");
            ctx.push(d);
        }
    }
    if !p.quick_replies.is_empty() && p.welcome_message.is_none() {
        let d = Diagnostic::new(
            Code::QuickRepliesNeedWelcome,
            format!("`{at}` has quick replies but no welcome message"),
        )
        .at(
            ctx.key_span(&at.key("quick_replies")),
            "quick replies need a welcome message",
        )
        .help("add `welcome_message = \"...\"`: quick replies are shown under it");
        ctx.push(d);
    }
    x_labels(ctx, at, "quick_replies", &p.quick_replies);
    x_labels(ctx, at, "attached_quick_replies", &p.attached_quick_replies);
    if !p.custom_profiles.is_empty() {
        let cp = at.key("custom_profiles");
        if p.privacy_policy_url.is_none() {
            let d = Diagnostic::new(
                Code::PrivacyPolicyRequired,
                format!("`{at}` has custom profiles but no privacy policy URL"),
            )
            .at(ctx.key_span(&cp), "custom profiles need a privacy policy")
            .help("add `privacy_policy_url = \"https://...\"`");
            ctx.push(d);
        }
        if p.custom_profile_terms_accepted != Some(true) {
            let terms = at.key("custom_profile_terms_accepted");
            let span = if p.custom_profile_terms_accepted.is_some() {
                ctx.span(&terms)
            } else {
                ctx.key_span(&cp)
            };
            let d = Diagnostic::new(Code::TermsNotAccepted, format!("`{at}` has custom profiles but their terms are not accepted"))
                .at(span, "terms not accepted")
                .help("set `custom_profile_terms_accepted = true` once the X custom profile terms have been read and accepted");
            ctx.push(d);
        }
        let names: Vec<(DocPath, &str)> = p
            .custom_profiles
            .iter()
            .enumerate()
            .map(|(i, c)| (cp.idx(i).key("name"), c.name.as_str()))
            .collect();
        ctx.unique(Code::DuplicateValue, "custom profile name", names);
        for (i, c) in p.custom_profiles.iter().enumerate() {
            avatar(ctx, &cp.idx(i).key("avatar"), &c.avatar);
        }
    }
}

const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

fn avatar(ctx: &mut Ctx<'_>, path: &DocPath, avatar: &str) {
    let lower = avatar.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return;
    }
    // A path: relative to the configuration directory, inside it, a regular image file.
    let Ok(root) = files::root_of(ctx.input.dir) else {
        return;
    };
    let found = files::confine(&root, avatar)
        .and_then(|real| files::check_readable(&real, files::MAX_FILE_BYTES));
    let exists = match found {
        Ok(exists) => exists,
        Err(problem) => {
            if let Some(d) =
                crate::rules::workspace::path_problem(ctx, path, "the avatar path", &problem)
            {
                ctx.push(d);
            }
            return;
        }
    };
    let ext = std::path::Path::new(avatar)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let problem = if !exists {
        Some(format!(
            "no file `{avatar}` relative to the configuration directory"
        ))
    } else if !IMAGE_EXTENSIONS.contains(&ext.as_str()) {
        Some(format!("`{avatar}` is not a PNG, JPEG, GIF or WebP image"))
    } else {
        None
    };
    if let Some(problem) = problem {
        let d = Diagnostic::new(Code::AvatarNotFound, format!("avatar: {problem}"))
            .at(ctx.span(path), "not an image file")
            .help("give an http(s) URL, or a path to an image relative to the directory of `socialform.toml`");
        ctx.push(d);
    }
}
