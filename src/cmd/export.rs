//! `socialform export`: live platform data as a file, for people outside the repository.

use std::path::PathBuf;

use socialform::tools::export;

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
    /// File format. Default: from the extension of --out (`.xlsx`, `.csv`), else csv.
    #[arg(long, value_enum)]
    format: Option<ExportFormat>,
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

/// The format named by a file's extension, if it names one.
fn format_of(path: &std::path::Path) -> Option<ExportFormat> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" => Some(ExportFormat::Xlsx),
        "csv" => Some(ExportFormat::Csv),
        _ => None,
    }
}

/// The format to write: `--format`, else the extension of `--out`, else CSV; a format
/// that contradicts the extension is a usage error.
fn choose_format(
    format: Option<ExportFormat>,
    out: Option<&std::path::Path>,
) -> Result<ExportFormat, Error> {
    let by_name = out.and_then(format_of);
    match (format, by_name) {
        (Some(f), Some(n)) if f != n => {
            let name = |f: ExportFormat| match f {
                ExportFormat::Csv => "csv",
                ExportFormat::Xlsx => "xlsx",
            };
            Err(Error::Usage(format!(
                "`--out {}` names a {} file but `--format {}` was given: drop --format, or name the file `.{}`",
                out.map(|p| p.display().to_string()).unwrap_or_default(),
                name(n),
                name(f),
                name(f)
            )))
        }
        (Some(f), _) => Ok(f),
        (None, Some(n)) => Ok(n),
        (None, None) => Ok(ExportFormat::Csv),
    }
}

fn groups(args: GroupsArgs, color: Color) -> Result<Outcome, Error> {
    let format = choose_format(args.format, args.out.as_deref())?;
    if format == ExportFormat::Xlsx && args.out.is_none() {
        return Err(Error::Usage(
            "an xlsx export needs --out FILE: a workbook is not written to standard output"
                .to_string(),
        ));
    }
    let valid = match load_checked(&args.path, &args.common, color)? {
        Ok(l) => l,
        Err(outcome) => return Ok(outcome),
    };
    let live = read_platform(&valid, &args.common)?;
    let rows = export::group_rows(&live);
    let bytes = match format {
        ExportFormat::Csv => export::csv(&rows)?,
        ExportFormat::Xlsx => export::xlsx(&rows)?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|source| Error::Write {
                path: path.display().to_string(),
                source,
            })?;
            errln!(
                "Exported {} row{} to `{}`.",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        None => super::output::stdout(&bytes),
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_format_follows_the_file_name_unless_given() {
        let f = |format, out: Option<&str>| choose_format(format, out.map(Path::new)).ok();
        assert_eq!(f(None, Some("x.xlsx")), Some(ExportFormat::Xlsx));
        assert_eq!(f(None, Some("X.XLSX")), Some(ExportFormat::Xlsx));
        assert_eq!(f(None, Some("x.csv")), Some(ExportFormat::Csv));
        assert_eq!(f(None, Some("x.txt")), Some(ExportFormat::Csv));
        assert_eq!(f(None, None), Some(ExportFormat::Csv));
        assert_eq!(
            f(Some(ExportFormat::Xlsx), Some("x")),
            Some(ExportFormat::Xlsx)
        );
        assert_eq!(
            f(Some(ExportFormat::Csv), Some("x.csv")),
            Some(ExportFormat::Csv)
        );
        assert_eq!(f(Some(ExportFormat::Csv), Some("x.xlsx")), None);
        assert_eq!(f(Some(ExportFormat::Xlsx), Some("x.csv")), None);
    }
}
