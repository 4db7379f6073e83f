//! What a target does not have (config.md, "Targets"): on `meta`, only facebook,
//! instagram and whatsapp profiles may be declared, without the care platform's own keys.
//! Each table or key written that the target lacks is an error at its own key
//! (`backend::not_on_target`); the rest of the configuration is still checked.

use crate::config::{DocPath, Node};
use crate::diagnostics::{Code, Diagnostic, text};
use crate::model::{Channel, Target};
use crate::rules::Ctx;

/// The root tables every target has.
const ROOT: &[&str] = &["workspace", "backend", "profiles"];

/// The channels whose profiles Meta holds.
const META_CHANNELS: &[Channel] = &[Channel::Facebook, Channel::Instagram, Channel::Whatsapp];

/// The care platform's own profile keys, which Meta does not have.
const PLATFORM_KEYS: &[&str] = &["color", "privacy_policy_url", "case_creation_flow"];

fn not_on_meta(ctx: &mut Ctx<'_>, path: &DocPath, what: String, help: &str) {
    let d = Diagnostic::new(Code::NotOnTarget, format!("{what} does not exist on Meta"))
        .at(ctx.key_span(path), "not on the `meta` target")
        .help(format!(
            "{help}; `[backend] kind = \"meta\"` writes Facebook, Instagram and WhatsApp profiles to Meta's Graph API, nothing else"
        ));
    ctx.push(d);
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    if ctx.target() != Target::Meta {
        return;
    }
    let tree: &Node = ctx.input.tree;
    let Some(root) = tree.as_table() else {
        return;
    };
    for key in root.keys() {
        if !ROOT.contains(&key.as_str()) {
            not_on_meta(
                ctx,
                &DocPath::keys([key.as_str()]),
                format!("`[{}]`", text::clip(key)),
                "it belongs to the care platform: remove it, or use the `sandbox` or `http` target",
            );
        }
    }
    let Some(profiles) = root.get("profiles").and_then(Node::as_table) else {
        return;
    };
    for (id, node) in profiles {
        let at = DocPath::keys(["profiles", id.as_str()]);
        let channel = node.get("channel").and_then(Node::as_str);
        let Some(channel) = channel.and_then(Channel::parse) else {
            continue;
        };
        if !META_CHANNELS.contains(&channel) {
            not_on_meta(
                ctx,
                &at.key("channel"),
                format!("a {} profile (`{at}`)", channel.spec().display),
                "Meta has Facebook, Instagram and WhatsApp profiles only: remove this one",
            );
            continue;
        }
        let Some(table) = node.as_table() else {
            continue;
        };
        for key in table.keys() {
            if PLATFORM_KEYS.contains(&key.as_str()) {
                not_on_meta(
                    ctx,
                    &at.key(key),
                    format!("`{at}.{key}`"),
                    "it is a setting of the care platform: remove it",
                );
            }
        }
    }
}
