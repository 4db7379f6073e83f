//! The `socialform` command line: parse arguments, run one subcommand, map its outcome
//! to an exit code. Everything else lives in the library.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cmd::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successes; every usage error exits 1 (2 means "changes").
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cmd::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("{}", cmd::error_text(&e));
            ExitCode::from(1)
        }
    }
}
