//! `socialform explain reply`: which profile a reply in a mailbox (or one of its smart
//! folders) on a channel would use, and why. The folder's setting comes first, then the
//! mailbox's; without one (or with `"default"`) the platform's default rule applies: the
//! profile last used on that channel, else a profile mentioned in the message, else a
//! profile connected to the mailbox's topics. The settings are the configuration's; the
//! mailboxes, folders, topics and accounts are the live catalog's. Nothing here prints.

use serde_json::Value;

use crate::model::Address;
use crate::model::Channel;
use crate::model::LiveState;
use crate::rules::{Config, Profile};

/// What to explain.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// the mailbox's name
    pub mailbox: &'a str,
    /// a smart folder of the mailbox
    pub folder: Option<&'a str>,
    /// the channel, as configuration spells it (`facebook`, `live_chat`, ...)
    pub channel: &'a str,
}

/// A name that does not exist, with the names that do (the CLI suggests the closest).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// no such mailbox on the platform
    #[error("mailbox `{name}` does not exist on the platform")]
    UnknownMailbox {
        /// the name asked for
        name: String,
        /// the mailboxes that exist
        known: Vec<String>,
    },
    /// no such smart folder in the mailbox
    #[error("mailbox `{mailbox}` has no smart folder `{name}`")]
    UnknownFolder {
        /// the mailbox
        mailbox: String,
        /// the name asked for
        name: String,
        /// the folders it has
        known: Vec<String>,
    },
    /// not a channel
    #[error("`{name}` is not a channel")]
    UnknownChannel {
        /// the name asked for
        name: String,
        /// the channels
        known: Vec<String>,
    },
}

/// Which level a setting comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// the smart folder's reply profiles
    Folder,
    /// the mailbox's reply profiles
    Mailbox,
}

/// What one level says about the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// nothing for this channel
    Unset,
    /// `"default"`: the platform's default choice
    Default,
    /// this profile id
    Profile(String),
}

impl Setting {
    fn of(value: Option<&str>) -> Setting {
        match value {
            None => Setting::Unset,
            Some("default") => Setting::Default,
            Some(id) => Setting::Profile(id.to_string()),
        }
    }
}

/// One level of the precedence, as the configuration sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// folder or mailbox
    pub level: Level,
    /// its name
    pub name: String,
    /// what the configuration sets for the channel
    pub setting: Setting,
    /// a folder that is not a custom smart folder takes no reply profiles at all
    pub not_custom: bool,
    /// what the platform has now, when it differs from the configuration (not applied)
    pub live: Option<Setting>,
}

/// A profile the default rule may pick: an account of the channel connected to one of the
/// mailbox's topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// the topic it is connected to (the first, when several)
    pub topic: String,
    /// the connected account (handle or id)
    pub account: String,
    /// the name the platform shows
    pub display_name: String,
    /// the configuration's profile of that account, if it declares one
    pub profile: Option<String>,
}

/// The profile a reply would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// a configured profile, set by the folder or the mailbox
    Profile {
        /// the profile id
        id: String,
        /// where the setting is
        by: Level,
        /// its connected account, for bound profiles
        account: Option<String>,
    },
    /// the platform's default rule
    Default {
        /// the level that says `"default"`; none when nothing is set
        by: Option<Level>,
        /// the profiles its last resort picks from
        candidates: Vec<Candidate>,
        /// the mailbox's topics
        topics: Vec<String>,
    },
}

/// The answer: the precedence as walked, and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// the mailbox
    pub mailbox: String,
    /// the folder, if asked
    pub folder: Option<String>,
    /// the channel
    pub channel: Channel,
    /// folder first (when asked), then mailbox
    pub steps: Vec<Step>,
    /// what a reply uses
    pub decision: Decision,
}

