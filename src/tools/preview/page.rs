//! The page: sections per channel and kind, entries with their sides, and the template
//! (minijinja, HTML auto-escaping on: every value of the configuration is text).

use std::collections::HashMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;

use super::text::{self, Side};
use super::view::{self, Body, Ctx, Env, GroupNode, GroupSide};
use super::{CSP, Entry, Input, PreviewError};
use crate::model::Kind;
use crate::plan::Action;

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("style.css");

/// The channels, in the order of the page.
const CHANNELS: &[&str] = &["facebook", "instagram", "x", "whatsapp", "live_chat"];

#[derive(Serialize)]
struct Page {
    csp: &'static str,
    css: &'static str,
    workspace: String,
    source: String,
    sample_name: String,
    plan: Option<PlanHeader>,
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct PlanHeader {
    summary: String,
    changed: usize,
}

#[derive(Serialize)]
struct Section {
    id: String,
    title: String,
    /// `channel` for the channels' sections, else the kind of section
    kind: &'static str,
    entries: Vec<EntryView>,
    groups: Option<GroupsView>,
}

#[derive(Serialize)]
struct EntryView {
    address: String,
    id: String,
    kind: &'static str,
    channel: Option<String>,
    /// `unchanged`, `create`, `update`, `replace` or `delete`
    state: &'static str,
    drift: bool,
    drift_reason: Option<String>,
    paths: Vec<String>,
    sides: Vec<SideView>,
}

#[derive(Serialize)]
struct SideView {
    side: &'static str,
    label: &'static str,
    body: Option<Body>,
    absent: Option<&'static str>,
}

#[derive(Serialize)]
struct GroupsView {
    state: &'static str,
    sides: Vec<GroupSideView>,
}

#[derive(Serialize)]
struct GroupSideView {
    side: &'static str,
    label: &'static str,
    roots: Vec<GroupNode>,
}

fn state(e: &Entry) -> &'static str {
    e.change.as_ref().map_or("unchanged", |c| c.action.as_str())
}

/// The id in an address: `acme_fb` in `profile.acme_fb`, where the section says the
/// kind; other addresses are shown whole.
fn id_of(address: &str) -> String {
    let parsed = address.parse::<crate::model::Address>().ok();
    let id = parsed.as_ref().filter(|a| {
        matches!(
            a.kind(),
            Kind::Profile | Kind::ProactiveMessage | Kind::Group
        )
    });
    id.and_then(|a| a.id_part()).unwrap_or(address).to_string()
}

