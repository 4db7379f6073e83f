//! `socialform schema`: the JSON Schema of the configuration, for editors.

use std::path::PathBuf;

use super::{Error, Outcome};

/// Print the configuration's JSON Schema (generated from the configuration types).
///
/// Editors pick it up from a `#:schema ./schemas/socialform.schema.json` first line.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write it to this file instead of standard output (its directory is created).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `schema`.
pub fn cmd_schema(args: Args) -> Result<Outcome, Error> {
    let text = socialform::rules::schema::schema_text();
    match args.out {
        Some(path) => {
            let write_error = |source| Error::Write {
                path: path.display().to_string(),
                source,
            };
            // `schema --out schemas/socialform.schema.json` in a fresh directory.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(write_error)?;
            }
            std::fs::write(&path, text).map_err(write_error)?
        }
        None => out!("{text}"),
    }
    Ok(Outcome::Success)
}
