//! The rules Facebook and Instagram profiles share (both are Messenger profiles on Meta):
//! each locale's variant (the default one and every `locales.<code>`) checked at its own
//! span, the locale codes, the defaults a variant needs, and the rules that differ by
//! target (config.md, "Targets"), read from the limits catalog and
//! [`limits::rules_of`].

use super::cfg::{GetStarted, Variant};
use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::model::locale;
use crate::rules::Ctx;
use crate::rules::limits::{self, Limit};

/// What a Messenger profile shows, for its rules.
pub(super) struct Profile<'a> {
    /// `facebook` or `instagram`: the catalog fields start with it
    pub channel: &'static str,
    /// the default locale: the profile's own keys
    pub default: Variant<'a>,
    /// the Get Started button
    pub get_started: Option<&'a GetStarted>,
    /// the variants, by locale code as written
    pub locales: Vec<(&'a str, Variant<'a>)>,
    /// the channel's own check of a greeting (its tokens), at the greeting's path
    pub greeting: Option<fn(&mut Ctx<'_>, &DocPath, &str)>,
}

/// A list longer than the target's limit: the schema's message, at the first item over.
pub(crate) fn too_many(ctx: &mut Ctx<'_>, path: &DocPath, n: usize, limit: &Limit) {
    if n <= limit.max {
        return;
    }
    let d = Diagnostic::new(
        Code::TooManyItems,
        format!("`{path}` has {n} items; the limit is {}", limit.max),
    )
    .at(
        ctx.span(&path.idx(limit.max)),
        format!("item {} of {n}: over the limit", limit.max + 1),
    )
    .help(format!(
        "keep at most {} on {} ({})",
        limit.max,
        limit.targets.describe(),
        limit.source
    ));
    ctx.push(d);
}

/// A text longer than the target's limit: the schema's message, at the value.
pub(crate) fn too_long(ctx: &mut Ctx<'_>, path: &DocPath, value: &str, limit: &Limit) {
    // Counting stops past the limit: a text is only read up to it.
    if value.len() <= limit.max || value.chars().nth(limit.max).is_none() {
        return;
    }
    let n = value.chars().count();
    let d = Diagnostic::new(
        Code::TooLong,
        format!(
            "`{path}` is {n} characters long; the limit is {}",
            limit.max
        ),
    )
    .at(
        ctx.span(path),
        format!("{n} characters, {} over", n - limit.max),
    )
    .help(format!(
        "shorten it to at most {} characters on {} ({})",
        limit.max,
        limit.targets.describe(),
        limit.source
    ));
    ctx.push(d);
}

