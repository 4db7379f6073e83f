//! `socialform explain`: why the platform will behave as it does under a configuration.

use std::path::PathBuf;

use socialform::diagnostics::suggest;
use socialform::model::Channel;
use socialform::tools::explain::{self, ExplainError, Query};

use super::import::{ReadOptions, load_checked, read_platform};
use super::{Color, Error, Outcome};

/// Explain how the platform will behave under the configuration.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    Reply(ReplyArgs),
}

/// Which profile a reply in a mailbox (or one of its smart folders) would use, and why.
///
/// The folder's setting comes first, then the mailbox's; without one (or with
/// "default"), the platform's default rule: the profile last used on that channel, else
/// a profile mentioned in the message, else a profile connected to the mailbox's topics
/// (listed from the live catalog). Settings are read from the configuration; a setting not
/// applied yet is pointed out.
#[derive(Debug, clap::Args)]
struct ReplyArgs {
    /// The mailbox, by name.
    #[arg(long, value_name = "NAME")]
    mailbox: String,
    /// A smart folder of the mailbox, by name.
    #[arg(long, value_name = "NAME")]
    folder: Option<String>,
    #[arg(long, value_name = "CH", help = channel_help())]
    channel: String,
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    common: ReadOptions,
}

/// The help of `--channel`: every channel, by [`Channel::all`].
fn channel_help() -> String {
    let names: Vec<&str> = Channel::all().map(Channel::as_str).collect();
    match names.split_last() {
        Some((last, [])) => format!("The channel of the message: {last}."),
        Some((last, rest)) => format!("The channel of the message: {} or {last}.", rest.join(", ")),
        None => "The channel of the message.".to_string(),
    }
}

/// The prose of an explain error, with a did-you-mean.
pub(super) fn describe(e: &ExplainError) -> String {
    let (known, name, what) = match e {
        ExplainError::UnknownMailbox { name, known } => (known, name, "mailboxes"),
        ExplainError::UnknownFolder { name, known, .. } => (known, name, "smart folders"),
        ExplainError::UnknownChannel { name, known } => (known, name, "channels"),
    };
    let hint = match suggest::closest(name, known.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None if known.is_empty() => format!("there are no {what}"),
        None => format!("{what}: {}", known.join(", ")),
    };
    format!("{e}; {hint}")
}

/// Runs `explain`.
pub fn cmd_explain(args: Args, color: Color) -> Result<Outcome, Error> {
    let What::Reply(args) = args.what;
    let valid = match load_checked(&args.path, &args.common, color)? {
        Ok(l) => l,
        Err(outcome) => return Ok(outcome),
    };
    let live = read_platform(&valid, &args.common)?;
    let e = explain::explain(
        valid.config(),
        &live,
        &Query {
            mailbox: &args.mailbox,
            folder: args.folder.as_deref(),
            channel: &args.channel,
        },
    )?;
    out!("{}", explain::render(&e));
    Ok(Outcome::Success)
}
