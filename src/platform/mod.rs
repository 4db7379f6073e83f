//! The platform, written once: what the embedded sandbox ([`crate::backend::sandbox`]) and
//! `socialform serve` ([`crate::server`]) both are. It holds, per workspace, the catalog
//! ([`catalog`]: read from its file, reconciled with the stored state at every start), the
//! stored resources with their versions, `managed_by` marks and applied hashes, the rules
//! every write must pass ([`check_write`]: the platform's own checks, then the same rules
//! as `validate`, [`rules::check`]), and one store on SQLite ([`store`]).
//!
//! Layer: above `model`, `catalog` and `rules`, below `backend` and `server`; it never
//! imports either of them (their errors are made from [`Rejection`] there).

pub mod catalog;
pub mod rules;
pub mod store;

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::model::{Address, Kind, MANAGER, PLATFORM_FIELDS, Resource};
use crate::model::{LiveResource, Write, WriteOp};
pub use catalog::Indexed;

/// Why the platform refused a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// bound profiles exist as long as their account is connected
    #[error(
        "a profile of a connected account cannot be created: connect the account on the platform"
    )]
    CreateBound,
    /// bound profiles exist as long as their account is connected
    #[error("a profile of a connected account cannot be deleted")]
    DeleteBound,
    /// platform attributes exist for every workspace
    #[error("a platform contact attribute cannot be created or deleted")]
    PlatformAttribute,
    /// the account is not connected
    #[error("account `{0}` is not connected to the workspace")]
    AccountNotConnected(String),
    /// a flow that does not exist
    #[error("flow `{0}` does not exist")]
    UnknownFlow(String),
    /// a rule of the configuration format the resource breaks: the same rule, with the
    /// same diagnostic code, as `validate` applies to a configuration
    #[error("rule {code}: {message}")]
    Rule {
        /// the diagnostic code (`limits::too_long`)
        code: String,
        /// what the rule says
        message: String,
    },
}

impl Refusal {
    /// A refusal by the rule of diagnostic code `code`.
    pub fn rule(code: crate::diagnostics::Code, message: impl Into<String>) -> Refusal {
        Refusal::Rule {
            code: code.as_str().to_string(),
            message: message.into(),
        }
    }
}

/// Why a write was not done, as the platform says it (the backends and the server turn it
/// into their own errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// the resource changed since it was read
    #[error(
        "`{address}` changed on the platform since it was read (expected version {expected}, found {found})"
    )]
    Conflict {
        /// the resource
        address: String,
        /// the version the write was based on
        expected: u64,
        /// the live version
        found: u64,
    },
    /// the resource does not exist
    #[error("`{0}` does not exist on the platform")]
    NotFound(String),
    /// the resource exists already
    #[error("`{0}` already exists on the platform")]
    AlreadyExists(String),
    /// the platform refused the write
    #[error("the platform refused `{address}`: {reason}")]
    Refused {
        /// the resource
        address: String,
        /// why
        reason: Refusal,
    },
}

/// The resources of a new platform account: the profiles of its connected accounts and
/// its platform contact attributes, none of them managed, numbered from version 1; and
/// the last version handed out.
pub fn initial(catalog: &Catalog) -> (u64, Vec<LiveResource>) {
    let mut out = Vec::new();
    let mut revision = 0;
    for a in &catalog.accounts {
        revision += 1;
        out.push(LiveResource {
            resource: account_profile(a),
            version: revision,
            managed_by: None,
            applied_hash: None,
            applied_by: None,
        });
    }
    for name in &catalog.platform_attributes {
        revision += 1;
        out.push(LiveResource {
            resource: platform_attribute(name),
            version: revision,
            managed_by: None,
            applied_hash: None,
            applied_by: None,
        });
    }
    (revision, out)
}

/// The profile the platform makes for a connected account, named after it.
pub fn account_profile(a: &crate::catalog::Account) -> Resource {
    let mut fields = IndexMap::new();
    fields.insert("channel".to_string(), json!(a.channel));
    fields.insert("account".to_string(), json!(a.account));
    fields.insert("display_name".to_string(), json!(a.display_name));
    let id = crate::model::id::from_name(&format!(
        "{}_{}",
        a.channel,
        a.account.trim_start_matches('@')
    ));
    Resource::at(&Address::profile(&id), fields)
}

/// The contact attribute the platform fills from channel metadata.
pub fn platform_attribute(name: &str) -> Resource {
    let mut fields = IndexMap::new();
    fields.insert("platform".to_string(), json!(true));
    fields.insert("enabled".to_string(), json!(true));
    Resource::at(&Address::id(Kind::ContactAttribute, name), fields)
}

