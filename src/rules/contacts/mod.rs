//! `[contacts]` and `[contact_attributes.<id>]`: contact settings and attributes, their
//! rules, live checks and mapping to resources.

pub mod cfg;
pub(crate) mod live;
pub(super) mod rules;

use serde_json::json;

pub use cfg::{AttributeType, ContactAttribute, Contacts};

use crate::model::{Address, Kind, Resource};
use crate::rules::{Config, fields_of};

/// The resources the contact attributes ask for: a custom attribute's label defaults to
/// its id, written out so the platform shows what the user expects.
pub(crate) fn attributes(config: &Config, out: &mut Vec<Resource>) {
    for (id, a) in &config.contact_attributes {
        let mut fields = fields_of(a);
        if a.kind.is_some() && a.label.is_none() {
            fields.shift_insert(0, "label".to_string(), json!(id));
        }
        out.push(Resource::at(
            &Address::id(Kind::ContactAttribute, id),
            fields,
        ));
    }
}

/// The resource of the contact settings, if the configuration has them.
pub(crate) fn settings(config: &Config, out: &mut Vec<Resource>) {
    if let Some(c) = &config.contacts {
        out.push(Resource::at(
            &Address::singleton(Kind::Contacts),
            fields_of(c),
        ));
    }
}
