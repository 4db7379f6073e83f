//! Subcommands, one file each, and the one place where outcomes become exit codes.

/// Writes to standard output through [`output`], like `print!`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cmd::output::stdout(format!($($arg)*).as_bytes())
    };
}

/// Writes a line to standard output through [`output`], like `println!`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::output::stdout(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}

/// Writes to standard error through [`output`], like `eprint!`.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cmd::output::stderr(format!($($arg)*).as_bytes())
    };
}

/// Writes a line to standard error through [`output`], like `eprintln!`.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cmd::output::stderr(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}

pub mod output;

mod apply;
mod drift;
mod emulate;
mod explain;
mod export;
mod import;
mod plan;
mod preview;
mod sandbox;
mod schema;
mod serve;
mod snippet;
mod validate;

use std::io::IsTerminal;

use clap::{Parser, Subcommand, ValueEnum};

/// Configuration-as-code for social customer care.
#[derive(Debug, Parser)]
#[command(name = "socialform", version, about, long_about = None)]
pub struct Cli {
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Validate(validate::Args),
    Schema(schema::Args),
    Plan(plan::Args),
    Apply(apply::Args),
    Drift(drift::Args),
    Preview(preview::Args),
    Import(import::Args),
    Export(export::Args),
    Snippet(snippet::Args),
    Explain(explain::Args),
    Serve(serve::Args),
    Emulate(emulate::Args),
    Sandbox(sandbox::Args),
}

/// How a command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// exit 0
    Success,
    /// exit 1 without an error message of its own (diagnostics already said why)
    Failed,
    /// exit 2: changes present (`plan --detailed-exitcode`, `drift`)
    Changes,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Changes => 2,
        }
    }
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    let color = Color::detect(cli.no_color);
    match cli.command {
        Command::Validate(args) => validate::cmd_validate(args, color),
        Command::Schema(args) => schema::cmd_schema(args),
        Command::Plan(args) => plan::cmd_plan(args, color),
        Command::Apply(args) => apply::cmd_apply(args, color),
        Command::Drift(args) => drift::cmd_drift(args, color),
        Command::Preview(args) => preview::cmd_preview(args, color),
        Command::Import(args) => import::cmd_import(args, color),
        Command::Export(args) => export::cmd_export(args, color),
        Command::Snippet(args) => snippet::cmd_snippet(args, color),
        Command::Explain(args) => explain::cmd_explain(args, color),
        Command::Serve(args) => serve::cmd_serve(args),
        Command::Emulate(args) => emulate::cmd_emulate(args),
        Command::Sandbox(args) => sandbox::cmd_sandbox(args, color),
    }
}

