//! The platform a configuration is written for: it decides which rules apply
//! (config.md, "Targets").

use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Where a configuration's resources live, and so whose rules they follow. The `meta`
/// target (Meta's Graph API, `src/backend/meta/`) takes its place here with its issue.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Display, EnumString, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Target {
    /// the care platform, embedded: a state file standing in for it
    #[default]
    Sandbox,
    /// the care platform, over its HTTP API
    Http,
}

impl Target {
    /// The spelling of `[backend] kind`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
