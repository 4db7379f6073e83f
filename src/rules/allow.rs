//! `[workspace] allow`: the warning and info codes a configuration accepts. Each entry
//! must name a code that exists and that is not an error: an error cannot be allowed.

use std::collections::HashSet;

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, Severity, text};
use crate::rules::Config;
use crate::rules::Ctx;

/// The codes that may be allowed: every warning and info code, in documentation order.
pub fn allowable() -> impl Iterator<Item = Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|c| c.severity() != Severity::Error)
}

/// The schema's description of `allow`, with the codes it may hold (so an editor shows
/// them), generated from the code registry.
pub fn schema_description() -> String {
    let codes: Vec<String> = allowable().map(|c| format!("`{}`", c.as_str())).collect();
    format!(
        "Warning and info codes this configuration accepts: they are not printed and do not fail `--deny-warnings`. Error codes cannot be allowed. `--allow CODE` on the command line does the same for one run. Codes that may be allowed: {}.",
        codes.join(", ")
    )
}

/// Why a code cannot be allowed, in words for a message.
pub fn refusal(code: &str) -> Option<String> {
    match Code::parse(code) {
        Some(c) if c.severity() == Severity::Error => Some(format!(
            "`{code}` is an error code; only warnings and notes can be allowed"
        )),
        Some(_) => None,
        None => {
            let mut msg = format!("`{}` is not a diagnostic code", text::clip(code));
            let names: Vec<&str> = allowable().map(Code::as_str).collect();
            if let Some(s) = crate::diagnostics::suggest::closest(code, names.iter().copied()) {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            Some(msg)
        }
    }
}

/// The codes a configuration allows, with those allowed on the command line; entries
/// that name no allowable code are left out (the rules report them).
pub fn allowed(config: &Config, extra: &[Code]) -> HashSet<Code> {
    config
        .workspace
        .allow
        .iter()
        .filter_map(|c| Code::parse(c))
        .chain(extra.iter().copied())
        .filter(|c| c.severity() != Severity::Error)
        .collect()
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let entries = &ctx.config().workspace.allow;
    let at = DocPath::keys(["workspace", "allow"]);
    for (i, entry) in entries.iter().enumerate() {
        let span = ctx.span(&at.idx(i));
        let d = match Code::parse(entry) {
            Some(c) if c.severity() == Severity::Error => Diagnostic::new(
                Code::AllowError,
                format!("`{entry}` is an error code: errors cannot be allowed"),
            )
            .at(span, "an error code")
            .help("fix what it reports instead; only warning and info codes can be allowed"),
            Some(_) => continue,
            None => {
                let d = Diagnostic::new(
                    Code::AllowUnknown,
                    format!("`{}` is not a diagnostic code", text::clip(entry)),
                )
                .at(span, "unknown code");
                let names: Vec<&str> = allowable().map(Code::as_str).collect();
                match ctx.suggest.closest(entry, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(
                        "the codes are listed in docs/diagnostics.md; only warning and info codes can be allowed",
                    ),
                }
            }
        };
        ctx.push(d);
    }
}
