//! Dependency order of changes: a resource is written after what it refers to, and
//! deleted before it. Kinds come in [`Kind`] order (profiles before the groups holding
//! them, attributes before the contact settings naming them); a group comes after the
//! groups it holds. Creates, updates and replaces run first in that order, then deletes
//! in the reverse order, so nothing is deleted while something still refers to it.

use std::collections::{HashMap, HashSet};

use super::{Action, Change, Step};
use crate::backend::LiveState;
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
    fn depth(
        a: &str,
        children: &HashMap<String, Vec<String>>,
        seen: &mut HashSet<String>,
        memo: &mut HashMap<String, usize>,
    ) -> usize {
        if let Some(d) = memo.get(a) {
            return *d;
        }
        if !seen.insert(a.to_string()) {
            return 0; // a cycle: validate reports it; do not loop
        }
        let d = children.get(a).map_or(0, |held| {
            held.iter()
                .map(|c| depth(c, children, seen, memo) + 1)
                .max()
                .unwrap_or(0)
        });
        memo.insert(a.to_string(), d);
        d
    }
    let mut memo = HashMap::new();
    for a in children.keys() {
        depth(a, &children, &mut HashSet::new(), &mut memo);
    }
    memo
}

/// Orders changes (with their steps) for applying.
pub fn order(
    items: Vec<(Change, Step)>,
    desired: &[Resource],
    live: &LiveState,
) -> Vec<(Change, Step)> {
    let depths = group_depths(desired, live);
    let rank = |c: &Change| (c.kind, depths.get(&c.address).copied().unwrap_or(0));
    let (mut deletes, mut writes): (Vec<_>, Vec<_>) = items
        .into_iter()
        .partition(|(c, _)| c.action == Action::Delete);
    writes.sort_by_key(|(c, _)| rank(c));
    deletes.sort_by_key(|(c, _)| std::cmp::Reverse(rank(c)));
    writes.extend(deletes);
    writes
}
