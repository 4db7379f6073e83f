//! The catalog of a workspace: read from its file (config.md, "The sandbox catalog") at
//! every start of the sandbox and of `serve`, and reconciled with the stored state. What
//! the catalog adds (a connected account, a platform attribute) is created; what it no
//! longer lists is kept and reported ([`Orphan`]), never silently dropped. Flows,
//! brands, channels and the rest are read from the catalog itself by the live checks, so
//! an entry added there is seen at the next plan.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::config::files::{self, FileError};
use crate::model::{Kind, LiveResource};

use super::store::Reconciled;

/// A catalog with its accounts and flows indexed, so that a write's checks look them up
/// rather than scan the catalog (a catalog may list thousands of accounts). It reads as
/// the catalog itself.
#[derive(Debug, Clone, Default)]
pub struct Indexed {
    catalog: Catalog,
    accounts: std::collections::HashSet<(String, String)>,
    flows: std::collections::HashSet<String>,
}

impl Indexed {
    /// Indexes `catalog`.
    pub fn new(catalog: Catalog) -> Indexed {
        Indexed {
            accounts: account_set(&catalog),
            flows: catalog.flows.iter().cloned().collect(),
            catalog,
        }
    }
    /// Whether the account of `channel` is connected.
    pub fn has_account(&self, channel: &str, account: &str) -> bool {
        self.accounts
            .contains(&(channel.to_string(), account.to_string()))
    }
    /// Whether the flow exists.
    pub fn has_flow(&self, name: &str) -> bool {
        self.flows.contains(name)
    }
    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

impl std::ops::Deref for Indexed {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.catalog
    }
}

fn account_set(catalog: &Catalog) -> std::collections::HashSet<(String, String)> {
    catalog
        .accounts
        .iter()
        .map(|a| (a.channel.clone(), a.account.clone()))
        .collect()
}

/// Why a catalog file could not be used (where and what kind of error, never the file's
/// text: the catalog is not a configuration file).
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// the file is missing
    #[error("the catalog `{}` does not exist", .0.display())]
    Missing(PathBuf),
    /// the file does not parse
    #[error("the catalog `{}` is invalid: {kind} at line {line}, column {column}", .path.display())]
    Invalid {
        /// the file
        path: PathBuf,
        /// 1-based line of the error
        line: usize,
        /// 1-based column of the error
        column: usize,
        /// what kind of error (never a quote of the file)
        kind: &'static str,
    },
    /// not a regular file, or too large
    #[error("cannot use `{}`: {reason}", .path.display())]
    File {
        /// the file
        path: PathBuf,
        /// why
        reason: FileError,
    },
    /// the file could not be read
    #[error("cannot access `{}`: {source}", .path.display())]
    Io {
        /// the file
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// What kind of catalog error, in words that never quote the file. `toml`'s own messages
/// quote the offending line (and serde's name the value), so only their kind is kept.
fn error_kind(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "a key the catalog format does not define"
    } else if message.starts_with("missing field") {
        "a required key is missing"
    } else if message.starts_with("invalid type") {
        "a value of the wrong type"
    } else if message.starts_with("invalid length") {
        "a list of the wrong length"
    } else if message.starts_with("duplicate") {
        "a key defined twice"
    } else {
        "a value the catalog format does not accept"
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Reads a catalog file: a regular file of at most 8 MiB. Its errors say where and what
/// kind, never what the file holds.
pub fn read(path: &Path) -> Result<Catalog, CatalogError> {
    let text = match files::read_text(path, files::MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CatalogError::Missing(path.to_path_buf()));
        }
        Err(FileError::Io(source)) => {
            return Err(CatalogError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
        Err(reason) => {
            return Err(CatalogError::File {
                path: path.to_path_buf(),
                reason,
            });
        }
    };
    let invalid = |offset: usize, kind: &'static str| {
        let (line, column) = line_col(&text, offset);
        CatalogError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            kind,
        }
    };
    // One parse when the file is good (it is read at every run); a file that fails is
    // parsed again as plain TOML, so a syntax error is told apart from the format's.
    toml::from_str(&text).map_err(|e| {
        if let Err(syntax) = text.parse::<toml::Table>() {
            let offset = syntax.span().map_or(0, |s| s.start);
            return invalid(offset, "not valid TOML");
        }
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, error_kind(e.message()))
    })
}

/// A stored resource whose catalog entry disappeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// the resource's address
    pub address: String,
    /// what the catalog no longer lists, in words (`account `123` of facebook`)
    pub entry: String,
}

