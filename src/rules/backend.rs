//! Backend rules: keys that belong to the chosen kind. Secrets are caught with the
//! unknown keys, since `[backend]` has no key that could hold one.

use crate::config::Path;
use crate::config::types::BackendKind;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::Ctx;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let Some(b) = ctx.config().backend.clone() else {
        return;
    };
    let at = Path::keys(["backend"]);
    let (kind, others): (&str, Vec<(&str, bool)>) = match b.kind {
        BackendKind::Sandbox => (
            "sandbox",
            vec![
                ("url", b.url.is_some()),
                ("token_env", b.token_env.is_some()),
            ],
        ),
        BackendKind::Http => (
            "http",
            vec![("path", b.path.is_some()), ("catalog", b.catalog.is_some())],
        ),
    };
    for (key, set) in others {
        if set {
            let d = Diagnostic::new(
                Code::BackendKeyForOtherKind,
                format!("`backend.{key}` is not used by the `{kind}` backend"),
            )
            .at(ctx.key_span(&at.key(key)), format!("not a `{kind}` key"))
            .help(format!(
                "remove it, or set `kind` to the backend that uses `{key}`"
            ));
            ctx.push(d);
        }
    }
    if b.kind == BackendKind::Http && b.url.is_none() {
        let d = Diagnostic::new(Code::BackendUrlRequired, "the `http` backend needs `url`")
            .at(ctx.key_span(&at), "no `url`")
            .help("add `url = \"https://...\"`: the base URL of the platform API");
        ctx.push(d);
    }
}