fn limit(ctx: &Ctx<'_>, field: &str) -> Option<&'static Limit> {
    limits::for_target(field, ctx.target())
}

/// The rules of one variant, written at `at` (the profile's table or a locale's).
fn variant(ctx: &mut Ctx<'_>, at: &DocPath, p: &Profile<'_>, v: &Variant<'_>) {
    if let (Some(g), Some(check)) = (v.greeting, p.greeting) {
        check(ctx, &at.key("greeting"), g);
    }
    if let Some(l) = limit(ctx, &format!("{}.ice_breakers", p.channel)) {
        too_many(ctx, &at.key("ice_breakers"), v.ice_breakers.len(), l);
    }
    super::questions(ctx, at, v.ice_breakers.iter().map(|q| q.question.clone()));
    if let Some(l) = limit(ctx, &format!("{}.persistent_menu", p.channel)) {
        too_many(ctx, &at.key("persistent_menu"), v.persistent_menu.len(), l);
    }
    for (i, item) in v.persistent_menu.iter().enumerate() {
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
        v.persistent_menu.iter().map(|m| m.label.as_str()),
    );
    if let Some(l) = limit(ctx, "facebook.flow") {
        for (i, b) in v.ice_breakers.iter().enumerate() {
            too_long(ctx, &at.key("ice_breakers").idx(i).key("flow"), &b.flow, l);
        }
        for (i, m) in v.persistent_menu.iter().enumerate() {
            if let Some(flow) = &m.flow {
                too_long(ctx, &at.key("persistent_menu").idx(i).key("flow"), flow, l);
            }
        }
    }
}

/// The locale code closest to `code`: a typo, or a language written without its region.
fn closest_locale(ctx: &mut Ctx<'_>, code: &str) -> Option<&'static str> {
    if let Some(c) = ctx.suggest.closest(code, locale::SUPPORTED.iter().copied()) {
        return Some(c);
    }
    let lang = code
        .split(['_', '-'])
        .next()
        .unwrap_or(code)
        .to_ascii_lowercase();
    locale::SUPPORTED
        .iter()
        .copied()
        .find(|c| c.split('_').next() == Some(lang.as_str()))
}

fn locale_code(ctx: &mut Ctx<'_>, path: &DocPath, code: &str) {
    if locale::SUPPORTED.binary_search(&code).is_ok() {
        return;
    }
    let message = if code == locale::DEFAULT {
        "`default` is not a locale to write under `locales`".to_string()
    } else {
        format!("`{}` is not a locale Meta supports", text::clip(code))
    };
    let help = if code == locale::DEFAULT {
        "the profile's own `greeting`, `ice_breakers` and `persistent_menu` are the default locale: move these keys up to the profile".to_string()
    } else {
        match closest_locale(ctx, code) {
            Some(c) => format!(
                "did you mean `{c}`? Locales are Meta's codes, a language and a region (`fr_FR`, `es_LA`)"
            ),
            None => format!(
                "locales are Meta's codes, a language and a region: {}",
                crate::diagnostics::suggest::list(locale::SUPPORTED.iter().copied())
            ),
        }
    };
    let d = Diagnostic::new(Code::UnknownLocale, message)
        .at(ctx.key_span(path), "unknown locale")
        .help(help);
    ctx.push(d);
}

/// A variant's key needs the profile's own (Meta requires a `default` entry).
fn needs_default(ctx: &mut Ctx<'_>, profile: &DocPath, at: &DocPath, key: &str) {
    let d = Diagnostic::new(
        Code::LocaleWithoutDefault,
        format!("`{at}.{key}` has no default: the profile has no `{key}`"),
    )
    .at(ctx.key_span(&at.key(key)), "a variant without a default")
    .also(ctx.key_span(profile), format!("no `{key}` here"))
    .help(format!(
        "add `{key}` to the profile itself: it is shown to every customer whose language has no variant, and Meta requires it"
    ));
    ctx.push(d);
}

/// Every rule of a Messenger profile at `at`.
pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &Profile<'_>) {
    let rules = limits::rules_of(ctx.target());
    variant(ctx, at, p, &p.default);
    let has_ice = !p.default.ice_breakers.is_empty();
    if rules.get_started_with_ice_breakers_is_error {
        super::ice_breakers_vs_get_started(ctx, at, has_ice, p.get_started.is_some());
    } else if has_ice && p.get_started.is_some() {
        let d = Diagnostic::new(
            Code::IceBreakersHideGetStarted,
            format!("`{at}` has ice breakers and a Get Started button: Meta shows the ice breakers"),
        )
        .at(ctx.key_span(&at.key("get_started")), "not shown while there are ice breakers")
        .also(ctx.key_span(&at.key("ice_breakers")), "shown instead")
        .help(format!(
            "the button is kept for when the ice breakers are removed; remove `get_started` if it is not wanted ({})",
            rules.ice_breakers_source
        ));
        ctx.push(d);
    }
    if rules.menu_needs_get_started
        && p.get_started.is_none()
        && (!p.default.persistent_menu.is_empty()
            || p.locales.iter().any(|(_, v)| !v.persistent_menu.is_empty()))
    {
        let d = Diagnostic::new(
            Code::MenuNeedsGetStarted,
            format!("`{at}` has a persistent menu but no Get Started button"),
        )
        .at(ctx.key_span(&at.key("persistent_menu")), "not shown without Get Started")
        .help(format!("add `get_started = {{ flow = \"...\" }}`: Meta shows no persistent menu without a Get Started button ({})", rules.menu_source));
        ctx.push(d);
    }
    if let (Some(gs), Some(l)) = (p.get_started, limit(ctx, "facebook.flow")) {
        too_long(ctx, &at.key("get_started").key("flow"), &gs.flow, l);
    }
    for (code, v) in &p.locales {
        let lat = at.key("locales").key(code);
        locale_code(ctx, &lat, code);
        if v.greeting.is_some() && p.default.greeting.is_none() {
            needs_default(ctx, at, &lat, "greeting");
        }
        if !v.ice_breakers.is_empty() && p.default.ice_breakers.is_empty() {
            needs_default(ctx, at, &lat, "ice_breakers");
        }
        if !v.persistent_menu.is_empty() && p.default.persistent_menu.is_empty() {
            needs_default(ctx, at, &lat, "persistent_menu");
        }
        variant(ctx, &lat, p, v);
    }
}
