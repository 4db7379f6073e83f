//! The contact attributes' checks against the live catalog: platform attributes exist,
//! and the matching attribute and the order name known attributes.

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::live::{LiveCtx, listing};

pub(crate) fn check(c: &mut LiveCtx<'_>) {
    let catalog = c.catalog;
    let config = c.config;
    let platform = || catalog.platform_attributes.iter().map(String::as_str);
    for (id, a) in &config.contact_attributes {
        if a.kind.is_none() && !c.platform_attributes.contains(id.as_str()) {
            c.out.push(
                Diagnostic::new(
                    Code::UnknownPlatformAttribute,
                    format!("`{id}` is not a platform contact attribute"),
                )
                .at(
                    c.tree
                        .key_span_of(&DocPath::keys(["contact_attributes", id.as_str()])),
                    "no `type`: a platform attribute",
                )
                .help(format!(
                    "give it a `type` (\"text\" or \"dropdown\") to declare a custom attribute; {}",
                    listing(&mut c.suggest, "platform attributes", id, platform())
                )),
            );
        }
    }
    let Some(contacts) = &config.contacts else {
        return;
    };
    let platform_set = &c.platform_attributes;
    let known =
        |name: &str| config.contact_attributes.contains_key(name) || platform_set.contains(name);
    let candidates: Vec<&str> = config
        .contact_attributes
        .keys()
        .map(String::as_str)
        .chain(platform())
        .collect();
    let mut refs: Vec<(DocPath, &str)> = Vec::new();
    if let Some(m) = &contacts.matching_attribute {
        refs.push((DocPath::keys(["contacts", "matching_attribute"]), m));
    }
    for (i, o) in contacts.order.iter().enumerate() {
        refs.push((DocPath::keys(["contacts", "order"]).idx(i), o));
    }
    for (path, name) in refs {
        if known(name) {
            continue;
        }
        c.out.push(
            Diagnostic::new(
                Code::UnknownPlatformAttribute,
                format!("`{name}` is neither a declared nor a platform contact attribute"),
            )
            .at(c.tree.span_of(&path), "unknown attribute")
            .help(listing(
                &mut c.suggest,
                "attributes",
                name,
                candidates.iter().copied(),
            )),
        );
    }
}
