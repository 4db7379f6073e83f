//! `channel = "facebook"`: the Facebook page profile and its rules (greeting tokens, ice
//! breakers against Get Started, menu items, the case creation flow's overlaps).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use indexmap::IndexMap;

use super::cfg::{FacebookLocale, GetStarted, IceBreaker, MenuItem, Variant};
use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::rules::{Ctx, limits::*};

/// `channel = "facebook"`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FacebookProfile {
    /// The connected page id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// Privacy policy URL.
    #[schemars(pattern(URL_PATTERN))]
    pub privacy_policy_url: Option<String>,
    /// Greeting, at most 160 characters; tokens `{{user_first_name}}`, `{{user_last_name}}`, `{{user_full_name}}`.
    #[schemars(length(max = FB_GREETING))]
    pub greeting: Option<String>,
    /// Ice breakers: at most 6 on `sandbox` and `http`, 4 on `meta`. On the care
    /// platform they replace the Get Started button; on Meta they are shown instead of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers` on `sandbox` and `http`,
    /// required by a `persistent_menu` on `meta`.
    pub get_started: Option<GetStarted>,
    /// Persistent menu items: at most 3 on `sandbox` and `http`, 20 on `meta`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persistent_menu: Vec<MenuItem>,
    /// At most 50 `https://` URLs of a domain (no IP address, no `localhost`, no path):
    /// the domains that buttons and webviews may open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = WHITELISTED_DOMAINS), inner(pattern(URL_PATTERN)))]
    pub whitelisted_domains: Vec<String>,
    /// When `true`, customers can only use the menu; needs `persistent_menu`.
    #[serde(default, skip_serializing_if = "super::cfg::is_false")]
    pub composer_input_disabled: bool,
    /// Per-locale variants of `greeting`, `ice_breakers` and `persistent_menu`, keyed by
    /// a Meta locale code (`fr_FR`, `es_LA`, ...).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub locales: IndexMap<String, FacebookLocale>,
    /// The flow sent automatically when a case is created.
    #[schemars(length(min = 1))]
    pub case_creation_flow: Option<String>,
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

/// The greeting's `{{...}}` tokens, at `path` (the profile's greeting or a locale's).
fn greeting_tokens(ctx: &mut Ctx<'_>, path: &DocPath, greeting: &str) {
    let bad: Vec<std::ops::Range<usize>> = tokens(greeting)
        .into_iter()
        .filter(|r| !GREETING_TOKENS.contains(&&greeting[r.clone()]))
        .collect();
    let spans = ctx.sub_spans(path, bad.iter().cloned());
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

/// Why `url` is not a whitelisted domain: https, a host name that is not an IP address
/// nor `localhost`, no path, query or credentials.
fn domain_problem(url: &str) -> Option<&'static str> {
    let Ok(u) = url::Url::parse(url) else {
        return Some("not a URL");
    };
    if u.scheme() != "https" {
        return Some("not `https://`");
    }
    match u.host() {
        None => return Some("no host"),
        Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_)) => return Some("an IP address"),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            if d == "localhost" || d.ends_with(".localhost") {
                return Some("`localhost`");
            }
            if !d.contains('.') {
                return Some("not a domain name");
            }
        }
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Some("credentials in the URL");
    }
    if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
        return Some("a path, query or fragment");
    }
    None
}

fn domains(ctx: &mut Ctx<'_>, at: &DocPath, p: &FacebookProfile) {
    let mut seen: Vec<(DocPath, String)> = Vec::new();
    for (i, d) in p.whitelisted_domains.iter().enumerate() {
        let path = at.key("whitelisted_domains").idx(i);
        match domain_problem(d) {
            Some(problem) => {
                let diag = Diagnostic::new(
                    Code::WhitelistedDomain,
                    format!("`{}` is not a domain Messenger can allow: {problem}", text::clip(d)),
                )
                .at(ctx.span(&path), problem)
                .help("write the https origin of a public domain, without a path: `https://www.example.com`");
                ctx.push(diag);
            }
            None => seen.push((path, d.trim_end_matches('/').to_ascii_lowercase())),
        }
    }
    ctx.unique(
        Code::DuplicateValue,
        "whitelisted domain",
        seen.iter().map(|(p, k)| (p.clone(), k.as_str())),
    );
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &FacebookProfile) {
    let profile = super::messenger::Profile {
        channel: "facebook",
        default: Variant {
            greeting: p.greeting.as_deref(),
            ice_breakers: &p.ice_breakers,
            persistent_menu: &p.persistent_menu,
        },
        get_started: p.get_started.as_ref(),
        locales: p
            .locales
            .iter()
            .map(|(code, l)| (code.as_str(), l.variant()))
            .collect(),
        greeting: Some(greeting_tokens),
    };
    super::messenger::check(ctx, at, &profile);
    domains(ctx, at, p);
    if p.composer_input_disabled && p.persistent_menu.is_empty() {
        let d = Diagnostic::new(
            Code::ComposerNeedsMenu,
            format!("`{at}` disables the composer but has no persistent menu"),
        )
        .at(ctx.span(&at.key("composer_input_disabled")), "customers could not write at all")
        .help("add a `persistent_menu`, or remove `composer_input_disabled`: with the composer disabled, the menu is the only way to answer");
        ctx.push(d);
    }
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

#[cfg(test)]
mod tests {
    use super::{domain_problem, tokens};

    #[test]
    fn whitelisted_domains() {
        assert_eq!(domain_problem("https://www.example.com"), None);
        assert_eq!(domain_problem("https://example.com/"), None);
        assert_eq!(domain_problem("http://example.com"), Some("not `https://`"));
        assert_eq!(domain_problem("https://10.0.0.1"), Some("an IP address"));
        assert_eq!(domain_problem("https://[::1]"), Some("an IP address"));
        assert_eq!(domain_problem("https://localhost"), Some("`localhost`"));
        assert_eq!(
            domain_problem("https://example.com/shop"),
            Some("a path, query or fragment")
        );
        assert_eq!(
            domain_problem("https://intranet"),
            Some("not a domain name")
        );
    }

    #[test]
    fn greeting_tokens() {
        let t = "Hi {{user_first_name}}, {{bad}} {{open";
        let found: Vec<&str> = tokens(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(found, ["{{user_first_name}}", "{{bad}}", "{{open"]);
    }
}
