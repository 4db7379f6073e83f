//! One field change as text lines: scalars on one line, texts as a word diff or before
//! and after in full, multi-line texts line by line, lists element by element.

use std::fmt::Write as _;

use serde_json::Value;
use similar::ChangeTag;

use super::list::{self, Identity, Item};
use super::{MAX_DEPTH, Style, as_list, esc, is_text_change, show, words};
use crate::diagnostics::text;
use crate::plan::{Action, FieldChange};

/// A list of unchanged items longer than this is shown as one line that counts them.
const CONTEXT_RUN: usize = 3;

/// A list on a create or delete fits on one line when it holds only strings, numbers or
/// booleans and is at most this many characters long.
const ONE_LINE_LIST: usize = 60;

fn pad(n: usize) -> String {
    " ".repeat(n)
}

/// The lines of a text, each escaped (a multi-line text keeps its lines).
fn text_lines(t: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    t.split('\n').map(esc)
}

/// Writes the lines of one field change, at `indent` spaces.
pub(super) fn field(
    out: &mut String,
    style: &Style,
    indent: usize,
    f: &FieldChange,
    action: Action,
) {
    change(
        out,
        style,
        indent,
        &esc(&f.path),
        &f.path,
        &f.before,
        &f.after,
        action,
        0,
    );
}

