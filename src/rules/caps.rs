//! socialform's own caps, where the platform states no limit: no text, list, table or key
//! of a configuration may be larger than a real one ever is. Past a cap the input is
//! reported (`limits::over_cap`); every path is linear anyway, the caps keep the work
//! and the reports of a hostile pull request small.

use crate::config::Node;
use crate::config::tree::Value;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::{Ctx, limits};

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let mut stack: Vec<&Node> = vec![ctx.input.tree];
    let mut found = Vec::new();
    while let Some(node) = stack.pop() {
        match &node.value {
            // Counting stops at the cap: a text is only read up to it.
            Value::String(s)
                if s.len() > limits::TEXT_CAP && s.chars().nth(limits::TEXT_CAP).is_some() =>
            {
                found.push(
                    Diagnostic::new(
                        Code::OverCap,
                        format!(
                            "this text is longer than {} characters, more than socialform accepts",
                            limits::TEXT_CAP
                        ),
                    )
                    .at(node.span.clone(), "too long")
                    .help("no configuration text is this long: shorten it"),
                );
            }
            Value::Array(items) => {
                if let Some(over) = items.get(limits::LIST_CAP) {
                    found.push(
                        Diagnostic::new(
                            Code::OverCap,
                            format!(
                                "this list holds {} items, more than the {} socialform accepts",
                                items.len(),
                                limits::LIST_CAP
                            ),
                        )
                        .at(over.span.clone(), format!("item {}", limits::LIST_CAP + 1))
                        .help("no configuration list is this long: split or shorten it"),
                    );
                }
                stack.extend(items.iter().rev());
            }
            Value::Table(entries) => {
                if let Some((_, over)) = entries.get_index(limits::TABLE_CAP) {
                    found.push(
                        Diagnostic::new(
                            Code::OverCap,
                            format!(
                                "this table holds {} entries, more than the {} socialform accepts",
                                entries.len(),
                                limits::TABLE_CAP
                            ),
                        )
                        .at(
                            over.key_span.clone().unwrap_or_else(|| over.span.clone()),
                            format!("entry {}", limits::TABLE_CAP + 1),
                        )
                        .help("split the workspace: no platform workspace holds this many"),
                    );
                }
                for (key, value) in entries.iter().rev() {
                    if key.len() > limits::KEY_CAP && key.chars().nth(limits::KEY_CAP).is_some() {
                        found.push(
                            Diagnostic::new(
                                Code::OverCap,
                                format!(
                                    "this key is longer than {} characters, more than socialform accepts",
                                    limits::KEY_CAP
                                ),
                            )
                            .at(
                                value.key_span.clone().unwrap_or_else(|| value.span.clone()),
                                "too long",
                            )
                            .help("no name of a configuration is this long: shorten it"),
                        );
                    }
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    for d in found {
        ctx.push(d);
    }
}
