//! The configuration's rules on a stored resource: nothing `validate` would refuse can be
//! stored. A resource is turned back into the configuration it came from (one function,
//! [`as_configuration`]) and checked by the entry point `validate` uses
//! ([`crate::rules::check_loaded`]: the schema, decoding, every offline rule), so the
//! refusal names the same diagnostic code.
//!
//! A resource is checked on its own (with the live groups, for cycles): the rules that
//! need the rest of a configuration (a group member declared elsewhere, two profiles of
//! one account, a local avatar file) are the plan's business, not a write's, and are left
//! out ([`needs_the_configuration`]). Reply profiles and proactive messages are checked by
//! the platform's own rules only: their stored form is not their configuration table.

use crate::config::{Loaded, Node};
use crate::diagnostics::{Code, Severity, Sources};
use crate::model::address::Part;
use crate::model::{Address, DISPLAY_FIELDS, Kind, PLATFORM_FIELDS, Resource};

use super::Refusal;

/// The workspace name of the configuration a resource is checked in.
const WORKSPACE: &str = "platform";

/// The address is one socialform writes, of the resource's kind: a kind that does not
/// exist is what `validate` says of an unknown table (`schema::unknown_key`), an id out
/// of the id pattern what it says of such a table key (`schema::invalid_id`).
pub fn check_address(r: &Resource) -> Result<(), Refusal> {
    let Ok(address) = r.address.parse::<Address>() else {
        return Err(Refusal::rule(
            Code::UnknownKey,
            format!(
                "`{}` is not the address of a resource kind the platform knows",
                short(&r.address)
            ),
        ));
    };
    if address.kind() != r.kind {
        return Err(Refusal::rule(
            Code::InvalidValue,
            format!(
                "the address names a {}, the resource is a {}",
                address.kind(),
                r.kind
            ),
        ));
    }
    if let Part::Id(id) = address.part()
        && !crate::model::id::is_id(id)
    {
        return Err(Refusal::rule(
            Code::InvalidId,
            format!(
                "`{}` is not an id: ids match `{}`",
                short(id),
                crate::model::id::ID_PATTERN
            ),
        ));
    }
    Ok(())
}

/// The kind a write names, as JSON (`"profile"`): a kind the platform does not know is
/// what `validate` says of an unknown table (`schema::unknown_key`). `None` when it names
/// none or not as a string (the shape of the request is the caller's to judge).
pub fn check_kind(kind: &serde_json::Value) -> Result<(), Refusal> {
    match kind.as_str() {
        Some(k) if k.parse::<Kind>().is_err() => Err(Refusal::rule(
            Code::UnknownKey,
            format!("`{}` is not a resource kind the platform knows", short(k)),
        )),
        _ => Ok(()),
    }
}

/// A text of the request cut to 64 characters for a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Rules that look beyond one resource and its groups: left to the plan.
fn needs_the_configuration(code: Code) -> bool {
    matches!(
        code,
        Code::UnknownMember
            | Code::UnknownReplyProfile
            | Code::DuplicateAccount
            | Code::AvatarNotFound
            | Code::MatchingAttribute
            | Code::DuplicateOrder
            | Code::Io
            | Code::PathOutside
            | Code::NotAFile
            | Code::TooLarge
            | Code::TooManyResources
    )
}

/// The configuration table of a stored resource (its fields, without those the platform
/// owns or only displays), as a TOML value; `None` for a kind whose stored form is not
/// its table, or a value TOML cannot hold (a null: refused by the caller).
fn table_of(r: &Resource) -> Result<Option<toml::Table>, Refusal> {
    if matches!(r.kind, Kind::ReplyProfiles | Kind::ProactiveMessage) {
        return Ok(None);
    }
    let mut table = toml::Table::new();
    for (k, v) in &r.fields {
        if PLATFORM_FIELDS.contains(&k.as_str()) || DISPLAY_FIELDS.contains(&k.as_str()) {
            continue;
        }
        let value = toml::Value::try_from(v).map_err(|_| {
            Refusal::rule(
                Code::WrongType,
                format!(
                    "`{}` holds a null, which no key of the format takes",
                    short(k)
                ),
            )
        })?;
        table.insert(k.clone(), value);
    }
    Ok(Some(table))
}

