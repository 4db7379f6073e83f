//! Messaging rules.

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::ConversationControl;
use crate::rules::Ctx;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let Some(m) = &ctx.config().messaging else {
        return;
    };
    if let Some(ar) = &m.auto_response
        && ar.enabled
        && ar.message.is_none()
    {
        let d = Diagnostic::new(
            Code::AutoResponseMessage,
            "the automatic response is enabled but has no message",
        )
        .at(
            ctx.span(&DocPath::keys(["messaging", "auto_response"])),
            "no `message`",
        )
        .help("add `message = \"...\"`, or set `enabled = false`");
        ctx.push(d);
    }
    if m.conversation_control == Some(ConversationControl::Keep)
        && !ctx.config().proactive_messages.is_empty()
    {
        let n = ctx.config().proactive_messages.len();
        let d = Diagnostic::new(
            Code::ConversationControlKeep,
            format!("{n} proactive message(s) are declared, but they only work with `conversation_control = \"release\"`"),
        )
        .at(ctx.span(&DocPath::keys(["messaging", "conversation_control"])), "proactive messages need `release`")
        .help("set `conversation_control = \"release\"`, or remove the proactive messages");
        ctx.push(d);
    }
}
