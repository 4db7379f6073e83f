//! Plan renderers: text for people (colour optional) and markdown for pull-request
//! comments, of plans and of drift reports. JSON is [`super::to_json`] and
//! [`super::drift::to_json`]. Renderers return strings; they never print.
//!
//! What they show, field by field: values as TOML writes them (`{ label = "Refunds",
//! flow = "refunds" }`); lists element by element, matched by identity ([`list`]); long
//! texts as a word diff while few words changed, else before and after in full
//! ([`words`]); multi-line texts line by line; conditions in `when` form.
//!
//! Everything shown comes from the configuration or the platform, so every name and
//! value goes through [`text::escape`]: no control character reaches a terminal or a
//! pull-request comment, and a text of several lines is cut into lines by the renderer,
//! each behind an indent and a marker of its own, so none can pass for a line of the
//! plan.

mod fields;
pub mod list;
mod markdown;
pub mod words;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use super::drift::{Cause, cause};
use super::{Action, Change, FieldChange, Plan};
use crate::diagnostics::text;

pub use markdown::{drift_markdown, markdown};
pub use words::WORD_DIFF_MAX;

fn esc(s: &str) -> Cow<'_, str> {
    text::escape(s)
}

/// Fields whose text is long enough to be shown as a word-level diff (by the last part
/// of their path, so that `locales.fr_FR.greeting` is one).
const LONG_TEXT: &[&str] = &[
    "greeting",
    "bio",
    "welcome_message",
    "message",
    "about",
    "description",
    "address",
    "follow_up",
];

/// Strings longer than this many bytes are compared as texts, whatever their field.
const LONG_TEXT_BYTES: usize = 60;

/// How deep lists and tables nested in list items are compared item by item and key by
/// key; deeper, the values are shown whole.
const MAX_DEPTH: usize = 4;

/// How deep a value is written out as TOML; deeper, it is written as JSON (values read
/// from files are bounded in depth by their parsers already).
const INLINE_DEPTH: usize = 32;

/// Whether a text change is shown as a comparison of texts (word diff, or before and
/// after in full) rather than `before → after` on one line.
fn is_text_change(path: &str, a: &str, b: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    LONG_TEXT.contains(&last)
        || a.len() > LONG_TEXT_BYTES
        || b.len() > LONG_TEXT_BYTES
        || a.contains('\n')
        || b.contains('\n')
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
}

fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
    }
}

/// A string as shown: in double quotes, or as a TOML literal string in single quotes
/// when it holds double quotes (a `when` expression reads best as the user wrote it);
/// control characters escaped.
fn show_str(t: &str, out: &mut String) {
    if t.contains('"') && !t.contains('\'') && !t.contains('\n') {
        out.push('\'');
        out.push_str(&esc(t));
        out.push('\'');
    } else {
        out.push_str(&esc(&serde_json::to_string(t).unwrap_or_default()));
    }
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn inline_into(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::String(t) => show_str(t, out),
        Value::Array(_) | Value::Object(_) if depth >= INLINE_DEPTH => {
            out.push_str(&esc(&serde_json::to_string(v).unwrap_or_default()));
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline_into(item, depth + 1, out);
            }
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{ ");
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if is_bare_key(k) {
                    out.push_str(k);
                } else {
                    show_str(k, out);
                }
                out.push_str(" = ");
                inline_into(item, depth + 1, out);
            }
            out.push_str(" }");
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A value as shown: as TOML writes it (strings quoted, tables `{ key = value }`,
/// arrays `[a, b]`), absent as `(none)`; control characters escaped.
pub fn show(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Null => out.push_str("(none)"),
        other => inline_into(other, 0, &mut out),
    }
    out
}

/// The view of a value as a list: an array's items, or none for an absent value.
fn as_list(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Array(items) => Some(items),
        Value::Null => Some(&[]),
        _ => None,
    }
}

/// The fields of a change worth showing: conditions once, in `when` form.
fn shown_fields(c: &Change) -> Vec<&FieldChange> {
    let has_when = c.fields.iter().any(|f| f.path == "when");
    c.fields
        .iter()
        .filter(|f| !(has_when && f.path == "conditions"))
        .collect()
}

/// The header line of one change.
fn change_header(c: &Change, style: &Style) -> String {
    let sym = symbol(c.action);
    let painted = match c.action {
        Action::Create => style.green(sym),
        Action::Update => style.yellow(sym),
        Action::Replace | Action::Delete => style.red(sym),
    };
    let mut notes = vec![c.action.as_str().to_string()];
    if c.destructive {
        notes.push(style.red("destructive: the live resource and its data are deleted first"));
    }
    if c.action == Action::Update && c.fields.is_empty() {
        notes.push("no field changes: socialform takes over managing it".to_string());
    }
    if c.drift {
        notes.push(style.yellow(&format!("drift: {}", reason(c))));
    }
    format!(
        "{painted} {} {}",
        style.bold(&esc(&c.address)),
        style.dim(&format!("({})", notes.join("; ")))
    )
}

/// "1 to create, 2 to update, 0 to replace, 0 to delete".
pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        s.create, s.update, s.replace, s.delete
    )
}

