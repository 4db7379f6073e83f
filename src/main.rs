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
    let code = match cmd::run(cli) {
        Ok(outcome) => outcome.code(),
        Err(e) => {
            cmd::output::stderr(format!("{}\n", cmd::error_text(&e)).as_bytes());
            1
        }
    };
    // A closed pipe is the reader's choice; any other failure to write the output is not.
    match cmd::output::failure() {
        Some(why) => {
            cmd::output::stderr(format!("error: cannot write standard output: {why}\n").as_bytes());
            ExitCode::from(1)
        }
        None => ExitCode::from(code),
    }
}
