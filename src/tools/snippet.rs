//! `socialform snippet`: the embed code of a live chat profile, an HTML `<script>` that
//! loads the platform's live chat for the profile's live platform id. Nothing here prints.

use serde_json::{Value, json};

use crate::model::Channel;
use crate::model::LiveState;
use crate::model::{Address, Kind};
use crate::rules::{BackendKind, BackendTable, Config, Profile};

/// Where the live chat loader is served below an `http` backend's URL.
pub const LOADER_PATH: &str = "/live-chat/loader.js";

/// The loader of the sandbox, which serves none: a reserved `.invalid` name, so a
/// snippet made against the sandbox cannot load anything by mistake.
pub const SANDBOX_LOADER: &str = "https://live-chat.sandbox.invalid/live-chat/loader.js";

/// What an embed code is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// the profile's id in the configuration
    pub profile: String,
    /// the profile's platform id ([`crate::tools::export::platform_id`])
    pub platform_id: String,
    /// the workspace
    pub workspace: String,
    /// the live `allowed_domains` (empty: any domain may start the chat)
    pub allowed_domains: Vec<String>,
    /// the configuration asks for other allowed domains than the live ones (not applied)
    pub domains_pending: bool,
    /// the loader script's URL
    pub loader: String,
    /// the platform is the sandbox (its loader URL is a placeholder)
    pub sandbox: bool,
}

/// Why there is no embed code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnippetError {
    /// the id names no live chat profile; `channel` is its channel when it names another
    /// profile, `live_chat` the ids of live chat profiles that exist
    #[error("`{id}` is not a live chat profile")]
    NotLiveChat {
        /// the id asked for
        id: String,
        /// the channel of the profile of that id, if there is one
        channel: Option<Channel>,
        /// the live chat profiles of the configuration and of the platform
        live_chat: Vec<String>,
    },
    /// the profile is in the configuration but not on the platform yet
    #[error("live chat profile `{0}` is not on the platform yet")]
    NotApplied(String),
}

/// The loader URL for a configuration's backend.
pub fn loader_url(backend: Option<&BackendTable>) -> (String, bool) {
    match backend {
        Some(b) if b.kind == BackendKind::Http => match &b.url {
            Some(url) => (format!("{}{LOADER_PATH}", url.trim_end_matches('/')), false),
            None => (SANDBOX_LOADER.to_string(), true),
        },
        _ => (SANDBOX_LOADER.to_string(), true),
    }
}

fn is_live_chat(fields: &indexmap::IndexMap<String, Value>) -> bool {
    fields.get("channel").and_then(Value::as_str) == Some(Channel::LiveChat.as_str())
}

/// The embed code's parts for the live chat profile `id`: declared in the configuration
/// or live (a profile made outside this configuration has a snippet too), and live.
pub fn snippet(config: &Config, live: &LiveState, id: &str) -> Result<Snippet, SnippetError> {
    let live_profile = live.resources.iter().find(|r| {
        r.resource.kind == Kind::Profile && r.resource.address == Address::profile(id).to_string()
    });
    let configured = config.profiles.get(id);
    let is_chat = match (configured, live_profile) {
        (Some(p), _) => p.channel() == Channel::LiveChat,
        (None, Some(l)) => is_live_chat(&l.resource.fields),
        (None, None) => false,
    };
    if !is_chat {
        let mut live_chat: Vec<String> = config
            .profiles
            .iter()
            .filter(|(_, p)| p.channel() == Channel::LiveChat)
            .map(|(id, _)| id.clone())
            .collect();
        for r in &live.resources {
            if r.resource.kind == Kind::Profile
                && is_live_chat(&r.resource.fields)
                && let Ok(address) = r.resource.address.parse::<Address>()
                && let Some(id) = address.id_part()
                && !live_chat.iter().any(|c| c == id)
            {
                live_chat.push(id.to_string());
            }
        }
        let channel = configured.map(Profile::channel).or_else(|| {
            live_profile
                .and_then(|l| l.resource.fields.get("channel"))
                .and_then(Value::as_str)
                .and_then(Channel::parse)
        });
        return Err(SnippetError::NotLiveChat {
            id: id.to_string(),
            channel,
            live_chat,
        });
    }
    let Some(l) = live_profile else {
        return Err(SnippetError::NotApplied(id.to_string()));
    };
    let allowed_domains: Vec<String> = l
        .resource
        .fields
        .get("allowed_domains")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let domains_pending = match configured {
        Some(Profile::LiveChat(p)) => p.allowed_domains != allowed_domains,
        _ => false,
    };
    let (loader, sandbox) = loader_url(config.backend.as_ref());
    Ok(Snippet {
        profile: id.to_string(),
        platform_id: crate::tools::export::platform_id(l),
        workspace: config.workspace.name.clone(),
        allowed_domains,
        domains_pending,
        loader,
        sandbox,
    })
}

/// Text safe inside an HTML comment: `<` and `>` percent-encoded, which leaves a URL the
/// same URL and makes `-->` impossible.
fn comment_safe(s: &str) -> String {
    let s = s
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace(['\n', '\r'], " ");
    crate::diagnostics::text::escape(&s).into_owned()
}

