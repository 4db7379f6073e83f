//! The checks that need the live catalog, run by `plan` after `validate`'s offline rules:
//! every reference to something that lives only on the platform (flows, connected
//! accounts, brands, channels, schedules, bots, mailboxes, smart folders, platform contact
//! attributes) exists, with a diagnostic as good as the offline ones. Each area's checks
//! are in its `live.rs`; this is what they share: the catalog indexed once, and the help
//! lines.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Account, Bot, Brand, Catalog, MailboxInfo, MessagingChannel, Topic};
use crate::config::Node;
use crate::diagnostics::Diagnostic;
use crate::diagnostics::suggest::{self, Budget};
use crate::rules::Config;

/// A help line: the closest name when one is likely meant, and the names that exist (at
/// most [`suggest::LIST_MAX`] of them: a platform may hold thousands).
pub(crate) fn listing<'a>(
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
pub(crate) fn index<'a, T>(
    items: &'a [T],
    name: impl Fn(&'a T) -> &'a str,
) -> HashMap<&'a str, &'a T> {
    let mut out = HashMap::with_capacity(items.len());
    for item in items {
        out.entry(name(item)).or_insert(item);
    }
    out
}

/// What the live checks read, the catalog indexed by name (every reference is a lookup,
/// not a scan: a platform may hold thousands of each), and what they found.
pub(crate) struct LiveCtx<'a> {
    /// the configuration's spans
    pub tree: &'a Node,
    /// the validated configuration
    pub config: &'a Config,
    /// the live catalog
    pub catalog: &'a Catalog,
    /// the catalog's accounts by handle or id
    pub accounts: HashMap<&'a str, &'a Account>,
    /// the catalog's accounts of each channel, for help lines
    pub accounts_by_channel: HashMap<&'a str, Vec<&'a str>>,
    pub flows: HashSet<&'a str>,
    /// the platform the configuration is written for
    pub target: crate::model::Target,
    pub brands: HashMap<&'a str, &'a Brand>,
    pub channels: HashMap<&'a str, &'a MessagingChannel>,
    pub bots: HashMap<&'a str, &'a Bot>,
    pub mailboxes: HashMap<&'a str, &'a MailboxInfo>,
    pub topics: HashMap<&'a str, &'a Topic>,
    pub platform_attributes: HashSet<&'a str>,
    /// the comparisons "did you mean" may still spend
    pub suggest: Budget,
    pub out: Vec<Diagnostic>,
}

/// Checks every platform reference of a validated configuration against the live
/// catalog, area by area; the diagnostics come sorted.
pub(crate) fn check(tree: &Node, config: &Config, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut c = LiveCtx {
        tree,
        config,
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
        target: config
            .backend
            .as_ref()
            .map(|b| b.kind)
            .unwrap_or_default()
            .into(),
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
    super::profiles::live::check(&mut c);
    super::proactive::live::check(&mut c);
    super::reply::live::check(&mut c);
    super::contacts::live::check(&mut c);
    let mut out = c.out;
    crate::diagnostics::sort(&mut out);
    out
}