/// Refuses a write that names a flow the catalog does not hold, under any key that is a
/// flow field of some channel ([`crate::model::channel::flow_keys`]), wherever it is.
fn check_flows(catalog: &Indexed, address: &str, value: &Value) -> Result<(), Rejection> {
    static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(crate::model::channel::flow_keys);
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if let (true, Some(flow)) = (keys.contains(&k.as_str()), v.as_str())
                    && !catalog.has_flow(flow)
                {
                    return Err(Rejection::Refused {
                        address: address.to_string(),
                        reason: Refusal::UnknownFlow(flow.to_string()),
                    });
                }
                check_flows(catalog, address, v)?;
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|v| check_flows(catalog, address, v)),
        _ => Ok(()),
    }
}

/// What a write is checked against besides the catalog: the live resource under its key,
/// and the live groups (a group write must not close a cycle).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// the live resource under the write's key, if any
    pub live: Option<&'a LiveResource>,
    /// every live group, for the group rules (empty for other kinds)
    pub groups: &'a [Resource],
}

/// The platform's rules for one write, shared by the sandbox and `socialform serve`:
/// given the catalog and the context, either the resource as stored after the write, with
/// `version` as its new version (`None` for a delete), or why the platform refuses it
/// (exists already, not found, a moved version, a refusal). A created or updated resource
/// must also pass the configuration's rules ([`rules::check`]).
pub fn check_write(
    catalog: &Indexed,
    ctx: Context<'_>,
    w: &Write,
    version: u64,
) -> Result<Option<LiveResource>, Rejection> {
    let live = ctx.live;
    let address = w.resource.address.clone();
    let refused = |reason| Rejection::Refused {
        address: address.clone(),
        reason,
    };
    let check_version = |live: &LiveResource| match w.expected_version {
        Some(v) if v != live.version => Err(Rejection::Conflict {
            address: address.clone(),
            expected: v,
            found: live.version,
        }),
        _ => Ok(()),
    };
    let check_fields = || -> Result<(), Rejection> {
        rules::check_address(&w.resource).map_err(refused)?;
        let all = Value::Object(w.resource.fields.clone().into_iter().collect());
        check_flows(catalog, &address, &all)?;
        rules::check(&w.resource, ctx.groups).map_err(refused)
    };
    match w.op {
        WriteOp::Create => {
            if live.is_some() {
                return Err(Rejection::AlreadyExists(address));
            }
            if w.resource.bound_channel().is_some() {
                return Err(refused(Refusal::CreateBound));
            }
            if w.resource.kind == Kind::ContactAttribute && !w.resource.fields.contains_key("type")
            {
                return Err(refused(Refusal::PlatformAttribute));
            }
            check_fields()?;
            let mut resource = w.resource.clone();
            resource
                .fields
                .retain(|k, _| !PLATFORM_FIELDS.contains(&k.as_str()));
            Ok(Some(LiveResource {
                resource,
                version,
                managed_by: Some(MANAGER.to_string()),
                applied_hash: w.applied_hash.clone(),
                applied_by: w.applied_by.clone(),
            }))
        }
        WriteOp::Update => {
            let Some(live) = live else {
                return Err(Rejection::NotFound(address));
            };
            check_version(live)?;
            if let Some(channel) = w.resource.bound_channel() {
                let account = w
                    .resource
                    .fields
                    .get("account")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !catalog.has_account(channel, account) {
                    return Err(refused(Refusal::AccountNotConnected(account.to_string())));
                }
            }
            check_fields()?;
            // Platform-owned fields stay what the platform says.
            let mut fields: IndexMap<String, Value> = live
                .resource
                .fields
                .iter()
                .filter(|(k, _)| PLATFORM_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            fields.extend(
                w.resource
                    .fields
                    .iter()
                    .filter(|(k, _)| !PLATFORM_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            Ok(Some(LiveResource {
                resource: Resource::new(w.resource.address.clone(), w.resource.kind, fields),
                version,
                managed_by: Some(MANAGER.to_string()),
                applied_hash: w.applied_hash.clone(),
                applied_by: w.applied_by.clone(),
            }))
        }
        WriteOp::Delete => {
            let Some(live) = live else {
                return Err(Rejection::NotFound(address));
            };
            check_version(live)?;
            if live.resource.bound_channel().is_some() {
                return Err(refused(Refusal::DeleteBound));
            }
            if live.resource.is_platform_owned() {
                return Err(refused(Refusal::PlatformAttribute));
            }
            Ok(None)
        }
    }
}
