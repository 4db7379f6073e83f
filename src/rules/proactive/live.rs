//! The proactive messages' checks against the live catalog: brand, channel, schedule,
//! bot and answer.

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::live::{LiveCtx, listing};

use super::{Response, Sending};

pub(crate) fn check(c: &mut LiveCtx<'_>) {
    let catalog = c.catalog;
    for (id, m) in &c.config.proactive_messages {
        let base = DocPath::keys(["proactive_messages", id.as_str()]);
        let span = |key: &str| c.tree.span_of(&base.key(key));
        match c.brands.get(m.brand.as_str()).copied() {
            None => c.out.push(
                Diagnostic::new(
                    Code::UnknownBrand,
                    format!("brand `{}` does not exist on the platform", m.brand),
                )
                .at(span("brand"), "unknown brand")
                .help(listing(
                    &mut c.suggest,
                    "brands",
                    &m.brand,
                    catalog.brands.iter().map(|b| b.name.as_str()),
                )),
            ),
            Some(brand)
                if c.channels.contains_key(m.channel.as_str())
                    && !brand.channels.contains(&m.channel) =>
            {
                c.out.push(
                    Diagnostic::new(
                        Code::ChannelNotInBrand,
                        format!(
                            "channel `{}` is not connected to brand `{}`",
                            m.channel, m.brand
                        ),
                    )
                    .at(span("channel"), "not a channel of the brand")
                    .help(listing(
                        &mut c.suggest,
                        &format!("channels of `{}`", m.brand),
                        &m.channel,
                        brand.channels.iter().map(String::as_str),
                    )),
                )
            }
            Some(_) => {}
        }
        let Some(channel) = c.channels.get(m.channel.as_str()).copied() else {
            c.out.push(
                Diagnostic::new(
                    Code::UnknownChannel,
                    format!(
                        "messaging channel `{}` does not exist on the platform",
                        m.channel
                    ),
                )
                .at(span("channel"), "unknown channel")
                .help(listing(
                    &mut c.suggest,
                    "messaging channels",
                    &m.channel,
                    catalog.channels.iter().map(|c| c.name.as_str()),
                )),
            );
            continue;
        };
        if m.send != Sending::Always
            && let Some(schedule) = &m.schedule
            && !channel.schedules.contains(schedule)
        {
            c.out.push(
                Diagnostic::new(
                    Code::UnknownSchedule,
                    format!(
                        "channel `{}` has no business-hours schedule `{schedule}`",
                        m.channel
                    ),
                )
                .at(span("schedule"), "unknown schedule")
                .help(listing(
                    &mut c.suggest,
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
            match c.bots.get(r.bot.as_str()).copied() {
                Some(bot) if bot.channels.contains(&m.channel) => {
                    if !bot.answers.contains(&r.answer) {
                        c.out.push(
                            Diagnostic::new(
                                Code::UnknownBotAnswer,
                                format!("bot `{}` has no answer `{}`", r.bot, r.answer),
                            )
                            .at(c.tree.span_of(&rpath.key("answer")), "unknown answer")
                            .help(listing(
                                &mut c.suggest,
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
                    c.out.push(
                        Diagnostic::new(Code::UnknownBot, message)
                            .at(
                                c.tree.span_of(&rpath.key("bot")),
                                "not a bot of the channel",
                            )
                            .help(listing(
                                &mut c.suggest,
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
