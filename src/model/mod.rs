//! The normalised resource model: one shape (an address, a kind and an ordered map of
//! fields) for the desired side, the live side, the diff and every renderer, and the
//! descriptors of every kind and channel. It knows no configuration type: the mapping
//! from configuration to resources is each area's, under `rules/`.

pub mod address;
pub mod channel;
pub mod id;
pub mod kind;
pub mod live;
pub mod locale;
mod resource;
pub mod target;
#[cfg(test)]
pub(crate) mod testing;

pub use address::Address;
pub use channel::{Channel, ChannelSpec};
pub use kind::{Kind, KindSpec};
pub use live::{LiveResource, LiveState, Write, WriteOp};
pub use resource::{
    DISPLAY_FIELDS, MANAGER, PLATFORM_FIELDS, Resource, canonical, config_hash, config_id,
    nested_groups, sha256_hex,
};
pub use target::Target;