/// The plan for people.
pub fn text(plan: &Plan, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let _ = writeln!(out, "Plan for workspace `{}`:", esc(&plan.workspace));
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNo changes: the platform matches the configuration.");
    }
    for c in &plan.changes {
        let _ = writeln!(out, "\n  {}", change_header(c, &style));
        for f in shown_fields(c) {
            fields::field(&mut out, &style, 6, f, c.action);
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "\nUnmanaged (live, not in the configuration; kept unless `[workspace] prune = true`):"
        );
        for a in &plan.unmanaged {
            let _ = writeln!(out, "  {}", style.dim(&esc(a)));
        }
    }
    if !plan.changes.is_empty() {
        let _ = writeln!(out, "\nPlan: {}.", summary_line(plan));
    }
    out
}

/// Why a change is drift, as recorded by the plan (older plan files have no reason).
fn reason(c: &Change) -> Cow<'_, str> {
    esc(c
        .drift_reason
        .as_deref()
        .unwrap_or("changed outside socialform since the last apply"))
}

/// Whether change `i` is asked for by the configuration (`true` past the end: claimed
/// rather than hidden).
fn changed_at(config_changed: &[bool], i: usize) -> bool {
    config_changed.get(i).copied().unwrap_or(true)
}

/// What one difference is, in words, for the drift report.
fn cause_words(c: &Change, config_changed: bool) -> String {
    match (cause(c, config_changed), c.action) {
        (_, Action::Create) => "pending configuration change: not on the platform yet".to_string(),
        (Cause::PendingChange, Action::Delete) => {
            "pending configuration change: removed from the configuration".to_string()
        }
        (_, Action::Delete) => {
            format!("drift ({}), and removed from the configuration", reason(c))
        }
        (Cause::DriftAndPendingChange, _) => {
            format!("drift ({}) and a pending configuration change", reason(c))
        }
        (Cause::Drift, _) => format!("drift: {}", reason(c)),
        (Cause::PendingChange, _) => "pending configuration change".to_string(),
    }
}

/// What `drift` says: per resource, whether the difference is drift (changed outside
/// socialform), a configuration change not applied yet, or both, and which fields differ
/// (the live value first, the configuration's second).
/// `config_changed[i]` tells whether change `i` is asked for by the configuration.
pub fn drift(plan: &Plan, config_changed: &[bool], color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    if plan.changes.is_empty() {
        let _ = writeln!(
            out,
            "No drift: workspace `{}` matches the configuration.",
            esc(&plan.workspace)
        );
        return out;
    }
    let drifted = plan.changes.iter().filter(|c| c.drift).count();
    let _ = writeln!(
        out,
        "Workspace `{}`: {} resource(s) differ from the configuration, {drifted} of them changed outside socialform.",
        esc(&plan.workspace),
        plan.changes.len()
    );
    let _ = writeln!(
        out,
        "{}",
        style.dim("Each field shows the live value, then the configuration's.")
    );
    for (i, c) in plan.changes.iter().enumerate() {
        let cause = cause_words(c, changed_at(config_changed, i));
        let cause = if c.drift { style.yellow(&cause) } else { cause };
        let _ = writeln!(
            out,
            "\n  {} {}",
            style.bold(&esc(&c.address)),
            style.dim(&format!("({cause})"))
        );
        for f in shown_fields(c) {
            fields::field(&mut out, &style, 6, f, c.action);
        }
    }
    out
}

#[cfg(test)]
mod tests;