/// Explains a reply for `query` under `config`, with the live catalog and settings.
pub fn explain(
    config: &Config,
    live: &LiveState,
    query: &Query<'_>,
) -> Result<Explanation, ExplainError> {
    let catalog = &live.catalog;
    let channel = Channel::parse(query.channel).ok_or_else(|| ExplainError::UnknownChannel {
        name: query.channel.to_string(),
        known: Channel::all().map(|c| c.as_str().to_string()).collect(),
    })?;
    let mailbox = catalog
        .mailbox(query.mailbox)
        .ok_or_else(|| ExplainError::UnknownMailbox {
            name: query.mailbox.to_string(),
            known: catalog.mailboxes.iter().map(|m| m.name.clone()).collect(),
        })?;
    let folder =
        match query.folder {
            None => None,
            Some(name) => Some(mailbox.folders.iter().find(|f| f.name == name).ok_or_else(
                || ExplainError::UnknownFolder {
                    mailbox: mailbox.name.clone(),
                    name: name.to_string(),
                    known: mailbox.folders.iter().map(|f| f.name.clone()).collect(),
                },
            )?),
        };
    let configured = config.mailboxes.get(&mailbox.name);
    let live_setting = |folder: Option<&str>| {
        let address = Address::reply_profiles(&mailbox.name, folder).to_string();
        let value = live
            .resources
            .iter()
            .find(|r| r.resource.address == address)
            .and_then(|r| r.resource.fields.get(channel.as_str()))
            .and_then(Value::as_str);
        Setting::of(value)
    };
    let mut steps = Vec::new();
    if let Some(f) = folder {
        let setting = Setting::of(
            configured
                .and_then(|m| m.folders.get(&f.name))
                .and_then(|f| f.reply_profiles.as_ref())
                .and_then(|r| r.get(channel)),
        );
        let now = live_setting(Some(&f.name));
        steps.push(Step {
            level: Level::Folder,
            name: f.name.clone(),
            live: (now != setting).then_some(now),
            setting,
            not_custom: !f.custom,
        });
    }
    let setting = Setting::of(
        configured
            .and_then(|m| m.reply_profiles.as_ref())
            .and_then(|r| r.get(channel)),
    );
    let now = live_setting(None);
    steps.push(Step {
        level: Level::Mailbox,
        name: mailbox.name.clone(),
        live: (now != setting).then_some(now),
        setting,
        not_custom: false,
    });

    let decided = steps
        .iter()
        .filter(|s| !s.not_custom)
        .find(|s| s.setting != Setting::Unset);
    let decision = match decided {
        Some(Step {
            setting: Setting::Profile(id),
            level,
            ..
        }) => Decision::Profile {
            id: id.clone(),
            by: *level,
            account: config
                .profiles
                .get(id)
                .and_then(Profile::account)
                .map(str::to_string),
        },
        found => {
            let mut candidates: Vec<Candidate> = Vec::new();
            // Looked up, not scanned: a platform may connect thousands of accounts.
            let mut accounts = std::collections::HashMap::new();
            for a in catalog
                .accounts
                .iter()
                .filter(|a| a.channel == channel.as_str())
            {
                accounts.entry(a.account.as_str()).or_insert(a);
            }
            let mut profiles = std::collections::HashMap::new();
            for (id, p) in config
                .profiles
                .iter()
                .filter(|(_, p)| p.channel() == channel)
            {
                if let Some(account) = p.account() {
                    profiles.entry(account).or_insert(id);
                }
            }
            let mut listed = std::collections::HashSet::new();
            for topic in &mailbox.topics {
                let Some(t) = catalog.topic(topic) else {
                    continue;
                };
                for account in &t.accounts {
                    let Some(a) = accounts.get(account.as_str()).copied() else {
                        continue;
                    };
                    if !listed.insert(account.as_str()) {
                        continue;
                    }
                    let profile = profiles.get(account.as_str()).map(|id| (*id).clone());
                    candidates.push(Candidate {
                        topic: topic.clone(),
                        account: account.clone(),
                        display_name: a.display_name.clone(),
                        profile,
                    });
                }
            }
            Decision::Default {
                by: found.map(|s| s.level),
                candidates,
                topics: mailbox.topics.clone(),
            }
        }
    };
    Ok(Explanation {
        mailbox: mailbox.name.clone(),
        folder: folder.map(|f| f.name.clone()),
        channel,
        steps,
        decision,
    })
}

/// A name as shown: quoted as JSON, with the control characters JSON leaves alone (DEL,
/// C1, bidirectional controls) escaped too.
fn quoted(s: &str) -> String {
    crate::diagnostics::text::escape(&serde_json::to_string(s).unwrap_or_default()).into_owned()
}

fn level_name(level: Level, e: &Explanation) -> String {
    match level {
        Level::Folder => format!("folder {}", quoted(e.folder.as_deref().unwrap_or_default())),
        Level::Mailbox => format!("mailbox {}", quoted(&e.mailbox)),
    }
}

fn setting_text(s: &Setting, channel: Channel) -> String {
    match s {
        Setting::Unset => format!("no {channel} setting"),
        Setting::Default => format!("{channel} = \"default\""),
        Setting::Profile(id) => format!("{channel} = {}", quoted(id)),
    }
}

