//! Plan renderers: text for people (colour optional, word-level diffs of long texts,
//! conditions in `when` form) and markdown for pull-request comments. JSON is
//! [`super::to_json`]. Renderers return strings; they never print.
//!
//! Everything shown comes from the configuration or the platform, so every name and
//! value goes through [`text::escape`]: no control character reaches a terminal or a
//! pull-request comment.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::{Action, Change, FieldChange, Plan};
use crate::diagnostics::text;

/// Texts longer than this many bytes (on either side) are shown before and after in
/// full rather than as a word diff: the diff costs the product of the two lengths.
pub const WORD_DIFF_MAX: usize = 2_000;

fn esc(s: &str) -> Cow<'_, str> {
    text::escape(s)
}

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

/// A value as shown: strings quoted, the rest as compact JSON, absent as `(none)`;
/// control characters escaped.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        // A string with double quotes (a `when` expression) reads best as the TOML
        // literal string the user wrote, when it can be one.
        Value::String(t) if t.contains('"') && !t.contains('\'') && !t.contains('\n') => {
            format!("'{}'", esc(t))
        }
        other => esc(&serde_json::to_string(other).unwrap_or_default()).into_owned(),
    }
}

/// Whether a field is better read as a word-level diff (and short enough to diff).
fn is_long_text(f: &FieldChange) -> bool {
    match (&f.before, &f.after) {
        (Value::String(a), Value::String(b)) => {
            (LONG_TEXT.contains(&f.path.as_str()) || a.len() > 60 || b.len() > 60)
                && a.len() <= WORD_DIFF_MAX
                && b.len() <= WORD_DIFF_MAX
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
            let text = esc(&text).into_owned();
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
    let name = style.bold(&esc(&f.path));
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
            let _ = writeln!(out, "      {}", field_line(f, c.action, &style));
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
            style.bold(&esc(&c.address)),
            style.dim(&format!("({cause})"))
        );
        for f in shown_fields(c) {
            let _ = writeln!(out, "      {}", field_line(f, c.action, &style));
        }
    }
    out
}

/// Text made inert in markdown and HTML: entities for `&`, `<`, `>`, an escaped `|` (a
/// table cell ends there), control characters escaped.
fn md_text(s: &str) -> String {
    esc(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

/// A name as inline code: in backticks when that is safe, else as `<code>` with entities
/// (a backtick would end the code span early).
fn md_code(s: &str) -> String {
    if s.contains(['`', '|', '<', '>', '&']) || s.contains(text::is_unsafe) {
        format!("<code>{}</code>", md_text(s).replace('`', "&#96;"))
    } else {
        format!("`{s}`")
    }
}

fn md_cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        other => md_text(&show(other)).replace('`', "&#96;"),
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
            "<details><summary><code>{} {}</code> {}</summary>\n",
            symbol(c.action),
            md_text(&c.address).replace('`', "&#96;"),
            notes.join(", ")
        );
        let _ = writeln!(out, "| field | before | after |\n|---|---|---|");
        for f in shown_fields(c) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md_code(&f.path),
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
            let _ = writeln!(out, "- {}", md_code(a));
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

    fn hostile_plan() -> Plan {
        let evil = "acme\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
        Plan {
            format_version: "1".into(),
            workspace: evil.into(),
            changes: vec![Change {
                address: format!("reply_profiles[\"{evil}\"]"),
                kind: crate::model::Kind::ReplyProfiles,
                action: Action::Update,
                drift: true,
                drift_reason: Some(format!("last applied by `{evil}`")),
                destructive: false,
                fields: vec![
                    FieldChange {
                        path: format!("x{evil}"),
                        before: Value::String(format!(
                            "Hello {evil} there, how are you today my friend"
                        )),
                        after: Value::String(format!(
                            "Hello {evil} friend, how are you today my friend"
                        )),
                    },
                    FieldChange {
                        path: "when".into(),
                        before: Value::Null,
                        after: Value::String(format!("device.language is \"{evil}\"")),
                    },
                    FieldChange {
                        path: "tags".into(),
                        before: serde_json::json!([evil, "\u{85}"]),
                        after: Value::Null,
                    },
                ],
            }],
            unmanaged: vec![format!("group.{evil}|`x`")],
            summary: super::super::Summary::default(),
            basis: super::super::Basis {
                config: "c".into(),
                config_hash: "h".into(),
                live: Default::default(),
            },
        }
    }

    fn assert_clean(out: &str) {
        for c in out.chars() {
            assert!(!text::is_unsafe(c) || c == '\n', "{c:?} in {out}");
        }
    }

    #[test]
    fn no_control_character_reaches_text_markdown_or_drift() {
        let plan = hostile_plan();
        let text = text(&plan, false);
        assert_clean(&text);
        assert!(text.contains("acme\\u{1b}]0;pwned\\u{7}"), "{text}");
        let md = markdown(&plan);
        assert_clean(&md);
        assert!(md.contains("<code>group.acme"), "{md}");
        assert!(!md.contains("|`x`"), "{md}");
        let drift = drift(&plan, &[false], false);
        assert_clean(&drift);
        // With colour, the only escapes are the renderer's own.
        let coloured = super::text(&plan, true);
        assert!(!coloured.contains("\u{1b}]"), "{coloured}");
        assert!(!coloured.contains("\u{7}"), "{coloured}");
    }

    #[test]
    fn texts_too_long_to_diff_are_shown_whole() {
        let a = "word ".repeat(WORD_DIFF_MAX / 5 + 1);
        let b = "other ".repeat(10);
        let f = FieldChange {
            path: "message".into(),
            before: Value::String(a.clone()),
            after: Value::String(b.clone()),
        };
        let line = field_line(&f, Action::Update, &Style { color: false });
        assert!(line.contains(" → "), "{line}");
        assert!(line.contains(a.trim_end()), "the before text in full");
        let short = FieldChange {
            path: "message".into(),
            before: Value::String("one two".into()),
            after: Value::String("one three".into()),
        };
        let line = field_line(&short, Action::Update, &Style { color: false });
        assert_eq!(line, "message: \"one [-two-]{+three+}\"");
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
