//! Plan renderers: text for people (colour optional, word-level diffs of long texts,
//! conditions in `when` form) and markdown for pull-request comments. JSON is
//! [`super::to_json`]. Renderers return strings; they never print.

use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::{Action, Change, FieldChange, Plan};

/// Fields whose text is long enough to be shown as a word-level diff.
const LONG_TEXT: &[&str] = &[
    "greeting",
    "bio",
    "welcome_message",
    "message",
    "about",
    "description",
    "address",
    "response.follow_up",
    "auto_response.message",
];

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
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

/// A value as shown: strings quoted, the rest as compact JSON, absent as `(none)`.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        // A string with double quotes (a `when` expression) reads best as the TOML
        // literal string the user wrote, when it can be one.
        Value::String(t) if t.contains('"') && !t.contains('\'') && !t.contains('\n') => {
            format!("'{t}'")
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Whether a field is better read as a word-level diff.
fn is_long_text(f: &FieldChange) -> bool {
    match (&f.before, &f.after) {
        (Value::String(a), Value::String(b)) => {
            LONG_TEXT.contains(&f.path.as_str()) || a.len() > 60 || b.len() > 60
        }
        _ => false,
    }
}

/// A word-level diff of two texts: removed words `[-like this-]` and added ones
/// `{+like this+}`, or in red and green with colour.
fn word_diff(before: &str, after: &str, style: &Style) -> String {
    let diff = TextDiff::from_unicode_words(before, after);
    let mut out = String::new();
    let mut run: Option<(ChangeTag, String)> = None;
    let flush = |run: &mut Option<(ChangeTag, String)>, out: &mut String| {
        if let Some((tag, text)) = run.take() {
            out.push_str(&match (tag, style.color) {
                (ChangeTag::Equal, _) => text,
                (ChangeTag::Delete, true) => style.paint("31;9", &text),
                (ChangeTag::Insert, true) => style.paint("32;4", &text),
                (ChangeTag::Delete, false) => format!("[-{text}-]"),
                (ChangeTag::Insert, false) => format!("{{+{text}+}}"),
            });
        }
    };
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        match &mut run {
            Some((t, text)) if *t == tag => text.push_str(change.value()),
            _ => {
                flush(&mut run, &mut out);
                run = Some((tag, change.value().to_string()));
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The fields of a change worth showing: conditions once, in `when` form.
fn shown_fields(c: &Change) -> Vec<&FieldChange> {
    let has_when = c.fields.iter().any(|f| f.path == "when");
    c.fields
        .iter()
        .filter(|f| !(has_when && f.path == "conditions"))
        .collect()
}

fn field_line(f: &FieldChange, action: Action, style: &Style) -> String {
    let name = style.bold(&f.path);
    match action {
        Action::Create => format!("{name} = {}", style.green(&show(&f.after))),
        Action::Delete => format!("{name} = {}", style.red(&show(&f.before))),
        _ if f.before.is_null() => {
            format!("{name}: {}", style.green(&format!("+ {}", show(&f.after))))
        }
        _ if f.after.is_null() => {
            format!("{name}: {}", style.red(&format!("- {}", show(&f.before))))
        }
        _ if is_long_text(f) => {
            let (Value::String(a), Value::String(b)) = (&f.before, &f.after) else {
                unreachable!("checked")
            };
            format!("{name}: \"{}\"", word_diff(a, b, style))
        }
        _ => format!(
            "{name}: {} → {}",
            style.red(&show(&f.before)),
            style.green(&show(&f.after))
        ),
    }
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
        style.bold(&c.address),
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
    let _ = writeln!(out, "Plan for workspace `{}`:", plan.workspace);
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNo changes: the platform matches the configuration.");
    }
    for c in &plan.changes {
        let _ = writeln!(out, "\n  {}", change_header(c, &style));
        for f in shown_fields(c) {
            let _ = writeln!(out, "      {}", field_line(f, c.action, &style));
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "\nUnmanaged (live, not in the configuration; kept unless `[workspace] prune = true`):"
        );
        for a in &plan.unmanaged {
            let _ = writeln!(out, "  {}", style.dim(a));
        }
    }
    if !plan.changes.is_empty() {
        let _ = writeln!(out, "\nPlan: {}.", summary_line(plan));
    }
    out
}

/// Why a change is drift, as recorded by the plan (older plan files have no reason).
fn reason(c: &Change) -> &str {
    c.drift_reason
        .as_deref()
        .unwrap_or("changed outside socialform since the last apply")
}

/// What `drift` says: per resource, whether the difference is drift (changed outside
/// socialform), a configuration change not applied yet, or both, and which fields differ.
/// `config_changed[i]` tells whether change `i` is asked for by the configuration.
pub fn drift(plan: &Plan, config_changed: &[bool], color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    if plan.changes.is_empty() {
        let _ = writeln!(
            out,
            "No drift: workspace `{}` matches the configuration.",
            plan.workspace
        );
        return out;
    }
    let drifted = plan.changes.iter().filter(|c| c.drift).count();
    let _ = writeln!(
        out,
        "Workspace `{}`: {} resource(s) differ from the configuration, {drifted} of them changed outside socialform.",
        plan.workspace,
        plan.changes.len()
    );
    for (c, changed) in plan.changes.iter().zip(
        config_changed
            .iter()
            .copied()
            .chain(std::iter::repeat(true)),
    ) {
        let cause = match (c.action, c.drift, changed) {
            (Action::Create, _, _) => {
                "pending configuration change: not on the platform yet".to_string()
            }
            (Action::Delete, true, _) => {
                format!("drift ({}), and removed from the configuration", reason(c))
            }
            (Action::Delete, false, _) => {
                "pending configuration change: removed from the configuration".to_string()
            }
            (_, true, true) => format!("drift ({}) and a pending configuration change", reason(c)),
            (_, true, false) => format!("drift: {}", reason(c)),
            (_, false, _) => "pending configuration change".to_string(),
        };
        let cause = if c.drift { style.yellow(&cause) } else { cause };
        let _ = writeln!(
            out,
            "\n  {} {}",
            style.bold(&c.address),
            style.dim(&format!("({cause})"))
        );
        for f in shown_fields(c) {
            let _ = writeln!(out, "      {}", field_line(f, c.action, &style));
        }
    }
    out
}

fn md_cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        other => {
            let s = show(other);
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('|', "\\|")
                .replace('\n', "<br>")
        }
    }
}

/// The plan for a pull-request comment: a summary table, then one `<details>` section
/// per resource.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### socialform plan for `{}`\n", plan.workspace);
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
            "<details><summary><code>{} {}</code> {}</summary>\n",
            symbol(c.action),
            c.address,
            notes.join(", ")
        );
        let _ = writeln!(out, "| field | before | after |\n|---|---|---|");
        for f in shown_fields(c) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                f.path,
                md_cell(&f.before),
                md_cell(&f.after)
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} unmanaged live resource(s)</summary>\n",
            plan.unmanaged.len()
        );
        for a in &plan.unmanaged {
            let _ = writeln!(out, "- `{a}`");
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_double_quotes_show_as_literal_strings() {
        assert_eq!(
            show(&Value::String(r#"visitor.page_url is "/""#.into())),
            r#"'visitor.page_url is "/"'"#
        );
        assert_eq!(show(&Value::String("plain".into())), r#""plain""#);
        assert_eq!(
            show(&Value::String(r#"it's "x""#.into())),
            r#""it's \"x\"""#
        );
    }

    #[test]
    fn word_diff_marks_words() {
        let s = Style { color: false };
        assert_eq!(
            word_diff("Hello there, how are you", "Hello friend, how are you", &s),
            "Hello [-there-]{+friend+}, how are you"
        );
    }
}