/// The explanation as text for people.
pub fn render(e: &Explanation) -> String {
    let channel = e.channel;
    let mut out = format!("Reply on {channel} in mailbox {}", quoted(&e.mailbox));
    if let Some(f) = &e.folder {
        out.push_str(&format!(", smart folder {}", quoted(f)));
    }
    out.push_str(":\n\n");
    let decided_level = match &e.decision {
        Decision::Profile { by, .. } => Some(*by),
        Decision::Default { by, .. } => *by,
    };
    for (i, s) in e.steps.iter().enumerate() {
        let mut line = format!(
            "  {}. {}: ",
            i + 1,
            match s.level {
                Level::Folder => format!("folder {}", quoted(&s.name)),
                Level::Mailbox => format!("mailbox {}", quoted(&s.name)),
            }
        );
        if s.not_custom {
            line.push_str("not a custom smart folder, so it takes no reply profiles");
        } else {
            line.push_str(&setting_text(&s.setting, channel));
        }
        if decided_level == Some(s.level) {
            line.push_str("   <- decides");
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(now) = &s.live {
            out.push_str(&format!(
                "     (the platform has {} until `socialform apply`)\n",
                setting_text(now, channel)
            ));
        }
    }
    out.push('\n');
    match &e.decision {
        Decision::Profile { id, by, account } => {
            out.push_str(&format!(
                "Uses profile `{}`",
                crate::diagnostics::text::escape(id)
            ));
            if let Some(a) = account {
                out.push_str(&format!(
                    " (account {})",
                    crate::diagnostics::text::escape(a)
                ));
            }
            out.push_str(&format!(": set by the {}", level_name(*by, e)));
            if *by == Level::Mailbox && e.folder.is_some() {
                out.push_str(
                    "; the folder sets nothing for this channel, and a folder's setting would come first",
                );
            } else if *by == Level::Folder {
                out.push_str("; a folder's setting comes before its mailbox's");
            }
            out.push_str(".\n");
        }
        Decision::Default {
            by,
            candidates,
            topics,
        } => {
            match by {
                Some(level) => out.push_str(&format!(
                    "Uses the platform's default choice: the {} says \"default\".\n",
                    level_name(*level, e)
                )),
                None if e.folder.is_some() => out.push_str(
                    "Uses the platform's default choice: neither the folder nor the mailbox sets one.\n",
                ),
                None => out.push_str("Uses the platform's default choice: the mailbox sets none.\n"),
            }
            out.push_str("The platform picks, in order:\n");
            out.push_str(&format!(
                "  1. the profile last used to post on {channel}, if there is one;\n"
            ));
            out.push_str(
                "  2. else a profile mentioned in the message being answered, at random;\n",
            );
            let topic_list = if topics.is_empty() {
                "it has none".to_string()
            } else {
                topics
                    .iter()
                    .map(|t| quoted(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if candidates.is_empty() {
                out.push_str(&format!(
                    "  3. else a profile connected to the mailbox's topics ({topic_list}), at random: no {channel} account is connected to them.\n"
                ));
            } else {
                out.push_str(&format!(
                    "  3. else, at random, a profile connected to the mailbox's topics ({topic_list}):\n"
                ));
                for c in candidates {
                    let who = match &c.profile {
                        Some(p) => format!("`{p}`"),
                        None => "(no profile in the configuration)".to_string(),
                    };
                    let name = if c.display_name.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", quoted(&c.display_name))
                    };
                    out.push_str(&format!(
                        "       - {who}: account {}{name}, topic {}\n",
                        crate::diagnostics::text::escape(&c.account),
                        quoted(&c.topic)
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::desired_of as desired;

    fn setup(config: &str, applied: bool) -> (Config, LiveState) {
        let catalog: Catalog = toml::from_str(
            r#"
            [[accounts]]
            channel = "facebook"
            account = "111"
            display_name = "Acme Air"
            [[accounts]]
            channel = "facebook"
            account = "222"
            display_name = "Acme Cargo"
            [[accounts]]
            channel = "x"
            account = "@AcmeCare"
            display_name = "Acme Care"
            [[mailboxes]]
            name = "Customer Care"
            topics = ["Acme", "Cargo"]
            folders = [{ name = "VIP", custom = true }, { name = "Inbox", custom = false }]
            [[topics]]
            name = "Acme"
            accounts = ["111", "@AcmeCare"]
            [[topics]]
            name = "Cargo"
            accounts = ["222", "111"]
            "#,
        )
        .unwrap();
        let config: Config = toml::from_str(&format!(
            "[workspace]\nname = \"w\"\n[profiles.acme_fb]\nchannel = \"facebook\"\naccount = \"111\"\n[profiles.acme_x]\nchannel = \"x\"\naccount = \"@AcmeCare\"\n{config}"
        ))
        .unwrap();
        let resources = if applied {
            desired(&config)
                .into_iter()
                .map(|resource| crate::model::testing::live(resource, 1, true))
                .collect()
        } else {
            Vec::new()
        };
        (config, LiveState { catalog, resources })
    }

    const SETTINGS: &str = r#"
        [mailboxes."Customer Care".reply_profiles]
        facebook = "acme_fb"
        x = "default"
        [mailboxes."Customer Care".folders."VIP".reply_profiles]
        x = "acme_x"
    "#;

    fn q<'a>(folder: Option<&'a str>, channel: &'a str) -> Query<'a> {
        Query {
            mailbox: "Customer Care",
            folder,
            channel,
        }
    }

    #[test]
    fn folder_then_mailbox_then_default() {
        let (config, live) = setup(SETTINGS, true);
        let e = explain(&config, &live, &q(Some("VIP"), "x")).unwrap();
        assert_eq!(
            e.decision,
            Decision::Profile {
                id: "acme_x".into(),
                by: Level::Folder,
                account: Some("@AcmeCare".into())
            }
        );
        let e = explain(&config, &live, &q(Some("VIP"), "facebook")).unwrap();
        assert!(
            matches!(&e.decision, Decision::Profile { id, by: Level::Mailbox, .. } if id == "acme_fb")
        );
        let text = render(&e);
        assert!(
            text.contains("1. folder \"VIP\": no facebook setting\n"),
            "{text}"
        );
        assert!(
            text.contains("2. mailbox \"Customer Care\": facebook = \"acme_fb\"   <- decides"),
            "{text}"
        );
        // The mailbox says "default" for x: without the folder, the default rule.
        let e = explain(&config, &live, &q(None, "x")).unwrap();
        let Decision::Default { by, candidates, .. } = &e.decision else {
            panic!("{e:?}")
        };
        assert_eq!(*by, Some(Level::Mailbox));
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates[0].profile.as_deref(), Some("acme_x"));
        assert!(e.steps.iter().all(|s| s.live.is_none()));
    }

    #[test]
    fn default_rule_lists_the_topics_accounts_of_the_channel_once() {
        let (config, live) = setup("", true);
        let e = explain(&config, &live, &q(Some("Inbox"), "facebook")).unwrap();
        assert!(e.steps[0].not_custom);
        let Decision::Default {
            by: None,
            candidates,
            ..
        } = &e.decision
        else {
            panic!("{e:?}")
        };
        let accounts: Vec<(&str, &str, Option<&str>)> = candidates
            .iter()
            .map(|c| (c.account.as_str(), c.topic.as_str(), c.profile.as_deref()))
            .collect();
        assert_eq!(
            accounts,
            [("111", "Acme", Some("acme_fb")), ("222", "Cargo", None)]
        );
        let text = render(&e);
        assert!(text.contains("not a custom smart folder"), "{text}");
        assert!(
            text.contains("neither the folder nor the mailbox sets one"),
            "{text}"
        );
        assert!(
            text.contains("- `acme_fb`: account 111, \"Acme Air\", topic \"Acme\""),
            "{text}"
        );
        assert!(
            text.contains("- (no profile in the configuration): account 222"),
            "{text}"
        );
        let e = explain(&config, &live, &q(None, "live_chat")).unwrap();
        assert!(render(&e).contains("no live_chat account is connected to them"));
    }

    #[test]
    fn unapplied_settings_are_pointed_out() {
        let (config, live) = setup(SETTINGS, false);
        let e = explain(&config, &live, &q(Some("VIP"), "x")).unwrap();
        assert_eq!(e.steps[0].live, Some(Setting::Unset));
        assert!(render(&e).contains("the platform has no x setting until `socialform apply`"));
    }

    #[test]
    fn unknown_names_carry_the_known_ones() {
        let (config, live) = setup("", true);
        assert_eq!(
            explain(
                &config,
                &live,
                &Query {
                    mailbox: "Customer Cair",
                    folder: None,
                    channel: "x"
                }
            ),
            Err(ExplainError::UnknownMailbox {
                name: "Customer Cair".into(),
                known: vec!["Customer Care".into()]
            })
        );
        assert!(matches!(
            explain(&config, &live, &q(Some("VPI"), "x")),
            Err(ExplainError::UnknownFolder { known, .. }) if known == ["VIP", "Inbox"]
        ));
        assert!(matches!(
            explain(&config, &live, &q(None, "facebok")),
            Err(ExplainError::UnknownChannel { known, .. }) if known.len() == 5
        ));
    }
}
