//! `socialform snippet`: the embed code of a live chat profile.

use std::path::PathBuf;

use socialform::diagnostics::suggest;
use socialform::tools::snippet::{self, SnippetError};

use super::import::{ReadOptions, load_checked, read_platform};
use super::{Color, Error, Outcome};

/// Print the embed code (an HTML <script>) of a live chat profile.
///
/// The code names the profile's live platform id, so the profile must have been applied
/// (`socialform apply`). Its allowed domains, as live, are listed in a comment; paste the
/// code into the pages of those sites.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The live chat profile's id.
    profile_id: String,
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    common: ReadOptions,
}

/// The prose of a snippet error, with a did-you-mean.
pub(super) fn describe(e: &SnippetError) -> String {
    match e {
        SnippetError::NotLiveChat {
            id,
            channel,
            live_chat,
        } => {
            let what = match channel {
                Some(c) => format!("`{id}` is a {c} profile, not a live chat profile"),
                None => format!("no profile `{id}` is declared or live"),
            };
            let hint = match suggest::closest(id, live_chat.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if live_chat.is_empty() => {
                    "declare one with `channel = \"live_chat\"` and apply it".to_string()
                }
                None => format!("live chat profiles: {}", live_chat.join(", ")),
            };
            format!("{what}; {hint}")
        }
        SnippetError::NotApplied(id) => format!(
            "live chat profile `{id}` is not on the platform yet, so it has no platform id: run `socialform apply` first"
        ),
    }
}

/// Runs `snippet`.
pub fn cmd_snippet(args: Args, color: Color) -> Result<Outcome, Error> {
    let valid = match load_checked(&args.path, &args.common, color)? {
        Ok(l) => l,
        Err(outcome) => return Ok(outcome),
    };
    let live = read_platform(&valid, &args.common)?;
    let s = snippet::snippet(valid.config(), &live, &args.profile_id)?;
    if s.domains_pending {
        errln!(
            "warning: the configuration sets other allowed_domains for `{}` than the platform has; the snippet lists the live ones until `socialform apply`",
            socialform::diagnostics::text::escape(&s.profile)
        );
    }
    out!("{}", snippet::render(&s));
    Ok(Outcome::Success)
}
