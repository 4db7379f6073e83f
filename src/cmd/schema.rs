//! `socialform schema`: the JSON Schema of the configuration, for editors.

use std::path::PathBuf;

use super::{Error, Outcome};

/// Print the configuration's JSON Schema (generated from the configuration types).
///
/// Editors pick it up from a `#:schema ./schemas/socialform.schema.json` first line.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write it to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `schema`.
pub fn cmd_schema(args: Args) -> Result<Outcome, Error> {
    let text = socialform::config::schema::schema_text();
    match args.out {
        Some(path) => std::fs::write(&path, text).map_err(|source| Error::Write {
            path: path.display().to_string(),
            source,
        })?,
        None => print!("{text}"),
    }
    Ok(Outcome::Success)
}
