//! `[messaging]`: messaging settings, their rules and their mapping to a resource.

pub mod cfg;
pub(super) mod rules;

pub use cfg::{AutoResponse, ConversationControl, Messaging, Routing};

use crate::model::{Address, Kind, Resource};
use crate::rules::{Config, fields_of};

/// The resource of the messaging settings, if the configuration has them.
pub(crate) fn resources(config: &Config, out: &mut Vec<Resource>) {
    if let Some(m) = &config.messaging {
        out.push(Resource::at(
            &Address::singleton(Kind::Messaging),
            fields_of(m),
        ));
    }
}