/// A whole value on a create (`=`, green) or a delete (`=`, red).
fn whole(out: &mut String, style: &Style, indent: usize, name: &str, v: &Value, create: bool) {
    let paint = |t: &str| if create { style.green(t) } else { style.red(t) };
    let name = style.bold(name);
    let at = pad(indent);
    match v {
        Value::String(t) if t.contains('\n') => {
            let _ = writeln!(out, "{at}{name} =");
            for line in text_lines(t) {
                let _ = writeln!(out, "{at}  {}", paint(&format!("│ {line}")));
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let one_line = show(v);
            let scalars = items
                .iter()
                .all(|i| !matches!(i, Value::Array(_) | Value::Object(_)));
            if scalars && one_line.chars().count() <= ONE_LINE_LIST {
                let _ = writeln!(out, "{at}{name} = {}", paint(&one_line));
            } else {
                let _ = writeln!(out, "{at}{name} = [");
                for item in items {
                    let _ = writeln!(out, "{at}  {}", paint(&format!("{},", show(item))));
                }
                let _ = writeln!(out, "{at}]");
            }
        }
        other => {
            let _ = writeln!(out, "{at}{name} = {}", paint(&show(other)));
        }
    }
}

/// Writes one change of one value. `name` is shown (escaped already); `path` is the
/// field's path, which tells texts apart.
#[allow(clippy::too_many_arguments)]
fn change(
    out: &mut String,
    style: &Style,
    indent: usize,
    name: &str,
    path: &str,
    before: &Value,
    after: &Value,
    action: Action,
    depth: usize,
) {
    match action {
        Action::Create => return whole(out, style, indent, name, after, true),
        Action::Delete => return whole(out, style, indent, name, before, false),
        Action::Update | Action::Replace => {}
    }
    let at = pad(indent);
    let bold = style.bold(name);
    if let (Some(b), Some(a)) = (as_list(before), as_list(after))
        && !(b.is_empty() && a.is_empty())
        && depth < MAX_DEPTH
    {
        return list_change(out, style, indent, name, b, a, depth);
    }
    match (before, after) {
        (Value::Null, Value::String(t)) if t.contains('\n') => {
            let _ = writeln!(out, "{at}{bold}:");
            text_block(out, style, indent + 2, t, true);
        }
        (Value::String(t), Value::Null) if t.contains('\n') => {
            let _ = writeln!(out, "{at}{bold}:");
            text_block(out, style, indent + 2, t, false);
        }
        (Value::Null, a) => {
            let _ = writeln!(
                out,
                "{at}{bold}: {}",
                style.green(&format!("+ {}", show(a)))
            );
        }
        (b, Value::Null) => {
            let _ = writeln!(out, "{at}{bold}: {}", style.red(&format!("- {}", show(b))));
        }
        (Value::String(b), Value::String(a)) if is_text_change(path, b, a) => {
            text_change(out, style, indent, &bold, b, a);
        }
        (b, a) => {
            let _ = writeln!(
                out,
                "{at}{bold}: {} → {}",
                style.red(&show(b)),
                style.green(&show(a))
            );
        }
    }
}

/// A text in full, behind `-` (before) or `+` (after): quoted on one line, or line by line.
fn text_block(out: &mut String, style: &Style, indent: usize, t: &str, added: bool) {
    let at = pad(indent);
    let (sign, paint): (&str, &dyn Fn(&str) -> String) = if added {
        ("+", &|s| style.green(s))
    } else {
        ("-", &|s| style.red(s))
    };
    if t.contains('\n') {
        for line in text_lines(t) {
            let _ = writeln!(out, "{at}{}", paint(&format!("{sign} {line}")));
        }
    } else {
        let _ = writeln!(
            out,
            "{at}{}",
            paint(&format!("{sign} {}", show(&Value::String(t.to_string()))))
        );
    }
}

/// Two texts: a word diff while few words changed, else both in full.
fn text_change(
    out: &mut String,
    style: &Style,
    indent: usize,
    name: &str,
    before: &str,
    after: &str,
) {
    let at = pad(indent);
    match words::diff(before, after) {
        Some(d) if !d.is_rewrite() => {
            let rendered = word_diff(&d, style);
            if before.contains('\n') || after.contains('\n') {
                let _ = writeln!(out, "{at}{name}:");
                for line in rendered.split('\n') {
                    let _ = writeln!(out, "{at}  │ {line}");
                }
            } else {
                let _ = writeln!(out, "{at}{name}: \"{rendered}\"");
            }
        }
        _ => {
            let _ = writeln!(out, "{at}{name}:");
            text_block(out, style, indent + 2, before, false);
            text_block(out, style, indent + 2, after, true);
        }
    }
}

/// A word diff on one string: removed words `[-like this-]` and added ones
/// `{+like this+}`, or in red and green with colour. Line breaks are kept as they are
/// (the caller cuts the lines); everything else unsafe is escaped.
pub(super) fn word_diff(d: &words::WordDiff, style: &Style) -> String {
    let mut out = String::new();
    for run in &d.runs {
        let pieces: Vec<String> = run.text.split('\n').map(|p| esc(p).into_owned()).collect();
        let piece = |code: &str| -> String {
            pieces
                .iter()
                .map(|p| style.paint(code, p))
                .collect::<Vec<_>>()
                .join("\n")
        };
        out.push_str(&match (run.tag, style.color) {
            (ChangeTag::Equal, _) => pieces.join("\n"),
            (ChangeTag::Delete, true) => piece("31;9"),
            (ChangeTag::Insert, true) => piece("32;4"),
            (ChangeTag::Delete, false) => format!("[-{}-]", pieces.join("\n")),
            (ChangeTag::Insert, false) => format!("{{+{}+}}", pieces.join("\n")),
        });
    }
    out
}

/// How an item of a list is named on its line: its identity, or its place.
fn label(identity: Identity, v: &Value, after: usize) -> String {
    match identity {
        Identity::Value => show(v),
        Identity::Key(k) => show(v.get(k).unwrap_or(&Value::Null)),
        Identity::Position => format!("#{}", after + 1),
    }
}

/// An unchanged item, as context: its identity, or the item itself (clipped).
fn context(identity: Identity, v: &Value) -> String {
    match identity {
        Identity::Position => text::clip(&show(v)).into_owned(),
        _ => label(identity, v, 0),
    }
}

/// A list, element by element: `+` added, `-` removed, `~` changed (with its changed
/// sub-fields below it), `↕` moved; unchanged items as context, long runs of them
/// counted.
#[allow(clippy::too_many_arguments)]
fn list_change(
    out: &mut String,
    style: &Style,
    indent: usize,
    name: &str,
    before: &[Value],
    after: &[Value],
    depth: usize,
) {
    let d = list::diff(before, after);
    let at = pad(indent);
    let _ = writeln!(out, "{at}{} ({}):", style.bold(name), d.counts().describe());
    let item_at = pad(indent + 2);
    let mut same: Vec<&Value> = Vec::new();
    let flush_same = |same: &mut Vec<&Value>, out: &mut String| {
        if same.len() > CONTEXT_RUN {
            let _ = writeln!(
                out,
                "{item_at}  {}",
                style.dim(&format!("({} unchanged)", same.len()))
            );
        } else {
            for v in same.iter() {
                let _ = writeln!(out, "{item_at}  {}", style.dim(&context(d.identity, v)));
            }
        }
        same.clear();
    };
    for item in &d.items {
        if let Item::Same { value, .. } = item {
            same.push(value);
            continue;
        }
        flush_same(&mut same, out);
        match *item {
            Item::Same { .. } => {}
            Item::Added { value, .. } => {
                let _ = writeln!(
                    out,
                    "{item_at}{}",
                    style.green(&format!("+ {}", show(value)))
                );
            }
            Item::Removed { value, .. } => {
                let _ = writeln!(out, "{item_at}{}", style.red(&format!("- {}", show(value))));
            }
            Item::Changed {
                before: i,
                after: j,
                old,
                new,
                moved,
            } => {
                let name = label(d.identity, new, j);
                let place = if moved {
                    format!(" (moved from position {} to {})", i + 1, j + 1)
                } else {
                    String::new()
                };
                if old == new {
                    let _ = writeln!(
                        out,
                        "{item_at}{}",
                        style.yellow(&format!("↕ {name}{place}"))
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "{item_at}{}",
                    style.yellow(&format!("~ {name}{place}"))
                );
                item_fields(out, style, indent + 6, old, new, depth + 1);
            }
        }
    }
    flush_same(&mut same, out);
}

/// The sub-fields that differ between two items of a list: tables key by key (dotted
/// paths, in the new item's order, then the keys only the old one has), anything else
/// as one `before → after` line.
fn item_fields(
    out: &mut String,
    style: &Style,
    indent: usize,
    old: &Value,
    new: &Value,
    depth: usize,
) {
    let (Value::Object(_), Value::Object(_)) = (old, new) else {
        let _ = writeln!(
            out,
            "{}{} → {}",
            pad(indent),
            style.red(&show(old)),
            style.green(&show(new))
        );
        return;
    };
    let mut subs: Vec<(String, &Value, &Value)> = Vec::new();
    walk("", old, new, depth, &mut subs);
    for (path, b, a) in subs {
        change(
            out,
            style,
            indent,
            &esc(&path),
            &path,
            b,
            a,
            Action::Update,
            depth,
        );
    }
}

/// Collects the differing keys of two tables, nested tables by dotted path.
pub(super) fn walk<'a>(
    prefix: &str,
    old: &'a Value,
    new: &'a Value,
    depth: usize,
    out: &mut Vec<(String, &'a Value, &'a Value)>,
) {
    let (Value::Object(o), Value::Object(n)) = (old, new) else {
        return;
    };
    let keys = n.keys().chain(o.keys().filter(|k| !n.contains_key(*k)));
    for key in keys {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let b = o.get(key).unwrap_or(&Value::Null);
        let a = n.get(key).unwrap_or(&Value::Null);
        if b == a {
            continue;
        }
        if b.is_object() && a.is_object() && depth < MAX_DEPTH {
            walk(&path, b, a, depth + 1, out);
        } else {
            out.push((path, b, a));
        }
    }
}