/// JSON safe inside a `<script>` element: `<`, `>`, `&` and the JavaScript line
/// separators as `\u` escapes, so no value can close the element.
fn script_json(v: &Value) -> String {
    let json = serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    // What JSON leaves raw (DEL, C1 and bidirectional controls) becomes `\u{..}`, which
    // JavaScript reads as the same character and a terminal shows as text.
    crate::diagnostics::text::escape(&json).into_owned()
}

/// The embed code: comments naming the profile and its allowed domains, then one
/// `<script>` that loads the live chat with the workspace and the profile's platform id.
pub fn render(s: &Snippet) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "<!-- Live chat `{}` of workspace `{}` (platform id {}), from `socialform snippet` -->\n",
        comment_safe(&s.profile),
        comment_safe(&s.workspace),
        comment_safe(&s.platform_id)
    ));
    if s.allowed_domains.is_empty() {
        out.push_str("<!-- Allowed domains: any (allowed_domains is empty) -->\n");
    } else {
        out.push_str(&format!(
            "<!-- Allowed domains: {} -->\n",
            comment_safe(&s.allowed_domains.join(", "))
        ));
    }
    if s.sandbox {
        out.push_str(
            "<!-- Sandbox platform: the loader address is a placeholder that serves nothing -->\n",
        );
    }
    let config = json!({
        "workspace": s.workspace,
        "profile": s.platform_id,
        "loader": s.loader,
    });
    out.push_str("<script>\n");
    out.push_str("  (function (w, d, c) {\n");
    out.push_str("    w.SocialformLiveChat = c;\n");
    out.push_str("    var s = d.createElement(\"script\");\n");
    out.push_str("    s.async = true;\n");
    out.push_str("    s.src = c.loader;\n");
    out.push_str("    d.head.appendChild(s);\n");
    out.push_str(&format!(
        "  }})(window, document, {});\n",
        script_json(&config)
    ));
    out.push_str("</script>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::desired_of as desired;

    fn setup(apply: &[&str]) -> (Config, LiveState) {
        let config: Config = toml::from_str(
            r#"
            [workspace]
            name = "acme </script>"
            [profiles.web_chat]
            channel = "live_chat"
            allowed_domains = ["https://www.acme.example", "https://x.example/<!--a-->"]
            [profiles.help_chat]
            channel = "live_chat"
            [profiles.acme_fb]
            channel = "facebook"
            account = "1"
            "#,
        )
        .unwrap();
        let resources = desired(&config)
            .into_iter()
            .filter(|r| {
                apply
                    .iter()
                    .any(|a| r.address == Address::profile(a).to_string())
            })
            .map(|resource| crate::model::testing::live(resource, 1, true))
            .collect();
        (
            config,
            LiveState {
                catalog: Catalog::default(),
                resources,
            },
        )
    }

    #[test]
    fn embed_code_names_the_platform_id_and_domains() {
        let (config, live) = setup(&["web_chat"]);
        let s = snippet(&config, &live, "web_chat").unwrap();
        assert_eq!(s.platform_id, "profile.web_chat");
        assert!(!s.domains_pending && s.sandbox);
        let html = render(&s);
        assert!(html.contains(
            "<!-- Allowed domains: https://www.acme.example, https://x.example/%3C!--a--%3E -->"
        ));
        assert!(html.contains("\"profile\":\"profile.web_chat\""), "{html}");
        // Nothing a value holds can close the script element or the comment early.
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        assert_eq!(html.matches("-->").count(), 3, "{html}");
        assert!(html.contains("acme \\u003c/script\\u003e"), "{html}");
    }

    #[test]
    fn not_applied_and_not_live_chat() {
        let (config, live) = setup(&["web_chat", "acme_fb"]);
        assert_eq!(
            snippet(&config, &live, "help_chat"),
            Err(SnippetError::NotApplied("help_chat".into()))
        );
        assert_eq!(
            snippet(&config, &live, "acme_fb"),
            Err(SnippetError::NotLiveChat {
                id: "acme_fb".into(),
                channel: Some(Channel::Facebook),
                live_chat: vec!["web_chat".into(), "help_chat".into()],
            })
        );
        assert!(matches!(
            snippet(&config, &live, "web_caht"),
            Err(SnippetError::NotLiveChat { channel: None, .. })
        ));
    }

    #[test]
    fn pending_domains_and_http_loader() {
        let (mut config, mut live) = setup(&["web_chat"]);
        live.resources[0]
            .resource
            .fields
            .insert("allowed_domains".into(), json!([]));
        config.backend = Some(BackendTable {
            kind: BackendKind::Http,
            url: Some("https://platform.example/api/".into()),
            ..BackendTable::default()
        });
        let s = snippet(&config, &live, "web_chat").unwrap();
        assert!(s.domains_pending);
        assert!(s.allowed_domains.is_empty());
        assert_eq!(s.loader, "https://platform.example/api/live-chat/loader.js");
        let html = render(&s);
        assert!(html.contains("Allowed domains: any"));
        assert!(!html.contains("Sandbox"));
    }
}
