//! The profiles' checks against the live catalog: every flow field of its channel
//! ([`crate::model::ChannelSpec::flow_fields`]) names a flow that exists, and a bound
//! profile's account is connected. On `meta` flows are payloads, not checked.

use crate::config::{DocPath, Node};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::channel::{FlowStep, flow_steps};
use crate::rules::live::{LiveCtx, listing};

use super::Profile;

fn flow(c: &mut LiveCtx<'_>, path: DocPath, flow: &str) {
    if c.flows.contains(flow) {
        return;
    }
    c.out.push(
        Diagnostic::new(
            Code::UnknownFlow,
            format!(
                "flow `{}` does not exist on the platform",
                crate::diagnostics::text::clip(flow)
            ),
        )
        .at(c.tree.span_of(&path), "unknown flow")
        .help(listing(
            &mut c.suggest,
            "flows",
            flow,
            c.catalog.flows.iter().map(String::as_str),
        )),
    );
}

/// The string values at a flow-field path below `base`, with their paths.
fn flow_values<'t>(node: &'t Node, base: &DocPath, field: &str) -> Vec<(DocPath, &'t str)> {
    let mut at: Vec<(DocPath, &Node)> = vec![(base.clone(), node)];
    for step in flow_steps(field) {
        let mut next = Vec::new();
        for (path, node) in at {
            match step {
                FlowStep::Key(k) => {
                    if let Some(child) = node.get(k) {
                        next.push((path.key(k), child));
                    }
                }
                FlowStep::Entries => {
                    if let Some(t) = node.as_table() {
                        next.extend(t.iter().map(|(k, n)| (path.key(k), n)));
                    }
                }
                FlowStep::Each => {
                    if let crate::config::tree::Value::Array(items) = &node.value {
                        next.extend(items.iter().enumerate().map(|(i, n)| (path.idx(i), n)));
                    }
                }
            }
        }
        at = next;
    }
    at.into_iter()
        .filter_map(|(path, node)| node.as_str().map(|s| (path, s)))
        .collect()
}

/// Checks the flows and the account of every profile.
pub(crate) fn check(c: &mut LiveCtx<'_>) {
    let config = c.config;
    let tree = c.tree;
    for (id, profile) in &config.profiles {
        let base = DocPath::keys(["profiles", id.as_str()]);
        // On Meta a flow is the payload sent to the bot: there is no flow catalog.
        let flows_checked = !crate::rules::limits::rules_of(c.target).flows_are_payloads;
        if let Some(node) = tree.at(&base).filter(|_| flows_checked) {
            for field in profile.channel().spec().flow_fields {
                for (path, flow_name) in flow_values(node, &base, field) {
                    flow(c, path, flow_name);
                }
            }
        }
        account(c, &base, profile);
    }
}

fn account(c: &mut LiveCtx<'_>, base: &DocPath, profile: &Profile) {
    let Some(account) = profile.account() else {
        return;
    };
    let channel = profile.channel().as_str();
    let same_channel: &[&str] = c
        .accounts_by_channel
        .get(channel)
        .map_or(&[], Vec::as_slice);
    let message = match c.accounts.get(account).copied() {
        Some(a) if a.channel == channel => return,
        Some(a) => format!(
            "account `{account}` is connected as a {} account, not {channel}",
            a.channel
        ),
        None => format!("account `{account}` is not connected to the workspace"),
    };
    let help = listing(
        &mut c.suggest,
        &format!("connected {channel} accounts"),
        account,
        same_channel.iter().copied(),
    );
    c.out.push(
        Diagnostic::new(Code::UnknownAccount, message)
            .at(c.tree.span_of(&base.key("account")), "not a connected account")
            .help(format!("{help}; a profile binds to an account connected on the platform, it cannot create one")),
    );
}
