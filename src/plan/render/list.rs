//! Lists compared element by element, as Terraform shows them: which items were added,
//! removed, changed (with their changed sub-fields) or moved.
//!
//! Items are matched by identity where the list has one: a string's (or number's) own
//! value, else the first of [`ID_KEYS`] that every item of both lists holds as a string
//! (a button's `label`, an ice breaker's `question`, a custom profile's `name`); lists
//! without one are matched by position. Items of equal identity are paired in the order
//! they come, so duplicates cannot make the work grow. A matched item counts as moved
//! when it is not on the longest run of matched items that kept their order (found in
//! O(n log n)): taking the first item to the end moves one item, not all the others.
//!
//! Everything here is linear in the two lists but for that one O(n log n) step: one hash
//! map of the old items by identity, one pass over the new ones.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

/// The keys that identify an item of a list of tables, in order of preference.
pub const ID_KEYS: &[&str] = &["question", "label", "name"];

/// How the items of two lists were matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// by the items' own values (lists of strings, numbers or booleans)
    Value,
    /// by the value of this key of each table
    Key(&'static str),
    /// by position (the lists have no identity)
    Position,
}

/// One item of the compared lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    /// the same item in the same place
    Same {
        /// its 0-based position in the old list
        before: usize,
        /// its 0-based position in the new list
        after: usize,
        /// the item
        value: &'a Value,
    },
    /// an item of both lists whose value differs, or whose place moved, or both
    Changed {
        /// its 0-based position in the old list
        before: usize,
        /// its 0-based position in the new list
        after: usize,
        /// the old item
        old: &'a Value,
        /// the new item
        new: &'a Value,
        /// it left the order of the other matched items
        moved: bool,
    },
    /// an item only the new list has
    Added {
        /// its 0-based position in the new list
        after: usize,
        /// the item
        value: &'a Value,
    },
    /// an item only the old list has
    Removed {
        /// its 0-based position in the old list
        before: usize,
        /// the item
        value: &'a Value,
    },
}

impl Item<'_> {
    /// Whether the item is shown as a change.
    pub fn is_change(&self) -> bool {
        !matches!(self, Item::Same { .. })
    }
}

/// Two lists compared: the items in the order they are shown (the new list's order, each
/// removed item where it stood among the items that kept their place).
#[derive(Debug, Clone, PartialEq)]
pub struct ListDiff<'a> {
    /// how items were matched
    pub identity: Identity,
    /// every item of both lists, once
    pub items: Vec<Item<'a>>,
}

/// How many items of each kind a diff holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// only in the new list
    pub added: usize,
    /// only in the old list
    pub removed: usize,
    /// in both, with another value
    pub changed: usize,
    /// in both, out of the order of the others
    pub moved: usize,
    /// in both, equal and in place
    pub same: usize,
}

impl Counts {
    /// "1 added, 2 removed" (the kinds that occur, in that order; "unchanged" when none).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.added, "added"),
            (self.removed, "removed"),
            (self.changed, "changed"),
            (self.moved, "moved"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "unchanged".to_string()
        } else {
            parts.join(", ")
        }
    }
}

impl ListDiff<'_> {
    /// How many items of each kind the diff holds.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for item in &self.items {
            match item {
                Item::Same { .. } => c.same += 1,
                Item::Added { .. } => c.added += 1,
                Item::Removed { .. } => c.removed += 1,
                Item::Changed {
                    old, new, moved, ..
                } => {
                    if old != new {
                        c.changed += 1;
                    }
                    if *moved {
                        c.moved += 1;
                    }
                }
            }
        }
        c
    }
}

/// The identity of one item, borrowed where it can be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key<'a> {
    Str(&'a str),
    Other(String),
}

fn scalar_key(v: &Value) -> Option<Key<'_>> {
    match v {
        Value::String(s) => Some(Key::Str(s)),
        Value::Number(n) => Some(Key::Other(format!("n{n}"))),
        Value::Bool(b) => Some(Key::Other(format!("b{b}"))),
        _ => None,
    }
}

