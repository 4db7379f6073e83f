//! The platform a configuration is written for: it decides which rules apply
//! (config.md, "Targets").

use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Where a configuration's resources live, and so whose rules they follow.
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
    /// Meta's Graph API, directly (`src/backend/meta/`)
    Meta,
}

impl Target {
    /// The spelling of `[backend] kind`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the target is the care platform (`sandbox` or `http`), whose own rules
    /// apply on top of the networks'.
    pub fn is_platform(self) -> bool {
        matches!(self, Target::Sandbox | Target::Http)
    }
}

/// Meta's Graph API (`[backend] api_url` when not given).
pub const META_API_URL: &str = "https://graph.facebook.com";

/// The Graph API version used unless the configuration names one (`[backend]
/// api_version`): v26.0, released on 29 July 2026 (Graph API changelog).
pub const META_API_VERSION: &str = "v26.0";

/// The environment variable holding the token of Meta accounts without their own
/// (`[backend] token_env` when not given, on meta).
pub const META_TOKEN_ENV: &str = "META_TOKEN";

/// The environment variable holding the care platform's token over HTTP.
pub const HTTP_TOKEN_ENV: &str = "SOCIALFORM_TOKEN";
