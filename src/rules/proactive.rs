//! Proactive-message rules: conditions (structured or `when`), schedule, frequency.

use crate::config::Path;
use crate::config::conditions::{Condition, check_leaf};
use crate::config::types::{
    Frequency, ProactiveMessage, RawCondition, RawConditions, Send, leaf_of,
};
use crate::config::when;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::{Ctx, limits};

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let messages: Vec<(String, ProactiveMessage)> = ctx
        .config()
        .proactive_messages
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, m) in &messages {
        let at = Path::keys(["proactive_messages", id.as_str()]);
        match (&m.conditions, &m.when) {
            (Some(_), Some(_)) => {
                let d = Diagnostic::new(
                    Code::ConditionsAndWhen,
                    format!("`{at}` has both `conditions` and `when`"),
                )
                .at(
                    ctx.key_span(&at.key("when")),
                    "second way to write the conditions",
                )
                .also(
                    ctx.key_span(&at.key("conditions")),
                    "conditions also written here",
                )
                .help("keep one: `when` is the same conditions written as one expression");
                ctx.push(d);
            }
            (None, None) => {
                let d = Diagnostic::new(Code::ConditionsAndWhen, format!("`{at}` has no conditions"))
                    .at(ctx.key_span(&at), "needs `conditions` or `when`")
                    .help("add `when = 'visitor.page_url contains_any [\"/checkout\"]'` or a `[...conditions]` table");
                ctx.push(d);
            }
            (Some(c), None) => structured(ctx, &at.key("conditions"), c),
            (None, Some(expr)) => {
                if let Err(e) = when::parse(expr) {
                    let path = at.key("when");
                    let mut d =
                        Diagnostic::new(Code::WhenSyntax, format!("in `when`: {}", e.message))
                            .at(ctx.sub_span(&path, e.range.clone()), e.message.clone());
                    if let Some(h) = e.help {
                        d = d.help(h);
                    }
                    ctx.push(d);
                }
            }
        }
        match (m.send, &m.schedule) {
            (Send::Always, Some(_)) => {
                let d = Diagnostic::new(Code::ScheduleUnused, format!("`{at}` names a schedule but is sent at any time"))
                    .at(ctx.key_span(&at.key("schedule")), "not used with `send = \"always\"`")
                    .help("remove `schedule`, or set `send = \"business_hours\"` or `\"outside_business_hours\"`");
                ctx.push(d);
            }
            (Send::BusinessHours | Send::OutsideBusinessHours, None) => {
                let send_span = ctx.span(&at.key("send"));
                let d = Diagnostic::new(
                    Code::ScheduleRequired,
                    format!("`{at}` depends on business hours but has no schedule"),
                )
                .at(send_span, "needs a `schedule`")
                .help(
                    "add `schedule = \"...\"`: a business-hours schedule of the message's channel",
                );
                ctx.push(d);
            }
            _ => {}
        }
        if m.frequency == Frequency::EveryTime {
            let d = Diagnostic::new(
                Code::EveryTime,
                format!("`{at}` is shown every time its conditions hold"),
            )
            .at(ctx.span(&at.key("frequency")), "every time")
            .help(
                "`every_time` is recommended only for critical messages; consider `once_per_visit`",
            );
            ctx.push(d);
        }
        let tags: Vec<(Path, &str)> = m
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (at.key("tags").idx(i), t.as_str()))
            .collect();
        ctx.unique(Code::DuplicateValue, "tag", tags);
    }
}

fn structured(ctx: &mut Ctx<'_>, at: &Path, c: &RawConditions) {
    match (&c.all, &c.any) {
        (Some(items), None) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| condition(ctx, &at.key("all").idx(i), item, 1)),
        (None, Some(items)) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| condition(ctx, &at.key("any").idx(i), item, 1)),
        (Some(_), Some(_)) => {
            let d = Diagnostic::new(
                Code::ConditionShape,
                "conditions have both `all` and `any` at the top level",
            )
            .at(ctx.key_span(&at.key("any")), "second group")
            .help("the top level has exactly one of `all` and `any`; nest the other inside it");
            ctx.push(d);
        }
        (None, None) => {
            let d = Diagnostic::new(Code::ConditionShape, "conditions need `all` or `any`")
                .at(ctx.key_span(at), "empty conditions")
                .help("write `all = [{ field = \"visitor.page_url\", op = \"contains_any\", value = [\"/checkout\"] }]`");
            ctx.push(d);
        }
    }
}

