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

/// One step taken below a profile, borrowed from the tree: a path is only built for a
/// flow that is reported.
#[derive(Clone, Copy)]
enum Taken<'t> {
    Key(&'t str),
    Index(usize),
}

/// Calls `found` with every string value at the flow-field path `steps` below `node`,
/// and the steps taken to reach it.
fn flow_values<'t>(
    node: &'t Node,
    steps: &[FlowStep<'_>],
    trail: &mut Vec<Taken<'t>>,
    found: &mut dyn FnMut(&[Taken<'t>], &'t str),
) {
    let Some((step, rest)) = steps.split_first() else {
        if let Some(s) = node.as_str() {
            found(trail, s);
        }
        return;
    };
    let mut go = |trail: &mut Vec<Taken<'t>>, taken: Taken<'t>, child: &'t Node| {
        trail.push(taken);
        flow_values(child, rest, trail, found);
        trail.pop();
    };
    match step {
        FlowStep::Key(k) => {
            if let Some((key, child)) = node.as_table().and_then(|t| t.get_key_value(*k)) {
                go(trail, Taken::Key(key), child);
            }
        }
        FlowStep::Entries => {
            if let Some(t) = node.as_table() {
                for (k, child) in t {
                    go(trail, Taken::Key(k), child);
                }
            }
        }
        FlowStep::Each => {
            if let crate::config::tree::Value::Array(items) = &node.value {
                for (i, child) in items.iter().enumerate() {
                    go(trail, Taken::Index(i), child);
                }
            }
        }
    }
}

/// Checks the flows and the account of every profile.
pub(crate) fn check(c: &mut LiveCtx<'_>) {
    let config = c.config;
    let tree = c.tree;
    // The steps of each flow field, split once for all profiles.
    let mut steps_of: std::collections::HashMap<&'static str, Vec<FlowStep<'static>>> =
        std::collections::HashMap::new();
    let mut trail = Vec::new();
    for (id, profile) in &config.profiles {
        let base = || DocPath::keys(["profiles", id.as_str()]);
        // On Meta a flow is the payload sent to the bot: there is no flow catalog.
        let flows_checked = !crate::rules::limits::rules_of(c.target).flows_are_payloads;
        let node = tree
            .get("profiles")
            .and_then(|p| p.get(id))
            .filter(|_| flows_checked);
        if let Some(node) = node {
            for field in profile.channel().spec().flow_fields {
                let steps = steps_of.entry(*field).or_insert_with(|| flow_steps(field));
                let mut unknown: Vec<(DocPath, &str)> = Vec::new();
                flow_values(node, steps, &mut trail, &mut |taken, name| {
                    if !c.flows.contains(name) {
                        let mut path = base();
                        for t in taken {
                            path = match *t {
                                Taken::Key(k) => path.key(k),
                                Taken::Index(i) => path.idx(i),
                            };
                        }
                        unknown.push((path, name));
                    }
                });
                for (path, flow_name) in unknown {
                    flow(c, path, flow_name);
                }
            }
        }
        account(c, id, profile);
    }
}

fn account(c: &mut LiveCtx<'_>, id: &str, profile: &Profile) {
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
            .at(
                c.tree
                    .span_of(&DocPath::keys(["profiles", id, "account"])),
                "not a connected account",
            )
            .help(format!("{help}; a profile binds to an account connected on the platform, it cannot create one")),
    );
}
