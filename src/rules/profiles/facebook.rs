//! `channel = "facebook"`: the Facebook page profile and its rules (greeting tokens, ice
//! breakers against Get Started, menu items, the case creation flow's overlaps).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::cfg::{GetStarted, IceBreaker, MenuItem};
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
    /// At most 6 ice breakers; they replace the Get Started button.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = FB_ICE_BREAKERS))]
    pub ice_breakers: Vec<IceBreaker>,
    /// The Get Started button; not together with `ice_breakers`.
    pub get_started: Option<GetStarted>,
    /// At most 3 menu items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = FB_MENU))]
    pub persistent_menu: Vec<MenuItem>,
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

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &FacebookProfile) {
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
    super::ice_breakers_vs_get_started(
        ctx,
        at,
        !p.ice_breakers.is_empty(),
        p.get_started.is_some(),
    );
    super::questions(ctx, at, p.ice_breakers.iter().map(|q| q.question.clone()));
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
    super::labels(
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
