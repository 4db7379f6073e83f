//! The live catalog: what exists on the platform that a configuration only refers to
//! (flows, connected accounts, brands, channels, bots, mailboxes, topics). The sandbox
//! reads it from its catalog file (format in config.md, "The sandbox catalog").

use serde::{Deserialize, Serialize};

/// What the platform holds that the configuration refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Flow names.
    #[serde(default)]
    pub flows: Vec<String>,
    /// Contact attributes filled from channel metadata.
    #[serde(default)]
    pub platform_attributes: Vec<String>,
    /// Connected accounts that bound profiles bind to.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Brands and their messaging channels.
    #[serde(default)]
    pub brands: Vec<Brand>,
    /// Web widget messaging channels.
    #[serde(default)]
    pub channels: Vec<MessagingChannel>,
    /// Bots.
    #[serde(default)]
    pub bots: Vec<Bot>,
    /// Mailboxes.
    #[serde(default)]
    pub mailboxes: Vec<MailboxInfo>,
    /// Topics and their connected accounts.
    #[serde(default)]
    pub topics: Vec<Topic>,
}

/// A connected account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// `x`, `facebook`, `instagram` or `whatsapp`.
    pub channel: String,
    /// The handle or numeric id, as a profile's `account` writes it.
    pub account: String,
    /// The name the platform shows.
    #[serde(default)]
    pub display_name: String,
}

/// A brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Its name.
    pub name: String,
    /// Messaging channels connected to it.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// A web widget messaging channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagingChannel {
    /// Its name.
    pub name: String,
    /// Its business-hours schedules.
    #[serde(default)]
    pub schedules: Vec<String>,
}

/// A bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bot {
    /// Its name.
    pub name: String,
    /// Messaging channels it is connected to.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Its answers.
    #[serde(default)]
    pub answers: Vec<String>,
}

/// A mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxInfo {
    /// Its name.
    pub name: String,
    /// Topics it collects.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Its smart folders.
    #[serde(default)]
    pub folders: Vec<FolderInfo>,
}

/// A smart folder of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderInfo {
    /// Its name.
    pub name: String,
    /// Whether it is a custom smart folder (only those take reply profiles).
    #[serde(default)]
    pub custom: bool,
}

/// A topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Its name.
    pub name: String,
    /// Accounts connected to it.
    #[serde(default)]
    pub accounts: Vec<String>,
}

impl Catalog {
    /// A brand by name.
    pub fn brand(&self, name: &str) -> Option<&Brand> {
        self.brands.iter().find(|b| b.name == name)
    }
    /// A messaging channel by name.
    pub fn channel(&self, name: &str) -> Option<&MessagingChannel> {
        self.channels.iter().find(|c| c.name == name)
    }
    /// A bot by name.
    pub fn bot(&self, name: &str) -> Option<&Bot> {
        self.bots.iter().find(|b| b.name == name)
    }
    /// A mailbox by name.
    pub fn mailbox(&self, name: &str) -> Option<&MailboxInfo> {
        self.mailboxes.iter().find(|m| m.name == name)
    }
    /// A topic by name.
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }
    /// Whether the flow exists.
    pub fn has_flow(&self, name: &str) -> bool {
        self.flows.iter().any(|f| f == name)
    }
}