/// Checks one condition; `depth` is how deep it is (1 in the top-level list), and a group
/// deeper than [`limits::CONDITION_DEPTH`] is reported without looking inside.
fn condition(ctx: &mut Ctx<'_>, at: &Path, c: &RawCondition, depth: usize) {
    let is_leaf = c.field.is_some() || c.op.is_some() || c.value.is_some();
    let group = match (&c.all, &c.any) {
        (Some(g), None) => Some(("all", g)),
        (None, Some(g)) => Some(("any", g)),
        (None, None) => None,
        (Some(_), Some(_)) => {
            let d = Diagnostic::new(
                Code::ConditionShape,
                "a condition group has both `all` and `any`",
            )
            .at(ctx.span(at), "two groups in one")
            .help("a group is `{ all = [...] }` or `{ any = [...] }`; nest one inside the other");
            ctx.push(d);
            return;
        }
    };
    match (is_leaf, group) {
        (true, Some(_)) => {
            let d = Diagnostic::new(
                Code::ConditionShape,
                "a condition is both a comparison and a group",
            )
            .at(ctx.span(at), "mixed shapes")
            .help(
                "write `{ field, op, value }` or `{ all = [...] }` / `{ any = [...] }`, not both",
            );
            ctx.push(d);
        }
        (false, None) => {
            let d = Diagnostic::new(Code::ConditionShape, "an empty condition")
                .at(ctx.span(at), "empty")
                .help("write `{ field, op, value }` or `{ all = [...] }` / `{ any = [...] }`");
            ctx.push(d);
        }
        (false, Some(_)) if depth > limits::CONDITION_DEPTH => {
            let d = Diagnostic::new(
                Code::ConditionsTooDeep,
                format!(
                    "condition groups nest deeper than {} levels",
                    limits::CONDITION_DEPTH
                ),
            )
            .at(ctx.span(at), "too deep")
            .help("flatten the groups: `all` inside `all` (or `any` inside `any`) is the same as one group");
            ctx.push(d);
        }
        (false, Some((key, items))) => {
            if items.len() < limits::CONDITION_GROUP_MIN {
                let d = Diagnostic::new(
                    Code::ConditionGroupSize,
                    format!(
                        "a nested `{key}` group holds {} condition(s); it needs at least {}",
                        items.len(),
                        limits::CONDITION_GROUP_MIN
                    ),
                )
                .at(ctx.span(at), "too few conditions")
                .help("a group of one is the condition itself: write it without the group");
                ctx.push(d);
            }
            items
                .iter()
                .enumerate()
                .for_each(|(i, item)| condition(ctx, &at.key(key).idx(i), item, depth + 1));
        }
        (true, None) => {
            let missing: Vec<&str> = [
                ("field", c.field.is_none()),
                ("op", c.op.is_none()),
                ("value", c.value.is_none()),
            ]
            .into_iter()
            .filter_map(|(k, m)| m.then_some(k))
            .collect();
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let d = Diagnostic::new(
                    Code::ConditionShape,
                    format!("a comparison is missing {list}"),
                )
                .at(ctx.span(at), "incomplete comparison")
                .help("a comparison is `{ field = \"...\", op = \"...\", value = ... }`");
                ctx.push(d);
                return;
            }
            if let Some(Condition::Leaf { field, op, value }) = leaf_of(c)
                && let Err(e) = check_leaf(field, op, &value)
            {
                let target =
                    if matches!(e, crate::config::conditions::LeafError::OpNotAllowed { .. }) {
                        "op"
                    } else {
                        "value"
                    };
                let d = Diagnostic::new(Code::ConditionValue, e.to_string())
                    .at(ctx.span(&at.key(target)), "not allowed here")
                    .help(leaf_help(field));
                ctx.push(d);
            }
        }
    }
}

fn leaf_help(field: crate::config::conditions::Field) -> String {
    use crate::config::conditions::Field;
    match field {
        Field::PageUrl | Field::PageTitle => format!(
            "`{field}` takes `is` / `is_not` with a string, or `contains_any` / `not_contains` with a list of strings"
        ),
        Field::VisitHistory => {
            "`visitor.visit_history` takes `is` / `is_not` with `new_user` or `returning_user`"
                .into()
        }
        Field::Language => {
            "`device.language` takes `is` / `is_not` with a language tag such as `fr` or `en-GB`"
                .into()
        }
    }
}

/// The condition tree of a message that validated: its `when` compiled, or its structured
/// conditions converted.
pub fn condition_tree(m: &ProactiveMessage) -> Option<Condition> {
    if let Some(expr) = &m.when {
        return when::parse(expr).ok();
    }
    let c = m.conditions.as_ref()?;
    let convert_all = |items: &[RawCondition]| {
        items
            .iter()
            .map(|c| convert(c, 1))
            .collect::<Option<Vec<_>>>()
    };
    match (&c.all, &c.any) {
        (Some(items), None) => Some(Condition::All(convert_all(items)?)),
        (None, Some(items)) => Some(Condition::Any(convert_all(items)?)),
        _ => None,
    }
}

fn convert(c: &RawCondition, depth: usize) -> Option<Condition> {
    let group = |items: &[RawCondition]| {
        if depth > limits::CONDITION_DEPTH {
            return None;
        }
        items
            .iter()
            .map(|c| convert(c, depth + 1))
            .collect::<Option<Vec<_>>>()
    };
    match (&c.all, &c.any) {
        (Some(items), None) => Some(Condition::All(group(items)?)),
        (None, Some(items)) => Some(Condition::Any(group(items)?)),
        _ => leaf_of(c),
    }
}
