//! `socialform schema`: the JSON Schema of the configuration, for editors, or the OpenAPI
//! document of the platform API.

use std::path::PathBuf;

use super::{Error, Outcome};

/// Print the configuration's JSON Schema (generated from the configuration types), or
/// the platform API's OpenAPI document (generated from its wire types).
///
/// Editors pick the configuration's schema up from a
/// `#:schema ./schemas/socialform.schema.json` first line.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which document: `config` (schemas/socialform.schema.json) or `openapi`
    /// (schemas/openapi.json).
    #[arg(value_enum, default_value_t = Which::Config)]
    which: Which,
    /// Write it to this file instead of standard output (its directory is created).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The documents `schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    /// the configuration's JSON Schema
    Config,
    /// the platform API's OpenAPI document
    Openapi,
}

/// Runs `schema`.
pub fn cmd_schema(args: Args) -> Result<Outcome, Error> {
    let text = match args.which {
        Which::Config => socialform::rules::schema::schema_text(),
        Which::Openapi => socialform::api::openapi::openapi_text(),
    };
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
