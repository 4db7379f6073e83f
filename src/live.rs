//! The checks that need the live catalog, run by `plan` after `validate`'s offline rules:
//! every reference to something that lives only on the platform (flows, connected
//! accounts, brands, channels, schedules, bots, mailboxes, smart folders, platform contact
//! attributes) exists, with a diagnostic as good as the offline ones.

use std::collections::{HashMap, HashSet};

use crate::catalog::Catalog;
use crate::catalog::{Account, Bot, Brand, MailboxInfo, MessagingChannel, Topic};
use crate::config::types::{Profile, Response, Send};
use crate::config::{Loaded, Path};
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::suggest::{self, Budget};

/// A help line: the closest name when one is likely meant, and the names that exist (at
/// most [`suggest::LIST_MAX`] of them: a platform may hold thousands).
fn listing<'a>(
    budget: &mut Budget,
    what: &str,
    word: &str,
    names: impl ExactSizeIterator<Item = &'a str> + Clone,
) -> String {
    if names.len() == 0 {
        return format!("the platform has no {what}");
    }
    let all = suggest::list(names.clone());
    match budget.closest(word, names) {
        Some(best) => format!("did you mean `{best}`? {what} that exist: {all}"),
        None => format!("{what} that exist: {all}"),
    }
}

/// Names of a catalog list, indexed: the first entry of a name wins, as a scan would.
fn index<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, &'a T> {
    let mut out = HashMap::with_capacity(items.len());
    for item in items {
        out.entry(name(item)).or_insert(item);
    }
    out
}

