//! Resource addresses, built and parsed in this one place, with the spellings of
//! config.md, "Plan output": `profile.<id>`, `group.<id>`, `reply_profiles["<mailbox>"]`,
//! `reply_profiles["<mailbox>"]["<folder>"]`, `contacts`, `contact_attribute.<id>`,
//! `messaging`, `proactive_message.<id>`. The form of each kind is its
//! [`crate::model::KindSpec::shape`].

use std::fmt;
use std::str::FromStr;

use super::kind::{Kind, Shape};

/// Where a resource is: its kind and what names it within the kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    kind: Kind,
    part: Part,
}

/// What names a resource within its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// nothing: the kind has one resource ([`Shape::Singleton`])
    None,
    /// an id ([`Shape::Id`])
    Id(String),
    /// a mailbox, and perhaps one of its folders ([`Shape::Mailbox`])
    Mailbox {
        /// the mailbox's name
        mailbox: String,
        /// the folder's name
        folder: Option<String>,
    },
}

impl Address {
    /// The address of the resource `id` of a kind whose address holds an id.
    pub fn id(kind: Kind, id: &str) -> Address {
        Address {
            kind,
            part: Part::Id(id.to_string()),
        }
    }

    /// The address of the one resource of a kind.
    pub fn singleton(kind: Kind) -> Address {
        Address {
            kind,
            part: Part::None,
        }
    }

    /// The address of the reply profiles of a mailbox, or of one of its folders.
    pub fn reply_profiles(mailbox: &str, folder: Option<&str>) -> Address {
        Address {
            kind: Kind::ReplyProfiles,
            part: Part::Mailbox {
                mailbox: mailbox.to_string(),
                folder: folder.map(str::to_string),
            },
        }
    }

    /// `profile.<id>`.
    pub fn profile(id: &str) -> Address {
        Address::id(Kind::Profile, id)
    }

    /// `group.<id>`.
    pub fn group(id: &str) -> Address {
        Address::id(Kind::Group, id)
    }

    /// The kind of the resource.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// What names it within its kind.
    pub fn part(&self) -> &Part {
        &self.part
    }

    /// The id, for a kind whose address holds one.
    pub fn id_part(&self) -> Option<&str> {
        match &self.part {
            Part::Id(id) => Some(id),
            _ => None,
        }
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.as_str();
        match &self.part {
            Part::None => f.write_str(kind),
            Part::Id(id) => write!(f, "{kind}.{id}"),
            Part::Mailbox { mailbox, folder } => {
                write!(f, "{kind}[{}]", quoted(mailbox))?;
                match folder {
                    Some(folder) => write!(f, "[{}]", quoted(folder)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A text that is not the address of a resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a resource address")]
pub struct NotAnAddress;

/// One `["..."]` at the start of `s`: the string and the rest.
fn bracketed(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('[')?;
    let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    let value = de.next()?.ok()?;
    let after = rest.get(de.byte_offset()..)?.strip_prefix(']')?;
    Some((value, after))
}

impl FromStr for Address {
    type Err = NotAnAddress;

    fn from_str(s: &str) -> Result<Address, NotAnAddress> {
        for kind in Kind::all() {
            let Some(rest) = s.strip_prefix(kind.as_str()) else {
                continue;
            };
            let part = match kind.spec().shape {
                Shape::Singleton if rest.is_empty() => Part::None,
                Shape::Id => match rest.strip_prefix('.') {
                    Some(id) if !id.is_empty() => Part::Id(id.to_string()),
                    _ => continue,
                },
                Shape::Mailbox => {
                    let Some((mailbox, rest)) = bracketed(rest) else {
                        continue;
                    };
                    let folder = match rest {
                        "" => None,
                        rest => match bracketed(rest) {
                            Some((folder, "")) => Some(folder),
                            _ => continue,
                        },
                    };
                    Part::Mailbox { mailbox, folder }
                }
                Shape::Singleton => continue,
            };
            return Ok(Address { kind, part });
        }
        Err(NotAnAddress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_the_spec_round_trip() {
        for (address, text) in [
            (Address::profile("acme_fb"), "profile.acme_fb"),
            (Address::group("all"), "group.all"),
            (
                Address::reply_profiles("Customer Care", None),
                r#"reply_profiles["Customer Care"]"#,
            ),
            (
                Address::reply_profiles("Care", Some("VIP \"gold\"")),
                r#"reply_profiles["Care"]["VIP \"gold\""]"#,
            ),
            (Address::singleton(Kind::Contacts), "contacts"),
            (
                Address::id(Kind::ContactAttribute, "tier"),
                "contact_attribute.tier",
            ),
            (Address::singleton(Kind::Messaging), "messaging"),
            (
                Address::id(Kind::ProactiveMessage, "help"),
                "proactive_message.help",
            ),
        ] {
            assert_eq!(address.to_string(), text);
            assert_eq!(text.parse::<Address>(), Ok(address));
        }
    }

    #[test]
    fn other_texts_are_not_addresses() {
        for text in [
            "",
            "profile",
            "profile.",
            "contacts.x",
            "reply_profiles",
            "reply_profiles[\"a\"]x",
            "reply_profiles[\"a\"][\"b\"][\"c\"]",
            "widget.a",
        ] {
            assert_eq!(text.parse::<Address>(), Err(NotAnAddress), "{text}");
        }
    }
}
