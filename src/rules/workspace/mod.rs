//! `[workspace]` and `[backend]`: which workspace a configuration manages and where its
//! live state is read and written, and their rules (keys of the chosen kind, the
//! sandbox's files inside the configuration directory). They map to no resource.

pub mod cfg;
pub(super) mod rules;

pub use cfg::{BackendKind, BackendTable, Workspace};
pub(crate) use rules::path_problem;
