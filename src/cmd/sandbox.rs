//! `socialform sandbox`: the embedded platform's state, for people and tests, now that it
//! is a database rather than a file to edit by hand: `show` what it holds, `edit` a
//! resource as the platform's own UI would (so `drift` sees it), `reset` it to its catalog.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use socialform::backend::Settings;
use socialform::backend::sandbox::Sandbox;
use socialform::model::{Kind, LiveResource, PLATFORM_FIELDS, Resource};
use socialform::pipeline;
use socialform::platform::Rejection;

use super::plan::SANDBOX_HELP;
use super::{Color, DiagFormat, DiagTo, Error, Outcome, print_diagnostics};

/// Show, edit or reset the embedded sandbox platform.
///
/// The sandbox of a configuration is the database its `[backend] path` names
/// (`.socialform/sandbox.db` by default), or the one --sandbox names. These commands work
/// on it as the platform itself would: an edit is a new version of the resource with
/// socialform's marks kept, which `drift` then reports.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print the live state: every resource, or the one at ADDRESS.
    Show {
        /// A resource address (`profile.web_chat`) or platform key (`account:x:@acme`).
        address: Option<String>,
        /// How to print it.
        #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
        format: ShowFormat,
        #[command(flatten)]
        at: At,
    },
    /// Change fields of one resource as the platform's UI would (new version, marks
    /// kept, the platform's rules checked), so that `drift` reports it.
    Edit {
        /// A resource address (`profile.web_chat`) or platform key.
        address: String,
        /// FIELD=VALUE, VALUE read as a TOML value (`true`, `3`, `["a", "b"]`,
        /// `"quoted"`), else as a string. FIELD= with nothing after it removes the field.
        #[arg(value_name = "FIELD=VALUE", required = true)]
        changes: Vec<String>,
        #[command(flatten)]
        at: At,
    },
    /// Forget everything the sandbox holds: a new platform account made from the catalog.
    Reset {
        #[command(flatten)]
        at: At,
    },
}

/// How to print the live state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ShowFormat {
    /// one block per resource, fields as TOML
    Text,
    /// the live resources as JSON (`{workspace, revision, catalog, resources}`, or one
    /// resource)
    Json,
}

/// Which sandbox: that of a configuration.
#[derive(Debug, clap::Args)]
struct At {
    /// Configuration directory or root file whose sandbox to use.
    #[arg(long = "config", short = 'c', value_name = "PATH", default_value = ".")]
    config: PathBuf,
    /// Seconds to wait for another socialform run to release the sandbox's lock.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    lock_timeout: u64,
    /// The sandbox database to use, anywhere: takes precedence over `[backend] path`.
    #[arg(long, value_name = "PATH", env = "SOCIALFORM_SANDBOX", long_help = SANDBOX_HELP)]
    sandbox: Option<PathBuf>,
}

/// Opens the sandbox of a valid configuration (diagnostics printed when it is not).
fn open(at: &At, color: Color) -> Result<Result<Sandbox, Outcome>, Error> {
    let validation = pipeline::validate(pipeline::load(&at.config)?);
    let valid = match validation.into_valid() {
        Ok(v) => v,
        Err(invalid) => {
            print_diagnostics(
                &invalid.diagnostics,
                invalid.sources(),
                DiagFormat::Human,
                color,
                DiagTo::Stderr,
            );
            errln!("the configuration does not validate: its sandbox is not opened");
            return Ok(Err(Outcome::Failed));
        }
    };
    let options = pipeline::OpenOptions {
        lock_timeout: Duration::from_secs(at.lock_timeout),
        on_retry: None,
        sandbox: at.sandbox.clone(),
    };
    let Settings::Sandbox {
        state,
        catalog,
        workspace,
        lock_timeout,
    } = pipeline::backend_settings(valid.config(), valid.dir(), &options)?
    else {
        return Err(Error::Usage(
            "the configuration's backend is not the sandbox: `socialform sandbox` works on the embedded sandbox only".to_string(),
        ));
    };
    let mut on_wait = |lock: &std::path::Path| {
        errln!(
            "waiting for another socialform run to release `{}` (up to {}s)...",
            socialform::diagnostics::text::escape(&lock.display().to_string()),
            at.lock_timeout
        )
    };
    let sandbox = Sandbox::open(&state, &catalog, &workspace, lock_timeout, &mut on_wait)?;
    super::plan::print_notices(socialform::backend::Backend::notices(&sandbox));
    Ok(Ok(sandbox))
}

/// The live resource at an address or platform key.
fn find<'l>(resources: &'l [LiveResource], address: &str) -> Option<&'l LiveResource> {
    resources
        .iter()
        .find(|l| l.resource.address == address)
        .or_else(|| resources.iter().find(|l| l.resource.key() == address))
}

fn not_found(address: &str) -> Error {
    Error::Backend(Rejection::NotFound(address.to_string()).into())
}

