//! `socialform export`: live platform data as a file, for people outside the repository.

use std::path::PathBuf;

use socialform::export;

use super::import::{ReadOptions, load_checked, read_platform};
use super::{Color, Error, Outcome};

/// Export live platform data.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    Groups(GroupsArgs),
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// comma-separated values with a header row
    Csv,
    /// an Excel workbook (needs --out)
    Xlsx,
}

/// Export the live profile groups: one row per group and profile, nested groups expanded.
///
/// Columns: group_id, group_name, profile, profile_id, profile_display_name. Ids are the
/// platform's, read from live state: a group is known by its address (`group.social`), a
/// profile of a connected account by the account (`account:facebook:1234567890`), a live
/// chat profile by its address (`profile.web_chat`). A profile reached through a nested
/// group is listed under the outer group too. CSV goes to standard output unless --out.
#[derive(Debug, clap::Args)]
struct GroupsArgs {
    /// Configuration directory or root file whose platform is read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    format: ExportFormat,
    /// Write to this file instead of standard output (required for xlsx).
    #[arg(long, value_name = "FILE", required_if_eq("format", "xlsx"))]
    out: Option<PathBuf>,
    #[command(flatten)]
    common: ReadOptions,
}

/// Runs `export`.
pub fn cmd_export(args: Args, color: Color) -> Result<Outcome, Error> {
    match args.what {
        What::Groups(args) => groups(args, color),
    }
}

fn groups(args: GroupsArgs, color: Color) -> Result<Outcome, Error> {
    let loaded = match load_checked(&args.path, &args.common, color)? {
        Ok(l) => l,
        Err(outcome) => return Ok(outcome),
    };
    let live = read_platform(&loaded, &args.common)?;
    let rows = export::group_rows(&live);
    let bytes = match args.format {
        ExportFormat::Csv => export::csv(&rows)?,
        ExportFormat::Xlsx => export::xlsx(&rows)?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|source| Error::Write {
                path: path.display().to_string(),
                source,
            })?;
            eprintln!(
                "Exported {} row{} to `{}`.",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|source| Error::Write {
                    path: "standard output".to_string(),
                    source,
                })?;
        }
    }
    Ok(Outcome::Success)
}
