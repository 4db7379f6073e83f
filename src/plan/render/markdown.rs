//! Plans and drift reports as markdown, for pull-request comments and CI summaries: a
//! summary table, then one `<details>` section per resource with a table of its field
//! changes. Lists get one row per changed item, texts a word diff (`<del>` in the before
//! cell, `<ins>` in the after cell) while few words changed.

use std::fmt::Write as _;

use serde_json::Value;
use similar::ChangeTag;

use super::fields::walk;
use super::list::{self, Identity, Item};
use super::{
    Cause, MAX_DEPTH, as_list, cause, cause_words, changed_at, esc, is_text_change, show,
    shown_fields, symbol, words,
};
use crate::diagnostics::text;
use crate::plan::{Action, Change, Plan};

/// Text made inert in markdown and HTML: entities for `&`, `<`, `>`, an escaped `|` (a
/// table cell ends there), backticks as entities (no code span can start), control
/// characters escaped.
fn md_text(s: &str) -> String {
    esc(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "&#96;")
}

/// A name as inline code: in backticks when that is safe, else as `<code>` with entities
/// (a backtick would end the code span early).
fn md_code(s: &str) -> String {
    if s.contains(['`', '|', '<', '>', '&']) || s.contains(text::is_unsafe) {
        format!("<code>{}</code>", md_text(s))
    } else {
        format!("`{s}`")
    }
}

/// A text of several lines in one cell: its lines, each made inert, joined by `<br>`.
fn md_lines(t: &str) -> String {
    t.split('\n').map(md_text).collect::<Vec<_>>().join("<br>")
}

fn md_cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(t) if t.contains('\n') => md_lines(t),
        other => md_text(&show(other)),
    }
}

/// One row of a change's table: the field, its before (or live) cell, its after (or
/// configuration) cell.
type Row = [String; 3];

/// The rows of one field change. `label` is the field's cell (markdown already).
#[allow(clippy::too_many_arguments)]
fn rows(
    out: &mut Vec<Row>,
    label: &str,
    path: &str,
    before: &Value,
    after: &Value,
    action: Action,
    depth: usize,
) {
    match action {
        Action::Create | Action::Delete => {
            let v = if action == Action::Create {
                after
            } else {
                before
            };
            let cell = match v {
                // One item a line: the list element by element.
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|i| md_text(&show(i)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                other => md_cell(other),
            };
            let none = "—".to_string();
            out.push(if action == Action::Create {
                [label.to_string(), none, cell]
            } else {
                [label.to_string(), cell, none]
            });
            return;
        }
        Action::Update | Action::Replace => {}
    }
    if let (Some(b), Some(a)) = (as_list(before), as_list(after))
        && !(b.is_empty() && a.is_empty())
        && depth < MAX_DEPTH
    {
        return list_rows(out, label, b, a, depth);
    }
    match (before, after) {
        (Value::String(b), Value::String(a)) if is_text_change(path, b, a) => {
            let (bc, ac) = text_cells(b, a);
            out.push([label.to_string(), bc, ac]);
        }
        (b, a) => out.push([label.to_string(), md_cell(b), md_cell(a)]),
    }
}

/// The before and after cells of a text change: a word diff while few words changed
/// (removed words struck in the before cell, added ones marked in the after cell), else
/// both texts whole.
fn text_cells(before: &str, after: &str) -> (String, String) {
    match words::diff(before, after) {
        Some(d) if !d.is_rewrite() => {
            let (mut b, mut a) = (String::new(), String::new());
            for run in &d.runs {
                let t = md_lines(&run.text);
                match run.tag {
                    ChangeTag::Equal => {
                        b.push_str(&t);
                        a.push_str(&t);
                    }
                    ChangeTag::Delete => {
                        let _ = write!(b, "<del>{t}</del>");
                    }
                    ChangeTag::Insert => {
                        let _ = write!(a, "<ins>{t}</ins>");
                    }
                }
            }
            (quote_cell(before, b), quote_cell(after, a))
        }
        _ => (
            md_cell(&Value::String(before.to_string())),
            md_cell(&Value::String(after.to_string())),
        ),
    }
}

/// A one-line text's cell in quotes, as other strings are shown; a multi-line one as is.
fn quote_cell(raw: &str, cell: String) -> String {
    if raw.contains('\n') {
        cell
    } else {
        format!("\"{cell}\"")
    }
}

/// The rows of a list change: one per added, removed or moved item, one per changed
/// sub-field of a changed item.
fn list_rows(out: &mut Vec<Row>, label: &str, before: &[Value], after: &[Value], depth: usize) {
    let d = list::diff(before, after);
    let name = |v: &Value, at: usize| match d.identity {
        Identity::Value => md_text(&show(v)),
        Identity::Key(k) => md_text(&show(v.get(k).unwrap_or(&Value::Null))),
        Identity::Position => format!("#{}", at + 1),
    };
    let none = || "—".to_string();
    for item in &d.items {
        match *item {
            Item::Same { .. } => {}
            Item::Added { value, .. } => {
                out.push([format!("{label} (added)"), none(), md_text(&show(value))]);
            }
            Item::Removed { value, .. } => {
                out.push([format!("{label} (removed)"), md_text(&show(value)), none()]);
            }
            Item::Changed {
                before: i,
                after: j,
                old,
                new,
                moved,
            } => {
                let item = format!("{label} › {}", name(new, j));
                if moved {
                    out.push([
                        format!("{item} (moved)"),
                        format!("position {}", i + 1),
                        format!("position {}", j + 1),
                    ]);
                }
                if old == new {
                    continue;
                }
                if old.is_object() && new.is_object() {
                    let mut subs = Vec::new();
                    walk("", old, new, depth + 1, &mut subs);
                    for (path, b, a) in subs {
                        let sub = format!("{item} › {}", md_code(&path));
                        rows(out, &sub, &path, b, a, Action::Update, depth + 1);
                    }
                } else {
                    out.push([item, md_cell(old), md_cell(new)]);
                }
            }
        }
    }
}

/// The table of one change's fields, with the given column names.
fn change_table(out: &mut String, c: &Change, columns: (&str, &str)) {
    let mut table: Vec<Row> = Vec::new();
    for f in shown_fields(c) {
        rows(
            &mut table,
            &md_code(&f.path),
            &f.path,
            &f.before,
            &f.after,
            c.action,
            0,
        );
    }
    if table.is_empty() {
        let _ = writeln!(
            out,
            "No field changes: socialform takes over managing it.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "| field | {} | {} |\n|---|---|---|",
        columns.0, columns.1
    );
    for [field, b, a] in table {
        let _ = writeln!(out, "| {field} | {b} | {a} |");
    }
    out.push('\n');
}

fn summary_cell(c: &Change) -> String {
    format!("<code>{} {}</code>", symbol(c.action), md_text(&c.address))
}

fn unmanaged(out: &mut String, plan: &Plan) {
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} unmanaged live resource(s)</summary>\n",
            plan.unmanaged.len()
        );
        for a in &plan.unmanaged {
            let _ = writeln!(out, "- {}", md_code(a));
        }
        let _ = writeln!(out, "\n</details>");
    }
}