/// A failed command: what the user reads after `error:`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// the configuration could not be loaded at all
    #[error(transparent)]
    Load(#[from] socialform::config::LoadError),
    /// writing output failed
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    /// reading an input file failed
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// the platform could not be read or written
    #[error(transparent)]
    Backend(#[from] socialform::backend::BackendError),
    /// a saved plan that does not parse (where and what kind of error, never its text)
    #[error("`{path}` is not a socialform plan file: {reason}")]
    PlanFile { path: String, reason: String },
    /// a saved plan that went stale: nothing was applied
    #[error(
        "the saved plan `{path}` is stale, nothing was applied: {reason}; run `socialform plan` again"
    )]
    Stale {
        path: String,
        reason: socialform::plan::Stale,
    },
    /// too many deletions without --allow-deletes
    #[error(transparent)]
    TooManyDeletes(#[from] socialform::plan::safety::TooManyDeletes),
    /// the server could not start or failed
    #[error("serve: {0}")]
    Serve(String),
    /// the emulator could not start or failed
    #[error("emulate meta: {0}")]
    Emulate(String),
    /// no terminal to confirm on, and no --auto-approve
    #[error(
        "apply needs confirmation: pass --auto-approve, run it on a terminal, or apply a saved plan"
    )]
    NeedsApproval,
    /// the imported configuration could not be written
    #[error("{}", import::describe(.0))]
    Import(#[from] socialform::tools::import::ImportError),
    /// an export could not be produced
    #[error(transparent)]
    Export(#[from] socialform::tools::export::ExportError),
    /// no embed code for that profile
    #[error("{}", snippet::describe(.0))]
    Snippet(#[from] socialform::tools::snippet::SnippetError),
    /// the preview page could not be made
    #[error(transparent)]
    Preview(#[from] socialform::tools::preview::PreviewError),
    /// a name `explain` does not know
    #[error("{}", explain::describe(.0))]
    Explain(#[from] socialform::tools::explain::ExplainError),
    /// options that contradict each other, found after parsing
    #[error("{0}")]
    Usage(String),
}

/// The message of an error, as printed: it may quote a path, a name from the
/// configuration or a message from the platform, so control characters are escaped;
/// a message of several lines (a parser's) keeps them, indented under the first, so
/// none can pass for a line of socialform's own.
pub fn error_text(e: &Error) -> String {
    use socialform::diagnostics::text;
    let message = e.to_string();
    let escaped = text::escape_where(message.trim_end(), |c| c != '\n' && text::is_unsafe(c));
    format!("error: {}", escaped.replace('\n', "\n  "))
}

/// Whether to colour output.
#[derive(Debug, Clone, Copy)]
pub struct Color {
    pub stdout: bool,
    pub stderr: bool,
}

impl Color {
    fn detect(no_color: bool) -> Self {
        let allowed = !no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Color {
            stdout: allowed && std::io::stdout().is_terminal(),
            stderr: allowed && std::io::stderr().is_terminal(),
        }
    }
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagFormat {
    /// annotated source snippets, for people
    Human,
    /// a JSON array, for tools
    Json,
    /// GitHub Actions annotations
    Github,
}

/// Where a command's diagnostics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagTo {
    /// `validate`: the machine formats are its output (standard output); the human report
    /// goes to standard error
    Validate,
    /// every other command: standard error in every format, so that standard output holds
    /// only what the command produces (the plan, the export)
    Stderr,
}

/// The diagnostics a command shows of a loaded configuration: without the codes its
/// `[workspace] allow` and `--allow` accept, and with info notes only for `validate`.
pub fn shown(
    config: &socialform::rules::Config,
    diags: &[socialform::diagnostics::Diagnostic],
    allow: &[socialform::diagnostics::Code],
    to: DiagTo,
) -> Vec<socialform::diagnostics::Diagnostic> {
    let allowed = socialform::rules::allow::allowed(config, allow);
    socialform::diagnostics::shown(diags, &allowed, to == DiagTo::Validate)
}

/// Parses `--allow CODE`: a warning or info code (the command line is trusted, but a
/// typo should not silently allow nothing).
pub fn parse_allow(s: &str) -> Result<socialform::diagnostics::Code, String> {
    match socialform::rules::allow::refusal(s) {
        Some(why) => Err(why),
        None => {
            socialform::diagnostics::Code::parse(s).ok_or_else(|| format!("`{s}` is not a code"))
        }
    }
}

/// Renders diagnostics in the chosen format and prints them where `to` says.
pub fn print_diagnostics(
    diags: &[socialform::diagnostics::Diagnostic],
    sources: &socialform::diagnostics::Sources,
    format: DiagFormat,
    color: Color,
    to: DiagTo,
) {
    use socialform::diagnostics::{Format, render};
    let text = match format {
        DiagFormat::Human => {
            if diags.is_empty() {
                return;
            }
            let width = if color.stderr { terminal_width() } else { 100 };
            render(
                diags,
                sources,
                Format::Human {
                    color: color.stderr,
                    width,
                },
            )
        }
        DiagFormat::Json => render(diags, sources, Format::Json),
        DiagFormat::Github => render(diags, sources, Format::Github),
    };
    match (format, to) {
        (DiagFormat::Json | DiagFormat::Github, DiagTo::Validate) => {
            output::stdout(text.as_bytes())
        }
        _ => output::stderr(text.as_bytes()),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(40, 1_000)
}

/// "1 error, 2 warnings" for a summary line.
pub fn counts(diags: &[socialform::diagnostics::Diagnostic]) -> String {
    use socialform::diagnostics::Severity;
    let n = |s| diags.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut parts = vec![
        plural(n(Severity::Error), "error"),
        plural(n(Severity::Warning), "warning"),
    ];
    let infos = n(Severity::Info);
    if infos > 0 {
        parts.push(plural(infos, "note"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_escapes_controls_and_indents_continuation_lines() {
        let e = Error::Usage("bad \u{1b}[2J value\n  | here\u{7}\n".into());
        assert_eq!(
            error_text(&e),
            "error: bad \\u{1b}[2J value\n    | here\\u{7}"
        );
    }
}
