//! The checks that need the live catalog, run by `plan` after `validate`'s offline rules:
//! every reference to something that lives only on the platform (flows, connected
//! accounts, brands, channels, schedules, bots, mailboxes, smart folders, platform contact
//! attributes) exists, with a diagnostic as good as the offline ones.

use std::collections::HashMap;

use crate::backend::Catalog;
use crate::backend::catalog::Account;
use crate::config::types::{Profile, Response, Send};
use crate::config::{Loaded, Path};
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::suggest::closest;

/// A help line: the closest name when one is likely meant, and every name that exists.
fn listing<'a>(what: &str, word: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    if names.is_empty() {
        return format!("the platform has no {what}");
    }
    let all = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(word, names.iter().copied()) {
        Some(best) => format!("did you mean `{best}`? {what} that exist: {all}"),
        None => format!("{what} that exist: {all}"),
    }
}

struct Checker<'a> {
    loaded: &'a Loaded,
    catalog: &'a Catalog,
    /// the catalog's accounts by handle or id: a workspace may connect thousands
    accounts: HashMap<&'a str, &'a Account>,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn flow(&mut self, path: Path, flow: &str) {
        if self.catalog.has_flow(flow) {
            return;
        }
        self.out.push(
            Diagnostic::new(
                Code::UnknownFlow,
                format!("flow `{flow}` does not exist on the platform"),
            )
            .at(self.loaded.tree.span_of(&path), "unknown flow")
            .help(listing(
                "flows",
                flow,
                self.catalog.flows.iter().map(String::as_str),
            )),
        );
    }

    fn profiles(&mut self) {
        let config = &self.loaded.config;
        for (id, profile) in &config.profiles {
            let base = Path::keys(["profiles", id.as_str()]);
            let mut flows: Vec<(Path, &str)> = Vec::new();
            match profile {
                Profile::X(p) => {
                    for (i, b) in p.quick_replies.iter().enumerate() {
                        flows.push((base.key("quick_replies").idx(i).key("flow"), &b.flow));
                    }
                    for (i, b) in p.attached_quick_replies.iter().enumerate() {
                        flows.push((
                            base.key("attached_quick_replies").idx(i).key("flow"),
                            &b.flow,
                        ));
                    }
                }
                Profile::Facebook(p) => {
                    for (i, b) in p.ice_breakers.iter().enumerate() {
                        flows.push((base.key("ice_breakers").idx(i).key("flow"), &b.flow));
                    }
                    if let Some(g) = &p.get_started {
                        flows.push((base.key("get_started").key("flow"), &g.flow));
                    }
                    for (i, m) in p.persistent_menu.iter().enumerate() {
                        if let Some(f) = &m.flow {
                            flows.push((base.key("persistent_menu").idx(i).key("flow"), f));
                        }
                    }
                    if let Some(f) = &p.case_creation_flow {
                        flows.push((base.key("case_creation_flow"), f));
                    }
                }
                Profile::Instagram(p) => {
                    for (i, b) in p.ice_breakers.iter().enumerate() {
                        flows.push((base.key("ice_breakers").idx(i).key("flow"), &b.flow));
                    }
                    if let Some(g) = &p.get_started {
                        flows.push((base.key("get_started").key("flow"), &g.flow));
                    }
                }
                Profile::Whatsapp(_) => {}
                Profile::LiveChat(p) => {
                    if let Some(f) = &p.start_flow {
                        flows.push((base.key("start_flow"), f));
                    }
                    for (i, b) in p.attached_quick_replies.iter().enumerate() {
                        flows.push((
                            base.key("attached_quick_replies").idx(i).key("flow"),
                            &b.flow,
                        ));
                    }
                }
            }
            for (path, flow) in flows {
                self.flow(path, flow);
            }
            self.account(&base, profile);
        }
    }

    fn account(&mut self, base: &Path, profile: &Profile) {
        let Some(account) = profile.account() else {
            return;
        };
        let channel = profile.channel().as_str();
        let same_channel = || {
            self.catalog
                .accounts
                .iter()
                .filter(|a| a.channel == channel)
                .map(|a| a.account.as_str())
        };
        let message = match self.accounts.get(account).copied() {
            Some(a) if a.channel == channel => return,
            Some(a) => format!(
                "account `{account}` is connected as a {} account, not {channel}",
                a.channel
            ),
            None => format!("account `{account}` is not connected to the workspace"),
        };
        let help = listing(
            &format!("connected {channel} accounts"),
            account,
            same_channel(),
        );
        self.out.push(
            Diagnostic::new(Code::UnknownAccount, message)
                .at(self.loaded.tree.span_of(&base.key("account")), "not a connected account")
                .help(format!("{help}; a profile binds to an account connected on the platform, it cannot create one")),
        );
    }

    fn proactive(&mut self) {
        let catalog = self.catalog;
        for (id, m) in &self.loaded.config.proactive_messages {
            let base = Path::keys(["proactive_messages", id.as_str()]);
            let span = |key: &str| self.loaded.tree.span_of(&base.key(key));
            match catalog.brand(&m.brand) {
                None => self.out.push(
                    Diagnostic::new(
                        Code::UnknownBrand,
                        format!("brand `{}` does not exist on the platform", m.brand),
                    )
                    .at(span("brand"), "unknown brand")
                    .help(listing(
                        "brands",
                        &m.brand,
                        catalog.brands.iter().map(|b| b.name.as_str()),
                    )),
                ),
                Some(brand)
                    if catalog.channel(&m.channel).is_some()
                        && !brand.channels.contains(&m.channel) =>
                {
                    self.out.push(
                        Diagnostic::new(
                            Code::ChannelNotInBrand,
                            format!(
                                "channel `{}` is not connected to brand `{}`",
                                m.channel, m.brand
                            ),
                        )
                        .at(span("channel"), "not a channel of the brand")
                        .help(listing(
                            &format!("channels of `{}`", m.brand),
                            &m.channel,
                            brand.channels.iter().map(String::as_str),
                        )),
                    )
                }
                Some(_) => {}
            }
            let Some(channel) = catalog.channel(&m.channel) else {
                self.out.push(
                    Diagnostic::new(
                        Code::UnknownChannel,
                        format!(
                            "messaging channel `{}` does not exist on the platform",
                            m.channel
                        ),
                    )
                    .at(span("channel"), "unknown channel")
                    .help(listing(
                        "messaging channels",
                        &m.channel,
                        catalog.channels.iter().map(|c| c.name.as_str()),
                    )),
                );
                continue;
            };
            if m.send != Send::Always
                && let Some(schedule) = &m.schedule
                && !channel.schedules.contains(schedule)
            {
                self.out.push(
                    Diagnostic::new(
                        Code::UnknownSchedule,
                        format!(
                            "channel `{}` has no business-hours schedule `{schedule}`",
                            m.channel
                        ),
                    )
                    .at(span("schedule"), "unknown schedule")
                    .help(listing(
                        &format!("schedules of `{}`", m.channel),
                        schedule,
                        channel.schedules.iter().map(String::as_str),
                    )),
                );
            }
            if let Response::Bot(r) = &m.response {
                let rpath = base.key("response");
                let connected = || {
                    catalog
                        .bots
                        .iter()
                        .filter(|b| b.channels.contains(&m.channel))
                        .map(|b| b.name.as_str())
                };
                match catalog.bot(&r.bot) {
                    Some(bot) if bot.channels.contains(&m.channel) => {
                        if !bot.answers.contains(&r.answer) {
                            self.out.push(
                                Diagnostic::new(
                                    Code::UnknownBotAnswer,
                                    format!("bot `{}` has no answer `{}`", r.bot, r.answer),
                                )
                                .at(
                                    self.loaded.tree.span_of(&rpath.key("answer")),
                                    "unknown answer",
                                )
                                .help(listing(
                                    &format!("answers of `{}`", r.bot),
                                    &r.answer,
                                    bot.answers.iter().map(String::as_str),
                                )),
                            );
                        }
                    }
                    found => {
                        let message = match found {
                            Some(_) => format!(
                                "bot `{}` is not connected to channel `{}`",
                                r.bot, m.channel
                            ),
                            None => format!("bot `{}` does not exist on the platform", r.bot),
                        };
                        self.out.push(
                            Diagnostic::new(Code::UnknownBot, message)
                                .at(
                                    self.loaded.tree.span_of(&rpath.key("bot")),
                                    "not a bot of the channel",
                                )
                                .help(listing(
                                    &format!("bots connected to `{}`", m.channel),
                                    &r.bot,
                                    connected(),
                                )),
                        );
                    }
                }
            }
        }
    }

    fn mailboxes(&mut self) {
        let catalog = self.catalog;
        let config = &self.loaded.config;
        for (name, mailbox) in &config.mailboxes {
            let base = Path::keys(["mailboxes", name.as_str()]);
            let Some(live) = catalog.mailbox(name) else {
                self.out.push(
                    Diagnostic::new(
                        Code::UnknownMailbox,
                        format!("mailbox `{name}` does not exist on the platform"),
                    )
                    .at(self.loaded.tree.key_span_of(&base), "unknown mailbox")
                    .help(listing(
                        "mailboxes",
                        name,
                        catalog.mailboxes.iter().map(|m| m.name.as_str()),
                    )),
                );
                continue;
            };
            let accounts: Vec<&str> = live
                .topics
                .iter()
                .filter_map(|t| catalog.topic(t))
                .flat_map(|t| t.accounts.iter().map(String::as_str))
                .collect();
            if let Some(r) = &mailbox.reply_profiles {
                self.reply(&base.key("reply_profiles"), name, r, &accounts);
            }
            for (folder, f) in &mailbox.folders {
                let fpath = base.key("folders").key(folder);
                match live.folders.iter().find(|x| &x.name == folder) {
                    Some(x) if x.custom => {}
                    found => {
                        let message = match found {
                            Some(_) => format!(
                                "smart folder `{folder}` of `{name}` is not a custom smart folder"
                            ),
                            None => format!("mailbox `{name}` has no smart folder `{folder}`"),
                        };
                        let customs = live
                            .folders
                            .iter()
                            .filter(|x| x.custom)
                            .map(|x| x.name.as_str());
                        self.out.push(
                            Diagnostic::new(Code::UnknownFolder, message)
                                .at(
                                    self.loaded.tree.key_span_of(&fpath),
                                    "not a custom smart folder",
                                )
                                .help(format!(
                                    "only custom smart folders take reply profiles; {}",
                                    listing(
                                        &format!("custom smart folders of `{name}`"),
                                        folder,
                                        customs
                                    )
                                )),
                        );
                        continue;
                    }
                }
                if let Some(r) = &f.reply_profiles {
                    self.reply(&fpath.key("reply_profiles"), name, r, &accounts);
                }
            }
        }
    }

    fn reply(
        &mut self,
        path: &Path,
        mailbox: &str,
        r: &crate::config::types::ReplyProfiles,
        accounts: &[&str],
    ) {
        for (channel, id) in r.entries() {
            if id == "default" {
                continue;
            }
            let Some(account) = self
                .loaded
                .config
                .profiles
                .get(id)
                .and_then(Profile::account)
            else {
                continue;
            };
            if accounts.contains(&account) {
                continue;
            }
            self.out.push(
                Diagnostic::new(
                    Code::ReplyProfileNotInTopics,
                    format!("profile `{id}` (account `{account}`) is connected to none of the topics of mailbox `{mailbox}`"),
                )
                .at(self.loaded.tree.span_of(&path.key(channel.as_str())), "account not in the mailbox's topics")
                .help(if accounts.is_empty() {
                    format!("the topics of `{mailbox}` have no connected accounts")
                } else {
                    format!("accounts connected to its topics: {}", accounts.join(", "))
                }),
            );
        }
    }

    fn attributes(&mut self) {
        let catalog = self.catalog;
        let config = &self.loaded.config;
        let platform = || catalog.platform_attributes.iter().map(String::as_str);
        for (id, a) in &config.contact_attributes {
            if a.kind.is_none() && !catalog.platform_attributes.contains(id) {
                self.out.push(
                    Diagnostic::new(Code::UnknownPlatformAttribute, format!("`{id}` is not a platform contact attribute"))
                        .at(self.loaded.tree.key_span_of(&Path::keys(["contact_attributes", id.as_str()])), "no `type`: a platform attribute")
                        .help(format!(
                            "give it a `type` (\"text\" or \"dropdown\") to declare a custom attribute; {}",
                            listing("platform attributes", id, platform())
                        )),
                );
            }
        }
        let Some(contacts) = &config.contacts else {
            return;
        };
        let known = |name: &str| {
            config.contact_attributes.contains_key(name)
                || catalog.platform_attributes.iter().any(|p| p == name)
        };
        let candidates = || {
            config
                .contact_attributes
                .keys()
                .map(String::as_str)
                .chain(platform())
        };
        let mut refs: Vec<(Path, &str)> = Vec::new();
        if let Some(m) = &contacts.matching_attribute {
            refs.push((Path::keys(["contacts", "matching_attribute"]), m));
        }
        for (i, o) in contacts.order.iter().enumerate() {
            refs.push((Path::keys(["contacts", "order"]).idx(i), o));
        }
        for (path, name) in refs {
            if known(name) {
                continue;
            }
            self.out.push(
                Diagnostic::new(
                    Code::UnknownPlatformAttribute,
                    format!("`{name}` is neither a declared nor a platform contact attribute"),
                )
                .at(self.loaded.tree.span_of(&path), "unknown attribute")
                .help(listing("attributes", name, candidates())),
            );
        }
    }
}

/// Checks every platform reference of a loaded configuration against the live catalog.
pub fn check(loaded: &Loaded, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut c = Checker {
        loaded,
        catalog,
        accounts: catalog
            .accounts
            .iter()
            .map(|a| (a.account.as_str(), a))
            .collect(),
        out: Vec::new(),
    };
    c.profiles();
    c.proactive();
    c.mailboxes();
    c.attributes();
    let mut out = c.out;
    crate::diagnostics::sort(&mut out);
    out
}
