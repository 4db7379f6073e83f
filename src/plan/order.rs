//! Dependency order of changes: a resource is written after what it refers to, and
//! deleted before it. Kinds come in [`Kind`] order (profiles before the groups holding
//! them, attributes before the contact settings naming them); a group comes after the
//! groups it holds. Creates, updates and replaces run first in that order, then deletes
//! in the reverse order, so nothing is deleted while something still refers to it.

use std::collections::{HashMap, HashSet};

use super::{Action, Change, Step};
use crate::model::LiveState;
use crate::model::{Kind, Resource};

/// Nesting depth of each group (0 for a group that holds no group), from the desired
/// groups and, for groups only live, their live fields.
fn group_depths(desired: &[Resource], live: &LiveState) -> HashMap<String, usize> {
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let live_groups = live.resources.iter().map(|l| &l.resource);
    for r in desired
        .iter()
        .chain(live_groups)
        .filter(|r| r.kind == Kind::Group)
    {
        if children.contains_key(&r.address) {
            continue;
        }
        let held = crate::model::nested_groups(r);
        children.insert(r.address.clone(), held);
    }
    // Depth first with a stack of its own (live nesting comes from the platform and may be
    // as deep as it likes): each group's depth is the deepest of its children's plus one,
    // a group met again on the current walk (a cycle, which validate reports) counts 0.
    let mut memo: HashMap<&str, usize> = HashMap::new();
    for root in children.keys() {
        if memo.contains_key(root.as_str()) {
            continue;
        }
        let mut seen: HashSet<&str> = HashSet::from([root.as_str()]);
        // (group, next child to look at, deepest child so far + 1)
        let mut stack: Vec<(&str, usize, usize)> = vec![(root.as_str(), 0, 0)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = (top.0, top.1);
            let held = children.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(child) = held.get(next) {
                top.1 += 1;
                let child = child.as_str();
                match memo.get(child) {
                    Some(d) => top.2 = top.2.max(d + 1),
                    None if !seen.insert(child) => top.2 = top.2.max(1),
                    None => stack.push((child, 0, 0)),
                }
                continue;
            }
            let (node, _, depth) = *top;
            stack.pop();
            memo.insert(node, depth);
            if let Some(parent) = stack.last_mut() {
                parent.2 = parent.2.max(depth + 1);
            }
        }
    }
    memo.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Orders changes (with their steps) for applying.
pub fn order(
    items: Vec<(Change, Step)>,
    desired: &[Resource],
    live: &LiveState,
) -> Vec<(Change, Step)> {
    let depths = group_depths(desired, live);
    let rank = |c: &Change| (c.kind.rank(), depths.get(&c.address).copied().unwrap_or(0));
    let (mut deletes, mut writes): (Vec<_>, Vec<_>) = items
        .into_iter()
        .partition(|(c, _)| c.action == Action::Delete);
    writes.sort_by_key(|(c, _)| rank(c));
    deletes.sort_by_key(|(c, _)| std::cmp::Reverse(rank(c)));
    writes.extend(deletes);
    writes
}