/// The plan for a pull-request comment: a summary table, then one `<details>` section
/// per resource.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### socialform plan for {}\n",
        md_code(&plan.workspace)
    );
    if plan.changes.is_empty() {
        let _ = writeln!(out, "No changes: the platform matches the configuration.\n");
    } else {
        let s = &plan.summary;
        let _ = writeln!(out, "| action | count |\n|---|---:|");
        for (name, n) in [
            ("create", s.create),
            ("update", s.update),
            ("replace", s.replace),
            ("delete", s.delete),
        ] {
            let _ = writeln!(out, "| {name} | {n} |");
        }
        let drifted = plan.changes.iter().filter(|c| c.drift).count();
        if drifted > 0 {
            let _ = writeln!(
                out,
                "\n⚠️ {drifted} resource(s) changed outside socialform since the last apply (drift)."
            );
        }
        out.push('\n');
    }
    for c in &plan.changes {
        let mut notes = vec![c.action.as_str()];
        if c.destructive {
            notes.push("**destructive**");
        }
        if c.drift {
            notes.push("drift");
        }
        let _ = writeln!(
            out,
            "<details><summary>{} {}</summary>\n",
            summary_cell(c),
            notes.join(", ")
        );
        change_table(&mut out, c, ("before", "after"));
        let _ = writeln!(out, "</details>\n");
    }
    unmanaged(&mut out, plan);
    out
}

/// What the drift report's legend says.
const LEGEND: &str = "**Live** is what the platform holds now; **configuration** is what \
this directory asks for. **Drift** is a live resource changed outside socialform since its \
last apply (in the platform's UI, by another tool) or applied since by another \
configuration: applying this configuration would undo it. A **pending change** is a change \
of the configuration not applied yet: applying carries it out. A resource can be both.";

/// The drift report for a pull-request comment or a CI summary: a legend, counts per
/// cause, then one `<details>` section per resource with its live and configured values.
/// `config_changed[i]` tells whether change `i` is asked for by the configuration.
pub fn drift_markdown(plan: &Plan, config_changed: &[bool]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### socialform drift for {}\n",
        md_code(&plan.workspace)
    );
    if plan.changes.is_empty() {
        let _ = writeln!(out, "No drift: the platform matches the configuration.\n");
        unmanaged(&mut out, plan);
        return out;
    }
    let _ = writeln!(out, "{LEGEND}\n");
    let causes: Vec<Cause> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| cause(c, changed_at(config_changed, i)))
        .collect();
    let count = |k: Cause| causes.iter().filter(|c| **c == k).count();
    let _ = writeln!(out, "| difference | resources |\n|---|---:|");
    for (name, k) in [
        ("drift", Cause::Drift),
        ("pending change", Cause::PendingChange),
        ("drift and pending change", Cause::DriftAndPendingChange),
    ] {
        let _ = writeln!(out, "| {name} | {} |", count(k));
    }
    out.push('\n');
    for (i, c) in plan.changes.iter().enumerate() {
        let words = cause_words(c, changed_at(config_changed, i));
        let marker = if c.drift { "⚠️ " } else { "" };
        let _ = writeln!(
            out,
            "<details><summary>{} {marker}{}</summary>\n",
            summary_cell(c),
            md_text(&words)
        );
        change_table(&mut out, c, ("live", "configuration"));
        let _ = writeln!(out, "</details>\n");
    }
    unmanaged(&mut out, plan);
    out
}