/// A JSON value as TOML text (`null`, which TOML cannot hold, as `null`).
fn toml_text(v: &Value) -> String {
    toml::Value::try_from(v)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| v.to_string())
}

/// One resource for people: its address, version and marks, then its fields.
fn text_of(l: &LiveResource) -> String {
    use socialform::diagnostics::text::escape;
    let r = &l.resource;
    let marks = match &l.managed_by {
        Some(by) => format!("managed by {}", escape(by)),
        None => "not managed".to_string(),
    };
    let mut out = format!(
        "{}  ({}, version {}, {marks})\n",
        escape(&r.address),
        r.kind,
        l.version
    );
    if r.key() != r.address {
        out.push_str(&format!("  # platform key: {}\n", escape(&r.key())));
    }
    for (k, v) in &r.fields {
        out.push_str(&format!("  {} = {}\n", escape(k), escape(&toml_text(v))));
    }
    out
}

/// A VALUE of the command line: a TOML value, else the text as a string.
fn parse_value(text: &str) -> Value {
    let parsed = format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"));
    match parsed {
        Some(v) => serde_json::to_value(v).unwrap_or_else(|_| Value::String(text.to_string())),
        None => Value::String(text.to_string()),
    }
}

/// `FIELD=VALUE` arguments as changes (`None`: remove the field).
fn parse_changes(args: &[String]) -> Result<Vec<(String, Option<Value>)>, Error> {
    args.iter()
        .map(|a| {
            let (field, value) = a.split_once('=').ok_or_else(|| {
                Error::Usage(format!(
                    "`{}` is not FIELD=VALUE",
                    socialform::diagnostics::text::escape(a)
                ))
            })?;
            let field = field.trim();
            if field.is_empty() {
                return Err(Error::Usage("a change needs a field name before `=`".into()));
            }
            if PLATFORM_FIELDS.contains(&field) {
                return Err(Error::Usage(format!(
                    "`{field}` belongs to the platform (it comes from the catalog): it is not edited"
                )));
            }
            let value = (!value.is_empty()).then(|| parse_value(value));
            Ok((field.to_string(), value))
        })
        .collect()
}

/// Runs `sandbox`.
pub fn cmd_sandbox(args: Args, color: Color) -> Result<Outcome, Error> {
    match args.action {
        Action::Show {
            address,
            format,
            at,
        } => {
            let sandbox = match open(&at, color)? {
                Ok(s) => s,
                Err(outcome) => return Ok(outcome),
            };
            let snapshot = sandbox.snapshot()?;
            match (&address, format) {
                (Some(a), ShowFormat::Json) => {
                    let l = find(&snapshot.resources, a).ok_or_else(|| not_found(a))?;
                    outln!("{}", serde_json::to_string_pretty(l).unwrap_or_default());
                }
                (Some(a), ShowFormat::Text) => {
                    let l = find(&snapshot.resources, a).ok_or_else(|| not_found(a))?;
                    out!("{}", text_of(l));
                }
                (None, ShowFormat::Json) => {
                    let doc = serde_json::json!({
                        "revision": snapshot.revision,
                        "catalog": snapshot.catalog,
                        "resources": snapshot.resources,
                    });
                    outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
                (None, ShowFormat::Text) => {
                    outln!(
                        "{} resources at revision {}\n",
                        snapshot.resources.len(),
                        snapshot.revision
                    );
                    for l in &snapshot.resources {
                        outln!("{}", text_of(l));
                    }
                }
            }
            Ok(Outcome::Success)
        }
        Action::Edit {
            address,
            changes,
            at,
        } => {
            let changes = parse_changes(&changes)?;
            let sandbox = match open(&at, color)? {
                Ok(s) => s,
                Err(outcome) => return Ok(outcome),
            };
            let snapshot = sandbox.snapshot()?;
            let Some(live) = find(&snapshot.resources, &address) else {
                // An address of no kind is refused by the rule `validate` applies to it.
                let named = Resource::new(address.clone(), Kind::Profile, Default::default());
                if !address.starts_with("account:")
                    && let Err(reason) = socialform::platform::rules::check_address(&named)
                {
                    return Err(Error::Backend(
                        Rejection::Refused { address, reason }.into(),
                    ));
                }
                return Err(not_found(&address));
            };
            let key = live.resource.key();
            let stored = sandbox.edit(&key, &changes)?;
            errln!(
                "edited `{}`: now version {} (as an edit on the platform: `socialform drift` reports it)",
                socialform::diagnostics::text::escape(&stored.resource.address),
                stored.version
            );
            Ok(Outcome::Success)
        }
        Action::Reset { at } => {
            let sandbox = match open(&at, color)? {
                Ok(s) => s,
                Err(outcome) => return Ok(outcome),
            };
            sandbox.reset()?;
            errln!(
                "reset `{}`: a new platform account made from its catalog",
                socialform::diagnostics::text::escape(&sandbox.path().display().to_string())
            );
            Ok(Outcome::Success)
        }
    }
}