fn channel_of(e: &Entry) -> Option<String> {
    if e.kind != Kind::Profile {
        return None;
    }
    e.after
        .as_ref()
        .or(e.before.as_ref())
        .and_then(|f| f.get("channel"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Before => "Before",
        Side::After => "After",
        Side::Current => "",
    }
}

fn entry_view(e: &Entry, env: &Env<'_>) -> EntryView {
    let id = id_of(&e.address);
    let draw = |side: Side, this: &Value, other: Option<&Value>| {
        let ctx = Ctx {
            side,
            this,
            other,
            env,
        };
        view::body(&ctx, e.kind, &id)
    };
    let sides = match (&e.change, &e.before, &e.after) {
        (None, _, Some(after)) => vec![SideView {
            side: "current",
            label: "",
            body: Some(draw(Side::Current, after, None)),
            absent: None,
        }],
        (_, before, after) => vec![
            SideView {
                side: "before",
                label: "Before",
                body: before
                    .as_ref()
                    .map(|b| draw(Side::Before, b, after.as_ref())),
                absent: before
                    .is_none()
                    .then_some("Not there yet: the plan creates it."),
            },
            SideView {
                side: "after",
                label: "After",
                body: after
                    .as_ref()
                    .map(|a| draw(Side::After, a, before.as_ref())),
                absent: after.is_none().then_some("Gone: the plan deletes it."),
            },
        ],
    };
    EntryView {
        address: e.address.clone(),
        kind: e.kind.as_str(),
        channel: channel_of(e),
        state: state(e),
        drift: e.change.as_ref().is_some_and(|c| c.drift),
        drift_reason: e.change.as_ref().and_then(|c| c.drift_reason.clone()),
        paths: e
            .change
            .as_ref()
            .map(|c| c.paths.clone())
            .unwrap_or_default(),
        sides,
        id,
    }
}

fn groups_view(groups: &[&Entry], all: &[Entry], env: &Env<'_>) -> GroupsView {
    let channels: HashMap<String, String> = all
        .iter()
        .filter(|e| e.kind == Kind::Profile)
        .filter_map(|e| Some((id_of(&e.address), channel_of(e)?)))
        .collect();
    let channel_of_id = |id: &str| -> Option<String> {
        channels.get(id).map(|c| text::channel_label(c).to_string())
    };
    let changed = groups.iter().any(|g| g.change.is_some());
    let side_of = |side: Side| {
        let list: Vec<GroupSide<'_>> = groups
            .iter()
            .filter_map(|g| {
                let (this, other) = match side {
                    Side::Before => (
                        g.before
                            .as_ref()
                            .or(g.after.as_ref().filter(|_| g.change.is_none()))?,
                        g.after.as_ref(),
                    ),
                    Side::After | Side::Current => (g.after.as_ref()?, g.before.as_ref()),
                };
                Some(GroupSide {
                    address: &g.address,
                    this,
                    other: if g.change.is_some() { other } else { None },
                    state: state(g),
                })
            })
            .collect();
        GroupSideView {
            side: side.as_str(),
            label: side_label(side),
            roots: view::group_tree(side, &list, &channel_of_id, env),
        }
    };
    GroupsView {
        state: if changed { "update" } else { "unchanged" },
        sides: if changed {
            vec![side_of(Side::Before), side_of(Side::After)]
        } else {
            vec![side_of(Side::Current)]
        },
    }
}

fn summary(entries: &[Entry]) -> String {
    let n = |a: Action| {
        entries
            .iter()
            .filter(|e| e.change.as_ref().is_some_and(|c| c.action == a))
            .count()
    };
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete.",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    )
}

fn sections(entries: &[Entry], env: &Env<'_>) -> Vec<Section> {
    let mut out = Vec::new();
    let section = |id: &str, title: &str, kind: &'static str, list: Vec<&Entry>| Section {
        id: id.to_string(),
        title: title.to_string(),
        kind,
        entries: list.into_iter().map(|e| entry_view(e, env)).collect(),
        groups: None,
    };
    for channel in CHANNELS {
        let list: Vec<&Entry> = entries
            .iter()
            .filter(|e| channel_of(e).as_deref() == Some(channel))
            .collect();
        if !list.is_empty() {
            out.push(section(
                channel,
                text::channel_label(channel),
                "channel",
                list,
            ));
        }
    }
    let of = |k: Kind| entries.iter().filter(move |e| e.kind == k);
    let proactive: Vec<&Entry> = of(Kind::ProactiveMessage).collect();
    if !proactive.is_empty() {
        out.push(section(
            "proactive",
            "Proactive messages",
            "proactive",
            proactive,
        ));
    }
    let groups: Vec<&Entry> = of(Kind::Group).collect();
    if !groups.is_empty() {
        let mut s = section("groups", "Profile groups", "groups", Vec::new());
        s.groups = Some(groups_view(&groups, entries, env));
        out.push(s);
    }
    let replies: Vec<&Entry> = of(Kind::ReplyProfiles).collect();
    if !replies.is_empty() {
        out.push(section(
            "reply_profiles",
            "Reply profiles",
            "reply_profiles",
            replies,
        ));
    }
    let settings: Vec<&Entry> = entries
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                Kind::ContactAttribute | Kind::Contacts | Kind::Messaging
            ) || (e.kind == Kind::Profile
                && !channel_of(e).is_some_and(|c| CHANNELS.contains(&c.as_str())))
        })
        .collect();
    if !settings.is_empty() {
        out.push(section("settings", "Other settings", "settings", settings));
    }
    out
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    // Every template of the page is HTML, whatever its name.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env
}

/// Renders the page of `entries`.
pub(super) fn render(input: &Input<'_>, entries: &[Entry]) -> Result<String, PreviewError> {
    let env_view = Env {
        dir: input.dir,
        catalog: input.catalog,
    };
    let page = Page {
        csp: CSP,
        css: STYLE,
        workspace: input.config.workspace.name.clone(),
        source: input.source.to_string(),
        sample_name: format!("{} {}", text::SAMPLE_FIRST_NAME, text::SAMPLE_LAST_NAME),
        plan: input.plan.map(|_| PlanHeader {
            summary: summary(entries),
            changed: entries.iter().filter(|e| e.change.is_some()).count(),
        }),
        sections: sections(entries, &env_view),
    };
    let mut env = environment();
    env.add_template("page.html", TEMPLATE)
        .map_err(|e| PreviewError::Template(e.to_string()))?;
    let template = env
        .get_template("page.html")
        .map_err(|e| PreviewError::Template(e.to_string()))?;
    template
        .render(minijinja::value::Serde(&page))
        .map_err(|e| PreviewError::Template(e.to_string()))
}
