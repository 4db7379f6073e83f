//! Group rules: members exist, no duplicates, at most 20 items, no cycles.

use std::collections::{HashMap, HashSet};

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::rules::{Ctx, limits};

/// Cycles named per run: each costs its length, and a configuration with more has its
/// nesting to rethink first.
const MAX_CYCLES: usize = 20;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profiles = ctx.declared("profiles");
    let groups = ctx.declared("groups");
    let profile_set: HashSet<&str> = profiles.iter().map(String::as_str).collect();
    let group_set: HashSet<&str> = groups.iter().map(String::as_str).collect();
    let config_groups: Vec<(&String, &Vec<String>, &Vec<String>)> = ctx
        .config()
        .groups
        .iter()
        .map(|(id, g)| (id, &g.profiles, &g.groups))
        .collect();
    for &(id, members, subgroups) in &config_groups {
        let at = DocPath::keys(["groups", id.as_str()]);
        for (key, items, known, set, kind) in [
            ("profiles", members, &profiles, &profile_set, "profile"),
            ("groups", subgroups, &groups, &group_set, "group"),
        ] {
            for (i, item) in items.iter().enumerate() {
                if !set.contains(item.as_str()) {
                    let path = at.key(key).idx(i);
                    let item = text::clip(item);
                    let d = Diagnostic::new(
                        Code::UnknownMember,
                        format!("group `{id}` names the {kind} `{item}`, which is not declared"),
                    )
                    .at(ctx.span(&path), format!("no {kind} `{item}`"));
                    let d = match ctx.suggest.closest(&item, known.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!(
                            "declare `[{key}.{item}]`, or remove it from the group"
                        )),
                    };
                    ctx.push(d);
                }
            }
            let list: Vec<(DocPath, &str)> = items
                .iter()
                .enumerate()
                .map(|(i, m)| (at.key(key).idx(i), m.as_str()))
                .collect();
            ctx.unique(Code::DuplicateMember, kind, list);
        }
        let total = members.len() + subgroups.len();
        if total > limits::GROUP_ITEMS {
            // The first item over the limit, in the order profiles then groups.
            let over = if members.len() > limits::GROUP_ITEMS {
                at.key("profiles").idx(limits::GROUP_ITEMS)
            } else {
                at.key("groups").idx(limits::GROUP_ITEMS - members.len())
            };
            let source = limits::find("groups.items").map_or("", |l| l.source);
            let d = Diagnostic::new(
                Code::TooManyMembers,
                format!(
                    "group `{id}` holds {total} profiles and groups; the limit is {}",
                    limits::GROUP_ITEMS
                ),
            )
            .at(
                ctx.span(&over),
                format!("item {} of {total}", limits::GROUP_ITEMS + 1),
            )
            .help(format!("split it into nested groups ({source})"));
            ctx.push(d);
        }
    }
    cycles(ctx, &config_groups);
}

/// Finds each cycle of group nesting once, and names it (at most [`MAX_CYCLES`]).
fn cycles(ctx: &mut Ctx<'_>, groups: &[(&String, &Vec<String>, &Vec<String>)]) {
    let edges: HashMap<&str, &[String]> = groups
        .iter()
        .map(|(id, _, g)| (id.as_str(), g.as_slice()))
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done
    let mut state: HashMap<&str, u8> = HashMap::new();
    // where each group of the current path is on the stack
    let mut on_stack: HashMap<&str, usize> = HashMap::new();
    let mut closing: HashSet<(&str, &str)> = HashSet::new();
    let mut reported: HashSet<Vec<String>> = HashSet::new();
    for (id, _, _) in groups {
        if reported.len() >= MAX_CYCLES {
            return;
        }
        let mut stack: Vec<(&str, usize)> = Vec::new();
        if state.get(id.as_str()).copied().unwrap_or(0) != 0 {
            continue;
        }
        stack.push((id.as_str(), 0));
        state.insert(id.as_str(), 1);
        on_stack.insert(id.as_str(), 0);
        while let Some((node, next)) = stack.last().copied() {
            let children = edges.get(node).copied().unwrap_or(&[]);
            if next >= children.len() {
                state.insert(node, 2);
                on_stack.remove(node);
                stack.pop();
                continue;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let child = children[next].as_str();
            if !edges.contains_key(child) {
                continue;
            }
            match state.get(child).copied().unwrap_or(0) {
                0 => {
                    state.insert(child, 1);
                    on_stack.insert(child, stack.len());
                    stack.push((child, 0));
                }
                // The same membership twice closes the same cycle: once is enough.
                1 if reported.len() < MAX_CYCLES && closing.insert((node, child)) => {
                    let from = on_stack.get(child).copied().unwrap_or(0);
                    let mut key: Vec<String> =
                        stack[from..].iter().map(|(n, _)| n.to_string()).collect();
                    key.sort();
                    if reported.insert(key) {
                        report_cycle(ctx, &stack[from..], child, &edges);
                    }
                }
                _ => {}
            }
        }
    }
}

fn report_cycle(
    ctx: &mut Ctx<'_>,
    path: &[(&str, usize)],
    back_to: &str,
    edges: &HashMap<&str, &[String]>,
) {
    let mut names: Vec<&str> = path.iter().map(|(n, _)| *n).collect();
    names.push(back_to);
    let chain = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    // Each edge of the cycle, as the path of the item that makes it.
    let item_path = |from: &str, to: &str| {
        let i = edges
            .get(from)
            .and_then(|g| g.iter().position(|m| m == to))
            .unwrap_or(0);
        DocPath::keys(["groups", from, "groups"]).idx(i)
    };
    let last = names[names.len() - 2];
    let mut d = Diagnostic::new(
        Code::GroupCycle,
        format!("groups contain each other: {chain}"),
    )
    .at(
        ctx.span(&item_path(last, back_to)),
        format!("`{last}` contains `{back_to}`, closing the cycle"),
    );
    for pair in names.windows(2).take(names.len().saturating_sub(2)) {
        d = d.also(
            ctx.span(&item_path(pair[0], pair[1])),
            format!("`{}` contains `{}`", pair[0], pair[1]),
        );
    }
    ctx.push(d.help("remove one of these memberships: a group cannot contain itself, directly or through others"));
}
