//! Reply-profile rules: each names `default` or a declared profile of its channel.

use std::collections::HashMap;

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic, text};
use crate::model::Channel;
use crate::rules::{Ctx, suggest};
use crate::rules::{Profile, ReplyProfiles};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let config = ctx.config();
    let mut settings: Vec<(DocPath, &ReplyProfiles)> = Vec::new();
    for (name, mailbox) in &config.mailboxes {
        let at = DocPath::keys(["mailboxes", name.as_str()]);
        if let Some(rp) = &mailbox.reply_profiles {
            settings.push((at.key("reply_profiles"), rp));
        }
        for (folder, f) in &mailbox.folders {
            if let Some(rp) = &f.reply_profiles {
                settings.push((at.key("folders").key(folder).key("reply_profiles"), rp));
            }
        }
    }
    // The profiles of each channel, listed once for every help line that names them.
    let mut by_channel: HashMap<Channel, Vec<String>> = HashMap::new();
    for (id, p) in &ctx.config().profiles {
        by_channel.entry(p.channel()).or_default().push(id.clone());
    }
    for (at, rp) in settings {
        for (channel, value) in rp.entries() {
            if value == "default" {
                continue;
            }
            let path = at.key(channel.as_str());
            match ctx.config().profiles.get(value).map(Profile::channel) {
                Some(c) if c != channel => {
                    let d = Diagnostic::new(
                        Code::ReplyChannelMismatch,
                        format!(
                            "`{}` is a {c} profile; it cannot reply on {channel}",
                            text::clip(value)
                        ),
                    )
                    .at(ctx.span(&path), format!("a {c} profile"))
                    .help(format!("name a {channel} profile, or `\"default\"`"));
                    ctx.push(d);
                }
                Some(_) => {}
                // Declared but not decoded: its own errors are reported; nothing to add.
                None if ctx.is_declared("profiles", value) => {}
                None => {
                    let same_channel: &[String] =
                        by_channel.get(&channel).map_or(&[], Vec::as_slice);
                    let d = Diagnostic::new(
                        Code::UnknownReplyProfile,
                        format!("no profile `{}` is declared", text::clip(value)),
                    )
                    .at(ctx.span(&path), "unknown profile");
                    let names = || same_channel.iter().map(String::as_str);
                    let d = match ctx.suggest.closest(value, names()) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None if same_channel.is_empty() => {
                            d.help(format!("declare a {channel} profile, or use `\"default\"`"))
                        }
                        None => d.help(format!(
                            "{channel} profiles: {}, or `\"default\"`",
                            suggest::list(names())
                        )),
                    };
                    ctx.push(d);
                }
            }
        }
    }
}
