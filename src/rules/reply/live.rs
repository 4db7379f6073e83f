//! The reply profiles' checks against the live catalog: mailboxes and custom smart
//! folders exist, and the profiles' accounts are connected to the mailbox's topics.

use std::collections::HashSet;

use crate::config::DocPath;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::live::{LiveCtx, index, listing};

use super::ReplyProfiles;
use crate::rules::profiles::Profile;

pub(crate) fn check(c: &mut LiveCtx<'_>) {
    let catalog = c.catalog;
    let config = c.config;
    for (name, mailbox) in &config.mailboxes {
        let base = DocPath::keys(["mailboxes", name.as_str()]);
        let Some(live) = c.mailboxes.get(name.as_str()).copied() else {
            c.out.push(
                Diagnostic::new(
                    Code::UnknownMailbox,
                    format!("mailbox `{name}` does not exist on the platform"),
                )
                .at(c.tree.key_span_of(&base), "unknown mailbox")
                .help(listing(
                    &mut c.suggest,
                    "mailboxes",
                    name,
                    catalog.mailboxes.iter().map(|m| m.name.as_str()),
                )),
            );
            continue;
        };
        let mut accounts: Vec<&str> = Vec::new();
        let mut account_set: HashSet<&str> = HashSet::new();
        for t in live.topics.iter().filter_map(|t| c.topics.get(t.as_str())) {
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
            reply(
                c,
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
                    c.out.push(
                        Diagnostic::new(Code::UnknownFolder, message)
                            .at(c.tree.key_span_of(&fpath), "not a custom smart folder")
                            .help(format!(
                                "only custom smart folders take reply profiles; {}",
                                listing(
                                    &mut c.suggest,
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
                reply(
                    c,
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
    c: &mut LiveCtx<'_>,
    path: &DocPath,
    mailbox: &str,
    r: &ReplyProfiles,
    accounts: &[&str],
    account_set: &HashSet<&str>,
) {
    for (channel, id) in r.entries() {
        if id == "default" {
            continue;
        }
        let Some(account) = c.config.profiles.get(id).and_then(Profile::account) else {
            continue;
        };
        if account_set.contains(account) {
            continue;
        }
        c.out.push(
            Diagnostic::new(
                Code::ReplyProfileNotInTopics,
                format!("profile `{id}` (account `{account}`) is connected to none of the topics of mailbox `{mailbox}`"),
            )
            .at(c.tree.span_of(&path.key(channel.as_str())), "account not in the mailbox's topics")
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
