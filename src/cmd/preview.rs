//! `socialform preview`: writes the page that shows what customers will see.

use std::path::{Path, PathBuf};

use super::{Color, DiagFormat, DiagTo, Error, Outcome, counts, print_diagnostics};

/// Where the page goes, below the configuration directory, without `--out`.
const DEFAULT_OUT: &str = ".socialform/preview";

/// Write a static page that shows every profile as the customer sees it.
///
/// Validates PATH (errors stop it), then writes one self-contained HTML file,
/// `index.html`, that renders every profile per channel and per locale, proactive
/// messages, groups and reply profiles. The page makes no network request: styles are
/// inline, remote images are shown as their address, small local avatars are inlined.
/// With --plan, each resource the saved plan changes is shown before and after, side by
/// side, with the changed words highlighted. Prints the path of the page (and nothing
/// else) on standard output; diagnostics go to standard error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration directory or root file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Directory to write `index.html` into [default: .socialform/preview/ in the
    /// configuration directory].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A plan saved by `socialform plan --out`, to show its changes before and after.
    #[arg(long, value_name = "PLANFILE")]
    plan: Option<PathBuf>,
}

/// The default output directory: refused when a part of it below the configuration
/// directory is a symbolic link, since the configuration (and so its links) comes from
/// pull requests.
fn default_out(dir: &Path) -> Result<PathBuf, Error> {
    let mut at = dir.to_path_buf();
    for part in Path::new(DEFAULT_OUT).components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Write {
                path: at.display().to_string(),
                source: std::io::Error::other(
                    "a symbolic link in the configuration directory; pass --out DIR",
                ),
            });
        }
    }
    Ok(at)
}

/// Runs `preview`.
pub fn cmd_preview(args: Args, color: Color) -> Result<Outcome, Error> {
    let validation = socialform::pipeline::validate(socialform::pipeline::load(&args.path)?);
    // Standard output holds only the page's path: diagnostics go to stderr, for people.
    let shown = super::shown(
        validation.config(),
        &validation.diagnostics,
        &[],
        DiagTo::Stderr,
    );
    print_diagnostics(
        &shown,
        validation.sources(),
        DiagFormat::Human,
        color,
        DiagTo::Stderr,
    );
    let Ok(valid) = validation.into_valid() else {
        errln!("validate failed: {}", counts(&shown));
        return Ok(Outcome::Failed);
    };
    let plan = args
        .plan
        .as_deref()
        .map(super::apply::read_plan)
        .transpose()?;
    let catalog = match socialform::tools::preview::sandbox_catalog(valid.config(), valid.dir()) {
        Ok(c) => c,
        Err(e) => {
            errln!("warning: {e}; the page shows account ids instead of display names");
            None
        }
    };
    let source = args.path.display().to_string();
    let page = socialform::tools::preview::render(&socialform::tools::preview::Input {
        config: valid.config(),
        resources: valid.desired(),
        dir: valid.dir(),
        source: &source,
        catalog: catalog.as_ref(),
        plan: plan.as_ref(),
    })?;
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => default_out(valid.dir())?,
    };
    std::fs::create_dir_all(&out).map_err(|source| Error::Write {
        path: out.display().to_string(),
        source,
    })?;
    let file = out.join("index.html");
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Write {
            path: file.display().to_string(),
            source: std::io::Error::other("a symbolic link; refusing to write through it"),
        });
    }
    std::fs::write(&file, page).map_err(|source| Error::Write {
        path: file.display().to_string(),
        source,
    })?;
    outln!("{}", file.display());
    Ok(Outcome::Success)
}
