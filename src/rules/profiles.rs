//! Profile rules the schema cannot express: X's weighted count, uniqueness, conflicts
//! between keys, and the warnings of the spec.

use std::collections::HashMap;

use crate::config::Path;
use crate::config::files;
use crate::config::types::{
    Channel, FacebookProfile, InstagramProfile, LiveChatProfile, Profile, WhatsappProfile, XButton,
    XProfile,
};
use crate::diagnostics::{Code, Diagnostic, text};
use crate::rules::{Ctx, limits};
use crate::text as x_text;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let profiles: Vec<(String, Profile)> = ctx
        .config()
        .profiles
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    accounts(ctx, &profiles);
    for (id, profile) in &profiles {
        let at = Path::keys(["profiles", id.as_str()]);
        match profile {
            Profile::X(p) => x(ctx, &at, p),
            Profile::Facebook(p) => facebook(ctx, &at, p),
            Profile::Instagram(p) => instagram(ctx, &at, p),
            Profile::Whatsapp(p) => whatsapp(ctx, &at, p),
            Profile::LiveChat(p) => live_chat(ctx, &at, p),
        }
    }
}

/// Two profiles bound to one account of one channel would each overwrite the other on
/// every apply. X handles are compared without case, as X does.
fn accounts(ctx: &mut Ctx<'_>, profiles: &[(String, Profile)]) {
    let mut first: HashMap<(Channel, String), &str> = HashMap::new();
    for (id, profile) in profiles {
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
                let here = Path::keys(["profiles", id.as_str(), "account"]);
                let there = Path::keys(["profiles", earlier, "account"]);
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

fn labels<'a>(ctx: &mut Ctx<'_>, at: &Path, key: &str, buttons: impl IntoIterator<Item = &'a str>) {
    let items: Vec<(Path, &str)> = buttons
        .into_iter()
        .enumerate()
        .map(|(i, l)| (at.key(key).idx(i).key("label"), l))
        .collect();
    ctx.unique(Code::DuplicateValue, "label", items);
}

fn x_labels(ctx: &mut Ctx<'_>, at: &Path, key: &str, buttons: &[XButton]) {
    labels(ctx, at, key, buttons.iter().map(|b| b.label.as_str()));
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

fn x(ctx: &mut Ctx<'_>, at: &Path, p: &XProfile) {
    if let Some(bio) = &p.bio {
        let weighted = x_text::weighted_length(bio);
        let chars = x_text::char_count(bio);
        let path = at.key("bio");
        if weighted > limits::X_BIO {
            let d = Diagnostic::new(
                Code::XWeightedLength,
                format!("`{path}` counts {weighted} by X's weighted count; the limit is {}", limits::X_BIO),
            )
            .at(ctx.span(&path), format!("{weighted} weighted ({chars} characters)"))
            .help("X counts every URL as 23 and emoji, CJK and most non-Latin characters as 2: shorten the bio");
            ctx.push(d);
        } else if weighted != chars {
            let d = Diagnostic::new(
                Code::XCountDiffers,
                format!("`{path}` has {chars} characters but X counts it as {weighted}"),
            )
            .at(ctx.span(&path), format!("{weighted} of {} by X's count", limits::X_BIO))
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
        let names: Vec<(Path, &str)> = p
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

fn avatar(ctx: &mut Ctx<'_>, path: &Path, avatar: &str) {
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
            if let Some(d) = super::backend::path_problem(ctx, path, "the avatar path", &problem) {
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

const GREETING_TOKENS: [&str; 3] = [
    "{{user_first_name}}",
    "{{user_last_name}}",
    "{{user_full_name}}",
];

/// The `{{...}}` tokens of a text, as byte ranges.
fn tokens(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{") {
        let start = from + open;
        match text[start..].find("}}") {
            Some(close) => {
                out.push(start..start + close + 2);
                from = start + close + 2;
            }
            None => {
                out.push(start..text.len());
                break;
            }
        }
    }
    out
}

fn ice_breakers_vs_get_started(ctx: &mut Ctx<'_>, at: &Path, has_ice: bool, has_get_started: bool) {
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

fn questions(ctx: &mut Ctx<'_>, at: &Path, qs: impl IntoIterator<Item = String>) {
    let qs: Vec<String> = qs.into_iter().collect();
    let items: Vec<(Path, &str)> = qs
        .iter()
        .enumerate()
        .map(|(i, q)| (at.key("ice_breakers").idx(i).key("question"), q.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "ice breaker question", items);
}

fn facebook(ctx: &mut Ctx<'_>, at: &Path, p: &FacebookProfile) {
    if let Some(greeting) = &p.greeting {
        let path = at.key("greeting");
        let bad: Vec<std::ops::Range<usize>> = tokens(greeting)
            .into_iter()
            .filter(|r| !GREETING_TOKENS.contains(&&greeting[r.clone()]))
            .collect();
        let spans = ctx.sub_spans(&path, bad.iter().cloned());
        for (range, span) in bad.into_iter().zip(spans) {
            let token = &greeting[range];
            let d = Diagnostic::new(
                Code::GreetingToken,
                format!(
                    "`{}` is not a greeting token Facebook supports",
                    text::clip(token)
                ),
            )
            .at(span, "unsupported token")
            .help(format!(
                "the greeting may use {}",
                GREETING_TOKENS.join(", ")
            ));
            ctx.push(d);
        }
    }
    ice_breakers_vs_get_started(ctx, at, !p.ice_breakers.is_empty(), p.get_started.is_some());
    questions(ctx, at, p.ice_breakers.iter().map(|q| q.question.clone()));
    for (i, item) in p.persistent_menu.iter().enumerate() {
        if item.flow.is_some() == item.url.is_some() {
            let path = at.key("persistent_menu").idx(i);
            let what = if item.flow.is_some() {
                "both `flow` and `url`"
            } else {
                "neither `flow` nor `url`"
            };
            let d = Diagnostic::new(Code::MenuItemTarget, format!("menu item `{}` has {what}", text::clip(&item.label)))
                .at(ctx.span(&path), "exactly one of `flow` and `url`")
                .help("a menu item either starts a flow (`flow = \"...\"`) or opens a page (`url = \"https://...\"`)");
            ctx.push(d);
        }
    }
    labels(
        ctx,
        at,
        "persistent_menu",
        p.persistent_menu.iter().map(|m| m.label.as_str()),
    );
    if p.case_creation_flow.is_some() {
        let overlaps: Vec<&str> = [
            (!p.ice_breakers.is_empty(), "ice_breakers"),
            (p.get_started.is_some(), "get_started"),
            (!p.persistent_menu.is_empty(), "persistent_menu"),
        ]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect();
        if let Some(first) = overlaps.first() {
            let list = overlaps
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = Diagnostic::new(
                Code::CaseFlowOverlap,
                format!("`{at}` sends a case creation flow and also has {list}"),
            )
            .at(ctx.key_span(&at.key("case_creation_flow")), "sent when a case is created")
            .also(ctx.key_span(&at.key(first)), "also offers options")
            .help("the customer may see the same options twice: keep the case creation flow or the other entry points");
            ctx.push(d);
        }
    }
}

fn instagram(ctx: &mut Ctx<'_>, at: &Path, p: &InstagramProfile) {
    ice_breakers_vs_get_started(ctx, at, !p.ice_breakers.is_empty(), p.get_started.is_some());
    questions(ctx, at, p.ice_breakers.iter().map(|q| q.question.clone()));
}

fn whatsapp(ctx: &mut Ctx<'_>, at: &Path, p: &WhatsappProfile) {
    if let Some(url) = &p.avatar_url {
        let bare = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        if !(bare.ends_with(".jpg") || bare.ends_with(".jpeg")) {
            let d = Diagnostic::new(
                Code::AvatarNotJpeg,
                "the WhatsApp avatar does not look like a JPEG",
            )
            .at(ctx.span(&at.key("avatar_url")), "not `.jpg` or `.jpeg`")
            .help("WhatsApp recommends a 640x640 JPEG of at most 63 KB");
            ctx.push(d);
        }
    }
    let sites: Vec<(Path, &str)> = p
        .websites
        .iter()
        .enumerate()
        .map(|(i, w)| (at.key("websites").idx(i), w.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "website", sites);
}

fn live_chat(ctx: &mut Ctx<'_>, at: &Path, p: &LiveChatProfile) {
    labels(
        ctx,
        at,
        "attached_quick_replies",
        p.attached_quick_replies.iter().map(|b| b.label.as_str()),
    );
    let domains: Vec<(Path, &str)> = p
        .allowed_domains
        .iter()
        .enumerate()
        .map(|(i, w)| (at.key("allowed_domains").idx(i), w.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "allowed domain", domains);
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn greeting_tokens() {
        let t = "Hi {{user_first_name}}, {{bad}} {{open";
        let found: Vec<&str> = tokens(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(found, ["{{user_first_name}}", "{{bad}}", "{{open"]);
    }
}
