//! Proactive-message rules: conditions (structured or `when`), schedule, frequency.

use super::conditions::{Condition, check_leaf};
use super::{Frequency, RawCondition, RawConditions, Sending, leaf_of, when};
use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::{Ctx, limits};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let config = ctx.config();
    for (id, m) in &config.proactive_messages {
        let at = DocPath::keys(["proactive_messages", id.as_str()]);
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
            (Some(c), None) => {
                structured(ctx, &at.key("conditions"), c);
                if let Some(tree) = super::condition_tree(m) {
                    ctx.conditions.insert(id.clone(), tree);
                }
            }
            (None, Some(expr)) => match when::parse(expr) {
                Ok(tree) => {
                    ctx.conditions.insert(id.clone(), tree);
                }
                Err(e) => {
                    let path = at.key("when");
                    let mut d =
                        Diagnostic::new(Code::WhenSyntax, format!("in `when`: {}", e.message))
                            .at(ctx.sub_span(&path, e.range.clone()), e.message.clone());
                    if let Some(h) = e.help {
                        d = d.help(h);
                    }
                    ctx.push(d);
                }
            },
        }
        match (m.send, &m.schedule) {
            (Sending::Always, Some(_)) => {
                let d = Diagnostic::new(Code::ScheduleUnused, format!("`{at}` names a schedule but is sent at any time"))
                    .at(ctx.key_span(&at.key("schedule")), "not used with `send = \"always\"`")
                    .help("remove `schedule`, or set `send = \"business_hours\"` or `\"outside_business_hours\"`");
                ctx.push(d);
            }
            (Sending::BusinessHours | Sending::OutsideBusinessHours, None) => {
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
        let tags: Vec<(DocPath, &str)> = m
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (at.key("tags").idx(i), t.as_str()))
            .collect();
        ctx.unique(Code::DuplicateValue, "tag", tags);
    }
}

fn structured(ctx: &mut Ctx<'_>, at: &DocPath, c: &RawConditions) {
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
fn condition(ctx: &mut Ctx<'_>, at: &DocPath, c: &RawCondition, depth: usize) {
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
                let target = if matches!(e, super::conditions::LeafError::OpNotAllowed { .. }) {
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

fn leaf_help(field: super::conditions::Field) -> String {
    use super::conditions::Field;
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