/// The resources of `live` whose catalog entry `catalog` no longer lists: profiles of an
/// account that is not connected any more, platform attributes that are not filled any
/// more.
pub fn orphans(catalog: &Catalog, live: &[LiveResource]) -> Vec<Orphan> {
    let mut out = Vec::new();
    let accounts = account_set(catalog);
    for l in live {
        let r = &l.resource;
        if let Some(channel) = r.bound_channel() {
            let account = r
                .fields
                .get("account")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            if !accounts.contains(&(channel.to_string(), account.to_string())) {
                out.push(Orphan {
                    address: r.address.clone(),
                    entry: format!("account `{account}` of {channel}"),
                });
            }
        } else if r.kind == Kind::ContactAttribute && r.is_platform_owned() {
            let name = r
                .address
                .parse::<crate::model::Address>()
                .ok()
                .and_then(|a| a.id_part().map(str::to_string))
                .unwrap_or_default();
            if !catalog.platform_attributes.contains(&name) {
                out.push(Orphan {
                    address: r.address.clone(),
                    entry: format!("platform attribute `{name}`"),
                });
            }
        }
    }
    out
}

/// The [`orphans`] as warnings (`platform::orphaned`), for the plan.
pub fn orphan_diagnostics(
    catalog: &Catalog,
    live: &[LiveResource],
) -> Vec<crate::diagnostics::Diagnostic> {
    orphans(catalog, live)
        .into_iter()
        .map(|o| {
            crate::diagnostics::Diagnostic::new(
                crate::diagnostics::Code::Orphaned,
                format!(
                    "`{}` is kept on the platform, but its catalog no longer lists {}",
                    o.address, o.entry
                ),
            )
            .help("put the entry back in the catalog, or remove the resource from the configuration and the platform")
        })
        .collect()
}

/// What the stored state lacks for `catalog`, which replaces `stored` (the catalog the
/// state was last reconciled with): the resources of the accounts and platform attributes
/// added to the catalog since (versions to be given by the store), and the orphans it
/// holds. An entry both catalogs list whose resource is gone stays gone: the platform
/// removed it, and the catalog did not change.
pub fn reconcile(stored: &Catalog, catalog: &Catalog, live: &[LiveResource]) -> Reconciled {
    let keys: std::collections::HashSet<String> = live.iter().map(|l| l.resource.key()).collect();
    let mut new = Vec::new();
    let stored_accounts = account_set(stored);
    for a in &catalog.accounts {
        let known = stored_accounts.contains(&(a.channel.clone(), a.account.clone()));
        let r = super::account_profile(a);
        if !known && !keys.contains(&r.key()) {
            new.push(unmanaged(r));
        }
    }
    for name in &catalog.platform_attributes {
        let r = super::platform_attribute(name);
        if !stored.platform_attributes.contains(name) && !keys.contains(&r.key()) {
            new.push(unmanaged(r));
        }
    }
    Reconciled {
        created: false,
        added: Vec::new(),
        new,
        orphans: orphans(catalog, live),
    }
}

fn unmanaged(resource: crate::model::Resource) -> LiveResource {
    LiveResource {
        resource,
        version: 0,
        managed_by: None,
        applied_hash: None,
        applied_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(text: &str) -> Catalog {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn added_entries_are_new_and_removed_ones_orphans() {
        let before = catalog(
            "platform_attributes = [\"email\"]\n[[accounts]]\nchannel = \"facebook\"\naccount = \"1\"\n",
        );
        let (_, live) = super::super::initial(&before);
        let after = catalog(
            "platform_attributes = [\"phone\"]\n[[accounts]]\nchannel = \"x\"\naccount = \"@acme\"\n",
        );
        let r = reconcile(&before, &after, &live);
        let new: Vec<_> = r.new.iter().map(|l| l.resource.address.as_str()).collect();
        assert_eq!(new, ["profile.x_acme", "contact_attribute.phone"]);
        let orphans: Vec<_> = r.orphans.iter().map(|o| o.address.as_str()).collect();
        assert_eq!(orphans, ["profile.facebook_1", "contact_attribute.email"]);
        assert!(reconcile(&before, &before, &live).new.is_empty());
        assert!(reconcile(&before, &before, &live).orphans.is_empty());
        // An entry of both catalogs whose resource the platform removed stays removed.
        assert!(reconcile(&before, &before, &live[1..]).new.is_empty());
    }
}