struct Checker<'a> {
    loaded: &'a Loaded,
    catalog: &'a Catalog,
    /// the catalog's accounts by handle or id: a workspace may connect thousands
    accounts: HashMap<&'a str, &'a Account>,
    /// the catalog's accounts of each channel, for help lines
    accounts_by_channel: HashMap<&'a str, Vec<&'a str>>,
    /// the catalog's lists by name: every reference is a lookup, not a scan
    flows: HashSet<&'a str>,
    brands: HashMap<&'a str, &'a Brand>,
    channels: HashMap<&'a str, &'a MessagingChannel>,
    bots: HashMap<&'a str, &'a Bot>,
    mailboxes: HashMap<&'a str, &'a MailboxInfo>,
    topics: HashMap<&'a str, &'a Topic>,
    platform_attributes: HashSet<&'a str>,
    /// the comparisons "did you mean" may still spend
    suggest: Budget,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn flow(&mut self, path: Path, flow: &str) {
        if self.flows.contains(flow) {
            return;
        }
        self.out.push(
            Diagnostic::new(
                Code::UnknownFlow,
                format!(
                    "flow `{}` does not exist on the platform",
                    crate::diagnostics::text::clip(flow)
                ),
            )
            .at(self.loaded.tree.span_of(&path), "unknown flow")
            .help(listing(
                &mut self.suggest,
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
        let same_channel: &[&str] = self
            .accounts_by_channel
            .get(channel)
            .map_or(&[], Vec::as_slice);
        let message = match self.accounts.get(account).copied() {
            Some(a) if a.channel == channel => return,
            Some(a) => format!(
                "account `{account}` is connected as a {} account, not {channel}",
                a.channel
            ),
            None => format!("account `{account}` is not connected to the workspace"),
        };
        let help = listing(
            &mut self.suggest,
            &format!("connected {channel} accounts"),
            account,
            same_channel.iter().copied(),
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
            match self.brands.get(m.brand.as_str()).copied() {
                None => self.out.push(
                    Diagnostic::new(
                        Code::UnknownBrand,
                        format!("brand `{}` does not exist on the platform", m.brand),
                    )
                    .at(span("brand"), "unknown brand")
                    .help(listing(
                        &mut self.suggest,
                        "brands",
                        &m.brand,
                        catalog.brands.iter().map(|b| b.name.as_str()),
                    )),
                ),
                Some(brand)
                    if self.channels.contains_key(m.channel.as_str())
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
                            &mut self.suggest,
                            &format!("channels of `{}`", m.brand),
                            &m.channel,
                            brand.channels.iter().map(String::as_str),
                        )),
                    )
                }
                Some(_) => {}
            }
            let Some(channel) = self.channels.get(m.channel.as_str()).copied() else {
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
                        &mut self.suggest,
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
                        &mut self.suggest,
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
                        .collect::<Vec<_>>()
                };
                match self.bots.get(r.bot.as_str()).copied() {
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
                                    &mut self.suggest,
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
                                    &mut self.suggest,
                                    &format!("bots connected to `{}`", m.channel),
                                    &r.bot,
                                    connected().into_iter(),
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
            let Some(live) = self.mailboxes.get(name.as_str()).copied() else {
                self.out.push(
                    Diagnostic::new(
                        Code::UnknownMailbox,
                        format!("mailbox `{name}` does not exist on the platform"),
                    )
                    .at(self.loaded.tree.key_span_of(&base), "unknown mailbox")
                    .help(listing(
                        &mut self.suggest,
                        "mailboxes",
                        name,
                        catalog.mailboxes.iter().map(|m| m.name.as_str()),
                    )),
                );
                continue;
            };
            let mut accounts: Vec<&str> = Vec::new();
            let mut account_set: HashSet<&str> = HashSet::new();
            for t in live
                .topics
                .iter()
                .filter_map(|t| self.topics.get(t.as_str()))
            {
                for a in &t.accounts {
                    if account_set.insert(a) {
                        accounts.push(a);
                    }
                }
            }
            let folders = index(&live.folders, |f| f.name.as_str());
            // The custom folders, listed once per mailbox for the help lines that need them.
            let mut customs: Option<Vec<&str>> = None;
            if let Some(r) = &mailbox.reply_profiles {
                self.reply(
                    &base.key("reply_profiles"),
                    name,
                    r,
                    &accounts,
                    &account_set,
                );
            }
            for (folder, f) in &mailbox.folders {
                let fpath = base.key("folders").key(folder);
                match folders.get(folder.as_str()).copied() {
                    Some(x) if x.custom => {}
                    found => {
                        let message = match found {
                            Some(_) => format!(
                                "smart folder `{folder}` of `{name}` is not a custom smart folder"
                            ),
                            None => format!("mailbox `{name}` has no smart folder `{folder}`"),
                        };
                        let customs = customs.get_or_insert_with(|| {
                            live.folders
                                .iter()
                                .filter(|x| x.custom)
                                .map(|x| x.name.as_str())
                                .collect::<Vec<_>>()
                        });
                        self.out.push(
                            Diagnostic::new(Code::UnknownFolder, message)
                                .at(
                                    self.loaded.tree.key_span_of(&fpath),
                                    "not a custom smart folder",
                                )
                                .help(format!(
                                    "only custom smart folders take reply profiles; {}",
                                    listing(
                                        &mut self.suggest,
                                        &format!("custom smart folders of `{name}`"),
                                        folder,
                                        customs.iter().copied()
                                    )
                                )),
                        );
                        continue;
                    }
                }
                if let Some(r) = &f.reply_profiles {
                    self.reply(
                        &fpath.key("reply_profiles"),
                        name,
                        r,
                        &accounts,
                        &account_set,
                    );
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
        account_set: &HashSet<&str>,
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
            if account_set.contains(account) {
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
                    format!(
                        "accounts connected to its topics: {}",
                        suggest::list(accounts.iter().copied())
                    )
                }),
            );
        }
    }

    fn attributes(&mut self) {
        let catalog = self.catalog;
        let config = &self.loaded.config;
        let platform = || catalog.platform_attributes.iter().map(String::as_str);
        for (id, a) in &config.contact_attributes {
            if a.kind.is_none() && !self.platform_attributes.contains(id.as_str()) {
                self.out.push(
                    Diagnostic::new(Code::UnknownPlatformAttribute, format!("`{id}` is not a platform contact attribute"))
                        .at(self.loaded.tree.key_span_of(&Path::keys(["contact_attributes", id.as_str()])), "no `type`: a platform attribute")
                        .help(format!(
                            "give it a `type` (\"text\" or \"dropdown\") to declare a custom attribute; {}",
                            listing(&mut self.suggest, "platform attributes", id, platform())
                        )),
                );
            }
        }
        let Some(contacts) = &config.contacts else {
            return;
        };
        let platform_set = &self.platform_attributes;
        let known = |name: &str| {
            config.contact_attributes.contains_key(name) || platform_set.contains(name)
        };
        let candidates: Vec<&str> = config
            .contact_attributes
            .keys()
            .map(String::as_str)
            .chain(platform())
            .collect();
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
                .help(listing(
                    &mut self.suggest,
                    "attributes",
                    name,
                    candidates.iter().copied(),
                )),
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
        accounts_by_channel: {
            let mut by: HashMap<&str, Vec<&str>> = HashMap::new();
            for a in &catalog.accounts {
                by.entry(a.channel.as_str())
                    .or_default()
                    .push(a.account.as_str());
            }
            by
        },
        flows: catalog.flows.iter().map(String::as_str).collect(),
        brands: index(&catalog.brands, |b| b.name.as_str()),
        channels: index(&catalog.channels, |c| c.name.as_str()),
        bots: index(&catalog.bots, |b| b.name.as_str()),
        mailboxes: index(&catalog.mailboxes, |m| m.name.as_str()),
        topics: index(&catalog.topics, |t| t.name.as_str()),
        platform_attributes: catalog
            .platform_attributes
            .iter()
            .map(String::as_str)
            .collect(),
        suggest: Budget::default(),
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
