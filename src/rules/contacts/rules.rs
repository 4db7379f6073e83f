//! Contact rules: attribute types and options, platform attributes, the matching
//! attribute and the display order.

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::Channel;
use crate::rules::AttributeType;
use crate::rules::{Ctx, limits};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let config = ctx.config();
    for (id, attr) in &config.contact_attributes {
        let at = DocPath::keys(["contact_attributes", id.as_str()]);
        match attr.kind {
            Some(AttributeType::Text) => {
                if attr.options.is_some() {
                    let d = Diagnostic::new(
                        Code::OptionsOnText,
                        format!("text attribute `{id}` has options"),
                    )
                    .at(
                        ctx.key_span(&at.key("options")),
                        "only dropdowns have options",
                    )
                    .help("remove `options`, or make it `type = \"dropdown\"`");
                    ctx.push(d);
                }
            }
            Some(AttributeType::Dropdown) => {
                let options = attr.options.as_deref().unwrap_or_default();
                if options.len() < limits::DROPDOWN_MIN_OPTIONS {
                    let span = if attr.options.is_some() {
                        ctx.span(&at.key("options"))
                    } else {
                        ctx.key_span(&at)
                    };
                    let d = Diagnostic::new(
                        Code::DropdownOptions,
                        format!(
                            "dropdown attribute `{id}` has {} option(s); it needs at least {}",
                            options.len(),
                            limits::DROPDOWN_MIN_OPTIONS
                        ),
                    )
                    .at(span, "too few options")
                    .help("list the choices: `options = [\"Gold\", \"Silver\"]`");
                    ctx.push(d);
                }
                let items: Vec<(DocPath, &str)> = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (at.key("options").idx(i), o.as_str()))
                    .collect();
                ctx.unique(Code::DuplicateValue, "option", items);
            }
            None => {
                // A platform attribute: filled from channel metadata, only `enabled` is ours.
                let table_keys: Vec<String> = ctx
                    .input
                    .tree
                    .at(&at)
                    .and_then(|n| n.as_table())
                    .map(|t| t.keys().cloned().collect())
                    .unwrap_or_default();
                for key in table_keys.iter().filter(|k| *k != "enabled") {
                    let why = if key == "crm_managed" {
                        "platform attributes are filled from channel metadata and cannot be CRM-managed".to_string()
                    } else {
                        format!(
                            "a table without `type` refers to a platform attribute, which takes only `enabled`; `{key}` is not allowed"
                        )
                    };
                    let d = Diagnostic::new(Code::PlatformAttributeKey, format!("`{at}`: {why}"))
                        .at(ctx.key_span(&at.key(key)), "not for a platform attribute")
                        .help("add `type = \"text\"` or `type = \"dropdown\"` for a custom attribute, or keep only `enabled`");
                    ctx.push(d);
                }
            }
        }
    }
    let Some(contacts) = &config.contacts else {
        return;
    };
    if let Some(matching) = &contacts.matching_attribute {
        let path = DocPath::keys(["contacts", "matching_attribute"]);
        if let Some(attr) = ctx.config().contact_attributes.get(matching)
            && attr.enabled == Some(false)
        {
            let d = Diagnostic::new(Code::MatchingAttribute, format!("the matching attribute `{matching}` is disabled"))
                .at(ctx.span(&path), "disabled attribute")
                .also(ctx.span(&DocPath::keys(["contact_attributes", matching.as_str(), "enabled"])), "disabled here")
                .help("a disabled attribute is never filled, so it cannot link conversations: enable it or match on another");
            ctx.push(d);
        }
        let by_user_id = config
            .profiles
            .values()
            .any(|p| p.channel().spec().matched_by_user_id);
        if by_user_id {
            // Every channel that matches so, in the platform's words ("X and Instagram").
            let names: Vec<&str> = Channel::all()
                .filter(|c| c.spec().matched_by_user_id)
                .map(|c| c.spec().display)
                .collect();
            let names = match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => names.concat(),
            };
            let d = Diagnostic::new(
                Code::MatchingByUserId,
                format!("{names} contacts are matched by user id, not by `{matching}`"),
            )
            .at(ctx.span(&path), "applies to the other channels")
            .help("this is how the platform works; nothing to change");
            ctx.push(d);
        }
    }
    let order: Vec<(DocPath, &str)> = contacts
        .order
        .iter()
        .enumerate()
        .map(|(i, o)| (DocPath::keys(["contacts", "order"]).idx(i), o.as_str()))
        .collect();
    ctx.unique(Code::DuplicateOrder, "attribute", order);
}