/// The one conversion of stored resources back into a configuration: `[workspace]`, and
/// each resource under its kind's table and id. Resources of kinds whose stored form is
/// not their table are left out.
pub fn as_configuration<'r>(
    resources: impl IntoIterator<Item = &'r Resource>,
) -> Result<toml::Table, Refusal> {
    let mut doc = toml::Table::new();
    let mut ws = toml::Table::new();
    ws.insert("name".into(), toml::Value::String(WORKSPACE.into()));
    doc.insert("workspace".into(), toml::Value::Table(ws));
    for r in resources {
        let Some(table) = table_of(r)? else {
            continue;
        };
        let Ok(address) = r.address.parse::<Address>() else {
            continue;
        };
        let key = r.kind.spec().namespace.key();
        match address.part() {
            Part::Id(id) => {
                let entry = doc
                    .entry(key)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = entry {
                    t.insert(id.clone(), toml::Value::Table(table));
                }
            }
            Part::None => {
                doc.insert(key.into(), toml::Value::Table(table));
            }
            Part::Mailbox { .. } => {}
        }
    }
    Ok(doc)
}

/// Checks a resource about to be stored by the configuration's rules, with `groups` (the
/// live groups; the resource replaces the one at its address) when it is a group. The
/// first error is the refusal.
pub fn check(r: &Resource, groups: &[Resource]) -> Result<(), Refusal> {
    if matches!(r.kind, Kind::ReplyProfiles | Kind::ProactiveMessage) {
        return Ok(());
    }
    let others = groups
        .iter()
        .filter(|g| r.kind == Kind::Group && g.address != r.address);
    let doc = as_configuration(others.chain(std::iter::once(r)))?;
    let text =
        toml::to_string(&doc).map_err(|e| Refusal::rule(Code::SchemaOther, e.to_string()))?;
    let mut sources = Sources::default();
    let file = sources.add("platform.toml".into(), "platform.toml".into(), text.clone());
    let Ok(tree) = Node::parse(file, &text) else {
        return Err(Refusal::rule(
            Code::TomlSyntax,
            "the resource cannot be written as TOML",
        ));
    };
    let loaded = Loaded {
        // No local file is read: the rules that would read one are left out.
        dir: std::path::PathBuf::from("/nonexistent/socialform-platform"),
        sources,
        tree,
        parsed: true,
        diagnostics: Vec::new(),
    };
    let checked = crate::rules::check_loaded(&loaded);
    match checked
        .diagnostics
        .into_iter()
        .find(|d| d.severity == Severity::Error && !needs_the_configuration(d.code))
    {
        Some(d) => Err(Refusal::Rule {
            code: d.code.as_str().to_string(),
            message: d.message,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use serde_json::json;

    fn resource(address: &str, kind: Kind, fields: serde_json::Value) -> Resource {
        let fields: IndexMap<String, serde_json::Value> = serde_json::from_value(fields).unwrap();
        Resource::new(address, kind, fields)
    }

    fn code(r: Result<(), Refusal>) -> String {
        match r {
            Err(Refusal::Rule { code, .. }) => code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_profile_passes_and_an_over_limit_greeting_is_refused() {
        let ok = resource(
            "profile.fb",
            Kind::Profile,
            json!({"channel": "facebook", "account": "123", "greeting": "Hi"}),
        );
        check(&ok, &[]).unwrap();
        let long = resource(
            "profile.fb",
            Kind::Profile,
            json!({"channel": "facebook", "account": "123", "greeting": "x".repeat(200)}),
        );
        assert_eq!(code(check(&long, &[])), "limits::too_long");
    }

    #[test]
    fn a_group_that_closes_a_cycle_is_refused() {
        let a = resource(
            "group.a",
            Kind::Group,
            json!({"name": "a", "profiles": [], "groups": ["b"]}),
        );
        let b = resource(
            "group.b",
            Kind::Group,
            json!({"name": "b", "profiles": [], "groups": ["a"]}),
        );
        check(&b, &[]).unwrap();
        assert_eq!(code(check(&b, std::slice::from_ref(&a))), "groups::cycle");
    }

    #[test]
    fn addresses_are_checked() {
        let bad = resource(
            "profile.Bad-Id",
            Kind::Profile,
            json!({"channel": "live_chat"}),
        );
        assert_eq!(code(check_address(&bad)), "schema::invalid_id");
        let unknown = resource("bogus.x", Kind::Profile, json!({}));
        assert_eq!(code(check_address(&unknown)), "schema::unknown_key");
    }
}
