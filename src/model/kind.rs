//! The kinds of resource socialform manages, and one descriptor per kind: everything the
//! rest of the crate needs to know about a kind that is not its fields. A new kind is a
//! compile error in [`Kind::spec`] until it is described.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

// The doc comment below is the plan schema's description of `kind`. The dependency
// order is the explicit `KindSpec::rank`; a test holds the variants in that order.
/// The kinds of resource socialform manages, in dependency order: a kind may refer only
/// to kinds before it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// a messaging profile (`profile.<id>`)
    Profile,
    /// a profile group (`group.<id>`)
    Group,
    /// reply profiles of a mailbox or of one of its smart folders
    ReplyProfiles,
    /// a contact attribute (`contact_attribute.<id>`)
    ContactAttribute,
    /// workspace-wide contact settings (`contacts`)
    Contacts,
    /// messaging settings (`messaging`)
    Messaging,
    /// a proactive web message (`proactive_message.<id>`)
    ProactiveMessage,
}

/// Where the configuration declares resources of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// one table of the root: `[contacts]`
    Single(&'static str),
    /// a table of resources by id: `[profiles.<id>]`, gathered from every file
    Table(&'static str),
    /// a table by name whose entries and whose `inner` tables gather from every file:
    /// `[mailboxes."<name>"]` and `[mailboxes."<name>".folders."<folder>"]`
    Nested {
        /// the root key (`mailboxes`)
        table: &'static str,
        /// the key of the nested table (`folders`)
        inner: &'static str,
    },
}

impl Namespace {
    /// The root key of the configuration.
    pub fn key(self) -> &'static str {
        match self {
            Namespace::Single(k) | Namespace::Table(k) | Namespace::Nested { table: k, .. } => k,
        }
    }

    /// Whether the table at `path` (keys from the root) is a container whose entries may
    /// come from several files of a configuration directory.
    pub fn gathers(self, path: &[String]) -> bool {
        match (self, path) {
            (Namespace::Single(_), _) => false,
            (Namespace::Table(k), [p]) => p == k,
            (Namespace::Table(_), _) => false,
            (Namespace::Nested { table, .. }, [p] | [p, _]) => p == table,
            (Namespace::Nested { table, inner }, [p, _, i]) => p == table && i == inner,
            (Namespace::Nested { .. }, _) => false,
        }
    }
}

/// How the address of a kind is written (config.md, "Plan output").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// the kind's spelling alone: `contacts`
    Singleton,
    /// the spelling, a dot and the id: `profile.acme_fb`
    Id,
    /// the spelling and the mailbox (and folder) names as JSON strings in brackets:
    /// `reply_profiles["Customer Care"]["VIP"]`
    Mailbox,
}

/// When a live resource of a kind belongs to the platform: it is updated, never created
/// or deleted, and its platform-owned fields are never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// never: socialform creates and deletes it
    Never,
    /// when it is the profile of an account connected on the platform (a channel whose
    /// profiles bind to an account, [`crate::model::ChannelSpec::bound`])
    BoundAccount,
    /// when this field of the live resource is `true` (a platform contact attribute)
    Flag(&'static str),
}

/// A value the configuration defaults to, which `import` leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// this boolean
    Bool(bool),
    /// this string
    Str(&'static str),
    /// the resource's own id
    Id,
}

/// One default that `import` leaves out of a table it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportDefault {
    /// the key, from the resource's table (`["response", "ask_name"]`)
    pub path: &'static [&'static str],
    /// the value it defaults to
    pub value: DefaultValue,
    /// the default applies only when this key of the table is set (an attribute's label
    /// defaults to its id only for a custom attribute, one with `type`)
    pub only_with: Option<&'static str>,
}

/// Which file of an imported configuration holds a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFile {
    /// one file per channel in this folder: `profiles/<channel>.toml`
    ByChannel(&'static str),
    /// this one file
    One(&'static str),
    /// one file per resource in this folder: `proactive/<id>.toml`
    PerId(&'static str),
}

/// Everything about a kind that is not its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// the kind described
    pub kind: Kind,
    /// dependency rank: a resource may refer only to kinds of a lower rank, so changes
    /// are written in rank order and deleted in the reverse order
    pub rank: u8,
    /// where the configuration declares it
    pub namespace: Namespace,
    /// how its address is written
    pub shape: Shape,
    /// when the platform owns a live one
    pub owned: Ownership,
    /// fields whose change is a replace (a delete and a create) when both sides set them
    pub replaced_on: &'static [&'static str],
    /// what `import` leaves out as a default
    pub import_defaults: &'static [ImportDefault],
    /// which file `import` writes it to
    pub import_file: ImportFile,
}

const PROFILE: KindSpec = KindSpec {
    kind: Kind::Profile,
    rank: 0,
    namespace: Namespace::Table("profiles"),
    shape: Shape::Id,
    owned: Ownership::BoundAccount,
    replaced_on: &[],
    import_defaults: &[],
    import_file: ImportFile::ByChannel("profiles"),
};

