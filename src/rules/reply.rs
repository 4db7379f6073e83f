//! Reply-profile rules: each names `default` or a declared profile of its channel.

use crate::config::Path;
use crate::config::types::{Profile, ReplyProfiles};
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::{Ctx, suggest};

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let mut settings: Vec<(Path, ReplyProfiles)> = Vec::new();
    for (name, mailbox) in &ctx.config().mailboxes {
        let at = Path::keys(["mailboxes", name.as_str()]);
        if let Some(rp) = &mailbox.reply_profiles {
            settings.push((at.key("reply_profiles"), rp.clone()));
        }
        for (folder, f) in &mailbox.folders {
            if let Some(rp) = &f.reply_profiles {
                settings.push((
                    at.key("folders").key(folder).key("reply_profiles"),
                    rp.clone(),
                ));
            }
        }
    }
    let declared = ctx.declared("profiles");
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
                        format!("`{value}` is a {c} profile; it cannot reply on {channel}"),
                    )
                    .at(ctx.span(&path), format!("a {c} profile"))
                    .help(format!("name a {channel} profile, or `\"default\"`"));
                    ctx.push(d);
                }
                Some(_) => {}
                // Declared but not decoded: its own errors are reported; nothing to add.
                None if declared.iter().any(|d| d == value) => {}
                None => {
                    let same_channel: Vec<&str> = ctx
                        .config()
                        .profiles
                        .iter()
                        .filter(|(_, p)| p.channel() == channel)
                        .map(|(id, _)| id.as_str())
                        .collect();
                    let d = Diagnostic::new(
                        Code::UnknownReplyProfile,
                        format!("no profile `{value}` is declared"),
                    )
                    .at(ctx.span(&path), "unknown profile");
                    let d = match suggest::closest(value, same_channel.iter().copied()) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None if same_channel.is_empty() => {
                            d.help(format!("declare a {channel} profile, or use `\"default\"`"))
                        }
                        None => d.help(format!(
                            "{channel} profiles: {}, or `\"default\"`",
                            same_channel.join(", ")
                        )),
                    };
                    ctx.push(d);
                }
            }
        }
    }
}