/// How the items of `before` and `after` can be matched.
pub fn identity(before: &[Value], after: &[Value]) -> Identity {
    let mut all = before.iter().chain(after);
    if all.clone().all(|v| scalar_key(v).is_some()) {
        return Identity::Value;
    }
    if !all.all(Value::is_object) {
        return Identity::Position;
    }
    ID_KEYS
        .iter()
        .find(|k| {
            before
                .iter()
                .chain(after)
                .all(|v| v.get(**k).is_some_and(Value::is_string))
        })
        .map_or(Identity::Position, |k| Identity::Key(k))
}

fn key_of<'a>(identity: Identity, v: &'a Value) -> Option<Key<'a>> {
    match identity {
        Identity::Value => scalar_key(v),
        Identity::Key(k) => v.get(k).and_then(Value::as_str).map(Key::Str),
        Identity::Position => None,
    }
}

/// The positions (into `seq`) of one longest strictly increasing subsequence of `seq`:
/// patience sorting, O(n log n).
fn longest_increasing(seq: &[usize]) -> Vec<bool> {
    // tails[k]: the index in `seq` of the smallest last value of an increasing run of
    // length k + 1; prev[i]: the index before i on its run.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (i, &v) in seq.iter().enumerate() {
        let k = tails.partition_point(|&t| seq[t] < v);
        prev[i] = k.checked_sub(1).map(|p| tails[p]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut on = vec![false; seq.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        on[i] = true;
        at = prev[i];
    }
    on
}

/// Compares two lists item by item.
pub fn diff<'a>(before: &'a [Value], after: &'a [Value]) -> ListDiff<'a> {
    let identity = identity(before, after);
    // matched[j]: the old item the new item j is paired with.
    let mut matched: Vec<Option<usize>> = vec![None; after.len()];
    match identity {
        Identity::Position => {
            for (j, m) in matched.iter_mut().enumerate().take(before.len()) {
                *m = Some(j);
            }
        }
        _ => {
            let mut by_key: HashMap<Key<'a>, VecDeque<usize>> = HashMap::new();
            for (i, v) in before.iter().enumerate() {
                if let Some(k) = key_of(identity, v) {
                    by_key.entry(k).or_default().push_back(i);
                }
            }
            for (j, v) in after.iter().enumerate() {
                matched[j] = key_of(identity, v)
                    .and_then(|k| by_key.get_mut(&k))
                    .and_then(VecDeque::pop_front);
            }
        }
    }
    let pairs: Vec<(usize, usize)> = matched
        .iter()
        .enumerate()
        .filter_map(|(j, m)| m.map(|i| (i, j)))
        .collect();
    let olds: Vec<usize> = pairs.iter().map(|&(i, _)| i).collect();
    let in_place = longest_increasing(&olds);
    let mut kept = vec![false; before.len()];
    let mut moved = vec![false; after.len()];
    for (&(i, j), &on) in pairs.iter().zip(&in_place) {
        kept[i] = true;
        moved[j] = !on;
    }
    let mut items = Vec::with_capacity(before.len() + after.len());
    // The next old item to consider when placing removed items.
    let mut next_old = 0;
    let flush = |upto: usize, next_old: &mut usize, items: &mut Vec<Item<'a>>| {
        while *next_old < upto {
            if !kept[*next_old] {
                items.push(Item::Removed {
                    before: *next_old,
                    value: &before[*next_old],
                });
            }
            *next_old += 1;
        }
    };
    for (j, new) in after.iter().enumerate() {
        match matched[j] {
            None => items.push(Item::Added {
                after: j,
                value: new,
            }),
            Some(i) => {
                if !moved[j] {
                    flush(i, &mut next_old, &mut items);
                    next_old = next_old.max(i + 1);
                }
                let old = &before[i];
                if old == new && !moved[j] {
                    items.push(Item::Same {
                        before: i,
                        after: j,
                        value: new,
                    });
                } else {
                    items.push(Item::Changed {
                        before: i,
                        after: j,
                        old,
                        new,
                        moved: moved[j],
                    });
                }
                if !moved[j] {
                    // The items removed right after it are shown where they stood.
                    let mut end = next_old;
                    while end < before.len() && !kept[end] {
                        end += 1;
                    }
                    flush(end, &mut next_old, &mut items);
                }
            }
        }
    }
    flush(before.len(), &mut next_old, &mut items);
    ListDiff { identity, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arr(v: Value) -> Vec<Value> {
        v.as_array().unwrap().clone()
    }

    /// The diff as short strings: `=a`, `+a`, `-a`, `~a` (changed), `>a` (moved), `~>a`.
    fn shape(before: Value, after: Value) -> (Identity, Vec<String>) {
        let (b, a) = (arr(before), arr(after));
        let d = diff(&b, &a);
        let name = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Object(o) => ID_KEYS
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))
                .unwrap_or("?")
                .to_string(),
            other => other.to_string(),
        };
        let items = d
            .items
            .iter()
            .map(|i| match i {
                Item::Same { value, .. } => format!("={}", name(value)),
                Item::Added { value, .. } => format!("+{}", name(value)),
                Item::Removed { value, .. } => format!("-{}", name(value)),
                Item::Changed {
                    old, new, moved, ..
                } => format!(
                    "{}{}{}",
                    if old != new { "~" } else { "" },
                    if *moved { ">" } else { "" },
                    name(new)
                ),
            })
            .collect();
        (d.identity, items)
    }

    #[test]
    fn strings_by_value() {
        let (id, s) = shape(json!(["a", "b", "c"]), json!(["a", "x", "c"]));
        assert_eq!(id, Identity::Value);
        assert_eq!(s, ["=a", "-b", "+x", "=c"]);
    }

    #[test]
    fn one_item_taken_to_the_end_is_one_move() {
        let (_, s) = shape(json!(["a", "b", "c", "d"]), json!(["b", "c", "d", "a"]));
        assert_eq!(s, ["=b", "=c", "=d", ">a"]);
        let (_, s) = shape(json!(["a", "b", "c", "d"]), json!(["d", "a", "b", "c"]));
        assert_eq!(s, [">d", "=a", "=b", "=c"]);
    }

    #[test]
    fn removing_the_first_moves_nothing() {
        let (_, s) = shape(json!(["a", "b", "c"]), json!(["b", "c"]));
        assert_eq!(s, ["-a", "=b", "=c"]);
        let (_, s) = shape(json!(["a", "b", "c"]), json!(["a", "b"]));
        assert_eq!(s, ["=a", "=b", "-c"]);
    }

    #[test]
    fn tables_by_question_or_label_with_their_changes() {
        let (id, s) = shape(
            json!([
                {"question": "Where is my flight?", "flow": "status"},
                {"question": "Lost bag", "flow": "baggage"},
                {"question": "Refund", "flow": "refunds"},
            ]),
            json!([
                {"question": "Refund", "flow": "refunds"},
                {"question": "Where is my flight?", "flow": "flight_status"},
                {"question": "Seats", "flow": "seats"},
            ]),
        );
        assert_eq!(id, Identity::Key("question"));
        assert_eq!(
            s,
            [">Refund", "~Where is my flight?", "-Lost bag", "+Seats"]
        );
        let (id, _) = shape(
            json!([{"label": "A", "flow": "x"}]),
            json!([{"label": "B", "url": "https://x"}]),
        );
        assert_eq!(id, Identity::Key("label"));
    }

    #[test]
    fn a_changed_item_can_also_move() {
        let (_, s) = shape(
            json!([{"label": "A", "flow": "a"}, {"label": "B", "flow": "b"}, {"label": "C", "flow": "c"}]),
            json!([{"label": "B", "flow": "b"}, {"label": "C", "flow": "c"}, {"label": "A", "flow": "z"}]),
        );
        assert_eq!(s, ["=B", "=C", "~>A"]);
    }

    #[test]
    fn without_identity_by_position() {
        let (id, s) = shape(
            json!([{"x": 1}, {"x": 2}]),
            json!([{"x": 1}, {"x": 3}, {"x": 4}]),
        );
        assert_eq!(id, Identity::Position);
        assert_eq!(s, ["=?", "~?", "+?"]);
        // A table missing the key takes the identity away from the whole list.
        let (id, _) = shape(
            json!([{"label": "A"}]),
            json!([{"label": "A"}, {"flow": "x"}]),
        );
        assert_eq!(id, Identity::Position);
    }

    #[test]
    fn duplicates_pair_in_order() {
        let (_, s) = shape(json!(["a", "a", "b"]), json!(["a", "b", "a"]));
        assert_eq!(s, ["=a", ">b", "=a"]);
    }

    #[test]
    fn counts_and_their_words() {
        let (b, a) = (arr(json!(["a", "b", "c"])), arr(json!(["c", "a", "x"])));
        let c = diff(&b, &a).counts();
        assert_eq!((c.added, c.removed, c.moved, c.same), (1, 1, 1, 1));
        assert_eq!(c.describe(), "1 added, 1 removed, 1 moved");
        assert_eq!(Counts::default().describe(), "unchanged");
    }

    fn check_invariants(before: &[Value], after: &[Value]) {
        let d = diff(before, after);
        let (mut olds, mut news) = (vec![], vec![]);
        // The old positions of the items shown as in place, in the order shown.
        let mut in_place = vec![];
        for item in &d.items {
            match *item {
                Item::Same {
                    before: i,
                    after: j,
                    value,
                } => {
                    assert_eq!(&before[i], value);
                    assert_eq!(&after[j], value);
                    olds.push(i);
                    news.push(j);
                    in_place.push(i);
                }
                Item::Added { after: j, value } => {
                    assert_eq!(&after[j], value);
                    news.push(j);
                }
                Item::Removed { before: i, value } => {
                    assert_eq!(&before[i], value);
                    olds.push(i);
                }
                Item::Changed {
                    before: i,
                    after: j,
                    old,
                    new,
                    moved,
                } => {
                    assert_eq!((&before[i], &after[j]), (old, new));
                    assert!(old != new || moved, "a Changed item changed or moved");
                    if d.identity != Identity::Position {
                        assert_eq!(key_of(d.identity, old), key_of(d.identity, new));
                    }
                    olds.push(i);
                    news.push(j);
                    if !moved {
                        in_place.push(i);
                    }
                }
            }
        }
        // The new list's items in its order, each once; every old item once.
        assert_eq!(news, (0..after.len()).collect::<Vec<_>>());
        olds.sort_unstable();
        assert_eq!(olds, (0..before.len()).collect::<Vec<_>>());
        // What is not moved kept its order.
        assert!(in_place.windows(2).all(|w| w[0] < w[1]), "{in_place:?}");
        if d.identity == Identity::Position {
            assert_eq!(d.counts().moved, 0);
        }
    }

    fn item() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            "[abc]".prop_map(Value::from),
            ("[abc]", "[xy]").prop_map(|(l, f)| json!({"label": l, "flow": f})),
        ]
    }

    proptest::proptest! {
        #[test]
        fn every_item_once_and_the_rest_in_order(
            before in proptest::collection::vec(item(), 0..12),
            after in proptest::collection::vec(item(), 0..12),
        ) {
            check_invariants(&before, &after);
            // The same lists with only strings, or only tables: identity matching.
            let strings = |v: &[Value]| -> Vec<Value> {
                v.iter().filter(|i| i.is_string()).cloned().collect()
            };
            let tables = |v: &[Value]| -> Vec<Value> {
                v.iter().filter(|i| i.is_object()).cloned().collect()
            };
            check_invariants(&strings(&before), &strings(&after));
            check_invariants(&tables(&before), &tables(&after));
        }
    }

    #[test]
    fn long_lists_stay_fast() {
        // 200,000 items reversed: every comparison through the map, the moves by LIS.
        let b: Vec<Value> = (0..200_000).map(|i| json!(format!("p{i}"))).collect();
        let a: Vec<Value> = b.iter().rev().cloned().collect();
        let d = diff(&b, &a);
        let c = d.counts();
        assert_eq!(c.moved, 199_999);
        assert_eq!(c.same, 1);
        assert_eq!(d.items.len(), 200_000);
    }
}