const GROUP: KindSpec = KindSpec {
    kind: Kind::Group,
    rank: 1,
    namespace: Namespace::Table("groups"),
    shape: Shape::Id,
    owned: Ownership::Never,
    replaced_on: &[],
    import_defaults: &[ImportDefault {
        path: &["name"],
        value: DefaultValue::Id,
        only_with: None,
    }],
    import_file: ImportFile::One("groups.toml"),
};

const REPLY_PROFILES: KindSpec = KindSpec {
    kind: Kind::ReplyProfiles,
    rank: 2,
    namespace: Namespace::Nested {
        table: "mailboxes",
        inner: "folders",
    },
    shape: Shape::Mailbox,
    owned: Ownership::Never,
    replaced_on: &[],
    import_defaults: &[],
    import_file: ImportFile::One("mailboxes.toml"),
};

const CONTACT_ATTRIBUTE: KindSpec = KindSpec {
    kind: Kind::ContactAttribute,
    rank: 3,
    namespace: Namespace::Table("contact_attributes"),
    shape: Shape::Id,
    owned: Ownership::Flag("platform"),
    replaced_on: &["type"],
    import_defaults: &[ImportDefault {
        path: &["label"],
        value: DefaultValue::Id,
        only_with: Some("type"),
    }],
    import_file: ImportFile::One("contacts.toml"),
};

const CONTACTS: KindSpec = KindSpec {
    kind: Kind::Contacts,
    rank: 4,
    namespace: Namespace::Single("contacts"),
    shape: Shape::Singleton,
    owned: Ownership::Never,
    replaced_on: &[],
    import_defaults: &[],
    import_file: ImportFile::One("contacts.toml"),
};

const MESSAGING: KindSpec = KindSpec {
    kind: Kind::Messaging,
    rank: 5,
    namespace: Namespace::Single("messaging"),
    shape: Shape::Singleton,
    owned: Ownership::Never,
    replaced_on: &[],
    import_defaults: &[],
    import_file: ImportFile::One("messaging.toml"),
};

const PROACTIVE_MESSAGE: KindSpec = KindSpec {
    kind: Kind::ProactiveMessage,
    rank: 6,
    namespace: Namespace::Table("proactive_messages"),
    shape: Shape::Id,
    owned: Ownership::Never,
    replaced_on: &[],
    import_defaults: &[
        ImportDefault {
            path: &["published"],
            value: DefaultValue::Bool(true),
            only_with: None,
        },
        ImportDefault {
            path: &["send"],
            value: DefaultValue::Str("always"),
            only_with: None,
        },
        ImportDefault {
            path: &["response", "ask_name"],
            value: DefaultValue::Bool(true),
            only_with: None,
        },
        ImportDefault {
            path: &["response", "ask_email"],
            value: DefaultValue::Bool(true),
            only_with: None,
        },
    ],
    import_file: ImportFile::PerId("proactive"),
};

impl Kind {
    /// The kind's descriptor.
    pub fn spec(self) -> &'static KindSpec {
        match self {
            Kind::Profile => &PROFILE,
            Kind::Group => &GROUP,
            Kind::ReplyProfiles => &REPLY_PROFILES,
            Kind::ContactAttribute => &CONTACT_ATTRIBUTE,
            Kind::Contacts => &CONTACTS,
            Kind::Messaging => &MESSAGING,
            Kind::ProactiveMessage => &PROACTIVE_MESSAGE,
        }
    }

    /// The spelling in addresses and reports.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The dependency rank ([`KindSpec::rank`]).
    pub fn rank(self) -> u8 {
        self.spec().rank
    }

    /// Every kind, in declaration order.
    pub fn all() -> impl Iterator<Item = Kind> {
        <Kind as strum::IntoEnumIterator>::iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_describes_its_own_kind_with_a_distinct_rank_and_namespace() {
        let mut ranks = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        for kind in Kind::all() {
            let spec = kind.spec();
            assert_eq!(spec.kind, kind);
            assert!(ranks.insert(spec.rank), "{kind}: rank {} twice", spec.rank);
            assert!(keys.insert(spec.namespace.key()), "{kind}: namespace twice");
        }
    }

    #[test]
    fn ranks_keep_the_dependency_order_of_before() {
        // Profiles before the groups and reply profiles naming them, attributes before
        // the contact settings ordering them.
        let order: Vec<Kind> = {
            let mut k: Vec<Kind> = Kind::all().collect();
            k.sort_by_key(|k| k.rank());
            k
        };
        assert_eq!(order, Kind::all().collect::<Vec<_>>());
    }

    #[test]
    fn namespaces_that_gather_entries_from_several_files() {
        let p = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let gathers = |path: &[&str]| Kind::all().any(|k| k.spec().namespace.gathers(&p(path)));
        assert!(gathers(&["profiles"]));
        assert!(gathers(&["mailboxes", "Care", "folders"]));
        assert!(gathers(&["mailboxes", "Care"]));
        assert!(!gathers(&["profiles", "acme"]));
        assert!(!gathers(&["contacts"]));
        assert!(!gathers(&["mailboxes", "Care", "reply_profiles"]));
    }
}
